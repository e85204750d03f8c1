"""Render ``docs/decisions.md`` from the rule table and the decision settings.

Run ``python -m keepwise.domain.decisions.docs docs/decisions.md`` after changing a rule or a
setting; a test fails while the file and this rendering differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

from keepwise.domain.decisions.rules import render_rule_table
from keepwise.settings import decisions as decision_settings

INTRO = """# Decisions: one recommended action per customer

Every scored customer gets exactly one action — `nurture`, `retain`, `talk`, `reprice`,
`refer`, `fire`, `win_back` or `let_go` — and `reasons`: two to four sentences that cite the
numbers and the signals behind it. This page is the whole rule table. It is rendered from
`src/keepwise/domain/decisions/rules.py` and `src/keepwise/settings/decisions.py` by
`python -m keepwise.domain.decisions.docs docs/decisions.md`, and a test fails when the two
differ, so what you read here is what runs.

## How it works

1. **Inputs**, one row per customer (`DECISION_INPUTS`): revenue, cost to serve, profit,
   lifetime value and its interval, churn risk, share of revenue, strategic flag, tenure,
   lost or not, threats reported by staff within `decisions.threat_window_days`, our own
   service failures and their level, and the twelve signal levels.
2. **Facts**: named yes/no questions computed from the inputs and the settings below.
3. **Rules**, in order; the first rule whose `when` holds decides the action. The whole table
   is compiled to one SQL `CASE` (and one `CASE` for the reasons) and run by DuckDB over every
   customer at once: a million customers are decided in about ten seconds on two cores.
4. **Reasons**: the rule's own sentence, then a value sentence (profit, revenue, cost to
   serve, lifetime value with its interval), then the signs on watch or flagged (unless the
   rule's sentence already lists them), then churn risk and our failures.

To change a decision, change a setting in `keepwise.toml`; to change the logic, edit the
`FACTS`/`RULES` lists (one place) and re-render this page.

**Churn risk** (scorecard column `churn_risk`): 1.0 for a lost customer (churned by the value
rules, or `ended_at` on or before the as-of date); otherwise the CLV model's `churn_prob`,
or `1 − p_alive` where the model gives none; empty when neither is known.

**Share of revenue** (`revenue_share`): the customer's last-12-month revenue over the
business's, falling back to whole-history revenue when no customer has revenue in the last
year. Concentration is about the revenue we would lose now, not years ago.

**A recorded talk**: a `talk` decision in the app's decision log (recorded by a manager in
the web app), a customer id listed in `decisions.prior_talks`, or
`keepwise score W --talked ID` (repeatable). A talk recorded at any time counts.

"""


def render_decisions_doc() -> str:
    """Return the full text of ``docs/decisions.md``."""
    rows = "\n".join(
        f"| `{s.key}` | `{s.default!r}` | {s.help} | {s.mission} |"
        for s in decision_settings.SETTINGS
    )
    return (
        INTRO
        + render_rule_table()
        + "\n## Settings (every limit, and why)\n\n"
        + "| setting | default | why | MISSION.md |\n| --- | --- | --- | --- |\n"
        + rows
        + "\n"
    )


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(render_decisions_doc(), encoding="utf-8")
