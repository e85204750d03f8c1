"""unreasonable_demands: beyond agreed scope, at any hour, no taking no (MISSION §1.8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.sql import (
    EVENT,
    as_of,
    count_of,
    customers,
    join_parts,
    level_case,
    num,
    since,
    union,
)

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext

_DEMAND = "(COALESCE(out_of_scope, FALSE) OR COALESCE(after_hours, FALSE))"


def _events(ctx: FeatureContext) -> str:
    a, w = as_of(ctx), since(ctx)
    parts = []
    if "tickets" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'tickets' AS source_table, ticket_id AS record_id,
            opened_at AS event_at,
            CASE WHEN {_DEMAND} THEN 1 ELSE 0 END AS demand, 0 AS report, 1 AS ticket,
            CASE WHEN COALESCE(out_of_scope, FALSE) THEN 1 ELSE 0 END AS oos,
            CASE WHEN COALESCE(after_hours, FALSE) THEN 1 ELSE 0 END AS ah,
            TRIM(CASE WHEN COALESCE(out_of_scope, FALSE) THEN 'out of scope ' ELSE '' END
                 || CASE WHEN COALESCE(after_hours, FALSE) THEN 'after hours' ELSE '' END)
                AS value,
            COALESCE(subject, '') AS detail
        FROM tickets WHERE opened_at > {w} AND opened_at <= {a}""")
    if "incidents" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'incidents', incident_id, reported_at, 0, 1, 0, 0, 0,
            'staff report', COALESCE(description, '')
        FROM incidents
        WHERE kind = 'unreasonable_demand' AND reported_at > {w} AND reported_at <= {a}""")
    return union(
        (
            *EVENT,
            ("demand", "INTEGER"),
            ("report", "INTEGER"),
            ("ticket", "INTEGER"),
            ("oos", "INTEGER"),
            ("ah", "INTEGER"),
            ("value", "VARCHAR"),
            ("detail", "VARCHAR"),
        ),
        parts,
    )


def levels(ctx: FeatureContext) -> str:
    """Out-of-scope and after-hours tickets (share and vs peers) plus staff reports."""
    n_min = num(ctx, "signals.unreasonable_demands.min_demands")
    ah_weight = num(ctx, "signals.unreasonable_demands.after_hours_weight")
    share = num(ctx, "signals.unreasonable_demands.min_share")
    reports = num(ctx, "signals.unreasonable_demands.flag_reports")
    peer = num(ctx, "signals.peer_percentile")
    pattern = f"n_demands >= {n_min} AND n_demands >= {share} * n_tickets"
    flag = (
        f"n_reports >= {reports} OR ({pattern} AND peer_rank >= {peer})"
        f" OR (n_reports >= 1 AND n_demands >= {n_min} - 1)"
    )
    watch = f"n_reports >= 1 OR {pattern} OR (n_demands >= {n_min} AND peer_rank >= {peer})"
    sentence = join_parts(
        [
            ("n_oos > 0", count_of("n_oos", "out-of-scope demand")),
            ("n_ah > 0", count_of("n_ah", "after-hours demand")),
            (
                "n_demand_tickets > 0",
                "CAST(n_demand_tickets AS VARCHAR) || ' of their '"
                f" || {count_of('n_tickets', 'ticket')} || ' make demands'",
            ),
            (
                "n_reports > 0",
                count_of("n_reports", "staff report") + " || ' of unreasonable demands'",
            ),
        ]
    )
    return f"""
    WITH m AS (
        SELECT customer_id, SUM(ticket) AS n_tickets,
            SUM(oos) + {ah_weight} * SUM(ah) AS n_demands, SUM(demand) AS n_demand_tickets,
            SUM(oos) AS n_oos, SUM(ah) AS n_ah, SUM(report) AS n_reports
        FROM ({_events(ctx)}) e GROUP BY customer_id
    ),
    r AS (
        SELECT m.*, PERCENT_RANK() OVER (PARTITION BY c.segment ORDER BY COALESCE(m.n_demands, 0))
            AS peer_rank
        FROM {customers(ctx)} c LEFT JOIN m ON m.customer_id = c.customer_id
    )
    SELECT customer_id, {level_case(flag, watch)} AS level,
        {sentence} AS sentence,
        CAST(n_demand_tickets + n_reports AS BIGINT) AS n
    FROM r WHERE n_demand_tickets + n_reports > 0
    """


def evidence(ctx: FeatureContext) -> str:
    """Each out-of-scope or after-hours ticket and each staff report."""
    return f"""
    SELECT customer_id, source_table, record_id, event_at, value, detail
    FROM ({_events(ctx)}) e WHERE demand = 1 OR report = 1
    """


SIGNAL = Signal(
    "unreasonable_demands",
    "§1.8 Unreasonable demands",
    ("tickets", "incidents"),
    levels,
    evidence,
    "Out-of-scope demands (after-hours ones count less) as a count, a share of tickets and vs "
    "segment; or staff reports.",
)
