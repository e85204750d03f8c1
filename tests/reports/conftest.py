"""A small hand-written workspace with one scorecard run, shared by the reports tests."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from keepwise.application import runs
from keepwise.domain.scorecard import SIGNAL_NAMES
from keepwise.storage.workspace import Workspace

TODAY = date(2025, 6, 30)

CUSTOMERS = [
    # id, name, segment, country, acquired, ended, strategic, owner, email
    ("C1", "Acme Oy", "smb", "EE", "2021-03-01", None, False, "Mari Tamm", "a@acme.test"),
    ("C2", "Bolt & Nut <b>Ltd</b>", "smb", "GB", "2022-01-10", None, False, "Sam Lee", None),
    ("C3", "Kaito Trading", "enterprise", "JP", "2020-05-05", None, True, "Yui Sato", None),
    ("C4", "Gone Away LLC", "smb", "US", "2019-02-01", "2025-03-31", False, None, None),
    ("C5", None, "smb", "RU", "2024-11-01", None, False, "Mari Tamm", None),
]

# run rows: id, revenue, cost_to_serve, profit, clv, churn_risk, our_failures, action, signals
SCORES = [
    ("C1", 12000.0, 2000.0, 6000.0, 15000.0, 0.10, 0, "nurture", {}),
    (
        "C2",
        3000.0,
        5200.0,
        -3100.0,
        -2000.0,
        0.30,
        2,
        "fire",
        {"abusive": "flag", "late_payer": "flag", "attention_hog": "watch"},
    ),
    (
        "C3",
        50000.0,
        9000.0,
        21000.0,
        60000.0,
        0.55,
        3,
        "talk",
        {"unreasonable_demands": "flag", "unhappy": "watch"},
    ),
    ("C4", 800.0, 300.0, 100.0, None, 0.95, 1, "win_back", {"unhappy": "flag"}),
    ("C5", 400.0, 900.0, -650.0, 50.0, 0.40, 0, "refer", {"doesnt_listen": "watch"}),
]

SENTENCES = {
    "abusive": "2 staff reports of abuse in the last 12 months.",
    "late_payer": "Paid 5 of 6 invoices late, on average 41 days.",
    "attention_hog": "Uses 31% of support time for 2% of revenue.",
    "unreasonable_demands": "7 out-of-scope requests in 90 days.",
    "unhappy": "CSAT fell from 4.5 to 2.0; one complaint unresolved.",
    "doesnt_listen": "Declined 3 of 4 recommendations.",
}

SUMMARY = {
    "actions": {
        "nurture": {"customers": 1, "revenue": 12000.0, "profit": 6000.0, "clv": 15000.0},
        "fire": {"customers": 1, "revenue": 3000.0, "profit": -3100.0, "clv": -2000.0},
        "talk": {"customers": 1, "revenue": 50000.0, "profit": 21000.0, "clv": 60000.0},
        "win_back": {"customers": 1, "revenue": 800.0, "profit": 100.0, "clv": 0.0},
        "refer": {"customers": 1, "revenue": 400.0, "profit": -650.0, "clv": 50.0},
    },
    "value": {
        "currency": "EUR",
        "customers": 5,
        "whale_curve": {
            "customers": 5,
            "total_profit": 23350.0,
            "points": [
                {"customers": i, "share": i / 5, "profit": p}
                for i, p in enumerate([0.0, 21000.0, 27000.0, 27100.0, 26450.0, 23350.0])
            ],
            "peak": {"customers": 3, "share": 0.6, "profit": 27100.0, "share_of_total": 1.16},
            "top20_customers": 1,
            "top20_profit": 21000.0,
            "top20_share": 21000.0 / 23350.0,
            "unprofitable_count": 2,
            "unprofitable_loss": 3750.0,
        },
        "top20_share": 21000.0 / 23350.0,
        "unprofitable_count": 2,
        "unprofitable_loss": 3750.0,
        "churn": {
            "churned": 1,
            "last_12_months": {
                "customers": 5,
                "churned": 1,
                "churn_rate": 0.2,
                "annual_spend": 300.0,
                "money_lost": 300.0,
                "money_lost_observed": 800.0,
                "margin_lost_observed": 320.0,
                "start": "2024-06-30",
                "end": "2025-06-30",
            },
            "by_year": [
                {
                    "year": 2024,
                    "partial": False,
                    "customers_at_start": 3,
                    "acquired": 1,
                    "churned": 0,
                    "churn_rate": 0.0,
                    "revenue_lost": 0.0,
                    "margin_lost": 0.0,
                },
                {
                    "year": 2025,
                    "partial": True,
                    "customers_at_start": 5,
                    "acquired": 0,
                    "churned": 1,
                    "churn_rate": 0.2,
                    "revenue_lost": 800.0,
                    "margin_lost": 320.0,
                },
            ],
            "cohorts": {
                "years": [2024, 2025],
                "cohorts": [2019, 2020],
                "sizes": [1, 1],
                "retention": [[1.0, 0.0], [1.0, 1.0]],
            },
        },
        "money_lost_to_churn": {
            "revenue_per_year": 800.0,
            "margin_per_year": 320.0,
            "calculator": 300.0,
        },
        "reasons": [
            {
                "source": "exit_survey",
                "reason": "price",
                "customers": 1,
                "revenue_per_year": 800.0,
                "margin_per_year": 320.0,
            },
            {
                "source": "exit_survey",
                "reason": "responsiveness",
                "customers": 1,
                "revenue_per_year": 800.0,
                "margin_per_year": 320.0,
            },
        ],
    },
}


def build_workspace(path: Path, *, with_run: bool = True) -> Workspace:
    """Create a workspace with five customers, their events and (optionally) one run."""
    ws = Workspace.init(path)
    with ws.connection() as con:
        for c in CUSTOMERS:
            con.execute(
                "INSERT INTO customers (customer_id, name, segment, country, acquired_at, "
                "ended_at, strategic, owner, email) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                list(c),
            )
        con.execute(
            """INSERT INTO invoices (invoice_id, customer_id, issued_at, due_at, amount,
                 paid_at, amount_paid, status) VALUES
              ('INV-101', 'C2', '2025-04-01', '2025-05-01', 1200.50, NULL, NULL, 'open'),
              ('INV-102', 'C2', '2025-05-01', '2025-07-31', 800.00, NULL, 300.00, 'open'),
              ('INV-103', 'C2', '2025-01-01', '2025-02-01', 500.00, '2025-03-01', 500, 'paid'),
              ('INV-201', 'C1', '2025-06-01', '2025-07-01', 999.99, NULL, NULL, 'open'),
              ('INV-301', 'C3', '2025-06-10', '2025-07-10', 5000.00, NULL, NULL, NULL)"""
        )
        con.execute(
            """INSERT INTO orders (order_id, customer_id, ordered_at, amount) VALUES
              ('O-1', 'C2', '2025-06-20', 420.00), ('O-2', 'C2', '2025-01-20', 99.00),
              ('O-3', 'C1', '2025-06-25', 1000.00)"""
        )
        con.execute(
            """INSERT INTO tickets (ticket_id, customer_id, opened_at, first_response_at,
                 closed_at, category, subject, reopened) VALUES
              ('T-1', 'C3', '2025-06-01 09:00', '2025-06-03 12:00', NULL, 'complaint',
               'Late delivery of batch 7', true),
              ('T-2', 'C2', '2025-06-15 10:00', '2025-06-15 11:00', NULL, 'change_request',
               'More revisions', false),
              ('T-3', 'C1', '2025-05-01 10:00', '2025-05-01 10:30', '2025-05-02 10:00',
               'complaint', 'Wrong invoice address', false),
              ('T-4', 'C4', '2025-02-01 10:00', NULL, NULL, 'complaint', NULL, false)"""
        )
        con.execute(
            """INSERT INTO incidents (incident_id, customer_id, reported_at, kind, reported_by,
                 severity) VALUES
              ('I-1', 'C2', '2025-05-05', 'abuse', 'Sam Lee', 2),
              ('I-2', 'C2', '2025-06-05', 'abuse', 'Anna Kask', 2),
              ('I-3', 'C5', '2025-06-06', 'threat', 'Mari Tamm', 3)"""
        )
        con.execute(
            """INSERT INTO surveys (response_id, customer_id, kind, submitted_at, score,
                 reasons) VALUES
              ('S-1', 'C4', 'exit', '2025-04-02', NULL, 'price;responsiveness'),
              ('S-2', 'C1', 'nps', '2025-04-02', 9, NULL)"""
        )
        if with_run:
            _insert_run(con)
    return ws


def _insert_run(con: duckdb.DuckDBPyConnection) -> None:
    cust = {c[0]: c for c in CUSTOMERS}
    ranked = sorted(SCORES, key=lambda r: -r[3])
    cards, sigs, evidence, items = [], [], [], []
    for rank, (cid, rev, cts, profit, clv, risk, fails, action, sig) in enumerate(ranked, 1):
        c = cust[cid]
        card = {
            "customer_id": cid,
            "as_of": datetime(2025, 6, 30),
            "revenue": rev,
            "gross_margin": rev * 0.6,
            "cost_to_serve": cts,
            "profit": profit,
            "profit_rank": rank,
            "clv": clv,
            "clv_low": None if clv is None else clv * 0.8,
            "clv_high": None if clv is None else clv * 1.2,
            "p_alive": 1 - risk,
            "churn_risk": risk,
            "our_failures": float(fails),
            "action": action,
            "reasons": json.dumps([f"Recommended {action} for {c[1] or cid}."]),
            "name": c[1],
            "segment": c[2],
            "country": c[3],
            "strategic": c[6],
            "acquired_at": datetime.fromisoformat(c[4]),
            "ended_at": None if c[5] is None else datetime.fromisoformat(c[5]),
            "profit_decile": rank,
            "profit_share": profit / 23350.0,
            "annual_revenue": rev / 2,
        }
        for s in SIGNAL_NAMES:
            card[f"signal_{s}"] = sig.get(s, "none")
        cards.append(card)
        for s, level in sig.items():
            sigs.append({"customer_id": cid, "signal": s, "level": level, "sentence": SENTENCES[s]})
            evidence.append(
                {
                    "customer_id": cid,
                    "signal": s,
                    "source_table": "incidents",
                    "record_id": f"E-{cid}-{s}",
                    "at": datetime(2025, 5, 5),
                    "value": "1",
                    "detail": "staff report",
                }
            )
        for comp, amount in (("support", cts * 0.7), ("collections", cts * 0.3)):
            items.append(
                {
                    "customer_id": cid,
                    "component": comp,
                    "quantity": 10.0,
                    "unit": "hours",
                    "rate": amount / 10,
                    "amount": amount,
                    "status": "ok",
                }
            )
    runs.write_run(
        con,
        runs.RunRecord(
            "R1",
            datetime(2025, 6, 30, 12),
            datetime(2025, 6, 30),
            "duckdb",
            "0.1.0",
            {},
            len(cards),
            SUMMARY,
        ),
        pa.Table.from_pylist(cards),
        pa.Table.from_pylist(sigs),
        pa.Table.from_pylist(evidence),
        pa.Table.from_pylist(items),
    )


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The five-customer workspace with run R1 (read-only use: tests must not modify it)."""
    return build_workspace(tmp_path_factory.mktemp("reports") / "ws")
