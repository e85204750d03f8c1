"""compute_clv end to end on an event store: CDNOW orders, contracts, thin data, no orders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from keepwise.application.clv import CUSTOMER_COLUMNS, ClvError, ClvResult, compute_clv
from keepwise.domain.contract import TABLES
from keepwise.domain.features import FeatureContext, run_feature
from keepwise.domain.models import BetaGeoModel, ShiftedBetaGeoModel
from keepwise.engines import DuckDBEngine
from keepwise.settings import default_settings
from keepwise.storage.workspace import event_table_ddl

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")

DATA = Path(__file__).resolve().parent.parent / "data"
CALIBRATION_END = datetime(1997, 9, 30)


def store() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in TABLES:
        con.execute(event_table_ddl(name))
    return con


def present(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    return frozenset(
        n
        for n in TABLES
        if con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]  # type: ignore[index]
    )


def run(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    margin: pa.Table | None = None,
    **overrides: Any,
) -> ClvResult:
    ctx = FeatureContext(as_of, default_settings().with_overrides(overrides), present(con))
    return compute_clv(DuckDBEngine(con), ctx, margin_rate=margin)


@pytest.fixture(scope="module")
def cdnow_store() -> Iterator[duckdb.DuckDBPyConnection]:
    con = store()
    con.execute(
        f"""CREATE TEMP TABLE raw AS
        SELECT 'c' || substr(line, 8, 4) AS customer_id,
               strptime(substr(line, 13, 8), '%Y%m%d') AS ordered_at,
               CAST(substr(line, 25) AS DOUBLE) AS amount
        FROM (SELECT column0 AS line FROM read_csv('{DATA / "CDNOW_sample.txt"}',
              header = false, sep = '|', columns = {{'column0': 'VARCHAR'}}))"""
    )
    con.execute(
        "INSERT INTO orders (order_id, customer_id, ordered_at, amount) "
        "SELECT 'o' || row_number() OVER (), customer_id, ordered_at, amount FROM raw"
    )
    con.execute(
        "INSERT INTO customers (customer_id, acquired_at) "
        "SELECT customer_id, min(ordered_at) FROM raw GROUP BY customer_id"
    )
    yield con
    con.close()


@pytest.fixture(scope="module")
def cdnow_clv(cdnow_store: duckdb.DuckDBPyConnection) -> ClvResult:
    return run(cdnow_store, CALIBRATION_END)


def test_sql_summary_matches_the_published_cdnow_summary(
    cdnow_store: duckdb.DuckDBPyConnection, cdnow: dict[str, np.ndarray]
) -> None:
    ctx = FeatureContext(CALIBRATION_END, default_settings(), present(cdnow_store))
    rfm = run_feature(DuckDBEngine(cdnow_store), "clv.rfm", ctx).sort_by("customer_id")
    assert rfm.num_rows == 2357
    ids = np.array([int(c[1:]) for c in rfm.column("customer_id").to_pylist()])
    order = np.argsort(cdnow["ID"])
    assert np.array_equal(ids, cdnow["ID"][order].astype(int))
    for col in ("frequency", "recency", "T"):
        ours = rfm.column(col).to_numpy()
        np.testing.assert_allclose(ours, cdnow[col][order], atol=0.006)


def test_cdnow_pipeline_reproduces_the_published_bg_nbd_fit(cdnow_clv: ClvResult) -> None:
    fits = {c["model"]: c for c in cdnow_clv.report["candidates"]}
    bg = fits["bg-nbd"]
    for k, v in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert bg["params"][k] == pytest.approx(v, rel=5e-3)
    assert bg["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)
    pareto = fits["pareto-nbd"]
    assert pareto["log_likelihood"] == pytest.approx(-9595.0, abs=0.1)
    gg = cdnow_clv.report["spend_model"]
    for k, v in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert gg["params"][k] == pytest.approx(v, rel=5e-3)


def test_every_customer_gets_a_consistent_row(cdnow_clv: ClvResult) -> None:
    t = cdnow_clv.customers
    assert t.column_names == list(CUSTOMER_COLUMNS)
    assert t.num_rows == 2357
    d = {k: np.asarray(t.column(k).to_numpy(zero_copy_only=False)) for k in t.column_names}
    chosen = cdnow_clv.report["chosen"]
    assert set(d["model"]) == {chosen}
    assert np.all((d["p_alive"] >= 0) & (d["p_alive"] <= 1))
    assert np.all((d["churn_prob"] >= 1 - d["p_alive"] - 1e-9) & (d["churn_prob"] <= 1))
    assert np.all(d["clv"] > 0)
    assert np.all((d["clv_low"] < d["clv"]) & (d["clv"] < d["clv_high"]))
    # more repeat purchases with the same recency gap mean more expected purchases
    recent = d["T"] - d["recency"] < 2
    busy = recent & (d["frequency"] >= 5)
    one = recent & (d["frequency"] == 1)
    assert d["expected_purchases"][busy].mean() > d["expected_purchases"][one].mean()


def test_report_shows_candidates_holdout_and_why(cdnow_clv: ClvResult, tmp_path: Path) -> None:
    rep = cdnow_clv.report
    json.dumps(rep, allow_nan=False)
    names = {c["model"] for c in rep["candidates"]}
    assert names == {"bg-nbd", "mbg-nbd", "pareto-nbd"}
    assert rep["chosen"] in names and rep["chosen"] in rep["why"]
    assert rep["fallback"] is False
    hold = rep["holdout"]
    assert hold["available"]
    assert [b["frequency"] for b in hold["buckets"]][:2] == ["0", "1"]
    assert sum(b["customers"] for b in hold["buckets"]) == hold["customers"]
    errors = hold["error"]
    assert errors[rep["chosen"]] <= min(errors.values()) * 1.02 + 1e-12
    svg = cdnow_clv.holdout_chart(tmp_path / "holdout.svg")
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_predicted_holdout_totals_track_actuals(cdnow_clv: ClvResult) -> None:
    """The chosen model forecasts CDNOW's holdout purchases within 15 % in total."""
    totals = cdnow_clv.report["holdout"]["totals"]
    assert totals[cdnow_clv.report["chosen"]] == pytest.approx(totals["actual"], rel=0.15)


