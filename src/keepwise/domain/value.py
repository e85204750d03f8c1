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
from keepwise.domain.contract.schema import TABLES
from keepwise.domain.features.registry import Engine, FeatureContext, run_feature
from keepwise.domain.features.value import (
    COMPONENT_TABLE,
    COMPONENTS,
    channel_rates,
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

CATEGORY = pa.dictionary(pa.int8(), pa.string())
"""The type of the items' text columns with a handful of values (component, unit, status)."""

ITEM_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("component", CATEGORY),
        ("quantity", pa.float64()),
        ("unit", CATEGORY),
        ("rate", pa.float64()),
        ("amount", pa.float64()),
        ("status", CATEGORY),
    ]
)


@dataclass
class ValueResult:
    """What :func:`compute_value` returns.

    Attributes
    ----------
    customers
        One row per customer, most profitable first (by ``profit_rank``):
        :data:`VALUE_COLUMNS` then supporting columns (counts, hours, churn basis,
        last-12-active-month revenue and margin).
    items
        The cost-to-serve components, one row per customer and component (component by
        component, customers in the order of ``customers``): quantity, unit, rate, amount
        and status (``ok`` or ``no_data``); amounts of ``ok`` rows add up to
        ``cost_to_serve``. Component, unit and status are dictionary-encoded strings.
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
        f'SELECT MAX("{spec.event_time}") AS t FROM {table}'
        for table, spec in TABLES.items()
        if table in present
    ]
    if not parts:
        return None
    result = engine.query(f"SELECT MAX(t) AS t FROM ({' UNION ALL '.join(parts)}) x")
    value = result.column("t")[0].as_py()
    return value if isinstance(value, datetime) else None


def component_status(customers: pa.Table, ctx: FeatureContext) -> dict[str, str]:
    """Return each cost-to-serve component's status: ``ok``, or ``no_data`` without its table.

    Collections are also ``no_data`` when invoices exist but none records its collection
    touches: zero touches would otherwise read as "costs nothing to collect".
    """
    status = {
        name: "ok" if COMPONENT_TABLE[name] in ctx.present else "no_data" for name in COMPONENTS
    }
    touches = pc.sum(customers.column("touches_known")).as_py() if customers.num_rows else 1
    if status["collections"] == "ok" and not touches:
        status["collections"] = "no_data"
    return status


def _component_items(customers: pa.Table, ctx: FeatureContext, status: dict[str, str]) -> pa.Table:
    """Return the itemised cost-to-serve table, one block of rows per component.

    Each block reuses the value table's own columns (the customer ids and amounts are not
    copied), so six rows per customer cost little more memory than the value table itself.
    """
    s = ctx.settings
    n = customers.num_rows

    def col(name: str) -> pa.ChunkedArray:
        return pc.cast(customers.column(name), pa.float64())

    def const(value: float | None) -> pa.Array:
        return pa.repeat(pa.scalar(value, pa.float64()), n)

    support_hours = col("support_hours")
    blended = pc.if_else(
        pc.greater(support_hours, pa.scalar(0.0)),
        pc.divide(col("cts_support"), support_hours),
        pa.scalar(s.get_float("value.support_hourly_cost")),
    )
    specs: dict[str, tuple[str, str, pa.ChunkedArray | float | None]] = {
        "support": ("support_hours", "hours", blended),
        "meetings": ("meeting_hours", "hours", s.get_float("value.meeting_hourly_cost")),
        "collections": (
            "collection_touches",
            "touches",
            s.get_float("value.collection_touch_cost"),
        ),
        "returns": ("returns_handled", "returns", s.get_float("value.return_handling_cost")),
        "bad_debt": ("bad_debt_invoices", "invoices", None),
        "financing": (
            "overdue_money_days",
            "money-days",
            s.get_float("value.cost_of_capital") / 365.0,
        ),
    }
    quantity: list[pa.Array] = []
    rate: list[pa.Array] = []
    amount: list[pa.Array] = []
    for name in COMPONENTS:
        qty, _, per = specs[name]
        if status[name] == "no_data":
            quantity.append(const(None))
            rate.append(const(None))
            amount.append(const(None))
            continue
        quantity.extend(col(qty).chunks)
        rate.extend(per.chunks if isinstance(per, pa.ChunkedArray) else [const(per)])
        amount.extend(col(f"cts_{name}").chunks)
    units = [specs[name][1] for name in COMPONENTS]
    block = np.repeat(np.arange(len(COMPONENTS), dtype=np.int8), n)

    def category(values: list[str]) -> pa.DictionaryArray:
        labels = sorted(set(values), key=values.index)
        codes = np.array([labels.index(v) for v in values], dtype=np.int8)
        return pa.DictionaryArray.from_arrays(pa.array(codes[block]), pa.array(labels))

    float64 = pa.float64()
    return pa.table(
        {
            "customer_id": pa.chunked_array(
                pc.cast(customers.column("customer_id"), pa.string()).chunks * len(COMPONENTS),
                pa.string(),
            ),
            "component": category(list(COMPONENTS)),
            "quantity": pa.chunked_array(quantity, float64),
            "unit": category(units),
            "rate": pa.chunked_array(rate, float64),
            "amount": pa.chunked_array(amount, float64),
            "status": category([status[name] for name in COMPONENTS]),
        },
        schema=ITEM_SCHEMA,
    )


def _mask_collections(customers: pa.Table, status: dict[str, str]) -> pa.Table:
    """Null the collections column when no invoice carries collection touches (no data)."""
    if status["collections"] == "no_data":
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
    """Return why customers left: per source and reason, customers and their yearly money.

    The value rows of the few leavers are picked out first, so matching reasons to money
    hashes the leavers' ids rather than every customer's.
    """
    rows = run_feature(engine, "value.exit_reasons", ctx)
    if rows.num_rows == 0:
        return []
    reason_ids = pc.cast(rows.column("customer_id"), customers.schema.field("customer_id").type)
    leavers = customers.filter(
        pc.is_in(customers.column("customer_id"), value_set=pc.unique(reason_ids))
    )
    idx = pc.index_in(reason_ids, value_set=leavers.column("customer_id").combine_chunks())
    rev = pc.take(pc.cast(leavers.column("last_active_revenue"), pa.float64()), idx)
    mar = pc.take(pc.cast(leavers.column("last_active_margin"), pa.float64()), idx)
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


def business_figures(customers: pa.Table, ctx: FeatureContext) -> dict[str, Any]:
    """Return the business-level value and churn figures from the per-customer value table."""
    profit = np.asarray(
        pc.cast(customers.column("profit"), pa.float64()).to_numpy(zero_copy_only=False),
        dtype=float,
    )
    statuses = component_status(customers, ctx)
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


def in_rank_order(customers: pa.Table) -> pa.Table:
    """Return the value table by profit rank, then customer id (rows without a rank last).

    Checks the order first and sorts only when needed, so the usual engine output, already
    in rank order, costs a scan of one integer column instead of a sort of every column.
    """
    rank = customers.column("profit_rank")
    if rank.null_count == 0:
        values = np.asarray(rank.to_numpy(), dtype=np.int64)
        if bool(np.all(values[1:] > values[:-1])):
            return customers
    return customers.sort_by([("profit_rank", "ascending"), ("customer_id", "ascending")])


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
    customers = in_rank_order(run_feature(engine, "value.customers", ctx))
    if p_alive is not None:
        customers = churn_math.apply_p_alive(
            customers,
            p_alive,
            ctx.as_of,
            ctx.settings.get_float("value.p_alive_churn_threshold"),
            ctx.settings.get_int("value.churn_inactivity_days"),
        )
    status = component_status(customers, ctx)
    items = _component_items(customers, ctx, status)
    customers = _mask_collections(customers, status)
    business = business_figures(customers, ctx)
    business["reasons"] = _reasons(engine, ctx, customers)
    return ValueResult(customers=customers, items=items, business=business, as_of=ctx.as_of)


def with_p_alive(ctx: FeatureContext, result: ValueResult, p_alive: pa.Table) -> ValueResult:
    """Return ``result`` with churn taken from P(alive), without re-running the value SQL.

    Same answer as ``compute_value(engine, ctx, p_alive)`` for the ``result`` of
    ``compute_value(engine, ctx)``: only the churn columns and the business figures change.
    The reasons for leaving stay: they join exit reasons to last-active money, not to churn.
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
    business = business_figures(customers, ctx)
    business["reasons"] = result.business["reasons"]
    return ValueResult(customers=customers, items=result.items, business=business, as_of=ctx.as_of)
