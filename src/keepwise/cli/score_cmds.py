"""Scorecard commands: ``score``, ``runs``, ``diff``, ``export``, ``customer``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from keepwise.application.exporting import FORMATS, export_scorecard
from keepwise.application.runs import customer_profile, diff_counts, diff_runs, list_runs
from keepwise.application.scoring import STEPS, score
from keepwise.cli.app import app, console, friendly, print_json
from keepwise.errors import KeepwiseError
from keepwise.storage import Workspace

WorkspaceArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
RunOpt = Annotated[str | None, typer.Option("--run", help="Run id (default: the newest run).")]

_LEVEL_STYLE = {"flag": "bold red", "watch": "yellow", "none": "green", "no_data": "dim"}


def _money(x: Any) -> str:
    return "—" if x is None else f"{float(x):,.0f}"


def _pct(x: Any) -> str:
    return "—" if x is None else f"{100 * float(x):.0f}%"


@app.command("score")
@friendly
def score_cmd(
    workspace: WorkspaceArg,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Score as of this date (default: the latest event)."),
    ] = None,
    talked: Annotated[
        list[str] | None,
        typer.Option(
            "--talked",
            help="Customer id with a recorded talk (repeatable); lets strategic or "
            "concentrated accounts be recommended for fire.",
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="Where features run: duckdb (the workspace) or spark (a Parquet lake copy; "
            "the scorecard is also written back there).",
        ),
    ] = "duckdb",
    lake: Annotated[
        Path | None,
        typer.Option("--lake", help="Lake folder for --engine spark (default WORKSPACE/lake)."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Score every customer in one atomic run and print the run id."""
    ws = Workspace.open(workspace)
    if engine not in ("duckdb", "spark"):
        raise KeepwiseError(f"unknown engine {engine!r}; use duckdb or spark")
    lake_file: Path | None = None
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=json_out,
    ) as bar:
        task = bar.add_task("Scoring", total=len(STEPS))
        done = [0]

        def tell(step: str) -> None:
            bar.update(task, description=step, completed=done[0])
            done[0] += step in STEPS

        if engine == "spark":
            from keepwise.application.lake import score_on_spark

            result, lake_file = score_on_spark(
                ws, as_of, lake=lake, prior_talks=talked, progress=tell
            )
        else:
            result = score(ws, as_of, prior_talks=talked, progress=tell)
        bar.update(task, completed=len(STEPS))
    if json_out:
        print_json(
            {
                "run_id": result.run_id,
                "as_of": result.as_of,
                "created_at": result.created_at,
                "n_customers": result.n_customers,
                "seconds": result.seconds,
                "actions": result.summary["actions"],
                "engine": engine,
                "lake_scorecard": None if lake_file is None else str(lake_file),
            }
        )
        return
    table = Table(
        title=f"Run {result.run_id}: {result.n_customers:,} customers as of {result.as_of:%Y-%m-%d}"
    )
    for col in ("action", "customers", "revenue", "profit"):
        table.add_column(col, justify="left" if col == "action" else "right")
    for action, fig in result.summary["actions"].items():
        if fig["customers"]:
            table.add_row(
                action, f"{fig['customers']:,}", _money(fig["revenue"]), _money(fig["profit"])
            )
    console.print(table)
    if lake_file is not None:
        console.print(f"Computed on Spark; scorecard also written to {lake_file}", highlight=False)
    console.print(result.run_id, highlight=False)


@app.command("runs")
@friendly
def runs_cmd(workspace: WorkspaceArg, json_out: JsonOpt = False) -> None:
    """List the scorecard runs of a workspace, newest first."""
    runs = list_runs(Workspace.open(workspace))
    if json_out:
        print_json(runs)
        return
    if not runs:
        console.print("No scorecard runs yet; run `keepwise score WORKSPACE`.")
        return
    table = Table(title="Scorecard runs")
    for col in ("run", "created (UTC)", "as of", "customers", "fire", "talk", "retain", "code"):
        table.add_column(col, no_wrap=col in ("run", "created (UTC)", "as of"))
    for r in runs:
        actions = (r.get("summary") or {}).get("actions", {})
        table.add_row(
            r["run_id"],
            f"{r['created_at']:%Y-%m-%d %H:%M:%S}",
            f"{r['as_of']:%Y-%m-%d}",
            f"{r['n_customers']:,}",
            *(f"{actions.get(a, {}).get('customers', 0):,}" for a in ("fire", "talk", "retain")),
            r["code_version"] or "",
        )
    console.print(table)


@app.command("diff")
@friendly
def diff_cmd(
    workspace: WorkspaceArg,
    run_a: Annotated[str, typer.Argument(help="The earlier run id.")],
    run_b: Annotated[str, typer.Argument(help="The later run id.")],
    limit: Annotated[int, typer.Option(help="Show at most this many customers.")] = 50,
    json_out: JsonOpt = False,
) -> None:
    """Show who changed action or signal levels between two runs, and why."""
    ws = Workspace.open(workspace)
    if json_out:
        print_json(diff_runs(ws, run_a, run_b))
        return
    counts = diff_counts(ws, run_a, run_b)
    if not counts["total"]:
        console.print(f"No customer changed action or signals between {run_a} and {run_b}.")
        return
    console.print(
        f"{counts['total']:,} customer(s) changed between {counts['run_a']} and "
        f"{counts['run_b']}: {counts['action_changed']:,} changed action, "
        f"{counts['added']:,} new, {counts['removed']:,} gone.",
        highlight=False,
    )
    for move in counts["moves"][:8]:
        console.print(f"  {move['from']} → {move['to']}: {move['customers']:,}", highlight=False)
    changes = diff_runs(ws, run_a, run_b, limit=limit)
    table = Table(show_lines=True)
    for col in ("customer", "action", "signals", "why now"):
        table.add_column(col, overflow="fold")
    for c in changes[:limit]:
        action = (
            f"{c['action_a'] or '—'} → {c['action_b'] or '—'}"
            if c["action_a"] != c["action_b"]
            else c["action_b"]
        )
        sigs = ", ".join(
            f"{s['signal']}: {s['from'] or '—'} → {s['to'] or '—'}" for s in c["signals"]
        )
        table.add_row(
            f"{c['customer_id']}\n{c['name'] or ''}",
            action,
            sigs or "—",
            c["reasons_b"] or f"({c['change']})",
        )
    console.print(table)
    if counts["total"] > limit:
        console.print(f"… and {counts['total'] - limit:,} more (use --limit or --json).")


