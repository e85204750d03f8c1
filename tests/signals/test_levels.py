"""Each signal on hand-written customers: clear positive cases and decoys that must not flag."""

from __future__ import annotations

from .conftest import Run, customer, day, evidence, level, sentence


def _invoice(iid: str, cid: str, due: float, paid: float | None, amount: float = 1000.0) -> dict:
    row = {
        "invoice_id": iid,
        "customer_id": cid,
        "issued_at": day(due + 30),
        "due_at": day(due),
        "amount": amount,
        "status": "paid" if paid is not None else "open",
    }
    if paid is not None:
        row["paid_at"] = day(paid)
    return row


def _ticket(tid: str, cid: str, ago: float, **kw: object) -> dict:
    row = {
        "ticket_id": tid,
        "customer_id": cid,
        "opened_at": day(ago),
        "first_response_at": day(ago - 0.1),
        "closed_at": day(ago - 0.5),
        "category": "question",
        "handle_minutes": 15.0,
        "touchpoints": 2,
        "subject": "Question",
        "body": "Could you help?",
    }
    row.update(kw)
    return row


def _activity(aid: str, cid: str, ago: float, kind: str, outcome: str, **kw: object) -> dict:
    return {
        "activity_id": aid,
        "customer_id": cid,
        "at": day(ago),
        "kind": kind,
        "outcome": outcome,
        **kw,
    }


def _incident(iid: str, cid: str, ago: float, kind: str, text: str = "") -> dict:
    return {
        "incident_id": iid,
        "customer_id": cid,
        "reported_at": day(ago),
        "kind": kind,
        "reported_by": "staff",
        "description": text,
    }


# --- late_payer ----------------------------------------------------------------------------


def test_late_payer_pattern_flags_with_numbers(run: Run) -> None:
    invoices = [_invoice(f"L{i}", "LATE", 300 - 40 * i, 260 - 40 * i) for i in range(5)]
    invoices.append(_invoice("O1", "LATE", 20, None, 4120.0))
    result = run({"customers": [customer("LATE")], "invoices": invoices})
    assert level(result, "LATE", "late_payer") == "flag"
    assert sentence(result, "LATE", "late_payer") == (
        "paid 6 of 6 invoices late, 31 days on average; 1 invoice 1–30 days overdue now, USD 4120"
    )
    records = evidence(result, "LATE", "late_payer")
    assert {e["record_id"] for e in records} == {"L0", "L1", "L2", "L3", "L4", "O1"}
    assert next(e for e in records if e["record_id"] == "O1")["detail"] == "unpaid, 20 days overdue"


def test_ageing_buckets_and_write_offs_in_the_sentence(run: Run) -> None:
    invoices = [
        _invoice("A", "C", 200, 150),
        _invoice("B", "C", 75, None, 4120.0),
        _invoice("C", "C", 120, None, 300.0),
        _invoice("D", "C", 300, 300),
        {**_invoice("W", "C", 250, None, 500.0), "status": "written_off"},
    ]
    result = run({"customers": [customer("C")], "invoices": invoices})
    assert level(result, "C", "late_payer") == "flag"
    assert sentence(result, "C", "late_payer") == (
        "paid 4 of 5 invoices late, 73 days on average; 1 invoice 61–90 days overdue now,"
        " USD 4120, 1 invoice over 90 days overdue now, USD 300; 1 written off, USD 500"
    )


def test_one_late_invoice_never_flags(run: Run) -> None:
    invoices = [_invoice(f"N{i}", "ONCE", 300 - 40 * i, 300 - 40 * i) for i in range(5)]
    invoices.append(_invoice("N9", "ONCE", 100, 40))
    result = run({"customers": [customer("ONCE")], "invoices": invoices})
    assert level(result, "ONCE", "late_payer") == "none"


def test_two_late_among_many_is_watch_not_flag(run: Run) -> None:
    invoices = [_invoice(f"M{i}", "BIG", 30 * i + 10, 30 * i + 10) for i in range(20)]
    invoices += [_invoice("X1", "BIG", 100, 70), _invoice("X2", "BIG", 200, 170)]
    result = run({"customers": [customer("BIG")], "invoices": invoices})
    assert level(result, "BIG", "late_payer") == "watch"


