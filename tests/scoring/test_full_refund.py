"""A customer who returned everything has revenue exactly 0, and scoring stays finite."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

from keepwise.application.importing import import_paths
from keepwise.application.scoring import score
from keepwise.domain.features import FeatureContext
from keepwise.domain.value import compute_value, default_as_of
from keepwise.engines import DuckDBEngine
from keepwise.storage import Workspace


def test_full_refund_is_zero_revenue_not_float_noise(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    data = tmp_path / "data"
    data.mkdir()
    (data / "customers.csv").write_text("customer_id,acquired_at\nR1,2024-01-01\nK1,2024-01-01\n")
    (data / "orders.csv").write_text(
        "order_id,customer_id,ordered_at,amount,cost\n"
        "O1,R1,2024-02-01,0.10,0\nO2,R1,2024-03-01,0.20,0\n"
        "O3,K1,2024-02-01,50,20\nO4,K1,2024-04-01,70,30\nO5,K1,2024-06-01,40,10\n"
    )
    (data / "returns.csv").write_text(
        "return_id,customer_id,returned_at,amount,order_id\nX1,R1,2024-03-05,0.30,O2\n"
    )
    (data / "tickets.csv").write_text(
        "ticket_id,customer_id,opened_at,handle_minutes\nT1,R1,2024-03-02,45\n"
    )
    import_paths(ws, [data])
    assert 0.1 + 0.2 - 0.3 != 0.0, "the fixture must produce float noise without rounding"
    with ws.connection(read_only=True) as con:
        engine = DuckDBEngine(con)
        present = frozenset(ws.present_tables(con))
        ctx = FeatureContext(default_as_of(engine, present), ws.settings, present)
        value = compute_value(engine, ctx).customers.to_pylist()
    refunded = next(v for v in value if v["customer_id"] == "R1")
    assert refunded["revenue"] == 0.0
    assert refunded["profit"] < 0
    run = score(ws)
    con = duckdb.connect(str(ws.db_path), read_only=True)
    rows = con.execute(
        "SELECT customer_id, revenue, clv FROM scorecard WHERE run_id = ?", [run.run_id]
    ).fetchall()
    assert {r[0] for r in rows} == {"R1", "K1"}
    assert all(r[2] is None or math.isfinite(float(r[2])) for r in rows)