def test_margin_rate_scales_clv(
    cdnow_store: duckdb.DuckDBPyConnection, cdnow_clv: ClvResult
) -> None:
    margin = pa.table({"customer_id": ["c0001", "c0002"], "margin_rate": [0.5, None]})
    half = run(cdnow_store, CALIBRATION_END, margin)
    base = {r["customer_id"]: r for r in cdnow_clv.customers.to_pylist()}
    new = {r["customer_id"]: r for r in half.customers.to_pylist()}
    assert new["c0001"]["clv"] == pytest.approx(base["c0001"]["clv"] * 0.5)
    assert new["c0002"]["clv"] == pytest.approx(base["c0002"]["clv"])
    assert new["c0001"]["margin_rate"] == 0.5


def test_bootstrap_interval_brackets_clv(cdnow_store: duckdb.DuckDBPyConnection) -> None:
    res = run(
        cdnow_store,
        CALIBRATION_END,
        **{
            "clv.interval_method": "bootstrap",
            "clv.bootstrap_draws": 60,
            "clv.candidate_models": ["bg-nbd"],
            "clv.horizon_months": 12,
        },
    )
    t = res.customers
    low, clv, high = (t.column(k).to_numpy() for k in ("clv_low", "clv", "clv_high"))
    assert np.all(low <= high)
    assert np.mean((low <= clv) & (clv <= high)) > 0.95


