"""our_failures: what *we* did wrong toward a customer (MISSION §4).

Slow or missing first responses against the SLA, broken promises, and complaints left
unresolved (still open past the limit, or reopened). Return friction cannot be measured from
the contract (returns carry no processing date), so it is not counted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.sql import EVENT, as_of, count_of, level_case, num, since, ts, union

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext


def _events(ctx: FeatureContext) -> str:
    """One row per failure of ours in the window."""
    a, w = as_of(ctx), since(ctx)
    sla = ctx.settings.get_float("signals.our_failures.first_response_hours")
    sla_minutes = round(sla * 60)
    sla_start = ts(ctx.as_of - timedelta(minutes=sla_minutes))
    open_days = ctx.settings.get_int("signals.our_failures.complaint_open_days")
    complaint_start = ts(ctx.as_of - timedelta(days=open_days))
    parts = []
    if "tickets" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'tickets' AS source_table, ticket_id AS record_id,
            opened_at AS event_at, 'slow_response' AS kind,
            CASE WHEN first_response_at IS NULL OR first_response_at > {a} THEN 'no response'
                 ELSE 'first response after '
                      || CAST(CAST(ROUND(date_diff('minute', opened_at, first_response_at) / 60.0,
                                         0) AS BIGINT) AS VARCHAR) || ' hours' END AS value,
            COALESCE(subject, '') AS detail
        FROM tickets
        WHERE opened_at > {w} AND opened_at <= {sla_start}
          AND (first_response_at IS NULL OR first_response_at > {a}
               OR date_diff('minute', opened_at, first_response_at) > {sla_minutes})
        UNION ALL
        SELECT customer_id, 'tickets', ticket_id, opened_at, 'unresolved_complaint',
            CASE WHEN closed_at IS NULL OR closed_at > {a} THEN 'complaint open '
                      || CAST(date_diff('day', opened_at, {a}) AS VARCHAR) || ' days'
                 ELSE 'complaint reopened' END,
            COALESCE(subject, '')
        FROM tickets
        WHERE category = 'complaint' AND opened_at > {w} AND opened_at <= {a}
          AND (((closed_at IS NULL OR closed_at > {a}) AND opened_at <= {complaint_start})
               OR COALESCE(reopened, FALSE))""")
    if "activities" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'activities', activity_id, "at", 'broken_promise', 'promise broken', ''
        FROM activities
        WHERE kind = 'promise' AND outcome = 'broken' AND "at" > {w} AND "at" <= {a}""")
    return union((*EVENT, ("kind", "VARCHAR"), ("value", "VARCHAR"), ("detail", "VARCHAR")), parts)


def exposure(ctx: FeatureContext) -> str:
    """Per customer, the chances we had to fail them: tickets opened and promises made."""
    a, w = as_of(ctx), since(ctx)
    parts = []
    if "tickets" in ctx.present:
        parts.append(
            f"SELECT customer_id, 1 AS chances FROM tickets"
            f" WHERE opened_at > {w} AND opened_at <= {a}"
        )
    if "activities" in ctx.present:
        parts.append(
            f"SELECT customer_id, 1 FROM activities"
            f' WHERE kind = \'promise\' AND "at" > {w} AND "at" <= {a}'
        )
    rows = union((("customer_id", "VARCHAR"), ("chances", "INTEGER")), parts)
    return f"SELECT customer_id, SUM(chances) AS chances FROM ({rows}) x GROUP BY customer_id"


def levels(ctx: FeatureContext) -> str:
    """Count our failures in the window: slow responses, broken promises, open complaints.

    Flags need both a count and a rate (failures per ticket or promise), so a big account's
    few slips among many tickets stay at watch.
    """
    flag = num(ctx, "signals.our_failures.flag_count")
    watch = num(ctx, "signals.our_failures.watch_count")
    rate = num(ctx, "signals.our_failures.flag_rate")
    return f"""
    SELECT m.customer_id,
        {level_case(f"n >= {flag} AND n >= {rate} * x.chances", f"n >= {watch}")} AS level,
        'we answered ' || {count_of("n_slow", "ticket")} || ' late or never, broke '
            || {count_of("n_broken", "promise")} || ' and left '
            || {count_of("n_complaints", "complaint")} || ' unresolved ('
            || {count_of("n", "failure")} || ' in '
            || {count_of("x.chances", "ticket or promise", "tickets and promises")} || ')'
            AS sentence,
        n
    FROM (SELECT customer_id, COUNT(*) AS n,
              SUM(CASE WHEN kind = 'slow_response' THEN 1 ELSE 0 END) AS n_slow,
              SUM(CASE WHEN kind = 'broken_promise' THEN 1 ELSE 0 END) AS n_broken,
              SUM(CASE WHEN kind = 'unresolved_complaint' THEN 1 ELSE 0 END) AS n_complaints
          FROM ({_events(ctx)}) e GROUP BY customer_id) m
    JOIN ({exposure(ctx)}) x ON x.customer_id = m.customer_id
    """


def evidence(ctx: FeatureContext) -> str:
    """Each failure of ours with what happened."""
    return f"""
    SELECT customer_id, source_table, record_id, event_at, value,
        kind || CASE WHEN detail = '' THEN '' ELSE ': ' || detail END AS detail
    FROM ({_events(ctx)}) e
    """


SIGNAL = Signal(
    "our_failures",
    "§4 How businesses lose good customers by their own fault",
    ("tickets", "activities"),
    levels,
    evidence,
    "Late or missing first responses vs the SLA, broken promises, unresolved complaints; flags "
    "need a count and a rate.",
)