def test_payments_a_few_days_late_are_not_late(run: Run) -> None:
    invoices = [_invoice(f"G{i}", "G", 300 - 40 * i, 297 - 40 * i) for i in range(5)]
    result = run({"customers": [customer("G")], "invoices": invoices})
    assert level(result, "G", "late_payer") == "none"


# --- underpayer -----------------------------------------------------------------------------


def _orders(cid: str, n: int, discount: float, amount: float = 900.0) -> list[dict]:
    return [
        {
            "order_id": f"{cid}-O{i}",
            "customer_id": cid,
            "ordered_at": day(20 + 30 * i),
            "amount": amount,
            "list_amount": amount + discount,
            "discount": discount,
        }
        for i in range(n)
    ]


def test_underpayer_haggler_flags_fair_deal_seeker_does_not(run: Run) -> None:
    peers = [customer(f"P{i}") for i in range(20)]
    orders = [o for i in range(20) for o in _orders(f"P{i}", 3, 0.0)]
    orders += _orders("HAGGLE", 4, 300.0)
    orders += _orders("FAIR", 4, 0.0)
    orders[-1]["discount"] = 100.0
    orders[-1]["list_amount"] = 1000.0
    tickets = [
        _ticket(f"H{i}", "HAGGLE", 30 + 40 * i, category="price_objection") for i in range(3)
    ]
    tickets.append(_ticket("F1", "FAIR", 50, category="price_objection"))
    result = run(
        {
            "customers": [*peers, customer("HAGGLE"), customer("FAIR")],
            "orders": orders,
            "tickets": tickets,
        }
    )
    assert level(result, "HAGGLE", "underpayer") == "flag"
    assert level(result, "FAIR", "underpayer") == "none"
    assert "average discount 25% on 4 discounted orders" in sentence(result, "HAGGLE", "underpayer")


# --- shifting_requirements --------------------------------------------------------------------


def test_shifting_requirements_pattern_vs_busy_customer(run: Run) -> None:
    peers = [customer(f"P{i}") for i in range(20)]
    tickets = [_ticket(f"P{i}-T", f"P{i}", 50) for i in range(20)]
    tickets += [_ticket(f"S{i}", "SHIFT", 20 + 30 * i, category="change_request") for i in range(6)]
    tickets += [_ticket(f"B{i}", "BUSY", 5 + 7 * i) for i in range(40)]
    tickets += [_ticket(f"BC{i}", "BUSY", 11 + 60 * i, category="change_request") for i in range(4)]
    result = run({"customers": [*peers, customer("SHIFT"), customer("BUSY")], "tickets": tickets})
    assert level(result, "SHIFT", "shifting_requirements") == "flag"
    assert level(result, "BUSY", "shifting_requirements") == "none"


# --- attention_hog ---------------------------------------------------------------------------


def test_attention_hog_new_customer_and_big_customer(run: Run) -> None:
    peers = [customer(f"P{i}") for i in range(20)]
    orders = [o for i in range(20) for o in _orders(f"P{i}", 4, 0.0, 500.0)]
    orders += _orders("HOG", 4, 0.0, 500.0) + _orders("NEW", 1, 0.0, 500.0)
    orders += _orders("BIG", 10, 0.0, 20000.0)
    tickets = [_ticket(f"P{i}-T", f"P{i}", 50) for i in range(20)]
    tickets += [
        _ticket(f"H{i}", "HOG", 10 + 20 * i, handle_minutes=40.0, touchpoints=6) for i in range(15)
    ]
    tickets += [
        _ticket(f"N{i}", "NEW", 2 + 3 * i, handle_minutes=40.0, touchpoints=6) for i in range(15)
    ]
    tickets += [_ticket(f"B{i}", "BIG", 5 + 10 * i, handle_minutes=16.0) for i in range(30)]
    customers = [*peers, customer("HOG"), customer("NEW", acquired=50), customer("BIG")]
    result = run({"customers": customers, "orders": orders, "tickets": tickets})
    assert level(result, "HOG", "attention_hog") == "flag"
    assert level(result, "NEW", "attention_hog") == "none"
    assert level(result, "BIG", "attention_hog") == "none"
    assert sentence(result, "HOG", "attention_hog").startswith(
        "600 staff minutes over 15 tickets (90 touchpoints"
    )


