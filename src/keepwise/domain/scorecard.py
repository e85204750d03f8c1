"""The scorecard vocabulary every layer shares: signal names, levels, actions, export columns.

These names are a promise to users (DESIGN.md §9): extend, never rename.
"""

from __future__ import annotations

from typing import Final

SIGNAL_NAMES: Final[tuple[str, ...]] = (
    "late_payer",
    "underpayer",
    "shifting_requirements",
    "attention_hog",
    "unavailable",
    "dishonest",
    "abusive",
    "unreasonable_demands",
    "public_complainer",
    "doesnt_listen",
    "policy_abuse",
    "unhappy",
)

LEVELS: Final[tuple[str, ...]] = ("none", "watch", "flag", "no_data")

ACTIONS: Final[tuple[str, ...]] = (
    "nurture",
    "retain",
    "talk",
    "reprice",
    "refer",
    "fire",
    "win_back",
    "let_go",
)

SCORECARD_COLUMNS: Final[tuple[str, ...]] = (
    "customer_id",
    "as_of",
    "run_id",
    "revenue",
    "gross_margin",
    "cost_to_serve",
    "profit",
    "profit_rank",
    "clv",
    "clv_low",
    "clv_high",
    "p_alive",
    "churn_risk",
    "our_failures",
    "action",
    "reasons",
    *(f"signal_{name}" for name in SIGNAL_NAMES),
)
