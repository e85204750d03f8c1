"""attention_hog: wants all the attention, more than their fair share (MISSION §1.4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.sql import (
    EVENT,
    as_of,
    customers,
    intstr,
    level_case,
    num,
    onestr,
    pctstr,
    since,
    union,
)

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext


def _start(ctx: FeatureContext) -> str:
    """Per customer: the later of the window start and the end of the new-customer grace."""
    grace = ctx.settings.get_int("signals.new_customer_grace_days")
    return (
        f"CASE WHEN c.acquired_at IS NULL THEN {since(ctx)}"
        f" WHEN c.acquired_at + INTERVAL '{grace}' DAY > {since(ctx)}"
        f" THEN c.acquired_at + INTERVAL '{grace}' DAY ELSE {since(ctx)} END"
    )


def _load(ctx: FeatureContext) -> str:
    """Staff time per ticket after each customer's grace period, inside the window.

    Only tickets count: they are the customer asking for attention. Meetings and outreach are
    scheduled by us and belong to cost to serve, not to this sign.
    """
    a = as_of(ctx)
    parts = []
    if "tickets" in ctx.present:
        parts.append(f"""
        SELECT t.customer_id, 'tickets' AS source_table, t.ticket_id AS record_id,
            t.opened_at AS event_at, COALESCE(t.handle_minutes, 0) AS minutes,
            COALESCE(t.touchpoints, 1) AS touches, COALESCE(t.subject, '') AS detail
        FROM tickets t JOIN {customers(ctx)} c ON c.customer_id = t.customer_id
        WHERE t.opened_at > {_start(ctx)} AND t.opened_at <= {a}""")
    return union(
        (*EVENT, ("minutes", "DOUBLE"), ("touches", "BIGINT"), ("detail", "VARCHAR")), parts
    )


def _revenue(ctx: FeatureContext) -> str:
    """Revenue per customer over the same period as the load."""
    a = as_of(ctx)
    if "orders" in ctx.present:
        src = f"""SELECT t.customer_id, t.amount FROM orders t
        JOIN {customers(ctx)} c ON c.customer_id = t.customer_id
        WHERE t.ordered_at > {_start(ctx)} AND t.ordered_at <= {a}"""
    elif "invoices" in ctx.present:
        src = f"""SELECT t.customer_id, t.amount FROM invoices t
        JOIN {customers(ctx)} c ON c.customer_id = t.customer_id
        WHERE COALESCE(t.status, 'open') <> 'void'
          AND t.issued_at > {_start(ctx)} AND t.issued_at <= {a}"""
    else:
        src = "SELECT CAST(NULL AS VARCHAR) AS customer_id, 0 AS amount WHERE 1 = 0"
    return f"SELECT customer_id, SUM(amount) AS revenue FROM ({src}) s GROUP BY customer_id"


def levels(ctx: FeatureContext) -> str:
    """Share of staff time ÷ share of revenue, with an absolute floor and segment peers.

    Minute sums and the ratios are rounded (to 10⁻⁶ minutes, 10⁻⁹) before they meet a
    threshold: floating-point sums come back in whatever order the engine's threads add them,
    and a customer sitting on a threshold must not flip between two runs on the same data.
    """
    min_minutes = num(ctx, "signals.attention_hog.min_minutes")
    flag_ratio = num(ctx, "signals.attention_hog.flag_ratio")
    watch_ratio = num(ctx, "signals.attention_hog.watch_ratio")
    peer = num(ctx, "signals.peer_percentile")
    grace = ctx.settings.get_int("signals.new_customer_grace_days")
    intensity = num(ctx, "signals.attention_hog.min_intensity")
    min_tickets = num(ctx, "signals.attention_hog.min_tickets")
    floor = f"minutes >= {min_minutes} AND n >= {min_tickets} AND peer_rank >= {peer}"
    flag = f"{floor} AND ratio >= {flag_ratio} AND intensity >= {intensity}"
    return f"""
    WITH l AS (
        SELECT customer_id, ROUND(SUM(minutes), 6) AS minutes, SUM(touches) AS touches,
            COUNT(*) AS n
        FROM ({_load(ctx)}) x GROUP BY customer_id
    ),
    rv AS ({_revenue(ctx)}),
    j AS (
        SELECT c.customer_id, c.segment, COALESCE(l.minutes, 0) AS minutes,
            COALESCE(l.touches, 0) AS touches, COALESCE(l.n, 0) AS n,
            CASE WHEN COALESCE(rv.revenue, 0) > 1 THEN rv.revenue ELSE 1 END AS revenue
        FROM {customers(ctx)} c
        LEFT JOIN l ON l.customer_id = c.customer_id
        LEFT JOIN rv ON rv.customer_id = c.customer_id
        WHERE c.acquired_at IS NULL OR c.acquired_at + INTERVAL '{grace}' DAY < {as_of(ctx)}
    ),
    r AS (
        SELECT j.*,
            ROUND((minutes / NULLIF(SUM(minutes) OVER (), 0))
                / (revenue / SUM(revenue) OVER ()), 9) AS ratio,
            minutes / NULLIF(SUM(minutes) OVER (), 0) AS time_share,
            revenue / SUM(revenue) OVER () AS revenue_share,
            PERCENT_RANK() OVER (PARTITION BY segment ORDER BY minutes) AS peer_rank,
            CASE WHEN n = 0 THEN 0 ELSE ROUND((
                COALESCE((minutes / n) / NULLIF(SUM(minutes) OVER () / SUM(n) OVER (), 0), 1)
                + COALESCE((touches / n) / NULLIF(SUM(touches) OVER () / SUM(n) OVER (), 0), 1)
                ) / 2, 9) END AS intensity
        FROM j
    )
    SELECT customer_id,
        {level_case(flag, f"{floor} AND ratio >= {watch_ratio}")}
            AS level,
        {intstr("minutes")} || ' staff minutes over ' || CAST(n AS VARCHAR)
            || ' tickets (' || CAST(touches AS VARCHAR) || ' touchpoints, '
            || {onestr("intensity")} || ' times the usual ticket in length and touchpoints): '
            || CASE WHEN revenue <= 1 THEN 'no revenue in the same period'
                    ELSE {onestr("ratio")} || ' times their share of revenue' END
            || ' (segment percentile '
            || {pctstr("peer_rank")} || ')' AS sentence,
        n
    FROM r WHERE n > 0
    """


def evidence(ctx: FeatureContext) -> str:
    """Return each ticket after the grace period with the staff minutes it took."""
    return f"""
    SELECT customer_id, source_table, record_id, event_at,
        CAST(minutes AS VARCHAR) || ' min' AS value, detail
    FROM ({_load(ctx)}) x WHERE minutes > 0
    """


SIGNAL = Signal(
    "attention_hog",
    "§1.4 Wants all the attention",
    ("tickets",),
    levels,
    evidence,
    "After the new-customer grace period: share of ticket time ÷ share of revenue, top of "
    "segment, with longer tickets and more touchpoints than usual.",
)
