"""shifting_requirements: unclear or shifting requirements (MISSION §1.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.sql import as_of, count_of, customers, level_case, num, pctstr, since

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext

_CHANGE = "(category = 'change_request' OR COALESCE(reopened, FALSE))"


def levels(ctx: FeatureContext) -> str:
    """Change requests and reopened work in the window, as a share of tickets and vs peers."""
    a, w = as_of(ctx), since(ctx)
    n_min = num(ctx, "signals.shifting_requirements.min_changes")
    share = num(ctx, "signals.shifting_requirements.min_share")
    peer = num(ctx, "signals.peer_percentile")
    flag = f"n_requests >= {n_min} AND n_changes >= {share} * n_tickets AND peer_rank >= {peer}"
    watch = f"n_requests >= {n_min} - 1 AND n_changes >= {share} * n_tickets"
    return f"""
    WITH m AS (
        SELECT customer_id, COUNT(*) AS n_tickets,
            SUM(CASE WHEN {_CHANGE} THEN 1 ELSE 0 END) AS n_changes,
            SUM(CASE WHEN category = 'change_request' THEN 1 ELSE 0 END) AS n_requests,
            SUM(CASE WHEN COALESCE(reopened, FALSE) THEN 1 ELSE 0 END) AS n_reopened
        FROM tickets WHERE opened_at > {w} AND opened_at <= {a}
        GROUP BY customer_id
    ),
    r AS (
        SELECT m.*, PERCENT_RANK() OVER (PARTITION BY c.segment ORDER BY COALESCE(m.n_requests, 0))
            AS peer_rank
        FROM {customers(ctx)} c LEFT JOIN m ON m.customer_id = c.customer_id
    )
    SELECT customer_id, {level_case(flag, watch)} AS level,
        {count_of("n_requests", "change request")}
            || CASE WHEN n_reopened > 0 THEN ' and ' || {count_of("n_reopened", "reopened ticket")}
                    ELSE '' END
            || ' in the window, ' || {pctstr("n_changes / n_tickets")}
            || ' of their ' || {count_of("n_tickets", "ticket")} || ' (segment percentile '
            || {pctstr("peer_rank")} || ')' AS sentence,
        n_changes AS n
    FROM r WHERE n_tickets > 0
    """


def evidence(ctx: FeatureContext) -> str:
    """Each change request or reopened ticket."""
    return f"""
    SELECT customer_id, 'tickets' AS source_table, ticket_id AS record_id, opened_at AS event_at,
        COALESCE(category, '') AS value,
        CASE WHEN COALESCE(reopened, FALSE) THEN 'reopened: ' ELSE '' END
            || COALESCE(subject, '') AS detail
    FROM tickets
    WHERE {_CHANGE} AND opened_at > {since(ctx)} AND opened_at <= {as_of(ctx)}
    """


SIGNAL = Signal(
    "shifting_requirements",
    "§1.3 Unclear or shifting requirements",
    ("tickets",),
    levels,
    evidence,
    "Change requests (a pattern), with changes and reopened work a large share of tickets and "
    "top of the segment.",
)
