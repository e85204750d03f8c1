"""Workspace commands: ``init``, ``import``, ``status``, ``demo``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from keepwise.application.importing import import_paths
from keepwise.application.status import workspace_status
from keepwise.cli.app import app, console, friendly, print_json
from keepwise.domain.contract.mapping import load_mapping
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


@app.command("import")
@friendly
def import_(
    workspace: WorkspaceArg,
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders (table from the file name).")
    ],
    table: Annotated[
        str | None, typer.Option("--table", help="Import every file into this table.")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="TOML/YAML file mapping their columns and values to ours."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Validate files against the data contract and import them all, or nothing."""
    ws = Workspace.open(workspace)
    column_mapping = load_mapping(mapping) if mapping else None
    with console.status("Importing…") as spinner:
        result = import_paths(
            ws,
            paths,
            table=table,
            mapping=column_mapping,
            progress=lambda msg: spinner.update(f"Importing: {msg}"),
        )
    if json_out:
        print_json(result.as_dict())
        return
    out = Table(title=f"Import {result.import_id}")
    for col in ("file", "table", "rows", "inserted", "updated", "unchanged", "extra columns"):
        out.add_column(col)
    for f in result.files:
        label = Path(f.path).name + (f" [{f.sheet}]" if f.sheet else "")
        out.add_row(
            label,
            f.table,
            f"{f.rows:,}",
            f"{f.inserted:,}",
            f"{f.updated:,}",
            f"{f.unchanged:,}",
            ", ".join(f.extra_columns),
        )
    console.print(out)


@app.command()
@friendly
def demo(
    workspace: WorkspaceArg,
    customers: Annotated[int, typer.Option(help="How many customers to generate.")] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same business).")] = 7,
    fmt: Annotated[str, typer.Option("--format", help="Files to write: parquet or csv.")] = (
        "parquet"
    ),
    json_out: JsonOpt = False,
) -> None:
    """Generate a realistic business, write its nine tables and import them."""
    from keepwise.application.demo import generate_business, write_business

    ws = Workspace.open(workspace) if (workspace / "keepwise.duckdb").exists() else None
    ws = ws or Workspace.init(workspace)
    data_dir = workspace / "demo-data"
    with console.status(f"Generating a business of {customers:,} customers…") as spinner:
        business = generate_business(customers=customers, seed=seed)
        spinner.update("Writing the nine tables…")
        paths = write_business(business, data_dir, fmt=fmt)
        spinner.update("Importing…")
        result = import_paths(
            ws, paths, user="keepwise demo", progress=lambda m: spinner.update(f"Importing: {m}")
        )
    if json_out:
        print_json({"workspace": str(ws.path), "as_of": business.as_of, **result.as_dict()})
        return
    console.print(
        f"Demo business of {customers:,} customers (seed {seed}) imported into [bold]{ws.path}[/]: "
        f"{result.inserted:,} rows; files and ground truth in {data_dir}."
    )


@app.command("settings")
@friendly
def settings_(
    workspace: Annotated[
        Path | None, typer.Argument(help="A workspace (omit for the defaults).")
    ] = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the settings reference as Markdown.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Show every setting: its effective value, default and why."""
    from keepwise.settings import ALL_SETTINGS, default_settings, render_settings_markdown

    if markdown:
        sys.stdout.write(render_settings_markdown(ALL_SETTINGS))
        return
    effective = Workspace.open(workspace).settings if workspace else default_settings()
    if json_out:
        print_json(effective.as_dict())
        return
    table = Table(title="keepwise settings")
    for col in ("key", "value", "default", "why"):
        table.add_column(col, overflow="fold")
    for s in effective.registry():
        value = effective[s.key]
        shown = f"[bold]{value}[/]" if value != s.default else str(value)
        table.add_row(s.key, shown, str(s.default), s.help)
    console.print(table)
