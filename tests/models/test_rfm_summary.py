"""The RFM summaries in SQL equal the same summaries computed order by order in Python.

The orders drawn here aim at the edges of counting purchase days: several orders on one day
(the first day included), long histories, days that are multiples of 512 apart, orders near
midnight and after as_of.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwise.domain.features import FeatureContext, run_feature
from keepwise.engines import DuckDBEngine
from keepwise.settings import default_settings
from keepwise.storage.workspace import event_table_ddl

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")

AS_OF = datetime(2024, 6, 30, 12, 0)
UNIT = 7.0
HOLDOUT_FRACTION = 0.3

Order = tuple[str, datetime, Decimal]

order_st = st.tuples(
    st.sampled_from(["a", "b", "c", "d"]),
    # days that land on one another (same day, 512 apart) come up often
    st.one_of(st.integers(-5, 1600), st.sampled_from([0, 3, 511, 512, 515, 1023, 1024, 1539])),
    st.sampled_from([0, 1, 719, 1439]),
    st.integers(1, 99_999).map(lambda cents: Decimal(cents) / 100),
).map(
    lambda t: (t[0], AS_OF.replace(hour=0) - timedelta(days=t[1]) + timedelta(minutes=t[2]), t[3])
)


def _load(orders: list[Order], threads: int = 1) -> duckdb.DuckDBPyConnection:
    """Return an in-memory store of ``orders``; with threads > 1 the summaries run in slices."""
    con = duckdb.connect(config={"threads": threads})
    con.execute(event_table_ddl("orders"))
    if not orders:
        return con
    con.executemany(
        "INSERT INTO orders (order_id, customer_id, ordered_at, amount) VALUES (?, ?, ?, ?)",
        [(f"o{i}", c, at, amount) for i, (c, at, amount) in enumerate(orders)],
    )
    return con


def _by_day(orders: list[Order]) -> dict[str, dict[int, Decimal]]:
    """Return each customer's spend per day offset before as_of, orders up to as_of only."""
    days: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for customer, at, amount in orders:
        if at <= AS_OF:
            days[customer][(AS_OF.date() - at.date()).days] += amount
    return days


def _expected_rfm(orders: list[Order]) -> dict[str, dict[str, Any]]:
    out = {}
    for customer, spend in _by_day(orders).items():
        first, last = max(spend), min(spend)
        total = sum(spend.values(), Decimal(0))
        x = len(spend) - 1
        out[customer] = {
            "frequency": float(x),
            "recency": (first - last) / UNIT,
            "T": first / UNIT,
            "monetary_value": float((total - spend[first]) / x) if x else None,
            "revenue": float(total),
            "days_since_last": float(last),
        }
    return out


def _expected_holdout(orders: list[Order]) -> dict[str, dict[str, Any]]:
    """Return the whole-history summary with the calibration columns beside it."""
    days = _by_day(orders)
    if not days:
        return {}
    cut = math.floor(max(max(d) for d in days.values()) * HOLDOUT_FRACTION + 0.5)
    out = _expected_rfm(orders)
    for customer, spend in days.items():
        calibration = [d for d in spend if d >= cut]
        seen_before = max(spend) > cut
        out[customer] |= {
            "cal_frequency": float(len(calibration) - 1) if seen_before else None,
            "cal_recency": (max(spend) - min(calibration)) / UNIT if seen_before else None,
            "cal_T": (max(spend) - cut) / UNIT if seen_before else None,
            "holdout_purchases": float(len(spend) - len(calibration)) if seen_before else None,
            "holdout_T": cut / UNIT,
        }
    return out


def _rows(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, dict[str, Any]]:
    ctx = FeatureContext(
        AS_OF,
        default_settings().with_overrides(
            {"clv.time_unit_days": int(UNIT), "clv.holdout_fraction": HOLDOUT_FRACTION}
        ),
        frozenset({"orders"}),
    )
    table = run_feature(DuckDBEngine(con), name, ctx)
    return {row.pop("customer_id"): row for row in table.to_pylist()}


def _assert_close(got: dict[str, dict[str, Any]], want: dict[str, dict[str, Any]]) -> None:
    assert set(got) == set(want)
    for customer, row in want.items():
        assert set(got[customer]) == set(row), customer
        for column, value in row.items():
            where = f"customer {customer} column {column}: {got[customer][column]} vs {value}"
            if value is None:
                assert got[customer][column] is None, where
            else:
                assert got[customer][column] == pytest.approx(value, rel=1e-12, abs=1e-9), where


@pytest.mark.parametrize("threads", [1, 3])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=st.lists(order_st, max_size=40))
def test_rfm_equals_the_summary_counted_order_by_order(orders: list[Order], threads: int) -> None:
    con = _load(orders, threads)
    try:
        _assert_close(_rows(con, "clv.rfm"), _expected_rfm(orders))
        _assert_close(_rows(con, "clv.rfm_holdout"), _expected_holdout(orders))
    finally:
        con.close()


def test_first_day_with_two_orders_is_one_purchase_of_their_sum() -> None:
    day0 = datetime(2024, 1, 10, 9)
    orders = [
        ("a", day0, Decimal("10.00")),
        ("a", day0 + timedelta(hours=5), Decimal("30.00")),
        ("a", day0 + timedelta(days=600), Decimal("7.00")),
        ("a", day0 + timedelta(days=601), Decimal("9.00")),
    ]
    orders = [(c, at - timedelta(days=700), amount) for c, at, amount in orders]
    rfm = _rows(_load(orders), "clv.rfm")["a"]
    assert rfm["frequency"] == 2.0
    assert rfm["monetary_value"] == pytest.approx(8.0)
    assert rfm["revenue"] == pytest.approx(56.0)
    assert rfm["recency"] == pytest.approx(601 / UNIT)
