"""abusive: abusive or threatening to staff (MISSION §1.7).

Staff reports (incidents of kind abuse/threat) and abusive language in ticket subjects and
bodies, found with the shipped lexicons in five languages. Abuse on several different days is a
pattern; any threat flags at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.language import pattern, patterns_by_script
from keepwise.domain.signals.sql import EVENT, as_of, count_of, level_case, lit, num, since, union

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext


def _quote(ctx: FeatureContext) -> str:
    """Return SQL quoting the offending passage with context, from the original text if possible.

    ``m`` is the first match in the original text (case-insensitive), ``ml`` in the lower-cased
    one; the quote is the match with ``quote_chars`` characters either side. Cutting around
    the match's position is ~40× faster than a pattern with ``.{0,k}`` on both sides.
    """
    k = ctx.settings.get_int("signals.abusive.quote_chars")

    def around(text: str, m: str) -> str:
        at = f"instr({text}, {m})"
        length = f"least({at} - 1, {k}) + length({m}) + {k}"
        return f"substring({text}, greatest({at} - {k}, 1), {length})"

    return f"TRIM(CASE WHEN m <> '' THEN {around('raw', 'm')} ELSE {around('low', 'ml')} END)"


def _may_offend() -> str:
    """Return the SQL test of lower-cased ``low`` for any abuse or threat, in any language.

    Texts without a non-ASCII byte skip the non-ASCII-script lexicons (see
    :func:`~keepwise.domain.signals.language.patterns_by_script`).
    """
    latin, other = patterns_by_script()
    tests = [f"regexp_matches(low, {lit(latin)})"] if latin else []
    if other:
        tests.append(f"(strlen(low) <> length(low) AND regexp_matches(low, {lit(other)}))")
    return "(" + " OR ".join(tests or ["FALSE"]) + ")"


def _events(ctx: FeatureContext) -> str:
    """Abusive or threatening tickets and staff reports in the window, one per row."""
    a, w = as_of(ctx), since(ctx)
    threat = lit(pattern("threat"))
    core = f"(?:{pattern('threat')}|{pattern('abuse')})"
    parts = []
    if "tickets" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'tickets' AS source_table, ticket_id AS record_id, event_at,
            CASE WHEN regexp_matches(low, {threat}) THEN 1 ELSE 0 END AS threat,
            CASE WHEN regexp_matches(low, {threat}) THEN 'threat in message'
                 ELSE 'abusive message' END AS value,
            {_quote(ctx)} AS detail
        FROM (SELECT *, regexp_extract(raw, {lit("(?is)" + core)}, 0) AS m,
                  regexp_extract(low, {lit(core)}, 0) AS ml
              FROM (SELECT customer_id, ticket_id, opened_at AS event_at,
                        COALESCE(subject, '') || ' ' || COALESCE(body, '') AS raw,
                        lower(COALESCE(subject, '') || ' ' || COALESCE(body, '')) AS low
                    FROM tickets WHERE opened_at > {w} AND opened_at <= {a}) t
              WHERE {_may_offend()}) t""")
    if "incidents" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'incidents', incident_id, reported_at,
            CASE WHEN kind = 'threat' THEN 1 ELSE 0 END,
            'staff report: ' || kind, COALESCE(description, '')
        FROM incidents
        WHERE kind IN ('abuse', 'threat') AND reported_at > {w} AND reported_at <= {a}""")
    return union(
        (*EVENT, ("threat", "INTEGER"), ("value", "VARCHAR"), ("detail", "VARCHAR")), parts
    )


def levels(ctx: FeatureContext) -> str:
    """Threats flag at once; abuse on ``flag_days`` different days flags, one day is watched."""
    return levels_from(ctx, f"({_events(ctx)})")


def levels_from(ctx: FeatureContext, records: str) -> str:
    """Return :func:`levels` over ``records``, a relation holding the rows of ``_events``."""
    days = num(ctx, "signals.abusive.flag_days")
    return f"""
    SELECT customer_id, {level_case(f"n_threats >= 1 OR n_days >= {days}", "n >= 1")} AS level,
        CASE WHEN n_threats > 0 THEN {count_of("n_threats", "threat")} || '; ' ELSE '' END
            || {count_of("n_messages", "abusive or threatening message")} || ' and '
            || {count_of("n_reports", "staff report")} || ' on '
            || {count_of("n_days", "day")} AS sentence,
        n
    FROM (SELECT customer_id, COUNT(*) AS n, SUM(threat) AS n_threats,
              COUNT(DISTINCT CAST(event_at AS DATE)) AS n_days,
              SUM(CASE WHEN source_table = 'tickets' THEN 1 ELSE 0 END) AS n_messages,
              SUM(CASE WHEN source_table = 'incidents' THEN 1 ELSE 0 END) AS n_reports
          FROM {records} e GROUP BY customer_id) m
    """


def evidence(ctx: FeatureContext) -> str:
    """Each abusive message (with the offending passage quoted) and each staff report."""
    return evidence_from(ctx, f"({_events(ctx)})")


def evidence_from(ctx: FeatureContext, records: str) -> str:
    """Return :func:`evidence` over ``records``, a relation holding the rows of ``_events``."""
    del ctx
    return f"SELECT customer_id, source_table, record_id, event_at, value, detail FROM {records} e"


SIGNAL = Signal(
    "abusive",
    "§1.7 Abusive or threatening to staff",
    ("tickets", "incidents"),
    levels,
    evidence,
    "Staff reports and abusive language (en, ja, zh, ru, et); any threat flags at once.",
    records=_events,
    levels_from=levels_from,
    evidence_from=evidence_from,
)
