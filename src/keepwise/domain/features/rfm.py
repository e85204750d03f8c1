"""Recency-frequency-monetary summaries per customer: the sufficient statistics of the CLV models.

A *purchase* is a day with at least one order (several orders on one day are one purchase, as
in the literature's CDNOW summaries). Per customer, as of ``ctx.as_of``:

``frequency``
    purchase days − 1 (repeat purchases);
``recency``
    time from the first to the last purchase day;
``T``
    time from the first purchase day to the as-of date;
``monetary_value``
    mean amount per repeat purchase day, the first purchase excluded (NULL without repeats);

all times in units of ``clv.time_unit_days`` days (weeks by default); ``revenue`` and
``days_since_last`` come free from the same aggregates. The summary carries nothing else; the
business margin has its own one-row feature (``clv.business_margin``). Times are counted in
whole days from integer day offsets, which every engine computes the same way.

Counting purchase days by grouping every order by (customer, day) builds a hash table nearly
as large as the orders themselves (9.7M groups for 10M orders), which was most of the cost.
Instead the orders are grouped by customer and 512-day block, and each block's distinct days
are counted in a 64-byte bitmap (``BITSTRING_AGG``; on Spark ``COUNT(DISTINCT)``, see
:mod:`keepwise.engines.transpile`): one group per customer for most businesses. The first
purchase day's amount is ``MAX_BY(amount, off)`` (the day furthest before as_of) when every
order fell on its own day; only customers with two orders on one day have their first day
summed again from the orders, by a join on (customer, day). That join reads the orders a
second time (``NOT MATERIALIZED``): DuckDB would otherwise buffer all of them for it, which
cost more CPU than the second scan and half again the memory.
"""

from __future__ import annotations

from keepwise.domain.features.registry import FeatureContext, feature

BLOCK_DAYS = 512
"""Days per bitmap block: 64 bytes of state; a customer spans one block for up to 1.4 years."""


def _orders(ctx: FeatureContext) -> str:
    """Return the orders as of as_of as (customer, day offset before as_of, amount)."""
    asof = f"CAST({ctx.as_of_sql} AS DATE)"
    return f"""
    dated_orders AS NOT MATERIALIZED (
      SELECT customer_id,
             CAST(date_diff('day', CAST(ordered_at AS DATE), {asof}) AS INTEGER) AS off,
             amount
      FROM orders
      WHERE ordered_at <= {ctx.as_of_sql} AND customer_id IS NOT NULL
    )"""


def _days_in_block(where: str = "") -> str:
    """Return the SQL counting a block's distinct order days (those matching ``where``)."""
    filt = f" FILTER (WHERE {where})" if where else ""
    day = "o.off" if where else "off"
    return f"BIT_COUNT(BITSTRING_AGG({day} % {BLOCK_DAYS}, 0, {BLOCK_DAYS - 1}){filt})"


@feature("clv.rfm", ("orders",))
def rfm(ctx: FeatureContext) -> str:
    """Frequency, recency, T and mean repeat spend per customer with orders, as of as_of."""
    unit = float(ctx.settings.get_int("clv.time_unit_days"))
    return f"""
    WITH {_orders(ctx)},
    blocks AS (
      SELECT customer_id, COUNT(*) AS n, {_days_in_block()} AS days,
             MIN(off) AS lo, MAX(off) AS hi, SUM(amount) AS amount,
             MAX_BY(amount, off) AS first_amount
      FROM dated_orders
      GROUP BY customer_id, off // {BLOCK_DAYS}
    ),
    per_customer AS MATERIALIZED (
      SELECT customer_id, SUM(n) AS n, SUM(days) AS days, MIN(lo) AS lo, MAX(hi) AS hi,
             SUM(amount) AS amount, MAX_BY(first_amount, hi) AS first_amount
      FROM blocks
      GROUP BY customer_id
    ),
    first_day AS (
      SELECT o.customer_id, SUM(o.amount) AS amount
      FROM dated_orders o
      JOIN per_customer p ON o.customer_id = p.customer_id AND o.off = p.hi
      WHERE p.n > p.days
      GROUP BY o.customer_id
    )
    SELECT p.customer_id,
           CAST(p.days - 1 AS DOUBLE) AS frequency,
           CAST(p.hi - p.lo AS DOUBLE) / {unit} AS recency,
           CAST(p.hi AS DOUBLE) / {unit} AS T,
           (p.amount - COALESCE(f.amount, p.first_amount))
             / NULLIF(CAST(p.days - 1 AS DOUBLE), 0) AS monetary_value,
           CAST(p.amount AS DOUBLE) AS revenue,
           CAST(p.lo AS DOUBLE) AS days_since_last
    FROM per_customer p LEFT JOIN first_day f ON f.customer_id = p.customer_id
    """


@feature("clv.business_margin", ("orders",))
def business_margin(ctx: FeatureContext) -> str:
    """Revenue of the orders that carry a cost, and that cost, as of as_of (one row)."""
    return f"""
    SELECT CAST(SUM(CASE WHEN cost IS NOT NULL THEN amount ELSE 0 END) AS DOUBLE)
             AS costed_revenue,
           CAST(SUM(cost) AS DOUBLE) AS cost
    FROM orders
    WHERE ordered_at <= {ctx.as_of_sql} AND customer_id IS NOT NULL
    """


@feature("clv.rfm_holdout", ("orders",))
def rfm_holdout(ctx: FeatureContext) -> str:
    """Calibration summary and holdout purchases, for judging the models' forecasts.

    The last ``clv.holdout_fraction`` of the span from the first order to as_of is the
    holdout; customers first seen before it get their calibration frequency, recency and T
    (ending at the cut-off) and the number of purchase days inside the holdout.
    """
    unit = float(ctx.settings.get_int("clv.time_unit_days"))
    frac = float(ctx.settings.get_float("clv.holdout_fraction"))
    return f"""
    WITH {_orders(ctx)},
    cut AS (SELECT CAST(ROUND(MAX(off) * {frac}) AS BIGINT) AS h FROM dated_orders),
    blocks AS (
      SELECT o.customer_id,
             {_days_in_block("o.off >= c.h")} AS calibration_days,
             {_days_in_block("o.off < c.h")} AS holdout_days,
             MIN(CASE WHEN o.off >= c.h THEN o.off END) AS lo,
             MAX(o.off) AS hi, MAX(c.h) AS h
      FROM dated_orders o CROSS JOIN cut c
      GROUP BY o.customer_id, o.off // {BLOCK_DAYS}
    )
    SELECT customer_id,
           CAST(SUM(calibration_days) - 1 AS DOUBLE) AS frequency,
           CAST(MAX(hi) - MIN(lo) AS DOUBLE) / {unit} AS recency,
           CAST(MAX(hi) - MAX(h) AS DOUBLE) / {unit} AS T,
           CAST(COALESCE(SUM(holdout_days), 0) AS DOUBLE) AS holdout_purchases,
           CAST(MAX(h) AS DOUBLE) / {unit} AS holdout_T
    FROM blocks
    GROUP BY customer_id
    HAVING MAX(hi) > MAX(h)
    """
