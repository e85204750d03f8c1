"""The web app's state database: engine, Alembic migrations run on start, sessions.

SQLite ``W/app.sqlite`` by default; PostgreSQL (``postgresql+psycopg://…``) for a team server.
The URL comes from the caller, else ``KEEPWISE_DATABASE_URL``, else the ``web.database_url``
setting, else the SQLite file in the workspace.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from keepwise.errors import KeepwiseError
from keepwise.storage.workspace import Workspace

MIGRATIONS = Path(__file__).parent / "migrations"
ENV_URL = "KEEPWISE_DATABASE_URL"


class AppDatabaseError(KeepwiseError):
    """The app-state database cannot be reached or migrated."""


def database_url(ws: Workspace, explicit: str | None = None) -> str:
    """Return the app-state database URL for ``ws`` (argument > environment > setting > file)."""
    for candidate in (explicit, os.environ.get(ENV_URL), ws.settings.get_str("web.database_url")):
        if candidate:
            return candidate
    return f"sqlite:///{ws.app_db_path}"


def _sqlite_pragmas(dbapi_con: Any, _record: Any) -> None:
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with the settings each backend needs for a web server."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision shipped in the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except Exception as exc:  # driver errors vary by backend; surface one clear message
        raise AppDatabaseError(f"cannot migrate the app database: {exc}") from exc


class AppDB:
    """An open app-state database: the engine and a session factory."""

    def __init__(self, url: str, *, run_migrations: bool = True):
        self.url = url
        self.engine = make_engine(url)
        if run_migrations:
            migrate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def has_schema(self) -> bool:
        """Return whether the app tables exist (a never-started app has none)."""
        return inspect(self.engine).has_table("incidents")

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_appdb(ws: Workspace, url: str | None = None) -> AppDB:
    """Open (and migrate) the app database of ``ws``."""
    return AppDB(database_url(ws, url))


__all__ = ["AppDB", "AppDatabaseError", "database_url", "make_engine", "migrate", "open_appdb"]
