"""Churn: who left and when, churn rate per year and per cohort, and the money it costs.

Input is the per-customer value table (one row per customer, from ``value.customers``), so
everything here is vectorised numpy over customers; events were reduced by the engine.
MISSION.md §3: an average business loses about 20% of its customers a year, and 700 repeat
customers spending $300 a year at that rate lose $42,000 a year (:func:`churn_cost`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from keepwise.errors import KeepwiseError

NAT = np.datetime64("NaT", "us")


class ChurnInputError(KeepwiseError, ValueError):
    """A churn calculator input is out of range (negative count, rate outside 0..1)."""


def churn_cost(customers: int, annual_spend: float, churn_rate: float) -> float:
    """Return the yearly revenue lost to churn: customers × annual spend × churn rate.

    Computed in :class:`~decimal.Decimal` from the decimal text of each input, so the
    MISSION.md example is exact: ``churn_cost(700, 300, 0.2) == 42000.0``.

    Parameters
    ----------
    customers
        Repeat customers at the start of the year.
    annual_spend
        What one of them spends a year, in the workspace currency.
    churn_rate
        Share of them lost in a year, between 0 and 1.
    """
    if customers < 0:
        raise ChurnInputError(f"customers must be 0 or more, got {customers}")
    if annual_spend < 0:
        raise ChurnInputError(f"annual spend must be 0 or more, got {annual_spend}")
    if not 0 <= churn_rate <= 1:
        raise ChurnInputError(f"churn rate must be between 0 and 1, got {churn_rate}")
    money = Decimal(str(customers)) * Decimal(str(annual_spend)) * Decimal(str(churn_rate))
    return float(money.quantize(Decimal("0.01")))


def _ts(table: pa.Table, name: str) -> np.ndarray:
    """Return a timestamp column as ``datetime64[us]`` with NaT for nulls."""
    col = table.column(name).combine_chunks()
    if pa.types.is_null(col.type):
        return np.full(len(col), NAT)
    col = pc.cast(col, pa.timestamp("us"))
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype="datetime64[us]")


def _f(table: pa.Table, name: str) -> np.ndarray:
    """Return a numeric column as float64 with NaN for nulls."""
    col = table.column(name).combine_chunks()
    if pa.types.is_null(col.type):
        return np.full(len(col), np.nan)
    return np.asarray(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def _b(table: pa.Table, name: str) -> np.ndarray:
    """Return a boolean column with nulls as False."""
    col = table.column(name).combine_chunks()
    if pa.types.is_null(col.type):
        return np.zeros(len(col), dtype=bool)
    return np.asarray(
        pc.fill_null(pc.cast(col, pa.bool_()), pa.scalar(False)).to_numpy(zero_copy_only=False)
    )


def _money(x: float) -> float | None:
    """Return money rounded to cents, None for NaN."""
    return None if not np.isfinite(x) else round(float(x), 2)


def _rate(num: float, den: float) -> float | None:
    """Return num/den, None when den is 0."""
    return None if den == 0 else float(num) / float(den)


def _year_start(year: int) -> np.datetime64:
    return np.datetime64(f"{year:04d}-01-01T00:00:00", "us")


@dataclass(frozen=True)
class ChurnWindow:
    """Observed churn over the 12 months before as_of (the inputs of the calculator)."""

    customers: int
    churned: int
    churn_rate: float | None
    annual_spend: float | None
    money_lost: float | None
    money_lost_observed: float | None
    margin_lost_observed: float | None
    start: datetime
    end: datetime

    def as_dict(self) -> dict[str, Any]:
        """Return the window as JSON-able values."""
        return {
            "customers": self.customers,
            "churned": self.churned,
            "churn_rate": self.churn_rate,
            "annual_spend": self.annual_spend,
            "money_lost": self.money_lost,
            "money_lost_observed": self.money_lost_observed,
            "margin_lost_observed": self.margin_lost_observed,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def churn_window(customers: pa.Table, as_of: datetime) -> ChurnWindow:
    """Return churn over the 12 months ending at ``as_of``.

    Customers at risk are those acquired before the window starts and not churned by then;
    their annual spend is the mean revenue of their 12 months before the window; the rate
    is the share of them churned inside the window. ``money_lost`` applies the calculator
    (customers × spend × rate); ``money_lost_observed`` adds up what the churned customers
    actually brought in their last 12 active months.
    """
    end = np.datetime64(as_of, "us")
    start_dt = as_of - timedelta(days=365)
    start = np.datetime64(start_dt, "us")
    acquired = _ts(customers, "acquired_at")
    churned_at = _ts(customers, "churned_at")
    churned = _b(customers, "churned")
    alive_at_start = ~(churned & (churned_at <= start))
    at_risk = (acquired <= start) & alive_at_start
    lost = at_risk & churned & (churned_at > start) & (churned_at <= end)
    n, k = int(at_risk.sum()), int(lost.sum())
    rate = _rate(k, n)
    prev = _f(customers, "prev_annual_revenue")[at_risk]
    spend = float(np.nanmean(prev)) if n and np.isfinite(prev).any() else None
    calc = None
    if spend is not None and rate is not None:
        calc = churn_cost(n, round(max(spend, 0.0), 2), rate)
    last_rev = _f(customers, "last_active_revenue")[lost]
    last_mar = _f(customers, "last_active_margin")[lost]
    has_money = bool(np.isfinite(_f(customers, "last_active_revenue")).any())
    return ChurnWindow(
        customers=n,
        churned=k,
        churn_rate=rate,
        annual_spend=None if spend is None else round(spend, 2),
        money_lost=calc,
        money_lost_observed=_money(float(np.nansum(last_rev))) if has_money else None,
        margin_lost_observed=_money(float(np.nansum(last_mar))) if has_money else None,
        start=start_dt,
        end=as_of,
    )


def churn_by_year(customers: pa.Table, as_of: datetime) -> list[dict[str, Any]]:
    """Return, per calendar year, customers at risk, churned, churn rate and money lost.

    At risk in year Y: acquired before Y and not churned before Y. The year of as_of is
    marked ``partial``. Money lost is the churned customers' revenue and margin in their
    last 12 active months (what they were worth per year).
    """
    acquired = _ts(customers, "acquired_at")
    churned_at = _ts(customers, "churned_at")
    churned = _b(customers, "churned") & ~np.isnat(churned_at)
    if len(acquired) == 0 or np.isnat(acquired).all():
        return []
    first = int(np.nanmin(acquired.astype("datetime64[Y]").astype(int)[~np.isnat(acquired)]))
    first += 1970
    last_rev = _f(customers, "last_active_revenue")
    last_mar = _f(customers, "last_active_margin")
    has_money = bool(np.isfinite(last_rev).any())
    rows = []
    for year in range(first, as_of.year + 1):
        y0, y1 = _year_start(year), _year_start(year + 1)
        at_risk = (acquired < y0) & ~(churned & (churned_at < y0))
        lost = at_risk & churned & (churned_at >= y0) & (churned_at < y1)
        new = (acquired >= y0) & (acquired < y1)
        n, k = int(at_risk.sum()), int(lost.sum())
        rows.append(
            {
                "year": year,
                "partial": year == as_of.year,
                "customers_at_start": n,
                "acquired": int(new.sum()),
                "churned": k,
                "churn_rate": _rate(k, n),
                "revenue_lost": _money(float(np.nansum(last_rev[lost]))) if has_money else None,
                "margin_lost": _money(float(np.nansum(last_mar[lost]))) if has_money else None,
            }
        )
    return rows


def cohort_retention(customers: pa.Table, as_of: datetime) -> dict[str, Any]:
    """Return the retention table: per acquisition year, the share still customers each year.

    ``retention[i][j]`` is the share of cohort ``cohorts[i]`` not churned at the end of
    calendar year ``years[j]`` (at as_of for the current year), None before the cohort began.
    """
    acquired = _ts(customers, "acquired_at")
    churned_at = _ts(customers, "churned_at")
    churned = _b(customers, "churned") & ~np.isnat(churned_at)
    ok = ~np.isnat(acquired)
    if not ok.any():
        return {"years": [], "cohorts": [], "sizes": [], "retention": []}
    cohort = acquired[ok].astype("datetime64[Y]").astype(int) + 1970
    first, last = int(cohort.min()), as_of.year
    ncol = last - first + 1
    churn_year = np.where(
        churned[ok], churned_at[ok].astype("datetime64[Y]").astype(int) + 1970, last + 1
    )
    churn_year = np.clip(churn_year, first, last + 1)
    grid = np.zeros((ncol, ncol + 1), dtype=np.int64)
    np.add.at(grid, (cohort - first, churn_year - first), 1)
    sizes = grid.sum(axis=1)
    churned_by = np.cumsum(grid, axis=1)[:, :ncol]
    retention: list[list[float | None]] = []
    for i in range(ncol):
        row: list[float | None] = []
        for j in range(ncol):
            if j < i or sizes[i] == 0:
                row.append(None)
            else:
                row.append(float((sizes[i] - churned_by[i, j]) / sizes[i]))
        retention.append(row)
    return {
        "years": list(range(first, last + 1)),
        "cohorts": list(range(first, last + 1)),
        "sizes": [int(s) for s in sizes],
        "retention": retention,
    }


def apply_p_alive(
    customers: pa.Table, p_alive: pa.Table, as_of: datetime, threshold: float, days: int
) -> pa.Table:
    """Return ``customers`` with repeat buyers' churn taken from P(alive) instead of inactivity.

    Customers whose churn basis is ``inactivity`` and who have a P(alive) value are churned
    when it is below ``threshold``; their churn date is the earlier of their last sale plus
    the inactivity period and as_of. Contract customers keep their ``ended_at``.
    """
    for col in ("customer_id", "p_alive"):
        if col not in p_alive.column_names:
            raise ChurnInputError(f"the p_alive table needs a {col!r} column")
    ids = customers.column("customer_id").combine_chunks()
    idx = pc.index_in(ids, value_set=pc.cast(p_alive.column("customer_id"), ids.type))
    prob = pc.take(pc.cast(p_alive.column("p_alive"), pa.float64()), idx)
    prob_np = np.asarray(prob.to_numpy(zero_copy_only=False), dtype=float)
    basis = np.asarray(customers.column("churn_basis").to_numpy(zero_copy_only=False), dtype=object)
    use = (basis == "inactivity") & np.isfinite(prob_np)
    churned = _b(customers, "churned")
    churned_at = _ts(customers, "churned_at")
    last_seen = _ts(customers, "last_order_at")
    last_seen = np.where(np.isnat(last_seen), _ts(customers, "acquired_at"), last_seen)
    lapse = np.minimum(last_seen + np.timedelta64(days, "D"), np.datetime64(as_of, "us"))
    new_churned = np.where(use, prob_np < threshold, churned)
    new_at = np.where(use, np.where(prob_np < threshold, lapse, NAT), churned_at)
    new_basis = np.where(use, "p_alive", basis)
    out = customers
    for name, values, typ in (
        ("churned", new_churned, pa.bool_()),
        ("churned_at", new_at, pa.timestamp("us")),
        ("churn_basis", new_basis.astype(str), pa.string()),
    ):
        i = out.column_names.index(name)
        mask = np.isnat(values) if typ == pa.timestamp("us") else None
        out = out.set_column(i, name, pa.array(values, type=typ, mask=mask))
    p_idx = len(out.column_names)
    return out.add_column(p_idx, "p_alive", prob)
