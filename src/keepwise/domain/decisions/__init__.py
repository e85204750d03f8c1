"""Decisions: one recommended action per customer from a rule table kept as data."""

from keepwise.domain.decisions.evaluate import DECISION_INPUTS, DecisionError, decide, decision_sql
from keepwise.domain.decisions.rules import (
    BEHAVIOUR_SIGNALS,
    FACTS,
    GUARDRAILS,
    RULES,
    Fact,
    Rule,
    render_rule_table,
)

__all__ = [
    "BEHAVIOUR_SIGNALS",
    "DECISION_INPUTS",
    "FACTS",
    "GUARDRAILS",
    "RULES",
    "DecisionError",
    "Fact",
    "Rule",
    "decide",
    "decision_sql",
    "render_rule_table",
]