# --- unavailable ------------------------------------------------------------------------------


def test_unavailable_pattern_vs_one_missed_meeting(run: Run) -> None:
    acts = [_activity(f"A{i}", "GONE", 20 + 30 * i, "meeting", "no_show") for i in range(3)]
    acts += [_activity(f"E{i}", "GONE", 25 + 30 * i, "email", "unanswered") for i in range(3)]
    acts += [_activity(f"M{i}", "GONE", 15 + 30 * i, "meeting", "attended") for i in range(3)]
    acts += [_activity(f"K{i}", "ONCE", 20 + 30 * i, "meeting", "attended") for i in range(6)]
    acts += [_activity("K9", "ONCE", 40, "meeting", "no_show")]
    result = run({"customers": [customer("GONE"), customer("ONCE")], "activities": acts})
    assert level(result, "GONE", "unavailable") == "flag"
    assert level(result, "ONCE", "unavailable") == "none"
    assert sentence(result, "GONE", "unavailable") == (
        "missed or cancelled late 3 of 6 meetings; did not answer 3 of 3 calls and e-mails"
        " (67% of contacts)"
    )


# --- dishonest --------------------------------------------------------------------------------


def test_dishonest_one_report_watch_pattern_flag(run: Run) -> None:
    incidents = [_incident("D1", "ONE", 30, "dishonesty", "Claimed a discount was promised")]
    incidents += [_incident(f"D{i}", "MANY", 30 * i, "dishonesty") for i in range(2, 5)]
    result = run({"customers": [customer("ONE"), customer("MANY")], "incidents": incidents})
    assert level(result, "ONE", "dishonest") == "watch"
    assert level(result, "MANY", "dishonest") == "flag"
    assert evidence(result, "ONE", "dishonest")[0]["detail"] == "Claimed a discount was promised"


# --- abusive ----------------------------------------------------------------------------------


def test_threat_flags_at_once_bad_day_is_watch_polite_is_none(run: Run) -> None:
    tickets = [
        _ticket("T1", "THREAT", 5, subject="Refund", body="Pay today or I will sue you."),
        _ticket("B1", "BADDAY", 4.5, subject="Awful", body="You are useless idiots."),
        _ticket("B2", "BADDAY", 4.6, subject="Again", body="Incompetent clowns, all of you."),
        _ticket(
            "P1",
            "POLITE",
            5,
            category="complaint",
            subject="Disappointed",
            body="I'm sorry to say the delivery was late again. Please explain.",
        ),
        _ticket("A1", "ABUSER", 5, body="Shut up and fix it, you morons."),
        _ticket("A2", "ABUSER", 50, body="Вы идиоты, сколько можно ждать?"),
    ]
    cs = [customer(c) for c in ("THREAT", "BADDAY", "POLITE", "ABUSER")]
    result = run({"customers": cs, "tickets": tickets})
    assert level(result, "THREAT", "abusive") == "flag"
    assert level(result, "BADDAY", "abusive") == "watch"
    assert level(result, "POLITE", "abusive") == "none"
    assert level(result, "ABUSER", "abusive") == "flag"
    quote = evidence(result, "THREAT", "abusive")[0]["detail"]
    assert "I will sue you" in quote


def test_the_abusive_quote_is_the_first_match_with_its_context(run: Run) -> None:
    before, after = "a" * 70 + " " + "b" * 70, "c" * 70 + " " + "d" * 70
    body = f"{before} You MORONS, I will sue you. {after}"
    result = run({"customers": [customer("C")], "tickets": [_ticket("T", "C", 5, body=body)]})
    quote = evidence(result, "C", "abusive")[0]["detail"]
    match = " MORONS,"  # the word and the non-letters that bound it, as the lexicon matches
    at = body.index(match)
    assert quote == body[at - 60 : at + len(match) + 60]


def test_staff_threat_report_flags(run: Run) -> None:
    incidents = [_incident("I1", "C", 3, "threat", "Said he knows where our office is")]
    result = run({"customers": [customer("C")], "incidents": incidents})
    assert level(result, "C", "abusive") == "flag"


