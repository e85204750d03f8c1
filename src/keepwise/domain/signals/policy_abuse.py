"""policy_abuse: exploits generous policies, e.g. serial returners (MISSION §2.6)."""

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
    money,
    num,
    pctstr,
    since,
    union,
)

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext


def _events(ctx: FeatureContext) -> str:
    a, w = as_of(ctx), since(ctx, "signals.policy_abuse.window_days")
    parts = []
    if "orders" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'orders' AS source_table, order_id AS record_id,
            ordered_at AS event_at, amount AS bought, 0 AS returned, 0 AS report, '' AS detail
        FROM orders WHERE ordered_at > {w} AND ordered_at <= {a}""")
    if "returns" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'returns', return_id, returned_at, 0, amount, 0,
            COALESCE(reason, '')
        FROM returns WHERE returned_at > {w} AND returned_at <= {a}""")
    if "incidents" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'incidents', incident_id, reported_at, 0, 0, 1,
            COALESCE(description, '')
        FROM incidents WHERE kind = 'policy_abuse' AND reported_at > {w} AND reported_at <= {a}""")
    return union(
        (
            *EVENT,
            ("bought", MONEY),
            ("returned", MONEY),
            ("report", "INTEGER"),
            ("detail", "VARCHAR"),
        ),
        parts,
    )


def levels(ctx: FeatureContext) -> str:
    """Return rate by value and count vs segment, plus staff reports of policy abuse."""
    n_min = num(ctx, "signals.policy_abuse.min_returns")
    rate = num(ctx, "signals.policy_abuse.min_return_rate")
    peer = num(ctx, "signals.peer_percentile")
    serial = f"n_returns >= {n_min} AND return_rate >= {rate} AND peer_rank >= {peer}"
    flag = f"({serial}) OR n_reports >= 2 OR (n_reports >= 1 AND n_returns >= {n_min} - 1)"
    watch = (
        f"n_reports >= 1 OR (n_returns >= {n_min} - 1 AND return_rate >= {rate} / 2"
        f" AND peer_rank >= {peer})"
    )
    sentence = join_parts(
        [
            (
                "n_returns > 0",
                f"{count_of('n_returns', 'return')} || ' on ' || {count_of('n_orders', 'order')}"
                f" || ', ' || {money(ctx, 'returned')} || ' of ' || {money(ctx, 'bought')}"
                f" || ' bought (' || {pctstr('return_rate')} || ', segment percentile '"
                f" || {pctstr('peer_rank')} || ')'",
            ),
            ("n_reports > 0", count_of("n_reports", "staff report") + " || ' of policy abuse'"),
        ]
    )
    return f"""
    WITH m AS (
        SELECT customer_id, SUM(bought) AS bought, SUM(returned) AS returned,
            SUM(CASE WHEN source_table = 'orders' THEN 1 ELSE 0 END) AS n_orders,
            SUM(CASE WHEN source_table = 'returns' THEN 1 ELSE 0 END) AS n_returns,
            SUM(report) AS n_reports
        FROM ({_events(ctx)}) e GROUP BY customer_id
    ),
    r AS (
        SELECT m.*, COALESCE(returned / NULLIF(bought, 0), 0) AS return_rate,
            PERCENT_RANK() OVER (PARTITION BY c.segment
                                 ORDER BY COALESCE(returned / NULLIF(bought, 0), 0))
                AS peer_rank
        FROM {customers(ctx)} c LEFT JOIN m ON m.customer_id = c.customer_id
    )
    SELECT customer_id, {level_case(flag, watch)} AS level,
        {sentence} AS sentence,
        n_returns + n_reports AS n
    FROM r WHERE n_returns + n_reports > 0
    """


def evidence(ctx: FeatureContext) -> str:
    """Each return and each staff report of policy abuse."""
    return f"""
    SELECT customer_id, source_table, record_id, event_at,
        CASE WHEN source_table = 'returns' THEN CAST(returned AS VARCHAR) ELSE 'staff report' END
            AS value, detail
    FROM ({_events(ctx)}) e WHERE source_table <> 'orders'
    """


SIGNAL = Signal(
    "policy_abuse",
    "§2.6 Policy abuse (serial returners)",
    ("returns", "incidents"),
    levels,
    evidence,
    "Returns as a count and a share of purchases, top of segment (serial returners); or staff "
    "reports of policy abuse.",
)
