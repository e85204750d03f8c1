"""Exporting workspace tables to a Parquet lake, and writing scorecards back as Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from keepwise.application.importing import import_paths
from keepwise.application.lake import export_event_tables, write_scorecard
from keepwise.domain.contract import TABLES
from keepwise.storage.workspace import Workspace


def test_export_writes_each_present_table_with_contract_columns(business: Any) -> None:
    for name, data in business.tables.items():
        written = pq.read_table(business.lake / name)
        assert written.num_rows == data.num_rows
        assert written.column_names == [*TABLES[name].names, "extra"]
        assert written.schema.field(TABLES[name].names[0]).type == pa.string()
    orders = pq.read_table(business.lake / "orders")
    assert orders.schema.field("amount").type == pa.decimal128(18, 2)
    assert orders.schema.field("ordered_at").type == pa.timestamp("us")
    assert sorted(orders.column("amount").to_pylist()) == sorted(
        business.tables["orders"].column("amount").to_pylist()
    )


def test_empty_tables_are_absent_and_stale_copies_removed(tmp_path: Path, business: Any) -> None:
    ws = Workspace.init(tmp_path / "ws")
    with ws.connection() as con:
        con.register("incoming", business.tables["customers"])
        con.execute("INSERT INTO customers BY NAME SELECT * FROM incoming")
        con.register("incoming_orders", business.tables["orders"])
        con.execute("INSERT INTO orders BY NAME SELECT * FROM incoming_orders")
    lake = tmp_path / "lake"
    assert export_event_tables(ws, lake) == {
        "customers": business.tables["customers"].num_rows,
        "orders": business.tables["orders"].num_rows,
    }
    assert sorted(p.name for p in lake.iterdir()) == ["customers", "orders"]
    with ws.connection() as con:
        con.execute("DELETE FROM orders")
    assert export_event_tables(ws, lake) == {"customers": business.tables["customers"].num_rows}
    assert sorted(p.name for p in lake.iterdir()) == ["customers"]


def test_write_scorecard_round_trips(tmp_path: Path) -> None:
    card = pa.table({"customer_id": ["a", "b"], "profit": [1.5, -2.0]})
    path = write_scorecard(card, tmp_path / "out" / "scorecard.parquet")
    assert pq.read_table(path).equals(card)
    assert [p.name for p in path.parent.iterdir()] == ["scorecard.parquet"]


def test_the_lake_keeps_the_workspace_order_by_customer_then_time(
    tmp_path: Path, business: Any
) -> None:
    """Imported in shuffled order, stored and exported sorted, with no sort in the export."""
    files = []
    for name in ("customers", "orders"):
        data = business.tables[name]
        shuffled = data.take(np.random.default_rng(1).permutation(data.num_rows))
        files.append(tmp_path / f"{name}.parquet")
        pq.write_table(shuffled, files[-1])
    ws = Workspace.init(tmp_path / "ws")
    import_paths(ws, files)
    export_event_tables(ws, tmp_path / "lake")
    orders = pq.read_table(tmp_path / "lake" / "orders", columns=["customer_id", "ordered_at"])
    rows = list(zip(*(orders.column(c).to_pylist() for c in orders.column_names), strict=True))
    assert len(rows) == business.tables["orders"].num_rows
    assert rows == sorted(rows)
