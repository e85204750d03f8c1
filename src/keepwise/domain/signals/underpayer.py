"""underpayer: doesn't pay enough, squeezes every cent (MISSION §1.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.sql import (
    EVENT,
    MONEY,
    as_of,
    count_of,
    customers,
    join_parts,
    level_case,
    num,
    pctstr,
    since,
    union,
)

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext


def _events(ctx: FeatureContext) -> str:
    """Discounted orders, price objections and disputed invoices in the window, one per row."""
    a, w = as_of(ctx), since(ctx)
    parts = []
    if "orders" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'orders' AS source_table, order_id AS record_id, ordered_at AS event_at,
            'discount' AS kind,
            COALESCE(list_amount, amount + COALESCE(discount, 0)) AS list_value,
            COALESCE(discount, list_amount - amount, 0) AS discount_value
        FROM orders WHERE ordered_at > {w} AND ordered_at <= {a}""")
    if "tickets" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'tickets', ticket_id, opened_at,
            CASE WHEN category = 'price_objection' THEN 'objection' ELSE 'ticket' END, 0, 0
        FROM tickets WHERE opened_at > {w} AND opened_at <= {a}""")
    if "invoices" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'invoices', invoice_id, issued_at, 'dispute', 0, 0
        FROM invoices WHERE disputed AND issued_at > {w} AND issued_at <= {a}""")
    return union(
        (*EVENT, ("kind", "VARCHAR"), ("list_value", MONEY), ("discount_value", MONEY)), parts
    )


def levels(ctx: FeatureContext) -> str:
    """Discount rate vs segment peers, repeated price objections and disputed invoices."""
    rate = num(ctx, "signals.underpayer.min_discount_rate")
    min_orders = num(ctx, "signals.underpayer.min_discounted_orders")
    objections = num(ctx, "signals.underpayer.min_price_objections")
    flag_objections = num(ctx, "signals.underpayer.flag_price_objections")
    disputes = num(ctx, "signals.underpayer.min_disputes")
    peer = num(ctx, "signals.peer_percentile")
    hits = (
        f"(CASE WHEN discount_rate >= {rate} AND n_discounted >= {min_orders}"
        f" AND peer_rank >= {peer} THEN 1 ELSE 0 END"
        f" + CASE WHEN n_objections >= {objections} THEN 1 ELSE 0 END"
        f" + CASE WHEN n_disputes >= {disputes} THEN 1 ELSE 0 END)"
    )
    share = num(ctx, "signals.underpayer.min_objection_share")
    haggler = (
        f"n_objections >= {flag_objections} AND n_objections >= {share} * n_tickets"
        f" AND objection_rank >= {peer}"
    )
    sentence = join_parts(
        [
            (
                "n_discounted > 0",
                f"'average discount ' || {pctstr('discount_rate')} || ' on '"
                f" || {count_of('n_discounted', 'discounted order')}"
                f" || ' (segment percentile ' || {pctstr('peer_rank')} || ')'",
            ),
            (
                "n_objections > 0",
                f"{count_of('n_objections', 'price objection')} || ' in '"
                f" || {count_of('n_tickets', 'ticket')}",
            ),
            ("n_disputes > 0", count_of("n_disputes", "disputed invoice")),
        ]
    )
    return f"""
    WITH e AS ({_events(ctx)}),
    m AS (
        SELECT customer_id,
            SUM(CASE WHEN kind = 'discount' AND discount_value > 0 THEN 1 ELSE 0 END)
                AS n_discounted,
            SUM(CASE WHEN kind = 'discount' THEN discount_value ELSE 0 END)
                / NULLIF(SUM(CASE WHEN kind = 'discount' THEN list_value ELSE 0 END), 0)
                AS discount_rate,
            SUM(CASE WHEN kind = 'objection' THEN 1 ELSE 0 END) AS n_objections,
            SUM(CASE WHEN kind IN ('objection', 'ticket') THEN 1 ELSE 0 END) AS n_tickets,
            SUM(CASE WHEN kind = 'dispute' THEN 1 ELSE 0 END) AS n_disputes
        FROM e GROUP BY customer_id
    ),
    r AS (
        SELECT c.customer_id, COALESCE(m.n_discounted, 0) AS n_discounted,
            COALESCE(m.discount_rate, 0) AS discount_rate,
            COALESCE(m.n_objections, 0) AS n_objections,
            COALESCE(m.n_tickets, 0) AS n_tickets,
            COALESCE(m.n_disputes, 0) AS n_disputes,
            PERCENT_RANK() OVER (PARTITION BY c.segment ORDER BY COALESCE(m.discount_rate, 0))
                AS peer_rank,
            PERCENT_RANK() OVER (PARTITION BY c.segment ORDER BY COALESCE(m.n_objections, 0))
                AS objection_rank
        FROM {customers(ctx)} c LEFT JOIN m ON m.customer_id = c.customer_id
    )
    SELECT customer_id,
        {level_case(f"{hits} >= 2 OR ({haggler})", f"{hits} >= 1")}
            AS level,
        {sentence} AS sentence,
        {hits} AS n
    FROM r
    WHERE n_discounted + n_objections + n_disputes > 0
    """


def evidence(ctx: FeatureContext) -> str:
    """Each discounted order, price objection and disputed invoice."""
    return f"""
    SELECT customer_id, source_table, record_id, event_at,
        CASE WHEN kind = 'discount' THEN CAST(discount_value AS VARCHAR) ELSE kind END AS value,
        CASE WHEN kind = 'discount' THEN 'discount ' || {pctstr("discount_value / list_value")}
             WHEN kind = 'objection' THEN 'price objection' ELSE 'disputed invoice' END AS detail
    FROM ({_events(ctx)}) e
    WHERE kind IN ('objection', 'dispute') OR (discount_value > 0 AND list_value > 0)
    """


SIGNAL = Signal(
    "underpayer",
    "§1.2 Doesn't pay enough / doesn't want to pay",
    ("orders", "invoices", "tickets"),
    levels,
    evidence,
    "Two of: recurring discounts high vs segment, repeated price objections, repeated disputes; "
    "or price objections that dominate their tickets.",
)
