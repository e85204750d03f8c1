"""The run tables and the read API, on runs written directly through ``write_run``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from keepwise.application.runs import (
    SCORECARD_TYPES,
    RunRecord,
    business_summary,
    customer_profile,
    diff_runs,
    latest_run_id,
    list_runs,
    read_scorecard,
    write_run,
)
from keepwise.domain.scorecard import SCORECARD_COLUMNS, SIGNAL_NAMES
from keepwise.errors import KeepwiseError, NotFoundError
from keepwise.storage import Workspace

from .conftest import keyed_scorecard


def _card(n: int, action: str, late: str = "none") -> pa.Table:
    data = {
        "customer_id": [f"c{i:03d}" for i in range(n)],
        "as_of": [datetime(2025, 1, 1)] * n,
        "revenue": [100.0 * i for i in range(n)],
        "profit": [10.0 * i - 50 for i in range(n)],
        "action": [action] * n,
        "reasons": ["because."] * n,
        "segment": ["smb" if i % 2 else "enterprise" for i in range(n)],
        "name": [f"Customer {i}" for i in range(n)],
        **{f"signal_{s}": ["none"] * n for s in SIGNAL_NAMES},
    }
    data["signal_late_payer"] = [late if i < 3 else "none" for i in range(n)]
    return pa.table(data)


def _write(ws: Workspace, run_id: str, created: datetime, card: pa.Table) -> None:
    run = RunRecord(
        run_id,
        created,
        datetime(2025, 1, 1),
        "duckdb",
        "test",
        {},
        card.num_rows,
        {"actions": {"x": 1}},
    )
    signals = pa.table(
        {
            "customer_id": ["c001"],
            "signal": ["late_payer"],
            "level": ["flag"],
            "sentence": ["Pays late."],
        }
    )
    evidence = pa.table(
        {
            "customer_id": ["c001", "c001"],
            "signal": ["late_payer", "our_failures"],
            "source_table": ["invoices", "tickets"],
            "record_id": ["i1", "t1"],
            "at": [datetime(2024, 5, 1), datetime(2024, 6, 1)],
            "value": [12.5, 3],
            "detail": ["12 days late", "slow reply"],
        }
    )
    items = pa.table(
        {
            "customer_id": ["c001"],
            "component": ["staff_time"],
            "quantity": [30.0],
            "unit": ["minutes"],
            "rate": [1.0],
            "amount": [30.0],
            "status": ["ok"],
        }
    )
    with ws.connection() as con:
        con.execute("BEGIN")
        write_run(con, run, card, signals, evidence, items)
        con.execute("COMMIT")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "w")


def test_no_runs(ws: Workspace) -> None:
    assert list_runs(ws) == []
    assert latest_run_id(ws) is None
    with pytest.raises(NotFoundError, match="no scorecard run"):
        read_scorecard(ws)


def test_scorecard_columns_come_first_in_design_order() -> None:
    assert tuple(SCORECARD_TYPES)[: len(SCORECARD_COLUMNS)] == SCORECARD_COLUMNS


def test_read_page_filter_sort(ws: Workspace) -> None:
    _write(ws, "r1", datetime(2025, 1, 2), _card(20, "nurture", late="flag"))
    rows, total = read_scorecard(ws, limit=5, offset=0)
    assert total == 20 and len(rows) == 5
    assert [r["profit"] for r in rows] == [140.0, 130.0, 120.0, 110.0, 100.0]
    rows, total = read_scorecard(
        ws, where={"signal": "late_payer:flag"}, sort="customer_id", descending=False
    )
    assert total == 3 and [r["customer_id"] for r in rows] == ["c000", "c001", "c002"]
    _, total = read_scorecard(ws, where={"segment": "smb", "action": ["nurture", "fire"]})
    assert total == 10
    _, total = read_scorecard(ws, where={"q": "customer 1"})
    assert total == 11
    with pytest.raises(KeepwiseError, match="cannot sort"):
        read_scorecard(ws, sort="profit; DROP TABLE runs")
    with pytest.raises(KeepwiseError, match="unknown signal"):
        read_scorecard(ws, where={"signal": ("nope", "flag")})


def test_profile_and_summary(ws: Workspace) -> None:
    _write(ws, "r1", datetime(2025, 1, 2), _card(5, "nurture"))
    prof = customer_profile(ws, "c001")
    assert prof["action"]["action"] == "nurture"
    late = next(s for s in prof["signals"] if s["signal"] == "late_payer")
    assert late["sentence"] == "Pays late." and late["evidence"][0]["record_id"] == "i1"
    assert prof["risk"]["our_failures_evidence"][0]["record_id"] == "t1"
    assert prof["value"]["items"][0]["component"] == "staff_time"
    with pytest.raises(NotFoundError):
        customer_profile(ws, "nobody")
    assert business_summary(ws)["actions"] == {"x": 1}


def test_latest_and_diff(ws: Workspace) -> None:
    _write(ws, "r1", datetime(2025, 1, 2), _card(5, "nurture"))
    _write(ws, "r2", datetime(2025, 1, 3), _card(6, "nurture", late="watch"))
    assert latest_run_id(ws) == "r2"
    assert [r["run_id"] for r in list_runs(ws)] == ["r2", "r1"]
    changes = diff_runs(ws, "r1", "r2")
    by_id = {c["customer_id"]: c for c in changes}
    assert set(by_id) == {"c000", "c001", "c002", "c005"}
    assert by_id["c005"]["change"] == "added"
    assert by_id["c000"]["signals"] == [{"signal": "late_payer", "from": "none", "to": "watch"}]
    assert diff_runs(ws, "r1", "r1") == []
    with pytest.raises(NotFoundError):
        diff_runs(ws, "r1", "zzz")


def test_older_run_tables_gain_new_columns(ws: Workspace) -> None:
    from keepwise.application.runs import RUN_TABLES

    keyed_scorecard(ws, [c for c in SCORECARD_TYPES if c not in ("orders", "support_hours")])
    _write(ws, "r1", datetime(2025, 1, 2), _card(3, "nurture"))
    rows, _ = read_scorecard(ws, columns=["customer_id", "orders", "action"], sort="customer_id")
    assert rows[0] == {"customer_id": "c002", "orders": None, "action": "nurture"}
    assert set(RUN_TABLES["scorecard"]) == set(SCORECARD_TYPES)


def test_a_scorecard_with_the_old_primary_key_is_rebuilt_without_it(ws: Workspace) -> None:
    """Runs stored under the earlier (run_id, customer_id) key survive its removal unchanged."""
    keyed_scorecard(
        ws,
        insert="INSERT INTO scorecard (run_id, customer_id, profit, action) VALUES "
        "('r0', 'c000', 12.34, 'keep'), ('r0', 'c001', -5.00, 'fire')",
    )
    _write(ws, "r1", datetime(2025, 1, 2), _card(3, "nurture"))
    with ws.connection() as con:
        kinds = con.execute(
            "SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'scorecard'"
        ).fetchall()
        assert ("PRIMARY KEY",) not in kinds and ("NOT NULL",) in kinds
        old = con.execute(
            "SELECT customer_id, CAST(profit AS VARCHAR), action FROM scorecard "
            "WHERE run_id = 'r0' ORDER BY customer_id"
        ).fetchall()
        assert old == [("c000", "12.34", "keep"), ("c001", "-5.00", "fire")]
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'scorecard'"
            ).fetchall()
        )
        assert types["profit"] == "DECIMAL(18,2)" and types["as_of"] == "TIMESTAMP"
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO scorecard (run_id, customer_id) VALUES ('r2', NULL)")
    assert [
        r["customer_id"] for r in read_scorecard(ws, "r1", sort="customer_id", descending=False)[0]
    ] == [
        "c000",
        "c001",
        "c002",
    ]


def test_run_id_prefix(ws: Workspace) -> None:
    _write(ws, "20250102-aa", datetime(2025, 1, 2), _card(2, "nurture"))
    _write(ws, "20250103-bb", datetime(2025, 1, 3), _card(2, "fire"))
    assert read_scorecard(ws, "20250102")[0][0]["action"] == "nurture"
    with pytest.raises(NotFoundError, match="matches 2 runs"):
        read_scorecard(ws, "2025")
