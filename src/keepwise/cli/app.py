"""The one ``keepwise`` Typer app and the helpers every command module shares."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from keepwise import __version__
from keepwise.errors import ContractError, KeepwiseError

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="keepwise",
    help="Which customers are worth keeping, which cost more than they bring, "
    "which are about to leave, and what to do about each one.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"keepwise {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Score every customer on value, bad-customer signs and churn risk, and act on it."""


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a known keepwise error into a red message and exit code 1, with no traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ContractError as exc:
            n = len(exc.problems) + exc.more
            err_console.print(f"[bold red]Rejected:[/] {n} problem(s); nothing was written.")
            for problem in exc.problems:
                err_console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
            if exc.more:
                err_console.print(f"  ... and {exc.more} more problem(s) not shown")
            raise typer.Exit(code=1) from None
        except KeepwiseError as exc:
            err_console.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from None

    return wrapper


def print_json(data: Any) -> None:
    """Write ``data`` as JSON on stdout (for ``--json``), dates and decimals as strings."""
    sys.stdout.write(json.dumps(data, default=str, ensure_ascii=False, indent=2) + "\n")
