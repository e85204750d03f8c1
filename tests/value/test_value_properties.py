"""Invariants of the value table on generated businesses (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwise.domain.value import whale_curve
from value.value_store import Store

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")

START = datetime(2022, 1, 1)
DAYS = 900
money = st.integers(min_value=0, max_value=50_000).map(lambda c: c / 100)
day = st.integers(min_value=0, max_value=DAYS)


@st.composite
def businesses(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(min_value=1, max_value=7))
    cust = st.integers(min_value=0, max_value=n - 1)
    return {
        "n": n,
        "acquired": draw(st.lists(day, min_size=n, max_size=n)),
        "orders": draw(st.lists(st.tuples(cust, day, money, st.none() | money), max_size=15)),
        "returns": draw(st.lists(st.tuples(cust, day, money), max_size=4)),
        "tickets": draw(
            st.lists(
                st.tuples(
                    cust,
                    day,
                    st.none() | st.integers(min_value=0, max_value=240),
                    st.sampled_from(["chat", "email", None]),
                ),
                max_size=8,
            )
        ),
        "invoices": draw(
            st.lists(
                st.tuples(
                    cust,
                    day,
                    st.integers(min_value=0, max_value=60),
                    st.none() | st.integers(min_value=0, max_value=300),
                    money,
                    st.sampled_from(["open", "paid", "void", "written_off"]),
                    st.none() | st.integers(min_value=0, max_value=5),
                ),
                max_size=8,
            )
        ),
        "as_of": draw(st.integers(min_value=100, max_value=DAYS)),
    }


def _t(d: int) -> datetime:
    return START + timedelta(days=d)


def fill(store: Store, b: dict[str, Any], upto: int | None = None) -> None:
    """Insert business ``b``; with ``upto``, only what is dated on or before that day."""

    def keep(d: int) -> bool:
        return upto is None or d <= upto

    store.add(
        "customers",
        [
            {"customer_id": f"c{i}", "acquired_at": _t(d)}
            for i, d in enumerate(b["acquired"])
            if keep(d)
        ],
    )
    store.add(
        "orders",
        [
            {
                "order_id": f"o{j}",
                "customer_id": f"c{c}",
                "ordered_at": _t(d),
                "amount": a,
                "cost": k,
            }
            for j, (c, d, a, k) in enumerate(b["orders"])
            if keep(d)
        ],
    )
    store.add(
        "returns",
        [
            {"return_id": f"r{j}", "customer_id": f"c{c}", "returned_at": _t(d), "amount": a}
            for j, (c, d, a) in enumerate(b["returns"])
            if keep(d)
        ],
    )
    store.add(
        "tickets",
        [
            {
                "ticket_id": f"t{j}",
                "customer_id": f"c{c}",
                "opened_at": _t(d),
                "handle_minutes": m,
                "channel": ch,
            }
            for j, (c, d, m, ch) in enumerate(b["tickets"])
            if keep(d)
        ],
    )
    store.add(
        "invoices",
        [
            {
                "invoice_id": f"i{j}",
                "customer_id": f"c{c}",
                "issued_at": _t(d),
                "due_at": _t(d + due),
                "paid_at": None if paid is None else _t(d + paid),
                "amount": a,
                "status": status,
                "collection_touches": touches,
            }
            for j, (c, d, due, paid, a, status, touches) in enumerate(b["invoices"])
            if keep(d)
        ],
    )


SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(businesses())
def test_profit_is_margin_less_cost_to_serve_and_ranks_are_a_permutation(b) -> None:
    store = Store()
    fill(store, b)
    result = store.value(_t(b["as_of"]))
    rows = result.customers.to_pylist()
    for r in rows:
        if r["revenue"] is None:
            continue
        assert r["gross_margin"] == pytest.approx(r["revenue"] - r["cost_of_goods"])
        cts = r["cost_to_serve"] or 0.0
        assert r["profit"] == pytest.approx(r["gross_margin"] - cts)
        parts = [
            r[f"cts_{c}"]
            for c in ("support", "meetings", "collections", "returns", "bad_debt", "financing")
        ]
        if r["cost_to_serve"] is not None:
            assert r["cost_to_serve"] == pytest.approx(sum(p for p in parts if p is not None))
    ranked = [r for r in rows if r["profit"] is not None]
    assert sorted(r["profit_rank"] for r in ranked) == list(range(1, len(ranked) + 1))
    by_rank = sorted(ranked, key=lambda r: r["profit_rank"])
    profits = [r["profit"] for r in by_rank]
    assert profits == sorted(profits, reverse=True)
    store.con.close()


@SETTINGS
@given(businesses())
def test_events_after_as_of_change_nothing(b) -> None:
    full, cut = Store(), Store()
    fill(full, b)
    fill(cut, b, upto=b["as_of"])
    a = full.value(_t(b["as_of"])).customers
    c = cut.value(_t(b["as_of"]), present=full.present()).customers
    assert a.column_names == c.column_names
    left, right = a.to_pylist(), c.to_pylist()
    assert len(left) == len(right)
    for x, y in zip(left, right, strict=True):
        for key in x:
            if isinstance(x[key], float):
                assert x[key] == pytest.approx(y[key]), key
            else:
                assert x[key] == y[key], key
    full.con.close()
    cut.con.close()


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), max_size=1200))
def test_whale_curve_starts_at_zero_and_ends_at_total(profits) -> None:
    curve = whale_curve(np.array(profits, dtype=float))
    pts = curve["points"]
    assert len(pts) <= 500
    assert (pts[0]["customers"], pts[0]["profit"]) == (0, 0.0)
    assert pts[-1]["customers"] == len(profits)
    assert pts[-1]["profit"] == pytest.approx(sum(profits), abs=0.01 + 1e-9 * len(profits) * 1e6)
    assert curve["peak"]["profit"] >= max(0.0, pts[-1]["profit"]) - 0.01
    assert curve["unprofitable_count"] == sum(p < 0 for p in profits)
    steps = [p["customers"] for p in pts]
    assert steps == sorted(set(steps))
