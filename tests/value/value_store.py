"""An in-memory event store with the contract's own DDL for the value tests; rows by SQL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from keepwise.domain.contract import TABLES
from keepwise.domain.features import FeatureContext
from keepwise.domain.value import ValueResult, compute_value
from keepwise.engines import DuckDBEngine
from keepwise.settings import default_settings
from keepwise.storage.workspace import event_table_ddl

ARROW_COPY = "ignore:Arrow output on a DB-API result:UserWarning"


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts of contract columns) into ``table`` with plain INSERTs."""
    for row in rows:
        cols = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        con.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', list(row.values()))


class Store:
    """An in-memory event store shaped exactly like a workspace's keepwise.duckdb."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        for name in TABLES:
            self.con.execute(event_table_ddl(name))

    def add(self, table: str, rows: list[Mapping[str, Any]]) -> None:
        """Insert ``rows`` (dicts of contract columns) into ``table``."""
        insert(self.con, table, rows)

    def present(self) -> frozenset[str]:
        return frozenset(
            name
            for name in TABLES
            if self.con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # type: ignore[index]
        )

    def value(
        self,
        as_of: datetime,
        settings: Mapping[str, Any] | None = None,
        p_alive: pa.Table | None = None,
        present: frozenset[str] | None = None,
    ) -> ValueResult:
        s = default_settings()
        if settings:
            s = s.with_overrides(settings)
        ctx = FeatureContext(as_of, s, self.present() if present is None else present)
        return compute_value(DuckDBEngine(self.con), ctx, p_alive)


def row_of(result: ValueResult, customer_id: str) -> dict[str, Any]:
    """Return one customer's value row as a dict."""
    rows = [r for r in result.customers.to_pylist() if r["customer_id"] == customer_id]
    assert len(rows) == 1, customer_id
    return rows[0]


def item_of(result: ValueResult, customer_id: str, component: str) -> dict[str, Any]:
    """Return one itemised component row."""
    rows = [
        r
        for r in result.items.to_pylist()
        if r["customer_id"] == customer_id and r["component"] == component
    ]
    assert len(rows) == 1, (customer_id, component)
    return rows[0]
