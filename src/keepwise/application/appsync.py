"""Bring the web app's incident reports and survey answers into the event store.

Staff report incidents and customers answer surveys in the app database; scoring reads the
DuckDB ``incidents`` and ``surveys`` tables. :func:`sync_app_events` upserts the former into
the latter on an open DuckDB connection, so the next scoring run counts them with no manual
re-import. Ids are prefixed (``app-I12``, ``app-S5``) so they never collide with imported ones.
Times are stored to the whole second, like imported files, so an app event that is the latest
event (and so sets the default ``as_of``) falls inside the scoring window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import make_url

from keepwise.storage.appdb import AppDB, crud
from keepwise.storage.appdb import database_url as resolve_url
from keepwise.storage.workspace import Workspace

SYNCED_TABLES = ("incidents", "surveys")
"""The event tables :func:`sync_app_events` writes; it writes no other."""
INCIDENT_PREFIX = "app-I"
SURVEY_PREFIX = "app-S"
_EXTRA = '{"source": "keepwise-app"}'

_INCIDENT_SCHEMA = pa.schema(
    [
        ("incident_id", pa.string()),
        ("customer_id", pa.string()),
        ("reported_at", pa.timestamp("us")),
        ("kind", pa.string()),
        ("reported_by", pa.string()),
        ("severity", pa.int64()),
        ("description", pa.string()),
    ]
)
_SURVEY_SCHEMA = pa.schema(
    [
        ("response_id", pa.string()),
        ("customer_id", pa.string()),
        ("kind", pa.string()),
        ("submitted_at", pa.timestamp("us")),
        ("score", pa.float64()),
        ("reasons", pa.string()),
        ("comment", pa.string()),
    ]
)


def _app_db(ws: Workspace, url: str | None) -> AppDB | None:
    resolved = resolve_url(ws, url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if not path or path == ":memory:":
            return None
        if not Path(path).exists():
            return None
    db = AppDB(resolved, run_migrations=False)
    if not db.has_schema():
        db.dispose()
        return None
    return db


def _upsert(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    """Replace the rows with these ids (event tables key rows by id without a primary key)."""
    cols = rows.column_names
    ident = f'"{cols[0]}"'
    view = f"_keepwise_app_{table}"
    con.register(view, rows)
    try:
        quoted = ", ".join(f'"{c}"' for c in cols)
        con.execute(f'DELETE FROM "{table}" WHERE {ident} IN (SELECT {ident} FROM {view})')
        con.execute(
            f'INSERT INTO "{table}" ({quoted}, extra, _import_id, _row_hash) '
            f"SELECT {quoted}, '{_EXTRA}'::JSON, NULL, hash({quoted}) FROM {view}"
        )
    finally:
        con.unregister(view)


def sync_app_events(
    ws: Workspace, con: duckdb.DuckDBPyConnection, *, database_url: str | None = None
) -> dict[str, int]:
    """Upsert the app's incidents and survey answers into the DuckDB event tables.

    Parameters
    ----------
    ws
        The workspace; its settings say where the app database is.
    con
        An open read-write DuckDB connection to ``ws``; no transaction is begun or committed
        here, so the caller (the scoring run) decides atomicity.
    database_url
        App database URL; by default ``KEEPWISE_DATABASE_URL``, the ``web.database_url``
        setting, or ``W/app.sqlite``.

    Returns
    -------
    dict
        ``{"incidents": n, "surveys": m}``: how many app records are now in the event store.
        Zero when the app has never run (no app database is created by this call).
    """
    db = _app_db(ws, database_url)
    if db is None:
        return {"incidents": 0, "surveys": 0}
    try:
        with db.session() as session:
            incidents: list[dict[str, Any]] = [
                {
                    "incident_id": f"{INCIDENT_PREFIX}{i.id}",
                    "customer_id": i.customer_id,
                    "reported_at": i.reported_at.replace(microsecond=0),
                    "kind": i.kind,
                    "reported_by": email,
                    "severity": i.severity,
                    "description": i.description,
                }
                for i, email in crud.all_incidents(session)
            ]
            surveys: list[dict[str, Any]] = [
                {
                    "response_id": f"{SURVEY_PREFIX}{a.id}",
                    "customer_id": a.customer_id,
                    "kind": a.kind,
                    "submitted_at": a.submitted_at.replace(microsecond=0),
                    "score": a.score,
                    "reasons": a.reasons or None,
                    "comment": a.comment or None,
                }
                for a in crud.all_answers(session)
            ]
    finally:
        db.dispose()
    if incidents:
        _upsert(con, "incidents", pa.Table.from_pylist(incidents, schema=_INCIDENT_SCHEMA))
    if surveys:
        _upsert(con, "surveys", pa.Table.from_pylist(surveys, schema=_SURVEY_SCHEMA))
    return {"incidents": len(incidents), "surveys": len(surveys)}


__all__ = ["INCIDENT_PREFIX", "SURVEY_PREFIX", "sync_app_events"]
