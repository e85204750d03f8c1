"""Precision and recall of the signals against a ground truth (e.g. the demo generator's).

A signal *predicts* a customer when its level is ``flag``; the ground truth's
``expect_<signal>`` says whether it should. Decoys (customers built to look bad once but not as
a pattern) must never be flagged on any signal they were not built to show.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from keepwise.domain.scorecard import SIGNAL_NAMES


@dataclass(frozen=True)
class SignalScore:
    """Confusion counts of one signal and the precision/recall they give."""

    signal: str
    expected: int
    flagged: int
    true_positives: int
    watched_expected: int
    decoys_flagged: int

    @property
    def precision(self) -> float:
        """Return the share of flagged customers who should be flagged (1.0 when none are)."""
        return self.true_positives / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        """Return the share of customers who should be flagged that are (1.0 when none should)."""
        return self.true_positives / self.expected if self.expected else 1.0

    def as_dict(self) -> dict[str, float | int | str]:
        """Return the counts and rates as a plain dict (for JSON and tables)."""
        return {
            "signal": self.signal,
            "expected": self.expected,
            "flagged": self.flagged,
            "true_positives": self.true_positives,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "watched_expected": self.watched_expected,
            "decoys_flagged": self.decoys_flagged,
        }


def _aligned(levels: pa.Table, truth: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Return ``levels`` and ``truth`` restricted to common customers, in the same order."""
    truth = truth.sort_by("customer_id")
    levels = levels.sort_by("customer_id")
    keep_t = pc.is_in(truth.column("customer_id"), value_set=levels.column("customer_id"))
    keep_l = pc.is_in(levels.column("customer_id"), value_set=truth.column("customer_id"))
    return levels.filter(keep_l), truth.filter(keep_t)


def score_signals(levels: pa.Table, truth: pa.Table) -> list[SignalScore]:
    """Score every signal (and ``our_failures``) of ``levels`` against ``truth``.

    Parameters
    ----------
    levels
        ``SignalResult.levels``: ``customer_id``, ``signal_<name>``, ``our_failures_level``.
    truth
        ``customer_id``, ``expect_<name>`` booleans, optionally ``expect_our_failures`` and
        ``decoy`` (null for non-decoys).
    """
    levels, truth = _aligned(levels, truth)
    is_decoy = (
        pc.is_valid(truth.column("decoy"))
        if "decoy" in truth.column_names
        else pa.array([False] * truth.num_rows)
    )
    pairs = [(name, f"signal_{name}") for name in SIGNAL_NAMES]
    if "expect_our_failures" in truth.column_names:
        pairs.append(("our_failures", "our_failures_level"))
    scores = []
    for name, column in pairs:
        expected = pc.fill_null(truth.column(f"expect_{name}"), False)
        level = levels.column(column)
        flagged = pc.equal(level, "flag")
        watched = pc.equal(level, "watch")
        scores.append(
            SignalScore(
                signal=name,
                expected=int(pc.sum(expected).as_py() or 0),
                flagged=int(pc.sum(flagged).as_py() or 0),
                true_positives=int(pc.sum(pc.and_(expected, flagged)).as_py() or 0),
                watched_expected=int(pc.sum(pc.and_(expected, watched)).as_py() or 0),
                decoys_flagged=int(
                    pc.sum(pc.and_(pc.and_(is_decoy, flagged), pc.invert(expected))).as_py() or 0
                ),
            )
        )
    return scores


def misclassified(levels: pa.Table, truth: pa.Table, signal: str) -> pa.Table:
    """Return the customers where ``signal`` disagrees with ``truth`` (for tuning and reports)."""
    levels, truth = _aligned(levels, truth)
    column = "our_failures_level" if signal == "our_failures" else f"signal_{signal}"
    expected = pc.fill_null(truth.column(f"expect_{signal}"), False)
    flagged = pc.equal(levels.column(column), "flag")
    wrong = pc.not_equal(expected, flagged)
    cols = {
        "customer_id": truth.column("customer_id"),
        "expected": expected,
        "level": levels.column(column),
    }
    for extra in ("archetype", "decoy", "segment"):
        if extra in truth.column_names:
            cols[extra] = truth.column(extra)
    return pa.table(cols).filter(wrong)
