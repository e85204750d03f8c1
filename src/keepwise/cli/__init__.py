"""The ``keepwise`` command line: one Typer app, one module per command group."""

from keepwise.cli import (
    fit_cmds,  # noqa: F401
    report_cmds,  # noqa: F401
    score_cmds,  # noqa: F401
    signals_cmds,  # noqa: F401
    value_cmds,  # noqa: F401
    web_cmds,  # noqa: F401
    workspace_cmds,  # noqa: F401  (registers commands)
)
from keepwise.cli.app import app


def main() -> None:
    """Run the ``keepwise`` command."""
    app()


__all__ = ["app", "main"]
