"""One exception tree for keepwise, so surfaces can catch ``KeepwiseError`` at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field


class KeepwiseError(Exception):
    """Root of every error keepwise raises on purpose (bad input, missing workspace, ...)."""


class WorkspaceError(KeepwiseError):
    """The workspace folder is missing, not a keepwise workspace, or already exists."""


class SettingsError(KeepwiseError, ValueError):
    """A ``keepwise.toml`` value has the wrong type or an unknown key."""


class NotFittedError(KeepwiseError, ValueError):
    """A model was asked for a prediction before ``fit`` was called."""


class NotFoundError(KeepwiseError, LookupError):
    """A customer, run or record that was asked for does not exist."""


@dataclass(frozen=True)
class Problem:
    """One violation of the data contract, located as a person sees it in the file.

    ``row`` counts like a spreadsheet: the header is row 1, the first record row 2.
    ``row`` is ``None`` for problems with the whole file (encoding, missing column).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.rule}{shown}"


@dataclass
class ContractError(KeepwiseError, ValueError):
    """Input that breaks the data contract; carries every problem found (up to a limit)."""

    problems: list[Problem] = field(default_factory=list)
    more: int = 0

    def __post_init__(self) -> None:
        super().__init__(self.summary())

    def summary(self) -> str:
        """Return every located problem on its own line, then the count of those not shown."""
        lines = [str(p) for p in self.problems]
        if self.more:
            lines.append(f"... and {self.more} more problem(s) not shown")
        return "\n".join(lines) if lines else "input breaks the data contract"

    def __str__(self) -> str:
        return self.summary()
