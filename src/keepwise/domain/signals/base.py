"""What a signal is: a name, the MISSION point it serves, the tables it reads and its SQL.

A signal is two SQL builders over the event tables, as of a date:

* ``levels(ctx)`` returns one row per customer with any relevant records, with columns
  ``customer_id``, ``level`` (``none``/``watch``/``flag``), ``sentence`` (the plain-language
  reason with its numbers, for watch/flag) and ``n`` (how many bad events it counted).
* ``evidence(ctx)`` returns the candidate records behind the level: ``customer_id``,
  ``source_table``, ``record_id``, ``at``, ``value``, ``detail``.

Both are DuckDB-dialect SQL kept portable so the Spark engine can transpile them with SQLGlot.
When both are computed from the same costly rows (a regular expression over every ticket), the
signal can also give ``records(ctx)``, those rows, and ``levels_from`` / ``evidence_from``, the
same SQL over a named relation holding them: the scoring query then computes the rows once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext

SqlBuilder = Callable[["FeatureContext"], str]
SqlOver = Callable[["FeatureContext", str], str]

LEVEL_COLUMNS = ("customer_id", "level", "sentence", "n")
EVIDENCE_COLUMNS = ("customer_id", "source_table", "record_id", "at", "value", "detail")


@dataclass(frozen=True)
class Signal:
    """One sign of a bad (or unhappy) customer.

    Parameters
    ----------
    name
        The scorecard name (``keepwise.domain.scorecard.SIGNAL_NAMES``) or ``our_failures``.
    mission
        The MISSION.md point the signal implements.
    reads
        Contract tables it can use; when none of them holds data the level is ``no_data``.
    levels
        Builder of the per-customer level SQL.
    evidence
        Builder of the evidence SQL.
    records, levels_from, evidence_from
        Optional: the rows both read, and the two queries over a relation holding them
        (``levels(ctx) == levels_from(ctx, f"({records(ctx)})")``, likewise evidence).
    """

    name: str
    mission: str
    reads: tuple[str, ...]
    levels: SqlBuilder
    evidence: SqlBuilder
    doc: str = ""
    records: SqlBuilder | None = None
    levels_from: SqlOver | None = None
    evidence_from: SqlOver | None = None

    @property
    def shares_records(self) -> bool:
        """Return whether levels and evidence can read one computed set of rows."""
        return None not in (self.records, self.levels_from, self.evidence_from)

    def available(self, present: frozenset[str]) -> bool:
        """Return whether at least one table this signal reads holds data."""
        return any(t in present for t in self.reads)
