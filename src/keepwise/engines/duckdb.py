"""The embedded engine: runs SQL (DuckDB dialect) over the workspace and returns Arrow.

Engines know nothing of the domain: features hand them SQL text, they hand back tables.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb
import pyarrow as pa


class DuckDBEngine:
    """Run feature SQL on a DuckDB connection; the default engine of every workspace.

    Parameters
    ----------
    con
        The connection the features read through.
    settled
        The tables that the open transaction of ``con``, if any, has not written: other
        connections to the database read them as ``con`` does, so per-customer features over
        them may run part by part on connections of their own. Outside a transaction every
        table qualifies; inside one, by default none does and such features run whole.
    """

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, settled: Collection[str] | None = None):
        self.con = con
        self.settled = frozenset(settled or ())

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

    def customer_parts(self, tables: Collection[str]) -> list[str]:
        """Return one ``hash(customer_id)`` slice per DuckDB thread, or [] to run whole.

        DuckDB groups in parallel by building a table per thread and merging them, so a
        grouping with as many groups as rows (orders by customer and day) is done twice;
        one thread per slice of the customers does it once. The slices run on connections
        of their own, which see what is committed to the database: only when ``tables``
        are stored there (not temporary, nor Arrow data registered on this connection) and
        no transaction of this connection may have written them.
        """
        threads = self._threads()
        if threads < 2 or not self._shared(tables):
            return []
        if not set(tables) <= self.settled and self._in_transaction():
            return []
        return [f"hash(customer_id) % {threads} = {k}" for k in range(threads)]

    def query_parts(self, sqls: Sequence[str]) -> pa.Table:
        """Run the SELECTs at once, one thread each, and return their rows stacked.

        DuckDB's thread count belongs to the database, not the connection: it is 1 while
        the parts run (other connections of this process meanwhile get one thread too) and
        set back afterwards, also on error.
        """
        if len(sqls) < 2:
            return self.query(sqls[0])
        threads = self._threads()
        cursors = [self.con.cursor() for _ in sqls]
        self.con.execute("SET threads = 1")
        try:
            with ThreadPoolExecutor(len(sqls), thread_name_prefix="keepwise-part") as pool:
                parts = list(pool.map(lambda c, s: c.sql(s).to_arrow_table(), cursors, sqls))
        finally:
            self.con.execute(f"SET threads = {threads}")
            for c in cursors:
                c.close()
        return pa.concat_tables(parts)

    def _shared(self, tables: Collection[str]) -> bool:
        """Return whether every one of ``tables`` is a stored table or view, none temporary."""
        names = sorted(set(tables))
        rows = self.con.execute(
            "SELECT name, bool_or(temporary), bool_or(NOT temporary) FROM ("
            "SELECT table_name AS name, temporary FROM duckdb_tables() UNION ALL "
            "SELECT view_name, temporary FROM duckdb_views() WHERE NOT internal) "
            "WHERE name IN (SELECT unnest(?)) GROUP BY name",
            [names],
        ).fetchall()
        stored = {name for name, temporary, persistent in rows if persistent and not temporary}
        return stored == set(names)

    def _threads(self) -> int:
        return int(self.scalar("SELECT current_setting('threads')"))

    def _in_transaction(self) -> bool:
        """Return whether ``con`` is inside a transaction begun with BEGIN.

        Outside one, every statement is a transaction of its own, so two statements in a row
        get two transaction ids; inside one, they share it.
        """
        probe = "SELECT current_transaction_id()"
        return bool(self.scalar(probe) == self.scalar(probe))
