"""A small hand-written workspace with one scorecard run, shared by the reports tests."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

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

RUN_DDL = """
CREATE TABLE runs (run_id VARCHAR, created_at TIMESTAMP, as_of DATE, engine VARCHAR,
  code_version VARCHAR, settings JSON, n_customers BIGINT, summary JSON);
CREATE TABLE scorecard (run_id VARCHAR, customer_id VARCHAR, as_of DATE, revenue DOUBLE,
  gross_margin DOUBLE, cost_to_serve DOUBLE, profit DOUBLE, profit_rank BIGINT, clv DOUBLE,
  clv_low DOUBLE, clv_high DOUBLE, p_alive DOUBLE, churn_risk DOUBLE, our_failures BIGINT,
  action VARCHAR, reasons VARCHAR, {signals}, name VARCHAR, segment VARCHAR, country VARCHAR,
  strategic BOOLEAN, acquired_at TIMESTAMP, ended_at TIMESTAMP, profit_decile BIGINT,
  profit_share DOUBLE, annual_revenue DOUBLE);
CREATE TABLE scorecard_signals (run_id VARCHAR, customer_id VARCHAR, signal VARCHAR,
  level VARCHAR, sentence VARCHAR);
CREATE TABLE scorecard_evidence (run_id VARCHAR, customer_id VARCHAR, signal VARCHAR,
  source_table VARCHAR, record_id VARCHAR, "at" TIMESTAMP, value DOUBLE, detail VARCHAR);
CREATE TABLE scorecard_value_items (run_id VARCHAR, customer_id VARCHAR, component VARCHAR,
  quantity DOUBLE, unit VARCHAR, rate DOUBLE, amount DOUBLE, status VARCHAR);
"""

SUMMARY = {
    "currency": "EUR",
    "customers": 5,
    "total_profit": 23350.0,
    "top20_share": 0.9,
    "unprofitable_count": 2,
    "unprofitable_loss": 3750.0,
    "whale_curve": [
        [0.0, 0.0],
        [0.2, 21000.0],
        [0.4, 27000.0],
        [0.6, 27100.0],
        [0.8, 26450.0],
        [1.0, 23350.0],
    ],
    "churn": {"rate_per_year": {"2024": 0.0, "2025": 0.2}, "money_lost": 800.0},
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


def _insert_run(con) -> None:  # type: ignore[no-untyped-def]
    signals = ", ".join(f"signal_{s} VARCHAR" for s in SIGNAL_NAMES)
    con.execute(RUN_DDL.format(signals=signals))
    con.execute(
        "INSERT INTO runs VALUES ('R1', '2025-06-30 12:00', '2025-06-30', 'duckdb', '0.1.0', "
        "'{}', 5, ?)",
        [json.dumps(SUMMARY)],
    )
    cust = {c[0]: c for c in CUSTOMERS}
    ranked = sorted(SCORES, key=lambda r: -r[3])
    for rank, (cid, rev, cts, profit, clv, risk, fails, action, sig) in enumerate(ranked, 1):
        c = cust[cid]
        levels = [sig.get(s, "none") for s in SIGNAL_NAMES]
        reasons = json.dumps([f"Recommended {action} for {c[1] or cid}."])
        con.execute(
            f"INSERT INTO scorecard VALUES ('R1', ?, '2025-06-30', ?, ?, ?, ?, ?, ?, ?, ?, "
            f"?, ?, ?, ?, ?, {', '.join('?' * len(SIGNAL_NAMES))}, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                cid,
                rev,
                rev * 0.6,
                cts,
                profit,
                rank,
                clv,
                None if clv is None else clv * 0.8,
                None if clv is None else clv * 1.2,
                1 - risk,
                risk,
                fails,
                action,
                reasons,
                *levels,
                c[1],
                c[2],
                c[3],
                c[6],
                c[4],
                c[5],
                rank,
                profit / 23350.0,
                rev / 2,
            ],
        )
        for s, level in sig.items():
            con.execute(
                "INSERT INTO scorecard_signals VALUES ('R1', ?, ?, ?, ?)",
                [cid, s, level, SENTENCES[s]],
            )
            con.execute(
                "INSERT INTO scorecard_evidence VALUES ('R1', ?, ?, 'incidents', ?, "
                "'2025-05-05', 1, 'staff report')",
                [cid, s, f"E-{cid}-{s}"],
            )
        for comp, amount in (("cts_support", cts * 0.7), ("cts_collections", cts * 0.3)):
            con.execute(
                "INSERT INTO scorecard_value_items VALUES ('R1', ?, ?, 10, 'hours', ?, ?, 'ok')",
                [cid, comp, amount / 10, amount],
            )


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The five-customer workspace with run R1 (read-only use: tests must not modify it)."""
    return build_workspace(tmp_path_factory.mktemp("reports") / "ws")
