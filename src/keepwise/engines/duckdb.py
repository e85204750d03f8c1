"""The embedded engine: runs SQL (DuckDB dialect) over the workspace and returns Arrow.

Engines know nothing of the domain: features hand them SQL text, they hand back tables.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa


class DuckDBEngine:
    """Run feature SQL on a DuckDB connection; the default engine of every workspace."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def query(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run one SELECT and return its result as an Arrow table (no extra copy of rows)."""
        return self.con.sql(sql, params=params or None).to_arrow_table()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """Run a query that returns one value."""
        row = self.con.execute(sql, params or []).fetchone()
        return None if row is None else row[0]
