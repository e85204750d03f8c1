"""Every value component on a small hand-computed business (as of 2024-06-30)."""

from __future__ import annotations

from datetime import datetime

import pytest

from keepwise.domain.value import VALUE_COLUMNS
from value.value_store import Store, item_of, row_of

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")

AS_OF = datetime(2024, 6, 30)
RATES = {"value.default_cogs_rate": 0.4}
PER_DAY = 0.10 / 365


def shop(store: Store) -> None:
    store.add(
        "customers",
        [
            {"customer_id": "A", "acquired_at": "2023-01-01"},
            {"customer_id": "B", "acquired_at": "2023-02-01"},
            {"customer_id": "C", "acquired_at": "2024-07-15"},
            {"customer_id": "D", "acquired_at": "2023-05-01"},
        ],
    )
    store.add(
        "orders",
        [
            {
                "order_id": "o1",
                "customer_id": "A",
                "ordered_at": "2024-01-10",
                "amount": 100,
                "cost": 60,
                "discount": 10,
            },
            {"order_id": "o2", "customer_id": "A", "ordered_at": "2024-03-01", "amount": 50},
            {
                "order_id": "o3",
                "customer_id": "A",
                "ordered_at": "2024-08-01",
                "amount": 999,
                "cost": 1,
            },
            {
                "order_id": "o4",
                "customer_id": "B",
                "ordered_at": "2023-03-01",
                "amount": 200,
                "cost": 50,
            },
            {
                "order_id": "o5",
                "customer_id": "D",
                "ordered_at": "2024-06-30",
                "amount": 1000,
                "cost": 400,
                "discount": 0,
            },
            {"order_id": "o6", "customer_id": "C", "ordered_at": "2024-07-20", "amount": 70},
        ],
    )
    store.add(
        "returns",
        [
            {"return_id": "r1", "customer_id": "A", "returned_at": "2024-03-05", "amount": 20},
            {"return_id": "r2", "customer_id": "A", "returned_at": "2024-07-05", "amount": 99},
        ],
    )
    store.add(
        "tickets",
        [
            {
                "ticket_id": "t1",
                "customer_id": "A",
                "opened_at": "2024-02-01",
                "channel": "chat",
                "handle_minutes": 30,
            },
            {"ticket_id": "t2", "customer_id": "A", "opened_at": "2024-02-02", "channel": "email"},
            {
                "ticket_id": "t3",
                "customer_id": "A",
                "opened_at": "2024-07-01",
                "channel": "phone",
                "handle_minutes": 45,
            },
            {
                "ticket_id": "t4",
                "customer_id": "B",
                "opened_at": "2023-04-01",
                "channel": "Chat",
                "handle_minutes": 60,
            },
        ],
    )
    store.add(
        "activities",
        [
            {
                "activity_id": "a1",
                "customer_id": "A",
                "kind": "meeting",
                "at": "2024-01-05",
                "outcome": "attended",
                "minutes": 60,
            },
            {
                "activity_id": "a2",
                "customer_id": "A",
                "kind": "onboarding",
                "at": "2023-01-05",
                "outcome": "attended",
            },
            {
                "activity_id": "a3",
                "customer_id": "A",
                "kind": "email",
                "at": "2024-01-06",
                "outcome": "answered",
                "minutes": 10,
            },
            {
                "activity_id": "a4",
                "customer_id": "A",
                "kind": "call",
                "at": "2024-01-07",
                "outcome": "no_show",
                "minutes": 15,
            },
        ],
    )
    store.add(
        "invoices",
        [
            {
                "invoice_id": "i1",
                "customer_id": "A",
                "issued_at": "2024-01-10",
                "due_at": "2024-02-09",
                "paid_at": "2024-03-10",
                "amount": 100,
                "amount_paid": 100,
                "status": "paid",
                "collection_touches": 2,
            },
            {
                "invoice_id": "i2",
                "customer_id": "A",
                "issued_at": "2024-05-01",
                "due_at": "2024-05-31",
                "amount": 50,
                "amount_paid": 10,
                "status": "open",
                "collection_touches": 1,
            },
            {
                "invoice_id": "i3",
                "customer_id": "B",
                "issued_at": "2023-03-01",
                "due_at": "2023-03-31",
                "amount": 200,
                "status": "open",
                "collection_touches": 3,
            },
            {
                "invoice_id": "i4",
                "customer_id": "B",
                "issued_at": "2023-04-01",
                "due_at": "2023-05-01",
                "amount": 80,
                "amount_paid": 30,
                "status": "written_off",
            },
            {
                "invoice_id": "i5",
                "customer_id": "B",
                "issued_at": "2023-05-01",
                "due_at": "2023-05-31",
                "amount": 500,
                "status": "void",
                "collection_touches": 9,
            },
            {
                "invoice_id": "i6",
                "customer_id": "B",
                "issued_at": "2024-06-01",
                "due_at": "2024-06-15",
                "paid_at": "2024-07-10",
                "amount": 100,
                "status": "paid",
            },
        ],
    )


