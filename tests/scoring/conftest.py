"""A small synthetic business written with SQL INSERTs, for scoring tests without the demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from keepwise.application.runs import SCORECARD_TYPES
from keepwise.storage import Workspace

AS_OF = "2025-06-30"


def keyed_scorecard(ws: Workspace, columns: list[str] | None = None, insert: str = "") -> None:
    """Create ``scorecard`` as runs were stored before 7 Dec 2026, keyed by (run, customer).

    ``columns`` are the table's columns (default all of today's); ``insert``, when given, is
    an INSERT statement run right after, to leave older runs in it.
    """
    cols = ", ".join(f'"{c}" {SCORECARD_TYPES[c]}' for c in columns or SCORECARD_TYPES)
    with ws.connection() as con:
        con.execute(f"CREATE TABLE scorecard ({cols}, PRIMARY KEY (run_id, customer_id))")
        if insert:
            con.execute(insert)


def fill_business(ws: Workspace, n: int = 60) -> None:
    """Insert ``n`` customers with orders, invoices, tickets, activities and a few incidents.

    Customer 0 is strategic and threatened staff, 1 is a loss-making, dishonest late payer who
    takes much support time, 2 ended a year ago, the last one joined 20 days before the as-of.
    """
    with ws.connection() as con:
        con.execute(
            f"""
            INSERT INTO customers (customer_id, name, segment, country, acquired_at, ended_at,
                                   strategic)
            SELECT 'c' || lpad(i::VARCHAR, 3, '0'), 'Customer ' || i,
                   CASE WHEN i % 3 = 0 THEN 'enterprise' ELSE 'smb' END, 'EE',
                   CASE WHEN i = {n - 1} THEN TIMESTAMP '2025-06-10'
                        ELSE TIMESTAMP '2022-01-01' + INTERVAL (i * 5) DAY END,
                   CASE WHEN i = 2 THEN TIMESTAMP '2024-06-01' END,
                   i = 0
            FROM range({n}) t(i)
            """
        )
        con.execute(
            f"""
            INSERT INTO orders (order_id, customer_id, ordered_at, amount, cost, discount,
                                list_amount)
            SELECT 'o' || i || '-' || k, 'c' || lpad(i::VARCHAR, 3, '0'),
                   TIMESTAMP '2022-03-01' + INTERVAL (k * 37 + i * 3) DAY,
                   100 + (i * 37 % 400), 40 + (i * 13 % 100),
                   CASE WHEN i % 7 = 1 THEN 30 ELSE 0 END, 130 + (i * 37 % 400)
            FROM range({n}) a(i), range(CASE WHEN i < 2 THEN 40 ELSE 1 + (i % 9) * 3 END) b(k)
            WHERE i <> {n - 1} AND (i <> 2 OR k < 3)
              AND TIMESTAMP '2022-03-01' + INTERVAL (k * 37 + i * 3) DAY <= TIMESTAMP '{AS_OF}'
            """
        )
        con.execute(
            f"""
            INSERT INTO invoices (invoice_id, customer_id, issued_at, due_at, amount, paid_at,
                                  amount_paid, status, collection_touches)
            SELECT 'i' || order_id, customer_id, ordered_at, ordered_at + INTERVAL 30 DAY, amount,
                   ordered_at + INTERVAL (CASE WHEN customer_id = 'c001' THEN 95 ELSE 20 END) DAY,
                   amount, 'paid', CASE WHEN customer_id = 'c001' THEN 3 ELSE 0 END
            FROM orders
            WHERE ordered_at + INTERVAL 95 DAY <= TIMESTAMP '{AS_OF}'
            """
        )
        con.execute(
            f"""
            INSERT INTO tickets (ticket_id, customer_id, opened_at, first_response_at, closed_at,
                                 category, handle_minutes, touchpoints, csat)
            SELECT 't' || i || '-' || k, 'c' || lpad(i::VARCHAR, 3, '0'),
                   TIMESTAMP '2023-01-01' + INTERVAL (k * 23 + i) DAY,
                   TIMESTAMP '2023-01-01' + INTERVAL (k * 23 + i) DAY
                     + INTERVAL (CASE WHEN i % 10 = 4 THEN 72 ELSE 2 END) HOUR,
                   TIMESTAMP '2023-01-02' + INTERVAL (k * 23 + i) DAY,
                   CASE WHEN k % 4 = 0 THEN 'complaint' ELSE 'question' END,
                   CASE WHEN i = 1 THEN 400 ELSE 20 END, 2, 3 + (i % 3)
            FROM range({n}) a(i), range(CASE WHEN i = 1 THEN 25 ELSE 1 + i % 4 END) b(k)
            WHERE i NOT IN (2, {n - 1})
            """
        )
        con.execute(
            """
            INSERT INTO activities (activity_id, customer_id, kind, "at", outcome, minutes)
            SELECT 'a' || i || '-' || k, 'c' || lpad(i::VARCHAR, 3, '0'), 'meeting',
                   TIMESTAMP '2024-01-05' + INTERVAL (k * 30 + i) DAY,
                   CASE WHEN i % 11 = 5 AND k % 2 = 0 THEN 'no_show' ELSE 'attended' END, 45
            FROM range(40) a(i), range(4) b(k)
            """
        )
        con.execute(
            """
            INSERT INTO incidents (incident_id, customer_id, reported_at, kind, reported_by,
                                   severity, description)
            VALUES ('x1', 'c000', TIMESTAMP '2025-05-01', 'threat', 'ann', 3, 'Threatened staff'),
                   ('x2', 'c000', TIMESTAMP '2025-03-01', 'abuse', 'bob', 2, 'Shouted at staff'),
                   ('x3', 'c001', TIMESTAMP '2025-02-01', 'dishonesty', 'ann', 2, 'Made it up'),
                   ('x4', 'c001', TIMESTAMP '2025-04-01', 'dishonesty', 'cy', 2, 'Again')
            """
        )
        con.execute(
            """
            INSERT INTO reviews (review_id, posted_at, rating, customer_id, source, public, text)
            VALUES ('v1', TIMESTAMP '2025-05-01', 1, 'c001', 'web', TRUE, 'Terrible'),
                   ('v2', TIMESTAMP '2025-05-20', 1, 'c001', 'web', TRUE, 'Still terrible'),
                   ('v3', TIMESTAMP '2025-01-20', 5, 'c005', 'web', TRUE, 'Great')
            """
        )
        con.execute(
            """
            INSERT INTO surveys (response_id, customer_id, kind, submitted_at, score, reasons)
            VALUES ('s1', 'c002', 'exit', TIMESTAMP '2024-06-02', NULL, 'price;responsiveness'),
                   ('s2', 'c004', 'nps', TIMESTAMP '2025-03-02', 2, NULL)
            """
        )


@pytest.fixture
def business_ws(tmp_path: Path) -> Workspace:
    ws = Workspace.init(tmp_path / "biz")
    fill_business(ws)
    return ws


@pytest.fixture(scope="module")
def scored_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A business scored twice: as of 2024-12-31, then as of 2025-06-30 (read-only use)."""
    from keepwise.application.scoring import score

    ws = Workspace.init(tmp_path_factory.mktemp("scored") / "w")
    fill_business(ws)
    score(ws, "2024-12-31")
    score(ws, AS_OF)
    return ws
