"""Workspace commands: ``init``, ``import``, ``status``, ``demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from keepwise.application.status import workspace_status
from keepwise.cli.app import app, console, friendly, print_json
from keepwise.storage import Workspace

WorkspaceArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@app.command()
@friendly
def init(workspace: WorkspaceArg) -> None:
    """Create a new, empty workspace folder (event store, settings file)."""
    ws = Workspace.init(workspace)
    console.print(f"Created workspace [bold]{ws.path}[/] (settings in {ws.settings_path.name}).")


@app.command()
@friendly
def status(workspace: WorkspaceArg, json_out: JsonOpt = False) -> None:
    """Show tables, row counts, date ranges and import history."""
    info = workspace_status(Workspace.open(workspace))
    if json_out:
        print_json(info)
        return
    table = Table(title=f"keepwise workspace {info['workspace']}")
    for col in ("table", "rows", "first", "last"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for t in info["tables"]:
        rows = t["rows"]
        table.add_row(t["table"], f"{rows:,}", t["first"] or "—", t["last"] or "no data")
    console.print(table)
    if not info["imports"]:
        console.print("No imports yet.")
        return
    hist = Table(title="Import history")
    for col in ("id", "finished", "user", "files", "inserted", "updated", "unchanged"):
        hist.add_column(col)
    for imp in info["imports"]:
        hist.add_row(
            str(imp["import_id"]),
            imp["finished_at"],
            imp["user"] or "",
            ", ".join(f"{f['table']}←{Path(f['path']).name}" for f in imp["files"]),
            f"{imp['inserted']:,}",
            f"{imp['updated']:,}",
            f"{imp['unchanged']:,}",
        )
    console.print(hist)
