"""A keepwise workspace: one folder with the event store, settings and app database.

``keepwise.duckdb`` holds the contract tables (plus ``extra`` JSON for unknown columns), the
import history and the scorecard runs; ``keepwise.toml`` the settings; ``app.sqlite`` the web
app's transactional state. DuckDB's write-ahead log makes every committed import or run
durable and every uncommitted one vanish, even under SIGKILL.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from keepwise.domain.contract import TABLES
from keepwise.errors import WorkspaceError
from keepwise.settings import ALL_SETTINGS, Settings, read_settings, render_settings_toml

DB_FILE = "keepwise.duckdb"
WRITER_FLAG = DB_FILE + ".writer-waiting"
"""A writer touches this file while it waits for the lock; readers open nothing new meanwhile."""
SETTINGS_FILE = "keepwise.toml"
APP_DB_FILE = "app.sqlite"
MARKER_COLUMNS = ("extra", "_import_id", "_row_hash")


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back ``con``'s open transaction; without one DuckDB raises, which is ignored.

    Every writer calls this on its way out of a failure, so a crash mid-run leaves the
    workspace as it was whether or not the transaction had begun.
    """
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def event_table_ddl(name: str) -> str:
    """Return the CREATE TABLE statement of one contract table in the event store.

    Ids are unique without a primary key: the import checks them and upserts by id, and an
    index over ten million ids would cost more than the rest of the import together.
    """
    table = TABLES[name]
    cols = [f'"{c.name}" {c.storage_type}' for c in table.columns]
    cols += ["extra JSON", "_import_id BIGINT", "_row_hash UBIGINT"]
    return f'CREATE TABLE IF NOT EXISTS "{name}" ({", ".join(cols)})'


META_DDL = (
    """CREATE TABLE IF NOT EXISTS _imports (
        import_id BIGINT PRIMARY KEY,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP NOT NULL,
        user_name VARCHAR,
        files JSON NOT NULL,
        inserted BIGINT NOT NULL,
        updated BIGINT NOT NULL,
        unchanged BIGINT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS _meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
)


class Workspace:
    """Open handle on a workspace folder; connections are short-lived and per operation."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @property
    def db_path(self) -> Path:
        """Return the DuckDB event store's path."""
        return self.path / DB_FILE

    @property
    def settings_path(self) -> Path:
        """Return the ``keepwise.toml`` path."""
        return self.path / SETTINGS_FILE

    @property
    def app_db_path(self) -> Path:
        """Return the default SQLite app-state database path."""
        return self.path / APP_DB_FILE

    @classmethod
    def init(cls, path: Path) -> Workspace:
        """Create a new, empty workspace at ``path`` (which must not hold one already)."""
        path = Path(path)
        if (path / DB_FILE).exists():
            raise WorkspaceError(f"{path} is already a keepwise workspace")
        if path.exists() and not path.is_dir():
            raise WorkspaceError(f"{path} exists and is not a folder")
        path.mkdir(parents=True, exist_ok=True)
        ws = cls(path)
        tmp = path / (DB_FILE + ".creating")
        tmp.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp))
        try:
            for ddl in META_DDL:
                con.execute(ddl)
            for name in TABLES:
                con.execute(event_table_ddl(name))
            con.execute("INSERT INTO _meta VALUES ('contract_version', '1')")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if not ws.settings_path.exists():
            ws.settings_path.write_text(render_settings_toml(ALL_SETTINGS), encoding="utf-8")
        tmp.replace(ws.db_path)
        return ws

    @classmethod
    def open(cls, path: Path) -> Workspace:
        """Open an existing workspace, with a clear error when ``path`` is not one."""
        path = Path(path)
        if not (path / DB_FILE).exists():
            raise WorkspaceError(
                f"{path} is not a keepwise workspace (no {DB_FILE}); "
                f"create one with `keepwise init {path}`"
            )
        return cls(path)

    @property
    def settings(self) -> Settings:
        """Return the workspace settings (defaults overlaid with ``keepwise.toml``)."""
        return read_settings(self.settings_path)

    def connect(
        self, read_only: bool = False, wait_seconds: float = 30.0
    ) -> duckdb.DuckDBPyConnection:
        """Open a new connection to the event store, waiting while another process holds it.

        DuckDB lets one process write at a time; a web server reading between requests holds
        the file for milliseconds, so a writer retries briefly (and raises the writer flag, so
        the server starts no new reads) instead of failing. Readers get
        ``workspace.memory_limit`` too: a read-only database still spills to
        ``keepwise.duckdb.tmp`` (the 1M value query finished at a 400 MB limit, in 7.2 s
        instead of 3.7 s).
        """
        deadline = time.monotonic() + wait_seconds
        flag = self.path / WRITER_FLAG
        raised_flag = False
        config: dict[str, str | bool | int | float | list[str]] = {}
        limit = self.settings.get_str("workspace.memory_limit")
        if limit:
            config["memory_limit"] = limit
        try:
            while True:
                try:
                    return duckdb.connect(str(self.db_path), read_only=read_only, config=config)
                except duckdb.IOException as exc:
                    if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                        raise WorkspaceError(f"cannot open {self.db_path}: {exc}") from exc
                    if not read_only and not raised_flag:
                        flag.touch()
                        raised_flag = True
                    time.sleep(0.02)
        finally:
            if raised_flag:
                flag.unlink(missing_ok=True)

    @contextmanager
    def connection(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a connection and close it afterwards."""
        con = self.connect(read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def present_tables(self, con: duckdb.DuckDBPyConnection) -> set[str]:
        """Return the contract tables that hold at least one row (the others are 'no data')."""
        sql = " UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in TABLES
        )
        return {row[0] for row in con.execute(sql).fetchall()}
