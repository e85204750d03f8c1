"""Lifetime-value commands: ``fit`` (one model on a summary file) and ``clv`` (a workspace)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from keepwise.application.fitting import COLUMNS, clv_workspace, fit_file
from keepwise.application.valuing import parse_as_of
from keepwise.cli.app import app, console, friendly, print_json
from keepwise.storage import Workspace

MODEL_HELP = "Model: " + ", ".join(
    f"{name} ({', '.join(req)})" for name, (req, _) in COLUMNS.items()
)


@app.command("fit")
@friendly
def fit_cmd(
    summary: Annotated[Path, typer.Argument(help="Per-customer summary, CSV or Parquet.")],
    model: Annotated[str, typer.Option("--model", "-m", help=MODEL_HELP)] = "bg-nbd",
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Fit one lifetime-value model to a summary file and print its parameters.

    JSON output: {"model", "params", "log_likelihood", "n", "seconds"} with the literature's
    parameter names (r, alpha, a, b, s, beta, p, q, gamma, delta), plus "se" and "aic".
    """
    result = fit_file(summary, model)
    if as_json:
        print_json(result)
        return
    table = Table(title=f"{result['model']} on {summary.name}: {result['n']:,} customers")
    table.add_column("parameter")
    table.add_column("estimate", justify="right")
    table.add_column("std. error", justify="right")
    for k, v in result["params"].items():
        table.add_row(k, f"{v:.4f}", f"{result['se'][k]:.4f}")
    console.print(table)
    console.print(
        f"log-likelihood {result['log_likelihood']:.2f}, AIC {result['aic']:.1f}, "
        f"fitted in {result['seconds']:.3f} s"
    )


@app.command("clv")
@friendly
def clv_cmd(
    workspace: Annotated[Path, typer.Argument(help="The workspace folder.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As of this date (ISO); default: latest event.")
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Write the holdout check chart here (.svg or .png)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="Write every customer's CLV here (.csv or .parquet)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Show how lifetime value was modelled: candidates, holdout check, choice and why."""
    result = clv_workspace(Workspace.open(workspace), parse_as_of(as_of))
    rep = result.report
    if chart is not None:
        result.holdout_chart(chart)
    if output is not None:
        _write(result.customers, output)
    if as_json:
        print_json(rep)
        return
    _show(rep)
    if chart is not None:
        console.print(f"Holdout chart written to {chart}")
    if output is not None:
        console.print(f"{result.customers.num_rows:,} customers written to {output}")


def _write(table: Any, path: Path) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if path.suffix.lower() in (".parquet", ".pq"):
        pq.write_table(table, path)
    else:
        pacsv.write_csv(table, path)


def _show(rep: dict[str, Any]) -> None:
    data = rep.get("data", {})
    console.print(
        f"CLV as of {rep['as_of'][:10]}: {data.get('customers', 0):,} customers, "
        f"{data.get('repeat_buyers', 0):,} repeat buyers, "
        f"{data.get('contract_customers', 0):,} on contracts; horizon {rep['horizon_months']} "
        f"months at {rep['monthly_discount_rate']:.2%} a month."
    )
    if rep.get("candidates"):
        errors = (rep.get("holdout") or {}).get("error", {})
        table = Table(title="Candidate models")
        for col in ("model", "parameters", "log-lik.", "AIC", "holdout error"):
            table.add_column(col)
        for c in rep["candidates"]:
            if "params" not in c:
                table.add_row(c["model"], c.get("error", ""), "", "", "")
                continue
            params = ", ".join(f"{k}={v:.3g}" for k, v in c["params"].items())
            err = errors.get(c["model"])
            mark = " ✓" if c["model"] == rep.get("chosen") else ""
            table.add_row(
                c["model"] + mark,
                params,
                f"{c['log_likelihood']:.1f}",
                f"{c['aic']:.1f}",
                "—" if err is None else f"{err:.1%}",
            )
        console.print(table)
    if rep.get("fallback"):
        console.print(f"[yellow]Fallback:[/] {rep.get('fallback_reason')}")
    if rep.get("why"):
        console.print(f"Chosen: [bold]{rep.get('chosen')}[/] — {rep['why']}", highlight=False)
    contract = rep.get("contract_model")
    if contract:
        console.print(f"Contracts: {contract['model']} — {contract.get('why', '')}")
