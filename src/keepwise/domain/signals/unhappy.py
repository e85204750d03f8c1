"""unhappy: unhappy or at-risk customers, including those we are failing (MISSION §3, §4).

Points from several sources over the recent unhappiness window: NPS detractors, low CSAT
(surveys and tickets), unresolved complaints, staff reports of an unhappy customer and our
own failures toward them. Each source adds at most two points, so one noisy source never
flags on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from keepwise.domain.signals import our_failures
from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.sql import (
    EVENT,
    as_of,
    count_of,
    join_parts,
    level_case,
    num,
    since,
    union,
)

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext


def _events(ctx: FeatureContext) -> str:
    """One row per sign of unhappiness, tagged with its source."""
    a, w = as_of(ctx), since(ctx, "signals.unhappy.window_days")
    detractor = num(ctx, "signals.unhappy.detractor_max")
    low = num(ctx, "signals.unhappy.low_csat_max")
    parts = []
    if "surveys" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'surveys' AS source_table, response_id AS record_id,
            submitted_at AS event_at,
            CASE WHEN kind = 'nps' THEN 'detractor' ELSE 'low_csat' END AS kind,
            kind || ' ' || CAST(score AS VARCHAR) AS value, COALESCE(comment, '') AS detail
        FROM surveys
        WHERE submitted_at > {w} AND submitted_at <= {a}
          AND ((kind = 'nps' AND score <= {detractor}) OR (kind = 'csat' AND score <= {low}))""")
    if "tickets" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'tickets', ticket_id, opened_at,
            CASE WHEN csat <= {low} THEN 'low_ticket_csat' ELSE 'rated' END,
            'ticket csat ' || CAST(csat AS VARCHAR), COALESCE(subject, '')
        FROM tickets WHERE csat IS NOT NULL AND opened_at > {w} AND opened_at <= {a}""")
    if "incidents" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'incidents', incident_id, reported_at, 'staff_report',
            'staff report: unhappy', COALESCE(description, '')
        FROM incidents WHERE kind = 'unhappy' AND reported_at > {w} AND reported_at <= {a}""")
    if "tickets" in ctx.present or "activities" in ctx.present:
        unhappy_ctx = _narrow(ctx)
        parts.append(f"""
        SELECT customer_id, source_table, record_id, event_at,
            CASE WHEN kind = 'unresolved_complaint' THEN 'complaint' ELSE 'our_failure' END,
            value, detail
        FROM ({our_failures._events(unhappy_ctx)}) f""")
    return union((*EVENT, ("kind", "VARCHAR"), ("value", "VARCHAR"), ("detail", "VARCHAR")), parts)


def _narrow(ctx: FeatureContext) -> FeatureContext:
    """Return ``ctx`` with the general window replaced by the unhappiness window."""
    from keepwise.domain.features.registry import FeatureContext

    days = ctx.settings.get_int("signals.unhappy.window_days")
    return FeatureContext(
        ctx.as_of, ctx.settings.with_overrides({"signals.window_days": days}), ctx.present
    )


def levels(ctx: FeatureContext) -> str:
    """Sum capped points per source; several sources agreeing flag."""
    flag = num(ctx, "signals.unhappy.flag_points")
    watch = num(ctx, "signals.unhappy.watch_points")
    share = num(ctx, "signals.unhappy.low_csat_share")
    ticket_csat = f"CASE WHEN n_low_ticket >= {share} * n_rated THEN n_low_ticket ELSE 0 END"
    points = (
        f"(LEAST(n_detractor, 2) + LEAST(n_low_csat + {ticket_csat}, 2) + LEAST(n_complaint, 2)"
        " + LEAST(2 * n_staff, 2) + LEAST(n_failure, 2))"
    )
    # NOT EXISTS, not NOT IN: Spark plans a NULL-aware NOT IN as a nested-loop join, which
    # grows with customers × leavers (51 s at 100k customers, an hour at 1M)
    active = (
        "WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = m.customer_id"
        f" AND c.ended_at IS NOT NULL AND c.ended_at <= {as_of(ctx)})"
        if "customers" in ctx.present
        else ""
    )
    sentence = join_parts(
        [
            ("n_detractor > 0", count_of("n_detractor", "detractor score")),
            (
                "n_low_csat + n_low_ticket > 0",
                f"{count_of('n_low_csat + n_low_ticket', 'low CSAT rating')} || ' (of '"
                " || CAST(n_rated + n_low_csat AS VARCHAR) || ' rated)'",
            ),
            ("n_complaint > 0", count_of("n_complaint", "unresolved complaint")),
            ("n_staff > 0", count_of("n_staff", "staff report")),
            ("n_failure > 0", count_of("n_failure", "other failure") + " || ' of ours'"),
        ],
        ", ",
    )
    rate = num(ctx, "signals.our_failures.flag_rate")
    failed = (
        f"n_failure + n_complaint >= {num(ctx, 'signals.unhappy.flag_min_failures')}"
        f" AND n_failure + n_complaint >= {rate} * COALESCE(x.chances, 0)"
    )
    voice = (
        f"(LEAST(n_detractor, 2) + LEAST(n_low_csat + {ticket_csat}, 2) + LEAST(2 * n_staff, 2))"
    )
    flag_when = f"{points} >= {flag} AND n_days >= 2 AND ({failed} OR {voice} >= {flag} + 1)"
    return f"""
    SELECT m.customer_id, {level_case(flag_when, f"{points} >= {watch}")} AS level,
        {sentence} || ' in the last '
            || CAST({num(ctx, "signals.unhappy.window_days")} AS VARCHAR) || ' days'
            AS sentence,
        {points} AS n
    FROM (SELECT customer_id,
              SUM(CASE WHEN kind = 'detractor' THEN 1 ELSE 0 END) AS n_detractor,
              SUM(CASE WHEN kind = 'low_csat' THEN 1 ELSE 0 END) AS n_low_csat,
              SUM(CASE WHEN kind = 'low_ticket_csat' THEN 1 ELSE 0 END) AS n_low_ticket,
              SUM(CASE WHEN kind IN ('low_ticket_csat', 'rated') THEN 1 ELSE 0 END) AS n_rated,
              SUM(CASE WHEN kind = 'complaint' THEN 1 ELSE 0 END) AS n_complaint,
              SUM(CASE WHEN kind = 'staff_report' THEN 1 ELSE 0 END) AS n_staff,
              SUM(CASE WHEN kind = 'our_failure' THEN 1 ELSE 0 END) AS n_failure,
              COUNT(DISTINCT CASE WHEN kind <> 'rated' THEN CAST(event_at AS DATE) END)
                  AS n_days
          FROM ({_events(ctx)}) e GROUP BY customer_id) m
    LEFT JOIN ({our_failures.exposure(_narrow(ctx))}) x ON x.customer_id = m.customer_id
    {active}
    """


def evidence(ctx: FeatureContext) -> str:
    """Each low score, unresolved complaint, staff report and failure of ours."""
    return f"""
    SELECT customer_id, source_table, record_id, event_at, value,
        kind || CASE WHEN detail = '' THEN '' ELSE ': ' || detail END AS detail
    FROM ({_events(ctx)}) e WHERE kind <> 'rated'
    """


SIGNAL = Signal(
    "unhappy",
    "§3 Identify unhappy customers; §4 our own failures",
    ("surveys", "tickets", "incidents", "activities"),
    levels,
    evidence,
    "Active customers: points from detractors, low CSAT, unresolved complaints, staff reports "
    "and our failures, on more than one day.",
)
