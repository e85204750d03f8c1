"""DuckDB runs per-customer features over slices of the customers side by side, and gets the
same rows as running them whole, never rows another connection cannot see."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from keepwise.domain.features import FeatureContext, get_feature, run_feature
from keepwise.engines import DuckDBEngine
from keepwise.settings import default_settings
from keepwise.storage.workspace import event_table_ddl

AS_OF = datetime(2024, 6, 30, 12, 0)
CTX = FeatureContext(AS_OF, default_settings(), frozenset({"orders"}))


def _orders(n_customers: int = 300, seed: int = 3) -> pa.Table:
    """Return orders of many customers; customer c0 alone holds the earliest order."""
    rng = np.random.default_rng(seed)
    per = rng.integers(1, 12, n_customers)
    owner = np.repeat(np.arange(n_customers), per)
    days = rng.integers(0, 700, len(owner))
    days[np.flatnonzero(owner == 0)[0]] = 900  # the earliest order of all, by far
    at = [
        AS_OF - timedelta(days=int(d), hours=int(h)) for d, h in zip(days, owner % 24, strict=True)
    ]
    return pa.table(
        {
            "order_id": [f"o{i}" for i in range(len(owner))],
            "customer_id": [f"c{o}" for o in owner],
            "ordered_at": pa.array(at, pa.timestamp("us")),
            "amount": pa.array(np.round(rng.uniform(1, 300, len(owner)), 2)),
        }
    )


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    c.execute(event_table_ddl("orders"))
    c.register("_new", _orders())
    c.execute(
        "INSERT INTO orders (order_id, customer_id, ordered_at, amount) "
        "SELECT order_id, customer_id, ordered_at, amount FROM _new"
    )
    c.unregister("_new")
    yield c
    c.close()


def _threads(c: duckdb.DuckDBPyConnection) -> int:
    row = c.execute("SELECT current_setting('threads')").fetchone()
    assert row is not None
    return int(row[0])


def test_the_slices_follow_duckdb_threads_and_cover_each_customer_once(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("SET threads = 3")
    parts = DuckDBEngine(con).customer_parts(["orders"])
    assert len(parts) == 3
    counts = [
        {r[0] for r in con.execute(f"SELECT DISTINCT customer_id FROM orders WHERE {p}").fetchall()}
        for p in parts
    ]
    assert all(counts)
    assert sum(len(c) for c in counts) == len(set().union(*counts)) == 300
    con.execute("SET threads = 1")
    assert DuckDBEngine(con).customer_parts(["orders"]) == []


@pytest.mark.parametrize("name", ["clv.rfm", "clv.rfm_holdout"])
def test_a_feature_run_in_slices_equals_the_feature_run_whole(
    con: duckdb.DuckDBPyConnection, name: str
) -> None:
    con.execute("SET threads = 4")
    engine = DuckDBEngine(con)
    whole = engine.query(get_feature(name).sql(CTX)).sort_by("customer_id")
    split = run_feature(engine, name, CTX).sort_by("customer_id")
    assert whole.num_rows == 300
    # the holdout's cut-off comes from c0's order, in one slice only: every slice must use it
    assert split.equals(whole)
    assert _threads(con) == 4


def test_inside_a_transaction_the_tables_it_may_have_written_are_read_whole(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("SET threads = 2")
    con.execute("BEGIN TRANSACTION")
    con.execute(
        "INSERT INTO orders (order_id, customer_id, ordered_at, amount) "
        "VALUES ('new', 'uncommitted', TIMESTAMP '2024-06-01 10:00:00', 5)"
    )
    engine = DuckDBEngine(con)
    assert engine.customer_parts(["orders"]) == []
    ids = run_feature(engine, "clv.rfm", CTX).column("customer_id").to_pylist()
    assert "uncommitted" in ids and len(ids) == 301
    # a caller that knows the run wrote other tables only lets the slices read orders
    assert len(DuckDBEngine(con, settled={"orders"}).customer_parts(["orders"])) == 2
    assert DuckDBEngine(con, settled={"surveys"}).customer_parts(["orders"]) == []
    con.execute("ROLLBACK")


def test_threads_are_set_back_when_a_slice_fails(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SET threads = 2")
    engine = DuckDBEngine(con)
    with pytest.raises(duckdb.BinderException):
        engine.query_parts(["SELECT customer_id FROM orders", "SELECT no_such_column FROM orders"])
    assert _threads(con) == 2
    assert engine.query_parts(["SELECT 1 AS one", "SELECT 2 AS one"]).column("one").to_pylist() == [
        1,
        2,
    ]


def test_orders_only_this_connection_can_see_are_read_whole() -> None:
    c = duckdb.connect(config={"threads": 2})
    try:
        c.register("orders", _orders())
        engine = DuckDBEngine(c)
        assert engine.customer_parts(["orders"]) == []
        assert run_feature(engine, "clv.rfm", CTX).num_rows == 300
        c.unregister("orders")
        c.execute(event_table_ddl("orders"))
        assert len(engine.customer_parts(["orders"])) == 2
        # a temporary table of the same name hides the stored one from this connection only
        c.execute("CREATE TEMP TABLE orders AS SELECT * FROM main.orders")
        assert engine.customer_parts(["orders"]) == []
    finally:
        c.close()
