"""Signal commands: ``signals`` (levels, sentences, evidence) and ``evaluate-signals``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import pyarrow.compute as pc
import pyarrow.parquet as pq
import typer
from rich.table import Table

from keepwise.application.valuing import parse_as_of
from keepwise.cli.app import app, console, friendly, print_json
from keepwise.domain.features import FeatureContext
from keepwise.domain.scorecard import SIGNAL_NAMES
from keepwise.domain.signals import SignalResult, compute_signals
from keepwise.domain.signals.evaluate import score_signals
from keepwise.domain.value import default_as_of
from keepwise.engines.duckdb import DuckDBEngine
from keepwise.errors import KeepwiseError, NotFoundError
from keepwise.storage import Workspace

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Signals as of this date (ISO); default: the latest event."),
]


def _compute(workspace: Path, as_of: str | None) -> tuple[SignalResult, str]:
    """Open ``workspace`` read-only and compute every signal as of ``as_of``."""
    ws = Workspace.open(workspace)
    with ws.connection(read_only=True) as con:
        cursor = con.cursor()
        present = frozenset(ws.present_tables(cursor))
        cursor.close()
        engine = DuckDBEngine(con)
        when = parse_as_of(as_of) or default_as_of(engine, present)
        if when is None:
            raise KeepwiseError(f"{workspace} holds no events yet; import data first")
        ctx = FeatureContext(when, ws.settings, present)
        return compute_signals(engine, ctx), when.isoformat(sep=" ")


@app.command("signals")
@friendly
def signals_cmd(
    workspace: Annotated[Path, typer.Argument(help="The workspace folder.")],
    as_of: AsOfOpt = None,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Show one customer's sentences and evidence.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Show how many customers each signal flags, or one customer's signals with evidence."""
    result, when = _compute(workspace, as_of)
    if customer is not None:
        _show_customer(result, customer, when, json_out)
        return
    counts = {
        name: dict(Counter(result.levels.column(f"signal_{name}").to_pylist()))
        for name in SIGNAL_NAMES
    }
    counts["our_failures"] = dict(Counter(result.levels.column("our_failures_level").to_pylist()))
    if json_out:
        print_json({"as_of": when, "customers": result.levels.num_rows, "levels": counts})
        return
    table = Table(title=f"Signals as of {when} ({result.levels.num_rows} customers)")
    for col in ("signal", "flag", "watch", "none", "no_data"):
        table.add_column(col, justify="left" if col == "signal" else "right")
    for name, c in counts.items():
        table.add_row(name, *(str(c.get(k, 0)) for k in ("flag", "watch", "none", "no_data")))
    console.print(table)


def _show_customer(result: SignalResult, customer: str, when: str, json_out: bool) -> None:
    levels = result.levels.filter(pc.equal(result.levels.column("customer_id"), customer))
    if levels.num_rows == 0:
        raise NotFoundError(f"no customer {customer!r} in this workspace")
    details = result.details.filter(pc.equal(result.details.column("customer_id"), customer))
    evidence = result.evidence.filter(pc.equal(result.evidence.column("customer_id"), customer))
    data = {
        "customer_id": customer,
        "as_of": when,
        "levels": levels.to_pylist()[0],
        "details": details.to_pylist(),
        "evidence": evidence.to_pylist(),
    }
    if json_out:
        print_json(data)
        return
    console.print(f"[bold]{customer}[/] as of {when}")
    for row in data["details"]:
        console.print(
            f"  [bold]{row['signal']}[/] {row['level']}: {row['sentence']}", soft_wrap=True
        )
        for ev in data["evidence"]:
            if ev["signal"] == row["signal"]:
                console.print(
                    f"      {ev['source_table']} {ev['record_id']} {ev['at']:%Y-%m-%d}"
                    f" {ev['value']} {ev['detail']}",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
    if not data["details"]:
        console.print("  no signal at watch or flag")


@app.command("evaluate-signals")
@friendly
def evaluate_signals_cmd(
    workspace: Annotated[Path, typer.Argument(help="The workspace folder.")],
    truth: Annotated[
        Path,
        typer.Argument(help="Ground truth parquet: customer_id, expect_<signal>, decoy."),
    ],
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print each signal's precision and recall against a ground truth (e.g. the demo's)."""
    if not truth.exists():
        raise KeepwiseError(f"ground truth file {truth} does not exist")
    result, when = _compute(workspace, as_of)
    scores = score_signals(result.levels, pq.read_table(truth))
    if json_out:
        print_json({"as_of": when, "signals": [s.as_dict() for s in scores]})
        return
    table = Table(title=f"Signals vs {truth.name}, as of {when}")
    for col in ("signal", "expected", "flagged", "precision", "recall", "decoys flagged"):
        table.add_column(col, justify="left" if col == "signal" else "right")
    for s in scores:
        table.add_row(
            s.signal,
            str(s.expected),
            str(s.flagged),
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            str(s.decoys_flagged),
        )
    console.print(table)