# --- unreasonable_demands -----------------------------------------------------------------------


def test_unreasonable_demands_pattern_vs_night_owl(run: Run) -> None:
    tickets = [_ticket(f"U{i}", "DEMAND", 10 + 20 * i, out_of_scope=True) for i in range(5)]
    tickets += [_ticket(f"U9{i}", "DEMAND", 15 + 20 * i) for i in range(3)]
    tickets += [_ticket(f"N{i}", "OWL", 10 + 20 * i, after_hours=True) for i in range(4)]
    tickets += [_ticket(f"N9{i}", "OWL", 15 + 20 * i) for i in range(8)]
    peers = [customer(f"P{i}") for i in range(20)]
    tickets += [_ticket(f"P{i}", f"P{i}", 30) for i in range(20)]
    result = run({"customers": [*peers, customer("DEMAND"), customer("OWL")], "tickets": tickets})
    assert level(result, "DEMAND", "unreasonable_demands") == "flag"
    assert level(result, "OWL", "unreasonable_demands") == "none"


# --- public_complainer ---------------------------------------------------------------------------


def test_public_complainer_repeated_low_reviews(run: Run) -> None:
    reviews = [
        {
            "review_id": "R1",
            "customer_id": "LOUD",
            "posted_at": day(10),
            "rating": 1,
            "public": True,
            "source": "maps",
            "text": "Avoid.",
        },
        {
            "review_id": "R2",
            "customer_id": "LOUD",
            "posted_at": day(90),
            "rating": 2,
            "public": True,
            "source": "forum",
            "text": "Still bad.",
        },
        {
            "review_id": "R3",
            "customer_id": "ONCE",
            "posted_at": day(10),
            "rating": 2,
            "public": True,
        },
        {
            "review_id": "R4",
            "customer_id": "PRIVATE",
            "posted_at": day(10),
            "rating": 1,
            "public": False,
        },
        {
            "review_id": "R5",
            "customer_id": "PRIVATE",
            "posted_at": day(20),
            "rating": 1,
            "public": False,
        },
        {"review_id": "R6", "posted_at": day(20), "rating": 1},
    ]
    cs = [customer(c) for c in ("LOUD", "ONCE", "PRIVATE")]
    result = run({"customers": cs, "reviews": reviews})
    assert level(result, "LOUD", "public_complainer") == "flag"
    assert level(result, "ONCE", "public_complainer") == "watch"
    assert level(result, "PRIVATE", "public_complainer") == "none"
    assert sentence(result, "LOUD", "public_complainer") == (
        "2 public reviews of 2 stars or fewer on 2 sites, the latest 10 days ago"
    )


# --- doesnt_listen -----------------------------------------------------------------------------


def test_doesnt_listen_pattern_vs_occasional_no(run: Run) -> None:
    acts = [_activity(f"R{i}", "DEAF", 20 + 60 * i, "recommendation", "ignored") for i in range(5)]
    acts += [
        _activity(f"R9{i}", "DEAF", 30 + 60 * i, "recommendation", "accepted") for i in range(2)
    ]
    acts += [_activity(f"S{i}", "OK", 20 + 60 * i, "recommendation", "accepted") for i in range(6)]
    acts += [_activity("S9", "OK", 30, "recommendation", "declined")]
    result = run({"customers": [customer("DEAF"), customer("OK")], "activities": acts})
    assert level(result, "DEAF", "doesnt_listen") == "flag"
    assert level(result, "OK", "doesnt_listen") == "none"


# --- policy_abuse ------------------------------------------------------------------------------


def test_serial_returner_vs_normal_returns(run: Run) -> None:
    peers = [customer(f"P{i}", segment="consumer") for i in range(20)]
    orders = [o for i in range(20) for o in _orders(f"P{i}", 6, 0.0, 100.0)]
    orders += _orders("SERIAL", 8, 0.0, 100.0) + _orders("NORMAL", 8, 0.0, 100.0)
    returns = [
        {
            "return_id": f"X{i}",
            "customer_id": "SERIAL",
            "returned_at": day(15 + 30 * i),
            "amount": 100.0,
            "reason": "changed mind",
        }
        for i in range(5)
    ]
    returns.append(
        {"return_id": "Y1", "customer_id": "NORMAL", "returned_at": day(40), "amount": 100.0}
    )
    cs = [*peers, customer("SERIAL", segment="consumer"), customer("NORMAL", segment="consumer")]
    result = run({"customers": cs, "orders": orders, "returns": returns})
    assert level(result, "SERIAL", "policy_abuse") == "flag"
    assert level(result, "NORMAL", "policy_abuse") == "none"


