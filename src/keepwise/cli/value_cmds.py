"""Value commands: ``value`` (profit, whale curve, churn) and the ``churn-cost`` calculator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from babel.numbers import format_currency
from rich.table import Table

from keepwise.application.valuing import parse_as_of, value_workspace
from keepwise.cli.app import app, console, friendly, print_json
from keepwise.domain.churn import churn_cost
from keepwise.errors import KeepwiseError
from keepwise.storage import Workspace

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Value as of this date (ISO); default: the latest event."),
]


def _fmt(amount: float | None, currency: str) -> str:
    """Return money for people: whole amounts without cents ($42,000), others with cents."""
    if amount is None:
        return "no data"
    if float(amount).is_integer():
        return format_currency(
            amount, currency, locale="en", format="¤#,##0", currency_digits=False
        )
    return format_currency(amount, currency, locale="en")


def _pct(x: float | None) -> str:
    return "no data" if x is None else f"{x:.1%}"


@app.command("churn-cost")
@friendly
def churn_cost_cmd(
    workspace: Annotated[
        Path | None, typer.Argument(help="Take the inputs from this workspace's data.")
    ] = None,
    workspace_opt: Annotated[
        Path | None, typer.Option("--workspace", help="Same as the WORKSPACE argument.")
    ] = None,
    customers: Annotated[
        int | None, typer.Option("--customers", help="Repeat customers at the start of a year.")
    ] = None,
    annual_spend: Annotated[
        float | None, typer.Option("--annual-spend", help="What one customer spends a year.")
    ] = None,
    churn_rate: Annotated[
        float | None, typer.Option("--churn-rate", help="Share of customers lost a year (0-1).")
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="Currency code (default: workspace or USD).")
    ] = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Money lost to churn a year: customers × annual spend × churn rate.

    With a workspace, the inputs are observed: customers active at the start of the last 12
    months, their mean spend in the 12 months before, and the share of them lost since. Any
    option given overrides the observed value ("what if we kept 5% more?").
    """
    path = workspace or workspace_opt
    observed: dict[str, Any] = {}
    if path is not None:
        ws = Workspace.open(path)
        result = value_workspace(ws, parse_as_of(as_of))
        window = result.business["churn"]["last_12_months"]
        observed = {
            "customers": window["customers"],
            "annual_spend": window["annual_spend"],
            "churn_rate": window["churn_rate"],
            "money_lost_observed": window["money_lost_observed"],
            "start": window["start"],
            "end": window["end"],
        }
        currency = currency or result.business["currency"]
    n = customers if customers is not None else observed.get("customers")
    spend = annual_spend if annual_spend is not None else observed.get("annual_spend")
    rate = churn_rate if churn_rate is not None else observed.get("churn_rate")
    if n is None or spend is None or rate is None:
        missing = [
            opt
            for opt, v in (("--customers", n), ("--annual-spend", spend), ("--churn-rate", rate))
            if v is None
        ]
        where = "; the workspace has no data for it" if path is not None else ""
        raise KeepwiseError(f"missing {', '.join(missing)}{where}")
    currency = currency or "USD"
    money = churn_cost(int(n), float(spend), float(rate))
    lost = round(int(n) * float(rate), 2)
    out = {
        "customers": int(n),
        "annual_spend": float(spend),
        "churn_rate": float(rate),
        "customers_lost": lost,
        "money_lost": money,
        "currency": currency,
        "source": "workspace" if path is not None else "calculator",
        **({"observed": observed} if observed else {}),
    }
    if json_out:
        print_json(out)
        return
    lost_txt = f"{lost:,.0f}" if float(lost).is_integer() else f"{lost:,.1f}"
    console.print(
        f"{int(n):,} customers × {_fmt(float(spend), currency)} a year × {float(rate):.0%} churn "
        f"= {lost_txt} customers lost = [bold]{_fmt(money, currency)}[/] lost a year",
        highlight=False,
        soft_wrap=True,
    )
    if observed.get("money_lost_observed") is not None:
        console.print(
            f"Observed {observed['start'][:10]} – {observed['end'][:10]}: the customers who left "
            f"had brought {_fmt(observed['money_lost_observed'], currency)} in their last year.",
            highlight=False,
            soft_wrap=True,
        )


@app.command("value")
@friendly
def value_cmd(
    workspace: Annotated[Path, typer.Argument(help="The workspace folder.")],
    as_of: AsOfOpt = None,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Also write the whale curve to this .png or .svg file."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Show profit after cost to serve, the whale curve, 80/20, churn and its money."""
    result = value_workspace(Workspace.open(workspace), parse_as_of(as_of))
    b = result.business
    if chart is not None:
        from keepwise.reports.charts import whale_curve_png, whale_curve_svg

        if chart.suffix.lower() == ".svg":
            chart.write_text(whale_curve_svg(b), encoding="utf-8")
        else:
            whale_curve_png(b, chart)
    if json_out:
        print_json(b)
        return
    cur = b["currency"]
    t = b["totals"]
    table = Table(title=f"Value as of {b['as_of'][:10]} ({b['customers']:,} customers)")
    table.add_column("figure")
    table.add_column("amount", justify="right")
    rows = [
        ("revenue", t["revenue"]),
        ("cost of goods", t["cost_of_goods"]),
        ("gross margin", t["gross_margin"]),
        *((f"cost to serve: {c.replace('_', ' ')}", t[f"cts_{c}"]) for c in b["components"]),
        ("cost to serve", t["cost_to_serve"]),
        ("profit", t["profit"]),
    ]
    for label, amount in rows:
        table.add_row(label, _fmt(amount, cur))
    console.print(table)
    if b["whale_curve"]:
        peak = b["peak"]
        top = b["top20_share"]
        share = f"Top 20% of customers bring {_pct(top)} of profit; p" if top is not None else "P"
        console.print(
            f"{share}rofit peaks at "
            f"{_fmt(peak['profit'], cur)} after {peak['customers']:,} customers. "
            f"{b['unprofitable_count']:,} unprofitable customers cost "
            f"[bold]{_fmt(b['unprofitable_loss'], cur)}[/].",
            highlight=False,
            soft_wrap=True,
        )
    w = b["churn"]["last_12_months"]
    console.print(
        f"Churn, last 12 months: {w['churned']:,} of {w['customers']:,} customers "
        f"({_pct(w['churn_rate'])}); they brought "
        f"{_fmt(b['money_lost_to_churn']['revenue_per_year'], cur)} a year.",
        highlight=False,
        soft_wrap=True,
    )
    if b["components_no_data"]:
        console.print(f"No data for: {', '.join(b['components_no_data'])}.", highlight=False)
    if chart is not None:
        console.print(f"Whale curve written to {chart}.")
