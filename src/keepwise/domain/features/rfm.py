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
``days_since_last`` come free from the same aggregates. The summary carries nothing else:
every extra aggregate rides through the (customer, day) grouping of every order, the costliest
step, so the business margin has its own one-row feature (``clv.business_margin``). Times are
counted in whole days from integer day offsets, which every engine computes the same way.
The first purchase day's amount is ``MAX_BY(amount, off)`` (the day furthest before as_of;
Spark has the same function), which halves the time of a window.
"""

from __future__ import annotations

from keepwise.domain.features.registry import FeatureContext, feature


def _days(ctx: FeatureContext) -> str:
    """Return purchase days per customer with their amounts, as day offsets before as_of."""
    asof = f"CAST({ctx.as_of_sql} AS DATE)"
    return f"""
    purchase_days AS (
      SELECT customer_id,
             date_diff('day', CAST(ordered_at AS DATE), {asof}) AS off,
             SUM(amount) AS amount
      FROM orders
      WHERE ordered_at <= {ctx.as_of_sql} AND customer_id IS NOT NULL
      GROUP BY customer_id, date_diff('day', CAST(ordered_at AS DATE), {asof})
    )"""


@feature("clv.rfm", ("orders",))
def rfm(ctx: FeatureContext) -> str:
    """Frequency, recency, T and mean repeat spend per customer with orders, as of as_of."""
    unit = float(ctx.settings.get_int("clv.time_unit_days"))
    return f"""
    WITH {_days(ctx)}
    SELECT customer_id,
           CAST(COUNT(*) - 1 AS DOUBLE) AS frequency,
           CAST(MAX(off) - MIN(off) AS DOUBLE) / {unit} AS recency,
           CAST(MAX(off) AS DOUBLE) / {unit} AS T,
           (SUM(amount) - MAX_BY(amount, off))
             / NULLIF(CAST(COUNT(*) - 1 AS DOUBLE), 0) AS monetary_value,
           CAST(SUM(amount) AS DOUBLE) AS revenue,
           CAST(MIN(off) AS DOUBLE) AS days_since_last
    FROM purchase_days
    GROUP BY customer_id
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
    WITH {_days(ctx)},
    cut AS (SELECT CAST(ROUND(MAX(off) * {frac}) AS BIGINT) AS h FROM purchase_days)
    SELECT r.customer_id,
           CAST(SUM(CASE WHEN r.off >= c.h THEN 1 ELSE 0 END) - 1 AS DOUBLE) AS frequency,
           CAST(MAX(r.off) - MIN(CASE WHEN r.off >= c.h THEN r.off END) AS DOUBLE)
             / {unit} AS recency,
           CAST(MAX(r.off) - MAX(c.h) AS DOUBLE) / {unit} AS T,
           CAST(SUM(CASE WHEN r.off < c.h THEN 1 ELSE 0 END) AS DOUBLE) AS holdout_purchases,
           CAST(MAX(c.h) AS DOUBLE) / {unit} AS holdout_T
    FROM purchase_days r CROSS JOIN cut c
    GROUP BY r.customer_id
    HAVING MAX(r.off) > MAX(c.h)
    """
