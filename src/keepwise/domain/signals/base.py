"""What a signal is: a name, the MISSION point it serves, the tables it reads and its SQL.

A signal is two SQL builders over the event tables, as of a date:

* ``levels(ctx)`` returns one row per customer with any relevant records, with columns
  ``customer_id``, ``level`` (``none``/``watch``/``flag``), ``sentence`` (the plain-language
  reason with its numbers, for watch/flag) and ``n`` (how many bad events it counted).
* ``evidence(ctx)`` returns the candidate records behind the level: ``customer_id``,
  ``source_table``, ``record_id``, ``at``, ``value``, ``detail``.

Both are DuckDB-dialect SQL kept portable so the Spark engine can transpile them with SQLGlot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext

SqlBuilder = Callable[["FeatureContext"], str]

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
    """

    name: str
    mission: str
    reads: tuple[str, ...]
    levels: SqlBuilder
    evidence: SqlBuilder
    doc: str = ""

    def available(self, present: frozenset[str]) -> bool:
        """Return whether at least one table this signal reads holds data."""
        return any(t in present for t in self.reads)