A_SUPPORT = 30 / 60 * 20 + 15 / 60 * 40
A_MEETINGS = (60 + 30 + 15) / 60 * 80
A_FINANCING = (30 * 100 + 30 * 40) * PER_DAY
B_FINANCING = 15 * 100 * PER_DAY
A_CTS = A_SUPPORT + A_MEETINGS + 3 * 15 + 1 * 10 + 0 + A_FINANCING
B_CTS = 60 / 60 * 20 + 0 + (3 + 9) * 15 + 0 + (200 + 50) + B_FINANCING


@pytest.fixture
def shop_value(store: Store):
    shop(store)
    return store.value(AS_OF, RATES)


def test_interface_columns_come_first(shop_value) -> None:
    assert tuple(shop_value.customers.column_names[: len(VALUE_COLUMNS)]) == VALUE_COLUMNS
    assert shop_value.items.column_names == [
        "customer_id",
        "component",
        "quantity",
        "unit",
        "rate",
        "amount",
        "status",
    ]


def test_customers_acquired_after_as_of_are_left_out(shop_value) -> None:
    assert sorted(shop_value.customers.column("customer_id").to_pylist()) == ["A", "B", "D"]


def test_revenue_cost_of_goods_and_discounts(shop_value) -> None:
    a = row_of(shop_value, "A")
    assert a["revenue"] == pytest.approx(100 + 50 - 20)
    assert a["cost_of_goods"] == pytest.approx(60 + 50 * 0.4)
    assert a["gross_margin"] == pytest.approx(130 - 80)
    assert a["discounts"] == pytest.approx(10)
    assert a["orders_cost_estimated"] == 1
    b = row_of(shop_value, "B")
    assert b["revenue"] == pytest.approx(200)
    assert b["discounts"] is None


def test_support_uses_channel_rates_and_default_minutes(shop_value) -> None:
    a = row_of(shop_value, "A")
    assert a["cts_support"] == pytest.approx(A_SUPPORT)
    assert a["tickets"] == 2
    assert a["tickets_minutes_assumed"] == 1
    item = item_of(shop_value, "A", "support")
    assert item["quantity"] == pytest.approx(0.75)
    assert item["unit"] == "hours"
    assert item["rate"] * item["quantity"] == pytest.approx(A_SUPPORT)
    assert row_of(shop_value, "B")["cts_support"] == pytest.approx(20.0)


def test_meetings_count_meeting_onboarding_and_call_minutes(shop_value) -> None:
    a = row_of(shop_value, "A")
    assert a["cts_meetings"] == pytest.approx(A_MEETINGS)
    assert a["meetings"] == 3
    assert item_of(shop_value, "A", "meetings")["rate"] == 80.0
    assert row_of(shop_value, "B")["cts_meetings"] == 0.0


def test_collections_returns_bad_debt_and_financing(shop_value) -> None:
    a, b = row_of(shop_value, "A"), row_of(shop_value, "B")
    assert a["cts_collections"] == pytest.approx(45.0)
    assert a["cts_returns"] == pytest.approx(10.0)
    assert a["cts_bad_debt"] == 0.0
    assert a["cts_financing"] == pytest.approx(A_FINANCING)
    assert b["cts_collections"] == pytest.approx(12 * 15.0)
    assert b["cts_bad_debt"] == pytest.approx(200 + 50)
    assert b["bad_debt_invoices"] == 2
    assert b["cts_financing"] == pytest.approx(B_FINANCING)
    fin = item_of(shop_value, "A", "financing")
    assert fin["quantity"] == pytest.approx(30 * 100 + 30 * 40)
    assert fin["unit"] == "money-days"


def test_void_invoices_still_carry_touches_but_no_money(store: Store) -> None:
    store.add("customers", [{"customer_id": "V", "acquired_at": "2024-01-01"}])
    store.add(
        "invoices",
        [
            {
                "invoice_id": "v",
                "customer_id": "V",
                "issued_at": "2024-01-01",
                "due_at": "2024-01-02",
                "amount": 500,
                "status": "void",
                "collection_touches": 1,
            }
        ],
    )
    v = row_of(store.value(AS_OF), "V")
    assert v["cts_bad_debt"] == 0.0
    assert v["cts_financing"] == 0.0
    assert v["cts_collections"] == pytest.approx(15.0)