def test_money_in_a_sentence_is_summed_exactly(run: Run) -> None:
    """0.20 + 10.10 + 0.20 is 10.50 and says USD 11; summed as DOUBLE it was 10.4999… (USD 10).

    DOUBLE sums also change with the order the engine's threads add them, so the same data gave
    USD 926 in one run and USD 927 in the next; money is summed in the contract's DECIMAL.
    """
    orders = [
        {"order_id": f"O{i}", "customer_id": "A", "ordered_at": day(50 - i), "amount": amount}
        for i, amount in enumerate(("0.20", "10.10", "0.20"))
    ]
    returns = [{"return_id": "R1", "customer_id": "A", "returned_at": day(5), "amount": "0.10"}]
    incidents = [
        {"incident_id": "I1", "customer_id": "A", "reported_at": day(3), "kind": "policy_abuse"}
    ]
    result = run(
        {"customers": [customer("A")], "orders": orders, "returns": returns, "incidents": incidents}
    )
    assert "USD 0 of USD 11 bought" in sentence(result, "A", "policy_abuse")


# --- unhappy and our failures -----------------------------------------------------------------


def test_failed_customer_is_unhappy_and_our_failures_flag(run: Run) -> None:
    tickets = [
        _ticket("F1", "FAILED", 100, first_response_at=day(96)),
        _ticket("F2", "FAILED", 60, first_response_at=None, closed_at=None),
        _ticket("F3", "FAILED", 40, category="complaint", closed_at=None, csat=1),
    ]
    acts = [_activity("P1", "FAILED", 70, "promise", "broken")]
    surveys = [
        {
            "response_id": "S1",
            "customer_id": "FAILED",
            "kind": "nps",
            "submitted_at": day(20),
            "score": 3.0,
        }
    ]
    tickets += [_ticket(f"G{i}", "FINE", 10 + 20 * i, csat=5) for i in range(4)]
    result = run(
        {
            "customers": [customer("FAILED"), customer("FINE")],
            "tickets": tickets,
            "activities": acts,
            "surveys": surveys,
        }
    )
    assert level(result, "FAILED", "unhappy") == "flag"
    assert level(result, "FAILED", "our_failures_level") == "flag"
    row = next(r for r in result.levels.to_pylist() if r["customer_id"] == "FAILED")
    assert row["our_failures"] == 4
    assert level(result, "FINE", "unhappy") == "none"
    assert level(result, "FINE", "our_failures_level") == "none"
    kinds = {e["detail"].split(":")[0] for e in evidence(result, "FAILED", "our_failures")}
    assert kinds == {"slow_response", "unresolved_complaint", "broken_promise"}


def test_one_bad_answer_is_not_unhappy_and_lost_customers_are_not_at_risk(run: Run) -> None:
    surveys = [
        {
            "response_id": "S1",
            "customer_id": "GRUMPY",
            "kind": "nps",
            "submitted_at": day(20),
            "score": 2.0,
        },
        {
            "response_id": "S2",
            "customer_id": "GONE",
            "kind": "nps",
            "submitted_at": day(60),
            "score": 1.0,
        },
        {
            "response_id": "S3",
            "customer_id": "GONE",
            "kind": "csat",
            "submitted_at": day(50),
            "score": 1.0,
        },
        {
            "response_id": "S4",
            "customer_id": "GONE",
            "kind": "nps",
            "submitted_at": day(40),
            "score": 0.0,
        },
    ]
    incidents = [_incident("U1", "GONE", 45, "unhappy")]
    cs = [customer("GRUMPY"), customer("GONE", ended_at=day(30))]
    result = run({"customers": cs, "surveys": surveys, "incidents": incidents})
    assert level(result, "GRUMPY", "unhappy") == "none"
    assert level(result, "GONE", "unhappy") == "none"
