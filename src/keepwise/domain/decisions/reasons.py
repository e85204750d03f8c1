"""Reasons as SQL: rule sentence templates compiled to string expressions the engine evaluates.

A reason template is plain text with ``{placeholders}``; each placeholder is a SQL expression
over the decision facts that renders one number or list as text (money with the workspace
currency, shares as percentages). Compiling templates to SQL keeps the reasons of a million
customers one vectorised query instead of a Python loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from keepwise.domain.decisions.rules import BEHAVIOUR_SIGNALS
from keepwise.domain.scorecard import SIGNAL_NAMES
from keepwise.settings import Settings

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def sql_literal(text: str) -> str:
    """Return ``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def money(expr: str, settings: Settings) -> str:
    """Return SQL rendering ``expr`` as whole money in the workspace currency (``1,234 USD``)."""
    currency = sql_literal(" " + settings.get_str("workspace.currency"))
    return f"(format('{{:,.0f}}', CAST({expr} AS DOUBLE)) || {currency})"


def percent(expr: str) -> str:
    """Return SQL rendering a 0-1 share ``expr`` as a whole percentage (``62%``)."""
    return f"(format('{{:.0f}}', 100 * CAST({expr} AS DOUBLE)) || '%')"


def whole(expr: str) -> str:
    """Return SQL rendering ``expr`` as a whole number."""
    return f"CAST(CAST(round(COALESCE({expr}, 0)) AS BIGINT) AS VARCHAR)"


def signal_label(name: str) -> str:
    """Return the plain-words name of a signal (``doesnt_listen`` → ``doesn't listen``)."""
    return name.replace("doesnt", "doesn't").replace("_", " ")


def _names_at(signals: tuple[str, ...], level: str) -> str:
    parts = [
        f"CASE WHEN signal_{s} = {sql_literal(level)} THEN {sql_literal(signal_label(s))} END"
        for s in signals
    ]
    return f"NULLIF(concat_ws(', ', {', '.join(parts)}), '')" if parts else "NULL"


def signal_list(signals: tuple[str, ...], levels: tuple[str, ...]) -> str:
    """Return SQL listing ``signals`` at ``levels``: ``flagged: late payer; on watch: unhappy``."""
    groups = []
    if "flag" in levels:
        groups.append(f"'flagged: ' || {_names_at(signals, 'flag')}")
    if "watch" in levels:
        groups.append(f"'on watch: ' || {_names_at(signals, 'watch')}")
    return f"COALESCE(NULLIF(concat_ws('; ', {', '.join(groups)}), ''), 'no warning signs')"


def _protected_why(settings: Settings) -> str:
    return (
        "CASE WHEN COALESCE(strategic, FALSE) THEN 'a strategic account' "
        f"ELSE 'a customer with ' || {percent('revenue_share')} || ' of our revenue' END"
    )


def _reprice(settings: Settings) -> str:
    raw = settings["decisions.reprice_signals"]
    chosen = tuple(s for s in SIGNAL_NAMES if isinstance(raw, list) and s in raw)
    return signal_list(chosen, ("watch", "flag"))


SIGNAL_LIST_COLUMN = "sig_list"
"""The column holding :func:`behaviour_list` once per customer (reasons refer to it twice)."""


def behaviour_list() -> str:
    """Return SQL listing the signs of a bad customer on watch or flagged."""
    return signal_list(BEHAVIOUR_SIGNALS, ("watch", "flag"))


PLACEHOLDERS: dict[str, Callable[[Settings], str]] = {
    "profit": lambda s: money("profit", s),
    "loss": lambda s: money("-profit", s),
    "revenue": lambda s: money("revenue", s),
    "cost_to_serve": lambda s: money("cost_to_serve", s),
    "churn_risk": lambda s: percent("churn_risk"),
    "revenue_share": lambda s: percent("revenue_share"),
    "threats": lambda s: whole("threats"),
    "tenure_days": lambda s: whole("tenure_days"),
    "our_failures": lambda s: whole("our_failures"),
    "our_failures_level": lambda s: "COALESCE(our_failures_level, 'no_data')",
    "grace_days": lambda s: sql_literal(str(s.get_int("decisions.grace_days"))),
    "threat_window_days": lambda s: sql_literal(str(s.get_int("decisions.threat_window_days"))),
    "flag_list": lambda s: SIGNAL_LIST_COLUMN,
    "price_signals": _reprice,
    "protected_why": _protected_why,
}
"""Every placeholder a reason template may use, as a builder of its SQL text expression."""


def compile_template(template: str, settings: Settings) -> str:
    """Return a SQL string expression that renders ``template`` for each customer.

    Placeholder expressions are inlined, so inside a ``CASE`` branch they are computed only
    for the customers that branch decides. Raises ``KeyError`` naming an unknown placeholder,
    so a typo in the rule table fails the first test that compiles it rather than printing a
    literal brace to users.
    """
    parts: list[str] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(template):
        if match.start() > pos:
            parts.append(sql_literal(template[pos : match.start()]))
        name = match.group(1)
        if name not in PLACEHOLDERS:
            raise KeyError(f"unknown reason placeholder {{{name}}} in {template!r}")
        parts.append(f"COALESCE({PLACEHOLDERS[name](settings)}, 'unknown')")
        pos = match.end()
    if pos < len(template):
        parts.append(sql_literal(template[pos:]))
    return "concat(" + ", ".join(parts or ["''"]) + ")"


def value_sentence(settings: Settings) -> str:
    """Return SQL for the sentence citing profit, revenue, cost to serve and lifetime value."""
    clv = (
        "CASE WHEN clv IS NULL THEN 'unknown' ELSE "
        f"concat({money('clv', settings)}, CASE WHEN clv_low IS NOT NULL AND clv_high IS NOT "
        f"NULL THEN concat(' (', {money('clv_low', settings)}, ' to ', "
        f"{money('clv_high', settings)}, ')') ELSE '' END) END"
    )
    first = compile_template(
        "Profit {profit} on revenue {revenue} after {cost_to_serve} cost to serve", settings
    )
    return f"concat({first}, '; lifetime value ', {clv}, '.')"


def signals_sentence(settings: Settings) -> str:
    """Return SQL for the sentence naming the signs on watch or flagged, or saying none are."""
    listing = SIGNAL_LIST_COLUMN
    no_data = " AND ".join(f"signal_{s} = 'no_data'" for s in BEHAVIOUR_SIGNALS)
    return (
        f"CASE WHEN {no_data} THEN 'There are no records yet to judge the signs of a bad "
        "customer by.' "
        "WHEN flags + watches = 0 THEN 'No sign of a bad customer is on watch or flagged.' "
        f"ELSE concat('Signs: ', {listing}, '.') END"
    )


def risk_sentence(settings: Settings) -> str:
    """Return SQL for the churn-risk sentence, or an empty string when the risk is unknown."""
    return (
        "CASE WHEN churn_risk IS NULL THEN '' ELSE concat(' Churn risk ', "
        f"{percent('churn_risk')}, '; our service failures toward them: ', "
        "COALESCE(our_failures_level, 'no_data'), '.') END"
    )
