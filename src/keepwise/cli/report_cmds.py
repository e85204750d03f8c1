"""Report commands: ``report`` (HTML/PDF business report) and ``letter`` (letters and briefs)."""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from markupsafe import escape

from keepwise.cli.app import app, console, err_console, friendly, print_json
from keepwise.errors import KeepwiseError
from keepwise.reports.business import write_report
from keepwise.reports.letters import LANGUAGES, LETTER_KINDS, Letter, render_letter
from keepwise.storage import Workspace

WorkspaceArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
RunOpt = Annotated[
    str | None, typer.Option("--run", help="The scorecard run to use (default: the newest).")
]


@app.command()
@friendly
def report(
    workspace: WorkspaceArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="File to write; PDF when it ends in .pdf (default report.html)."
        ),
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Write PDF (WeasyPrint).")] = False,
    customer: Annotated[
        list[str] | None,
        typer.Option("--customer", "-c", help="Add a one-page profile of this customer (repeat)."),
    ] = None,
    profiles_only: Annotated[
        bool,
        typer.Option("--profiles-only", help="Only the --customer profiles, no business pages."),
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            "-l",
            help=f"One of: {', '.join(LANGUAGES)} (default: the workspace.locale setting).",
        ),
    ] = None,
    run: RunOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write the business report: churn, whale curve, bad-customer costs, where to act first."""
    ws = Workspace.open(workspace)
    target = output or Path("report.pdf" if pdf else "report.html")
    if pdf and target.suffix.lower() != ".pdf":
        target = target.with_suffix(".pdf")
    written = write_report(
        ws,
        target,
        run_id=run,
        customers=customer or (),
        lang=lang or ws.settings.get_str("workspace.locale"),
        profiles_only=profiles_only,
    )
    kind = "pdf" if written.suffix.lower() == ".pdf" else "html"
    info = {
        "output": str(written),
        "format": kind,
        "bytes": written.stat().st_size,
        "customers": list(customer or ()),
    }
    if json_out:
        print_json(info)
    else:
        console.print(f"Wrote {kind.upper()} report [bold]{written}[/].")


def _width(text: str) -> int:
    """Return how many terminal columns ``text`` takes (wide CJK characters count twice)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def letter_document(letter: Letter) -> str:
    """Return a letter as a complete HTML document (for saving or printing on its own)."""
    lang = letter.lang.replace("_", "-")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(letter.subject)}</title>\n<style>body{{font-family:'DejaVu Sans',"
        "'Noto Sans CJK JP',sans-serif;max-width:42em;margin:2em auto;line-height:1.5}}"
        "</style>\n</head>\n<body>\n"
        f"<h1>{escape(letter.subject)}</h1>\n{letter.html}\n</body>\n</html>\n"
    )


@app.command()
@friendly
def letter(
    workspace: WorkspaceArg,
    customer_id: Annotated[str, typer.Argument(help="The customer the letter is about.")],
    kind: Annotated[
        str, typer.Option("--kind", "-k", help=f"One of: {', '.join(LETTER_KINDS)}.")
    ] = "talk",
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            "-l",
            help=f"One of: {', '.join(LANGUAGES)} (default: the workspace.locale setting).",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not the screen.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or html.")] = "text",
    run: RunOpt = None,
    on: Annotated[
        str | None, typer.Option("--date", help="The letter's date, YYYY-MM-DD (default today).")
    ] = None,
    link: Annotated[
        str | None, typer.Option("--link", help="Personal answer link for survey invitations.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Write a letter or brief: talk, exit, referral, survey, exit_interview or apology."""
    if fmt not in ("text", "html"):
        raise KeepwiseError(f"unknown format {fmt!r}; use text or html")
    ws = Workspace.open(workspace)
    try:
        today = date.fromisoformat(on) if on else None
    except ValueError:
        raise KeepwiseError(f"--date must be YYYY-MM-DD, got {on!r}") from None
    language = lang or ws.settings.get_str("workspace.locale")
    result = render_letter(ws, customer_id, kind, language, run, today=today, link=link)
    for warning in result.warnings:
        err_console.print(f"[bold yellow]Warning:[/] {warning}", highlight=False)
    if json_out:
        print_json(asdict(result))
        return
    body = (
        letter_document(result)
        if fmt == "html"
        else f"{result.subject}\n{'=' * min(_width(result.subject), 72)}\n\n{result.text}"
    )
    if output is None:
        sys.stdout.write(body)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(body, encoding="utf-8")
    err_console.print(f"Wrote {kind} letter ({result.lang}) to {output}.", highlight=False)