def test_thin_data_uses_the_fallback_and_says_why() -> None:
    con = store()
    as_of = datetime(2024, 6, 30)
    rows = []
    for i in range(6):
        for k in range(i % 3 + 1):
            rows.append(
                (f"o{i}-{k}", f"c{i}", as_of - timedelta(days=400 - 120 * k - 10 * i), 100.0 + i)
            )
    con.executemany(
        "INSERT INTO orders (order_id, customer_id, ordered_at, amount) VALUES (?, ?, ?, ?)", rows
    )
    con.execute(
        "INSERT INTO customers (customer_id, acquired_at) "
        "SELECT customer_id, min(ordered_at) FROM orders GROUP BY customer_id"
    )
    con.execute(
        "INSERT INTO customers (customer_id, acquired_at) VALUES ('never', ?)",
        [as_of - timedelta(days=30)],
    )
    res = run(con, as_of)
    assert res.report["fallback"] is True
    assert "repeat purchase" in res.report["fallback_reason"]
    assert "retention" in res.report["why"]
    rows_by_id = {r["customer_id"]: r for r in res.customers.to_pylist()}
    assert len(rows_by_id) == 7
    assert rows_by_id["never"]["clv"] == 0.0 and rows_by_id["never"]["p_alive"] == 1.0
    buyers = [r for k, r in rows_by_id.items() if k != "never"]
    assert all(r["model"] == "fallback" for r in buyers)
    active = [r for r in buyers if r["p_alive"] == 1.0]
    assert active and all(r["clv_low"] <= r["clv"] <= r["clv_high"] for r in active)
    assert all(r["clv"] > 0 for r in active)


def test_contract_customers_get_sbg() -> None:
    rng = np.random.default_rng(11)
    con = store()
    as_of = datetime(2025, 1, 1)
    rows = []
    for i in range(600):
        start = as_of - timedelta(days=int(rng.integers(30, 6 * 365)))
        years = int(rng.geometric(rng.beta(0.7, 1.5)))
        end = start + timedelta(days=365 * years - 20)
        rows.append((f"k{i}", start, end if end <= as_of else None, 12000.0))
    con.executemany(
        "INSERT INTO customers (customer_id, acquired_at, ended_at, annual_contract_value) "
        "VALUES (?, ?, ?, ?)",
        rows,
    )
    res = run(con, as_of)
    cm = res.report["contract_model"]
    assert cm["model"] == "sbg"
    for k, truth in {"alpha": 0.7, "beta": 1.5}.items():
        assert abs(cm["params"][k] - truth) < 3 * cm["se"][k], (k, cm["params"], cm["se"])
    t = {r["customer_id"]: r for r in res.customers.to_pylist()}
    assert all(r["model"] == "sbg" for r in t.values())
    m = ShiftedBetaGeoModel()
    for cid, start, end, _ in rows[:50]:
        r = t[cid]
        if end is not None:
            assert r["p_alive"] == 0.0 and r["clv"] == 0.0 and r["churn_prob"] == 1.0
        else:
            n = int((as_of - start).days // 365.25)
            assert r["churn_prob"] == pytest.approx(
                float(m.churn_next(n, params=cm["params"])), rel=1e-6
            )
            assert 0 < r["clv_low"] <= r["clv"] <= r["clv_high"]
            assert r["clv"] <= 12000.0 * 3


def test_bad_settings_are_refused(cdnow_store: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ClvError, match="candidate_models"):
        run(cdnow_store, CALIBRATION_END, **{"clv.candidate_models": ["nope"]})
    with pytest.raises(ClvError, match="interval_method"):
        run(cdnow_store, CALIBRATION_END, **{"clv.interval_method": "guess"})


def test_single_model_matches_direct_fit(
    cdnow_store: duckdb.DuckDBPyConnection, cdnow: dict[str, np.ndarray]
) -> None:
    res = run(cdnow_store, CALIBRATION_END, **{"clv.candidate_models": ["bg-nbd"]})
    direct = BetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    row = res.customers.filter(pa.compute.equal(res.customers["customer_id"], "c0001"))
    p = res.report["candidates"][0]["params"]
    assert row["p_alive"][0].as_py() == pytest.approx(
        float(direct.p_alive(2, 30.43, 38.86, params=p)), abs=1e-3
    )
