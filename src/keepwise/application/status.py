"""What is in a workspace: tables, row counts, date ranges and the import history."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from keepwise.domain.contract import TABLES, Kind
from keepwise.storage import Workspace


@dataclass(frozen=True)
class TableStatus:
    """Row count and event date range of one contract table."""

    table: str
    rows: int
    first: str | None
    last: str | None


def workspace_status(ws: Workspace) -> dict[str, Any]:
    """Return tables (rows, first and last date) and the import history, newest first."""
    tables: list[TableStatus] = []
    with ws.connection(read_only=True) as con:
        for name, table in TABLES.items():
            date_col = next(
                (c.name for c in table.columns if c.kind is Kind.TIMESTAMP and c.required), None
            )
            fmt = "'%Y-%m-%d %H:%M:%S'"
            row = con.execute(
                f'SELECT count(*), strftime(min("{date_col}"), {fmt}), '
                f'strftime(max("{date_col}"), {fmt}) FROM "{name}"'
            ).fetchone()
            assert row is not None
            tables.append(TableStatus(name, int(row[0]), row[1], row[2]))
        imports = con.execute(
            "SELECT import_id, started_at::VARCHAR, finished_at::VARCHAR, user_name, files, "
            "inserted, updated, unchanged FROM _imports ORDER BY import_id DESC"
        ).fetchall()
    history = [
        {
            "import_id": r[0],
            "started_at": r[1],
            "finished_at": r[2],
            "user": r[3],
            "files": json.loads(r[4]),
            "inserted": r[5],
            "updated": r[6],
            "unchanged": r[7],
        }
        for r in imports
    ]
    return {
        "workspace": str(ws.path),
        "tables": [asdict(t) for t in tables],
        "imports": history,
    }
