"""The decision rule table, as data: named facts, then ordered rules (first match wins).

Everything that decides a customer's action is in this file, in two lists a person can read
top to bottom: :data:`FACTS` (named yes/no questions about one customer, SQL over the decision
inputs, with their limits taken from settings) and :data:`RULES` (when → action + reason). The
guardrails of MISSION.md §2 / DESIGN.md §6 are rules placed before the rules they guard, and
:data:`GUARDRAILS` names each one with the rule that implements it. ``docs/decisions.md`` is
rendered from these lists by :func:`render_rule_table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from keepwise.domain.scorecard import SIGNAL_NAMES

BEHAVIOUR_SIGNALS: Final[tuple[str, ...]] = tuple(s for s in SIGNAL_NAMES if s != "unhappy")
"""The signs of a bad customer (MISSION.md §1, policy abuse); ``unhappy`` is risk, not conduct."""

CONDUCT_SIGNALS: Final[tuple[str, ...]] = ("abusive", "dishonest", "policy_abuse")
"""Signs whose flag alone makes a customer bad: staff are harmed or misled (MISSION.md §1.6-7),
or a generous policy is exploited (§2.6: serial returners ended a lifetime-return policy)."""


@dataclass(frozen=True)
class Fact:
    """A named yes/no question about one customer: SQL over the inputs and earlier facts.

    ``sql`` may name decision inputs, earlier facts and ``{setting.key}`` placeholders that are
    filled in from the settings when the table is compiled.
    """

    name: str
    sql: str
    meaning: str


@dataclass(frozen=True)
class Rule:
    """One row of the rule table: when ``when`` holds (and no earlier rule did), do ``action``.

    ``when`` is SQL over facts and inputs; ``reason`` is the first sentence of the customer's
    reasons, with ``{placeholders}`` from :data:`keepwise.domain.decisions.reasons.PLACEHOLDERS`.
    """

    name: str
    when: str
    action: str
    reason: str


def _any_level(signals: tuple[str, ...] | str, levels: str) -> str:
    if isinstance(signals, str):
        return signals
    return "(" + " OR ".join(f"signal_{s} IN ({levels})" for s in signals) + ")"


def _count_level(signals: tuple[str, ...], level: str) -> str:
    return (
        "("
        + " + ".join(f"(CASE WHEN signal_{s} = '{level}' THEN 1 ELSE 0 END)" for s in signals)
        + ")"
    )


FACTS: Final[tuple[Fact, ...]] = (
    Fact(
        "flags",
        _count_level(BEHAVIOUR_SIGNALS, "flag"),
        "how many signs of a bad customer are flagged",
    ),
    Fact("watches", _count_level(BEHAVIOUR_SIGNALS, "watch"), "how many signs are on watch"),
    Fact(
        "threat",
        "COALESCE(threats, 0) > 0",
        "staff reported a threat within `decisions.threat_window_days`",
    ),
    Fact(
        "conduct",
        _any_level(CONDUCT_SIGNALS, "'flag'"),
        "abuse, dishonesty or policy abuse is flagged (a pattern, per the signal rules)",
    ),
    Fact(
        "bad",
        "(threat OR conduct OR flags >= {decisions.bad_flags})",
        "a bad customer: a threat, flagged conduct, or `decisions.bad_flags` flags",
    ),
    Fact(
        "loss",
        "COALESCE(profit, 0) < -{decisions.loss_tolerance}",
        "profit after cost to serve is below minus `decisions.loss_tolerance`",
    ),
    Fact("good", "(NOT bad AND NOT loss)", "neither bad nor loss-making"),
    Fact(
        "protected",
        "(COALESCE(strategic, FALSE) OR "
        "COALESCE(revenue_share, 0) > {decisions.concentration_limit})",
        "strategic/prestige account, or above `decisions.concentration_limit` of total revenue",
    ),
    Fact(
        "talked",
        "COALESCE(talked, FALSE)",
        "a talk decision is on record (`decisions.prior_talks`, later the decision log)",
    ),
    Fact(
        "new",
        "COALESCE(tenure_days, 0) < {decisions.grace_days}",
        "acquired less than `decisions.grace_days` ago",
    ),
    Fact(
        "failing",
        "COALESCE(our_failures_level, 'none') IN ('watch', 'flag')",
        "our own service failures toward them are on watch or flagged",
    ),
    Fact(
        "fire_candidate",
        "(bad AND (loss OR COALESCE(clv, 0) < 0 OR flags >= {decisions.fire_flags}))",
        "bad and loss-making (now or in lifetime value), or bad with `decisions.fire_flags` flags",
    ),
    Fact(
        "priceable",
        "{reprice_signals}",
        "one of `decisions.reprice_signals` is on watch or flagged",
    ),
    Fact(
        "at_risk",
        "COALESCE(churn_risk, 0) >= {decisions.at_risk_churn}",
        "churn risk at or above `decisions.at_risk_churn`",
    ),
    Fact(
        "concern",
        "(flags > 0 OR watches >= {decisions.talk_watches} OR signal_unhappy = 'flag')",
        "a sign flagged, `decisions.talk_watches` signs on watch, or flagged unhappy",
    ),
)

RULES: Final[tuple[Rule, ...]] = (
    Rule(
        "lost_bad",
        "lost AND bad",
        "let_go",
        "They have already left and were a bad customer ({flag_list}), so let them go; an exit "
        "survey is enough.",
    ),
    Rule(
        "lost_good",
        "lost AND good",
        "win_back",
        "They have left, but they were a good customer who brought us {profit}: ask why in an "
        "exit interview and win them back.",
    ),
    Rule(
        "lost_other",
        "lost",
        "let_go",
        "They have left and were loss-making ({profit}), so let them go and learn from an exit "
        "survey.",
    ),
    Rule(
        "threat_talk_first",
        "threat AND protected AND NOT talked",
        "talk",
        "Staff reported {threats} threat(s) in the last {threat_window_days} days, which needs "
        "fast action, but as {protected_why} they get a direct conversation with a manager before "
        "any decision to part.",
    ),
    Rule(
        "threat_fire",
        "threat",
        "fire",
        "Staff reported {threats} threat(s) in the last {threat_window_days} days; threats need "
        "fast action whatever the value, so a manager ends the relationship gracefully.",
    ),
    Rule(
        "grace_failing",
        "new AND NOT bad AND failing",
        "retain",
        "They joined {tenure_days} days ago, inside the {grace_days}-day grace period, and our "
        "own service failures toward them are at '{our_failures_level}': fix those first.",
    ),
    Rule(
        "grace",
        "new AND NOT bad",
        "nurture",
        "They joined {tenure_days} days ago, inside the {grace_days}-day grace period for new "
        "customers: help them get value before judging their support load.",
    ),
    Rule(
        "failing_profitable",
        "NOT bad AND NOT loss AND failing",
        "retain",
        "They are profitable and we are failing them (our failures: {our_failures_level}, "
        "{our_failures} recorded): recover the service with the five steps before they leave.",
    ),
    Rule(
        "fire_talk_first",
        "fire_candidate AND protected AND NOT talked",
        "talk",
        "They would be a candidate to fire ({flag_list}), but as {protected_why} they get a real "
        "conversation about expectations first.",
    ),
    Rule(
        "fire",
        "fire_candidate",
        "fire",
        "A bad customer ({flag_list}) who costs more than they bring: a manager ends the "
        "relationship kindly, with a transition plan and every obligation fulfilled.",
    ),
    Rule(
        "reprice",
        "loss AND priceable",
        "reprice",
        "They lose us {loss}, and the signs ({price_signals}) say price or scope is the cause: "
        "price their high-touch service accordingly.",
    ),
    Rule(
        "loss_talk_first",
        "loss AND protected",
        "talk",
        "They lose us {loss}, but as {protected_why} they get a conversation about what we can "
        "and cannot do for them before any referral.",
    ),
    Rule(
        "refer",
        "loss",
        "refer",
        "They lose us {loss} without a pricing problem to fix and without bad conduct: refer "
        "them to a provider that fits them better.",
    ),
    Rule(
        "at_risk",
        "at_risk",
        "retain",
        "Churn risk is {churn_risk}: keeping a profitable customer is cheaper than winning a new "
        "one, so reach out now.",
    ),
    Rule(
        "concern",
        "concern",
        "talk",
        "They are profitable but show warning signs ({flag_list}): have a real conversation "
        "about expectations.",
    ),
    Rule(
        "keep",
        "TRUE",
        "nurture",
        "A profitable customer with no pattern of warning signs: keep serving them well and "
        "ask for referrals.",
    ),
)

GUARDRAILS: Final[tuple[tuple[str, str], ...]] = (
    (
        "A strategic/prestige account, or one above the revenue-concentration limit, is never "
        "`fire` without a recorded `talk` first.",
        "threat_talk_first, fire_talk_first (placed before threat_fire and fire)",
    ),
    (
        "New customers get a grace period: only `nurture` or `retain` unless they are bad.",
        "grace_failing, grace",
    ),
    ("A lost good customer is `win_back`, a lost bad one `let_go`.", "lost_good, lost_bad"),
    (
        "A profitable customer we are failing is `retain`, not `talk`.",
        "failing_profitable (placed before concern)",
    ),
    (
        "A threat puts `talk`/`fire` first whatever the value.",
        "threat_talk_first, threat_fire (first rules after the lost ones)",
    ),
    (
        "A truly bad customer is never referred to someone else (MISSION.md §2.3).",
        "fire comes before refer; refer only sees customers who are not bad",
    ),
)


def render_rule_table() -> str:
    """Return the facts, the rule table and the guardrails as Markdown (for docs/decisions.md)."""
    lines = ["## Facts", "", "| fact | SQL | meaning |", "| --- | --- | --- |"]
    for f in FACTS:
        sql = f.sql if len(f.sql) < 90 else "(count/any over the signal columns)"
        lines.append(f"| `{f.name}` | `{sql}` | {f.meaning} |")
    lines += ["", "## Rules (first match wins)", ""]
    lines += ["| # | rule | when | action | first sentence of the reasons |"]
    lines += ["| --- | --- | --- | --- | --- |"]
    for i, r in enumerate(RULES, 1):
        lines.append(f"| {i} | `{r.name}` | `{r.when}` | **{r.action}** | {r.reason} |")
    lines += ["", "## Guardrails", "", "| guardrail | implemented by |", "| --- | --- |"]
    lines += [f"| {g} | {how} |" for g, how in GUARDRAILS]
    return "\n".join(lines) + "\n"
