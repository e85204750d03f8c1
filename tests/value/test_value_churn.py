"""Churn: contracts and the inactivity rule, P(alive), per year, per cohort, money and reasons."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepwise.domain.churn import ChurnInputError, churn_cost
from value.value_store import Store, row_of

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")

AS_OF = datetime(2024, 6, 30)


def test_the_mission_example_is_exact() -> None:
    assert churn_cost(700, 300, 0.2) == 42000.0
    assert churn_cost(700, 300.0, 0.20) == 42000.0


def test_churn_cost_is_decimal_exact() -> None:
    assert churn_cost(3, 0.1, 0.1) == 0.03
    assert churn_cost(0, 300, 0.2) == 0.0


@pytest.mark.parametrize(
    ("customers", "spend", "rate", "match"),
    [(-1, 300, 0.2, "customers"), (10, -5, 0.2, "spend"), (10, 300, 1.5, "rate")],
)
def test_churn_cost_refuses_impossible_inputs(customers, spend, rate, match) -> None:
    with pytest.raises(ChurnInputError, match=match):
        churn_cost(customers, spend, rate)


@given(
    st.integers(min_value=0, max_value=10**6),
    st.decimals(min_value=0, max_value=10**5, places=2),
    st.decimals(min_value=0, max_value=1, places=3),
)
def test_churn_cost_matches_decimal_arithmetic(n, spend, rate) -> None:
    expected = (n * spend * rate).quantize(type(spend)("0.01"))
    assert churn_cost(n, float(spend), float(rate)) == float(expected)


def subscriptions(store: Store) -> None:
    store.add(
        "customers",
        [
            {
                "customer_id": "K1",
                "acquired_at": "2021-03-01",
                "ended_at": "2023-05-10",
                "end_reason": "price",
                "annual_contract_value": 1200,
            },
            {"customer_id": "K2", "acquired_at": "2022-02-01", "annual_contract_value": 1000},
            {
                "customer_id": "K3",
                "acquired_at": "2022-06-01",
                "ended_at": "2024-07-05",
                "end_reason": "moved",
            },
            {"customer_id": "R1", "acquired_at": "2021-06-01"},
            {"customer_id": "R2", "acquired_at": "2023-01-01"},
            {"customer_id": "R3", "acquired_at": "2023-09-01"},
            {"customer_id": "R4", "acquired_at": "2022-03-01"},
            {"customer_id": "R5", "acquired_at": "2022-01-01"},
        ],
    )
    orders = [
        ("K1", "2022-06-01", 300, 0),
        ("K1", "2023-04-01", 500, 100),
        ("K2", "2024-01-01", 1000, 0),
        ("R1", "2021-06-01", 100, 0),
        ("R1", "2022-01-15", 200, 0),
        ("R2", "2024-05-01", 80, 0),
        ("R4", "2022-03-01", 50, 0),
        ("R5", "2023-05-01", 400, 100),
    ]
    store.add(
        "orders",
        [
            {"order_id": f"so{i}", "customer_id": c, "ordered_at": t, "amount": a, "cost": k}
            for i, (c, t, a, k) in enumerate(orders)
        ],
    )
    store.add(
        "surveys",
        [
            {
                "response_id": "s1",
                "customer_id": "K1",
                "kind": "exit",
                "submitted_at": "2023-05-20",
                "reasons": "price;competitor_offer",
            },
            {
                "response_id": "s2",
                "customer_id": "R1",
                "kind": "exit",
                "submitted_at": "2023-02-01",
                "reasons": "quality",
            },
            {
                "response_id": "s3",
                "customer_id": "R4",
                "kind": "exit",
                "submitted_at": "2024-08-01",
                "reasons": "price",
            },
            {
                "response_id": "s4",
                "customer_id": "R2",
                "kind": "nps",
                "submitted_at": "2024-01-01",
                "reasons": "price",
                "score": 3,
            },
        ],
    )


@pytest.fixture
def subs(store: Store):
    subscriptions(store)
    return store.value(AS_OF)


def test_who_churned_and_when(subs) -> None:
    got = {
        r["customer_id"]: (r["churned"], r["churned_at"], r["churn_basis"])
        for r in subs.customers.to_pylist()
    }
    assert got == {
        "K1": (True, datetime(2023, 5, 10), "contract"),
        "K2": (False, None, "contract"),
        "K3": (False, None, "contract"),
        "R1": (True, datetime(2023, 1, 15), "inactivity"),
        "R2": (False, None, "inactivity"),
        "R3": (False, None, "inactivity"),
        "R4": (True, datetime(2023, 3, 1), "inactivity"),
        "R5": (True, datetime(2024, 4, 30), "inactivity"),
    }


def test_worth_per_year_is_the_last_twelve_active_months(subs) -> None:
    k1 = row_of(subs, "K1")
    assert k1["last_active_revenue"] == pytest.approx(800)
    assert k1["last_active_margin"] == pytest.approx(700)
    assert row_of(subs, "R1")["last_active_revenue"] == pytest.approx(300)


def test_churn_by_year(subs) -> None:
    years = {r["year"]: r for r in subs.business["churn"]["by_year"]}
    assert sorted(years) == [2021, 2022, 2023, 2024]
    assert (years[2022]["customers_at_start"], years[2022]["churned"]) == (2, 0)
    y23 = years[2023]
    assert (y23["customers_at_start"], y23["churned"], y23["acquired"]) == (6, 3, 2)
    assert y23["churn_rate"] == pytest.approx(0.5)
    assert y23["revenue_lost"] == pytest.approx(800 + 300 + 50)
    assert y23["margin_lost"] == pytest.approx(700 + 300 + 50)
    y24 = years[2024]
    assert (y24["customers_at_start"], y24["churned"], y24["partial"]) == (5, 1, True)


def test_cohort_retention(subs) -> None:
    cohorts = subs.business["churn"]["cohorts"]
    assert cohorts["cohorts"] == [2021, 2022, 2023, 2024]
    assert cohorts["sizes"] == [2, 4, 2, 0]
    assert cohorts["retention"][0] == [1.0, 1.0, 0.0, 0.0]
    assert cohorts["retention"][1] == [None, 1.0, 0.75, 0.5]
    assert cohorts["retention"][2] == [None, None, 1.0, 1.0]
    assert cohorts["retention"][3] == [None, None, None, None]


def test_last_twelve_months_feed_the_calculator(subs) -> None:
    window = subs.business["churn"]["last_12_months"]
    assert (window["customers"], window["churned"]) == (4, 1)
    assert window["churn_rate"] == pytest.approx(0.25)
    assert window["annual_spend"] == pytest.approx(100)
    assert window["money_lost"] == churn_cost(4, 100, 0.25)
    assert window["money_lost_observed"] == pytest.approx(400)
    assert subs.business["money_lost_to_churn"]["margin_per_year"] == pytest.approx(300)


def test_reasons_with_counts_and_money(subs) -> None:
    got = {
        (r["source"], r["reason"]): (r["customers"], r["revenue_per_year"])
        for r in subs.business["reasons"]
    }
    assert got == {
        ("end_reason", "price"): (1, 800.0),
        ("exit_survey", "price"): (1, 800.0),
        ("exit_survey", "competitor_offer"): (1, 800.0),
        ("exit_survey", "quality"): (1, 300.0),
    }


def test_inactivity_days_is_a_setting(store: Store) -> None:
    subscriptions(store)
    result = store.value(AS_OF, {"value.churn_inactivity_days": 30})
    r2 = row_of(result, "R2")
    assert r2["churned"] is True
    assert r2["churned_at"] == datetime(2024, 5, 31)


def test_p_alive_replaces_the_inactivity_rule_for_repeat_buyers(store: Store) -> None:
    subscriptions(store)
    p_alive = pa.table({"customer_id": ["R1", "R2", "K2"], "p_alive": [0.9, 0.2, 0.1]})
    result = store.value(AS_OF, p_alive=p_alive)
    r1, r2, k2 = (row_of(result, c) for c in ("R1", "R2", "K2"))
    assert (r1["churned"], r1["churned_at"], r1["churn_basis"]) == (False, None, "p_alive")
    assert (r2["churned"], r2["churned_at"], r2["churn_basis"]) == (True, AS_OF, "p_alive")
    assert (k2["churned"], k2["churn_basis"]) == (False, "contract")
    assert k2["p_alive"] == pytest.approx(0.1)
    r4 = row_of(result, "R4")
    assert (r4["churned"], r4["churn_basis"], r4["p_alive"]) == (True, "inactivity", None)


def test_p_alive_table_needs_its_columns(store: Store) -> None:
    subscriptions(store)
    with pytest.raises(ChurnInputError, match="p_alive"):
        store.value(AS_OF, p_alive=pa.table({"customer_id": ["R1"], "prob": [0.5]}))


def test_with_p_alive_equals_computing_with_it(store: Store) -> None:
    from keepwise.domain.value import with_p_alive

    subscriptions(store)
    p_alive = pa.table({"customer_id": ["R1", "R2", "K2"], "p_alive": [0.9, 0.2, 0.1]})
    direct = store.value(AS_OF, p_alive=p_alive)
    plain = store.value(AS_OF)
    from keepwise.domain.features import FeatureContext
    from keepwise.settings import default_settings

    ctx = FeatureContext(AS_OF, default_settings(), store.present())
    later = with_p_alive(ctx, plain, p_alive)
    assert later.customers.equals(direct.customers)
    assert later.business["reasons"], "the fixture should give reasons for leaving"
    assert later.business == direct.business
    assert later.items.equals(direct.items)