@app.command("export")
@friendly
def export_cmd(
    workspace: WorkspaceArg,
    what: Annotated[str, typer.Argument(help="What to export: scorecard.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=f"One of {', '.join(FORMATS)} (default: from the suffix)."),
    ] = None,
    run: RunOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Export a scorecard run as CSV, Parquet or Excel, one row per customer."""
    if what != "scorecard":
        console.print(f"[bold red]Error:[/] cannot export {what!r}; only 'scorecard'.")
        raise typer.Exit(code=1)
    with Progress(
        SpinnerColumn(),
        TextColumn("Exporting"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=json_out,
    ) as bar:
        task = bar.add_task("export", total=None)

        def tell(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        info = export_scorecard(Workspace.open(workspace), output, fmt, run, progress=tell)
    if json_out:
        print_json(info)
        return
    console.print(
        f"Wrote {info['rows']:,} customers of run {info['run_id']} to {info['path']} "
        f"({info['format']})."
    )


@app.command("customer")
@friendly
def customer_cmd(
    workspace: WorkspaceArg,
    customer_id: Annotated[str, typer.Argument(help="The customer id.")],
    run: RunOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show the whole scorecard of one customer, with the evidence behind every figure."""
    p = customer_profile(Workspace.open(workspace), customer_id, run)
    if json_out:
        print_json(p)
        return
    c, v, clv, risk, act = p["customer"], p["value"], p["clv"], p["risk"], p["action"]
    title = f"{c['customer_id']} {c['name'] or ''}".strip()
    since = f"{c['acquired_at']:%Y-%m-%d}" if c["acquired_at"] else "—"
    facts = (
        f"segment {c['segment'] or '—'} · country {c['country'] or '—'} · "
        f"{'strategic · ' if c['strategic'] else ''}customer since {since}"
    )
    console.print(
        Panel(
            f"[bold]{act['action']}[/] ({act['rule']})\n{act['reasons']}",
            title=title,
            subtitle=f"run {p['run']['run_id']} · as of {p['run']['as_of']:%Y-%m-%d}",
        )
    )
    console.print(facts, highlight=False)

    value = Table(title="Value")
    value.add_column("figure")
    value.add_column("amount", justify="right")
    for key in ("revenue", "cost_of_goods", "discounts", "gross_margin", "cost_to_serve", "profit"):
        value.add_row(key.replace("_", " "), _money(v[key]))
    value.add_row("profit rank", f"{v['profit_rank'] or '—'} (decile {v['profit_decile'] or '—'})")
    value.add_row("share of revenue", _pct(v["revenue_share"]))
    counted = ", ".join(
        f"{k.replace('_', ' ')} {n:,.0f}" for k, n in v["records"].items() if n is not None
    )
    value.caption = f"from {counted}" if counted else None
    console.print(value)

    items = Table(title="Cost to serve")
    for col in ("component", "quantity", "unit", "rate", "amount", "status"):
        items.add_column(col, justify="right" if col in ("quantity", "rate", "amount") else "left")
    for it in v["items"]:
        items.add_row(
            it["component"],
            "—" if it["quantity"] is None else f"{it['quantity']:,.1f}",
            it["unit"] or "",
            "—" if it["rate"] is None else f"{it['rate']:,.2f}",
            _money(it["amount"]),
            it["status"] or "",
        )
    console.print(items)

    console.print(
        f"Lifetime value {_money(clv['clv'])} ({_money(clv['clv_low'])} to "
        f"{_money(clv['clv_high'])}), model {clv['model'] or '—'}; P(alive) {_pct(clv['p_alive'])};"
        f" churn risk {_pct(risk['churn_risk'])}; our failures {risk['our_failures_level']}"
        + (f" — {risk['our_failures_sentence']}" if risk["our_failures_sentence"] else ""),
        highlight=False,
    )
    for ev in risk["our_failures_evidence"]:
        console.print(
            f"    {ev['source_table']} {ev['record_id']} {ev['at'] or ''} {ev['detail'] or ''}",
            highlight=False,
            markup=False,
        )

    sig = Table(title="Signals", show_lines=True)
    for col in ("signal", "level", "why", "evidence"):
        sig.add_column(col, overflow="fold")
    for s in p["signals"]:
        style = _LEVEL_STYLE.get(s["level"], "")
        evidence = "\n".join(
            f"{e['source_table']} {e['record_id']} {e['at']:%Y-%m-%d} {e['detail'] or ''}"
            if e["at"]
            else f"{e['source_table']} {e['record_id']} {e['detail'] or ''}"
            for e in s["evidence"]
        )
        sig.add_row(
            s["signal"],
            f"[{style}]{s['level']}[/]" if style else s["level"],
            s["sentence"] or "",
            evidence,
        )
    console.print(sig)