def test_profit_rank_decile_and_share(shop_value) -> None:
    a, b, d = (row_of(shop_value, c) for c in "ABD")
    assert a["cost_to_serve"] == pytest.approx(A_CTS)
    assert b["cost_to_serve"] == pytest.approx(B_CTS)
    assert a["profit"] == pytest.approx(50 - A_CTS)
    assert b["profit"] == pytest.approx(150 - B_CTS)
    assert d["profit"] == pytest.approx(600)
    assert [d["profit_rank"], a["profit_rank"], b["profit_rank"]] == [1, 2, 3]
    assert [d["profit_decile"], a["profit_decile"], b["profit_decile"]] == [1, 2, 3]
    total = 600 + 50 - A_CTS + 150 - B_CTS
    assert d["profit_share"] == pytest.approx(600 / total)
    business = shop_value.business
    assert business["totals"]["profit"] == pytest.approx(total, abs=0.01)
    assert business["unprofitable_count"] == 2
    assert business["unprofitable_loss"] == pytest.approx(A_CTS - 50 + B_CTS - 150, abs=0.01)


def test_items_add_up_to_cost_to_serve(shop_value) -> None:
    for cid in "ABD":
        amounts = [
            r["amount"]
            for r in shop_value.items.to_pylist()
            if r["customer_id"] == cid and r["status"] == "ok"
        ]
        assert sum(amounts) == pytest.approx(row_of(shop_value, cid)["cost_to_serve"])


def test_annual_revenue_is_last_twelve_months(shop_value) -> None:
    assert row_of(shop_value, "A")["annual_revenue"] == pytest.approx(130)
    assert row_of(shop_value, "B")["annual_revenue"] == 0.0
    assert row_of(shop_value, "B")["prev_annual_revenue"] == pytest.approx(200)


def test_window_setting_shortens_history(store: Store) -> None:
    shop(store)
    result = store.value(AS_OF, {**RATES, "value.window_days": 200})
    a = row_of(result, "A")
    assert a["revenue"] == pytest.approx(130)
    assert a["cts_meetings"] == pytest.approx((60 + 15) / 60 * 80)
    b = row_of(result, "B")
    assert b["revenue"] == 0.0
    assert b["cts_bad_debt"] == 0.0
    assert b["cts_financing"] == pytest.approx(B_FINANCING)


def test_missing_tables_are_no_data_not_zero(store: Store) -> None:
    store.add("customers", [{"customer_id": "X", "acquired_at": "2024-01-01"}])
    store.add(
        "orders",
        [
            {
                "order_id": "o",
                "customer_id": "X",
                "ordered_at": "2024-02-01",
                "amount": 80,
                "cost": 30,
            }
        ],
    )
    result = store.value(AS_OF)
    x = row_of(result, "X")
    for name in ("support", "meetings", "collections", "returns", "bad_debt", "financing"):
        assert x[f"cts_{name}"] is None
        item = item_of(result, "X", name)
        assert item["status"] == "no_data"
        assert item["amount"] is None
    assert x["cost_to_serve"] is None
    assert x["gross_margin"] == pytest.approx(50)
    assert x["profit"] == pytest.approx(50)
    assert sorted(result.business["components_no_data"]) == sorted(
        ["support", "meetings", "collections", "returns", "bad_debt", "financing"]
    )


def test_collections_without_touch_data_are_no_data(store: Store) -> None:
    store.add("customers", [{"customer_id": "X", "acquired_at": "2024-01-01"}])
    store.add(
        "invoices",
        [
            {
                "invoice_id": "i",
                "customer_id": "X",
                "issued_at": "2024-01-01",
                "due_at": "2024-01-31",
                "amount": 100,
                "paid_at": "2024-02-10",
                "status": "paid",
            }
        ],
    )
    result = store.value(AS_OF)
    x = row_of(result, "X")
    assert x["cts_collections"] is None
    assert item_of(result, "X", "collections")["status"] == "no_data"
    assert x["cts_financing"] == pytest.approx(100 * 10 * PER_DAY)
    assert x["revenue"] == pytest.approx(100)
    assert result.business["revenue_source"] == "invoices"


def test_revenue_source_setting_can_refuse_invoices(store: Store) -> None:
    store.add("customers", [{"customer_id": "X", "acquired_at": "2024-01-01"}])
    store.add(
        "invoices",
        [
            {
                "invoice_id": "i",
                "customer_id": "X",
                "issued_at": "2024-01-01",
                "due_at": "2024-01-31",
                "amount": 100,
                "status": "open",
            }
        ],
    )
    x = row_of(store.value(AS_OF, {"value.revenue_source": "orders"}), "X")
    assert x["revenue"] is None
    assert x["profit"] is None
    assert x["profit_rank"] is None


def test_customers_table_missing_takes_customers_from_events(store: Store) -> None:
    store.add(
        "tickets",
        [{"ticket_id": "t", "customer_id": "Z", "opened_at": "2024-01-01", "handle_minutes": 6}],
    )
    result = store.value(AS_OF)
    z = row_of(result, "Z")
    assert z["cts_support"] == pytest.approx(6 / 60 * 40)
    assert z["revenue"] is None


def test_bad_channel_rate_setting_is_refused(store: Store) -> None:
    from keepwise.errors import SettingsError

    shop(store)
    with pytest.raises(SettingsError, match="chat=20"):
        store.value(AS_OF, {"value.support_hourly_cost_by_channel": ["chat:20"]})
