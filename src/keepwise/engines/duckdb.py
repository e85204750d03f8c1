"""The embedded engine: runs SQL (DuckDB dialect) over the workspace and returns Arrow.

Engines know nothing of the domain: features hand them SQL text, they hand back tables.
"""

from __future__ import annotations

import warnings
from typing import Any

import duckdb
import pyarrow as pa


class DuckDBEngine:
    """Run feature SQL on a DuckDB connection; the default engine of every workspace."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def query(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run one SELECT and return its result as an Arrow table.

        Goes through ``execute`` so it works whatever the connection did before (inside the
        scoring transaction, after an unfinished result), which ``con.sql`` refuses in DuckDB
        2.0; the copy DuckDB warns about is one row per customer, not per event.
        """
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
            return self.con.execute(sql, params or []).to_arrow_table()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """Run a query that returns one value."""
        row = self.con.execute(sql, params or []).fetchone()
        return None if row is None else row[0]
