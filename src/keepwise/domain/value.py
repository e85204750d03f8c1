"""Customer value as of a date: profit after cost to serve, the whale curve and churn money.

:func:`compute_value` runs the registered ``value.*`` features on any engine and returns one
row per customer, the itemised cost-to-serve components behind each figure, and the
business-level picture (totals, whale curve, 80/20, cost of the unprofitable customers,
churn per year and cohort, money lost to churn, reasons customers leave). MISSION.md §2.1,
§2.6, §3, §4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from keepwise.domain import churn as churn_math
from keepwise.domain.features.registry import Engine, FeatureContext, run_feature
from keepwise.domain.features.value import (
    COMPONENT_TABLE,
    COMPONENTS,
    channel_rates,
    event_time_columns,
    revenue_source,
)

MAX_CURVE_POINTS = 500

VALUE_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "revenue",
    "cost_of_goods",
    "discounts",
    "gross_margin",
    *(f"cts_{c}" for c in COMPONENTS),
    "cost_to_serve",
    "profit",
    "profit_rank",
    "profit_decile",
    "profit_share",
    "annual_revenue",
    "churned",
    "churned_at",
)
"""The promised leading columns of :attr:`ValueResult.customers` (more follow them)."""

ITEM_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("component", pa.string()),
        ("quantity", pa.float64()),
        ("unit", pa.string()),
        ("rate", pa.float64()),
        ("amount", pa.float64()),
        ("status", pa.string()),
    ]
)


@dataclass
class ValueResult:
    """What :func:`compute_value` returns.

    Attributes
    ----------
    customers
        One row per customer: :data:`VALUE_COLUMNS` then supporting columns (counts, hours,
        churn basis, last-12-active-month revenue and margin).
    items
        The cost-to-serve components, one row per customer and component: quantity, unit,
        rate, amount and status (``ok`` or ``no_data``); amounts of ``ok`` rows add up to
        ``cost_to_serve``.
    business
        JSON-able business figures: totals, whale curve, churn, reasons, currency.
    """

    customers: pa.Table
    items: pa.Table
    business: dict[str, Any] = field(default_factory=dict)
    as_of: datetime | None = None


def default_as_of(engine: Engine, present: frozenset[str] | set[str]) -> datetime | None:
    """Return the latest event time over the tables with data (the default as_of), or None."""
    parts = [
        f'SELECT MAX("{col}") AS t FROM {table}'
        for table, col in event_time_columns().items()
        if table in present
    ]
    if not parts:
        return None
    result = engine.query(f"SELECT MAX(t) AS t FROM ({' UNION ALL '.join(parts)}) x")
    value = result.column("t")[0].as_py()
    return value if isinstance(value, datetime) else None


def _component_items(customers: pa.Table, ctx: FeatureContext) -> pa.Table:
    """Return the itemised cost-to-serve table, built column-wise from the value table."""
    s = ctx.settings
    n = customers.num_rows
    ids = customers.column("customer_id")

    def col(name: str) -> pa.Array:
        return pc.cast(customers.column(name).combine_chunks(), pa.float64())

    support_hours = col("support_hours")
    support_amount = col("cts_support")
    blended = pc.if_else(
        pc.greater(support_hours, pa.scalar(0.0)),
        pc.divide(support_amount, support_hours),
        pa.scalar(s.get_float("value.support_hourly_cost")),
    )
    specs: dict[str, tuple[pa.Array, str, pa.Array | float | None]] = {
        "support": (support_hours, "hours", blended),
        "meetings": (col("meeting_hours"), "hours", s.get_float("value.meeting_hourly_cost")),
        "collections": (
            col("collection_touches"),
            "touches",
            s.get_float("value.collection_touch_cost"),
        ),
        "returns": (col("returns_handled"), "returns", s.get_float("value.return_handling_cost")),
        "bad_debt": (col("bad_debt_invoices"), "invoices", None),
        "financing": (
            col("overdue_money_days"),
            "money-days",
            s.get_float("value.cost_of_capital") / 365.0,
        ),
    }
    k = len(COMPONENTS)
    qty_cols, rate_cols, amount_cols, units, statuses = [], [], [], [], []
    for name in COMPONENTS:
        qty, unit, rate = specs[name]
        status = "ok" if COMPONENT_TABLE[name] in ctx.present else "no_data"
        if name == "collections" and status == "ok":
            known = pc.sum(customers.column("touches_known")).as_py() or 0
            status = "ok" if known > 0 else "no_data"
        if status == "no_data":
            qty_cols.append(np.full(n, np.nan))
            amount_cols.append(np.full(n, np.nan))
            rate_cols.append(np.full(n, np.nan))
        else:
            qty_cols.append(_np(qty))
            amount_cols.append(_np(col(f"cts_{name}")))
            rate_cols.append(_np(rate) if isinstance(rate, pa.Array) else np.full(n, _nan(rate)))
        units.append(unit)
        statuses.append(status)
    tile = pa.array(np.tile(np.arange(k, dtype=np.int32), n))

    def stacked(cols: list[np.ndarray]) -> pa.Array:
        flat = np.column_stack(cols).ravel() if n else np.empty(0)
        return pa.array(flat, pa.float64(), mask=np.isnan(flat))

    return pa.table(
        {
            "customer_id": pc.take(ids, pa.array(np.repeat(np.arange(n), k))),
            "component": pc.take(pa.array(COMPONENTS, pa.string()), tile),
            "quantity": stacked(qty_cols),
            "unit": pc.take(pa.array(units, pa.string()), tile),
            "rate": stacked(rate_cols),
            "amount": stacked(amount_cols),
            "status": pc.take(pa.array(statuses, pa.string()), tile),
        },
        schema=ITEM_SCHEMA,
    )


def _np(arr: pa.Array) -> np.ndarray:
    """Return a float Arrow array as numpy with NaN for nulls."""
    return np.asarray(pc.fill_null(arr, pa.scalar(np.nan)).to_numpy(zero_copy_only=False))


def _nan(rate: float | None) -> float:
    return np.nan if rate is None else rate


def _mask_collections(customers: pa.Table, items: pa.Table) -> pa.Table:
    """Null the collections column when no invoice carries collection touches (no data)."""
    status = items.filter(pc.equal(items.column("component"), pa.scalar("collections"))).column(
        "status"
    )
    if len(status) and status[0].as_py() == "no_data":
        i = customers.column_names.index("cts_collections")
        if customers.column("cts_collections").null_count < customers.num_rows:
            nulls = pa.nulls(customers.num_rows, pa.float64())
            cts = pc.subtract(
                pc.cast(customers.column("cost_to_serve"), pa.float64()),
                pc.fill_null(
                    pc.cast(customers.column("cts_collections"), pa.float64()), pa.scalar(0.0)
                ),
            )
            customers = customers.set_column(i, "cts_collections", nulls)
            j = customers.column_names.index("cost_to_serve")
            customers = customers.set_column(j, "cost_to_serve", cts)
    return customers


def whale_curve(profit: np.ndarray) -> dict[str, Any]:
    """Return the whale curve of per-customer profits (NaN ignored) and its landmarks.

    Customers are ranked from most to least profitable; the curve is cumulative profit
    against the number of customers, from (0, 0) to (n, total). ``points`` holds at most
    :data:`MAX_CURVE_POINTS` of them, always including the start, the peak and the end.
    """
    p = np.sort(profit[np.isfinite(profit)])[::-1]
    n = len(p)
    cum = np.concatenate([[0.0], np.cumsum(p)])
    total = float(cum[-1])
    peak_i = int(np.argmax(cum))
    top_k = int(np.ceil(0.2 * n))
    idx = np.unique(
        np.concatenate(
            [
                np.linspace(0, n, min(n + 1, MAX_CURVE_POINTS - 3)).round().astype(int),
                [0, peak_i, top_k, n],
            ]
        )
    )
    points = [
        {"customers": int(i), "share": (i / n) if n else 0.0, "profit": round(float(cum[i]), 2)}
        for i in idx
    ]
    negative = p[p < 0]
    return {
        "customers": n,
        "total_profit": round(total, 2),
        "points": points,
        "peak": {
            "customers": peak_i,
            "share": (peak_i / n) if n else 0.0,
            "profit": round(float(cum[peak_i]), 2),
            "share_of_total": (float(cum[peak_i]) / total) if total > 0 else None,
        },
        "top20_customers": top_k,
        "top20_profit": round(float(cum[top_k]), 2),
        "top20_share": (float(cum[top_k]) / total) if total > 0 else None,
        "unprofitable_count": len(negative),
        "unprofitable_loss": round(float(-negative.sum()), 2),
    }


def _reasons(engine: Engine, ctx: FeatureContext, customers: pa.Table) -> list[dict[str, Any]]:
    """Return why customers left: per source and reason, customers and their yearly money."""
    rows = run_feature(engine, "value.exit_reasons", ctx)
    if rows.num_rows == 0:
        return []
    ids = customers.column("customer_id").combine_chunks()
    idx = pc.index_in(pc.cast(rows.column("customer_id"), ids.type), value_set=ids)
    rev = pc.take(pc.cast(customers.column("last_active_revenue"), pa.float64()), idx)
    mar = pc.take(pc.cast(customers.column("last_active_margin"), pa.float64()), idx)
    joined = pa.table(
        {
            "source": rows.column("source"),
            "reason": rows.column("reason"),
            "revenue": rev,
            "margin": mar,
        }
    )
    grouped = joined.group_by(["source", "reason"]).aggregate(
        [("reason", "count"), ("revenue", "sum"), ("margin", "sum")]
    )
    has_money = revenue_source(ctx) is not None
    out = []
    for r in grouped.to_pylist():
        out.append(
            {
                "source": r["source"],
                "reason": r["reason"],
                "customers": int(r["reason_count"]),
                "revenue_per_year": _round(r["revenue_sum"]) if has_money else None,
                "margin_per_year": _round(r["margin_sum"]) if has_money else None,
            }
        )
    out.sort(key=lambda r: (r["source"], -r["customers"], r["reason"]))
    return out


def _round(x: Any) -> float | None:
    return None if x is None else round(float(x), 2)


def _sum(table: pa.Table, name: str) -> float | None:
    """Return the column sum rounded to cents, None when every value is null (no data)."""
    col = table.column(name)
    if col.null_count == len(col):
        return None
    return _round(pc.sum(pc.cast(col, pa.float64())).as_py() or 0.0)


def business_figures(customers: pa.Table, items: pa.Table, ctx: FeatureContext) -> dict[str, Any]:
    """Return the business-level value and churn figures from the per-customer tables."""
    profit = np.asarray(
        pc.cast(customers.column("profit"), pa.float64()).to_numpy(zero_copy_only=False),
        dtype=float,
    )
    statuses = {
        name: items.filter(pc.equal(items.column("component"), pa.scalar(name)))
        .column("status")[0]
        .as_py()
        if items.num_rows
        else ("ok" if COMPONENT_TABLE[name] in ctx.present else "no_data")
        for name in COMPONENTS
    }
    totals: dict[str, Any] = {
        name: _sum(customers, name)
        for name in (
            "revenue",
            "cost_of_goods",
            "discounts",
            "gross_margin",
            *(f"cts_{c}" for c in COMPONENTS),
            "cost_to_serve",
            "profit",
            "annual_revenue",
        )
    }
    curve = whale_curve(profit) if np.isfinite(profit).any() else None
    window = churn_math.churn_window(customers, ctx.as_of)
    return {
        "as_of": ctx.as_of.isoformat(),
        "currency": ctx.settings.get_str("workspace.currency"),
        "customers": customers.num_rows,
        "revenue_source": revenue_source(ctx),
        "components": statuses,
        "components_no_data": [c for c, st in statuses.items() if st == "no_data"],
        "orders_cost_estimated": int(pc.sum(customers.column("orders_cost_estimated")).as_py() or 0)
        if customers.column("orders_cost_estimated").null_count < customers.num_rows
        else None,
        "tickets_minutes_assumed": int(
            pc.sum(customers.column("tickets_minutes_assumed")).as_py() or 0
        )
        if customers.column("tickets_minutes_assumed").null_count < customers.num_rows
        else None,
        "totals": totals,
        "whale_curve": curve,
        "peak": curve["peak"] if curve else None,
        "top20_share": curve["top20_share"] if curve else None,
        "unprofitable_count": curve["unprofitable_count"] if curve else None,
        "unprofitable_loss": curve["unprofitable_loss"] if curve else None,
        "churn": {
            "rule": {
                "inactivity_days": ctx.settings.get_int("value.churn_inactivity_days"),
                "p_alive_threshold": ctx.settings.get_float("value.p_alive_churn_threshold"),
                "basis_counts": _counts(customers, "churn_basis"),
            },
            "churned": int(pc.sum(pc.cast(customers.column("churned"), pa.int64())).as_py() or 0),
            "last_12_months": window.as_dict(),
            "by_year": churn_math.churn_by_year(customers, ctx.as_of),
            "cohorts": churn_math.cohort_retention(customers, ctx.as_of),
        },
        "money_lost_to_churn": {
            "revenue_per_year": window.money_lost_observed,
            "margin_per_year": window.margin_lost_observed,
            "calculator": window.money_lost,
        },
        "settings": {
            "support_hourly_cost": ctx.settings.get_float("value.support_hourly_cost"),
            "support_hourly_cost_by_channel": channel_rates(ctx),
            "window_days": ctx.settings.get_int("value.window_days"),
        },
    }


def _counts(table: pa.Table, name: str) -> dict[str, int]:
    """Return value counts of a string column."""
    vc = pc.value_counts(table.column(name).combine_chunks())
    return {str(v["values"]): int(v["counts"]) for v in vc.to_pylist()}


def compute_value(
    engine: Engine, ctx: FeatureContext, p_alive: pa.Table | None = None
) -> ValueResult:
    """Compute every customer's value and the business picture as of ``ctx.as_of``.

    Parameters
    ----------
    engine
        Anything with ``query(sql) -> pyarrow.Table`` over the contract tables.
    ctx
        As-of date, settings and the tables that hold data (``ctx.present``).
    p_alive
        Optional table ``customer_id, p_alive`` from the CLV models; when given, repeat
        buyers without a contract are churned when P(alive) is below
        ``value.p_alive_churn_threshold`` instead of by the inactivity rule.

    Returns
    -------
    ValueResult
        Per-customer value table, itemised cost-to-serve components and business figures.
    """
    customers = run_feature(engine, "value.customers", ctx)
    if p_alive is not None:
        customers = churn_math.apply_p_alive(
            customers,
            p_alive,
            ctx.as_of,
            ctx.settings.get_float("value.p_alive_churn_threshold"),
            ctx.settings.get_int("value.churn_inactivity_days"),
        )
    items = _component_items(customers, ctx)
    customers = _mask_collections(customers, items)
    business = business_figures(customers, items, ctx)
    business["reasons"] = _reasons(engine, ctx, customers)
    return ValueResult(customers=customers, items=items, business=business, as_of=ctx.as_of)


def with_p_alive(
    engine: Engine, ctx: FeatureContext, result: ValueResult, p_alive: pa.Table
) -> ValueResult:
    """Return ``result`` with churn taken from P(alive), without re-running the value SQL.

    Same answer as ``compute_value(engine, ctx, p_alive)`` for the ``result`` of
    ``compute_value(engine, ctx)``: only the churn columns and the business figures change.
    """
    if "p_alive" in result.customers.column_names:
        raise ValueError("this value result already uses P(alive)")
    customers = churn_math.apply_p_alive(
        result.customers,
        p_alive,
        ctx.as_of,
        ctx.settings.get_float("value.p_alive_churn_threshold"),
        ctx.settings.get_int("value.churn_inactivity_days"),
    )
    business = business_figures(customers, result.items, ctx)
    business["reasons"] = _reasons(engine, ctx, customers)
    return ValueResult(customers=customers, items=result.items, business=business, as_of=ctx.as_of)
