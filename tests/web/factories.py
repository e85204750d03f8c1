"""Small real workspaces for the web tests: customers, one or two scorecard runs, users."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from keepwise.application.runs import ensure_run_tables
from keepwise.application.users import add_user
from keepwise.domain.scorecard import ACTIONS, SIGNAL_NAMES
from keepwise.storage.appdb import AppDB
from keepwise.storage.workspace import Workspace

XSS_NAME = "<script>alert(1)</script>"
PASSWORD = "correct horse battery"
ROLE_EMAILS = {
    "staff": "staff@example.com",
    "manager": "manager@example.com",
    "admin": "admin@example.com",
}
AS_OF = datetime(2026, 11, 1)


def build_workspace(path: Path, n: int = 40, runs: int = 2, seed: int = 7) -> Workspace:
    """Create a workspace with ``n`` customers and ``runs`` scorecard runs (SQL-generated)."""
    ws = Workspace.init(path)
    rng = random.Random(seed)
    with ws.connection() as con:
        con.execute(
            "INSERT INTO customers (customer_id, name, segment, country, acquired_at, strategic) "
            "SELECT 'C' || lpad(CAST(i AS VARCHAR), 7, '0'), "
            "CASE WHEN i = 1 THEN ? ELSE 'Customer ' || i END, "
            "CASE i % 3 WHEN 0 THEN 'smb' WHEN 1 THEN 'mid' ELSE 'enterprise' END, "
            "'EE', TIMESTAMP '2020-01-01' + to_days(CAST(i % 900 AS INTEGER)), i % 17 = 0 "
            "FROM range(1, ? + 1) t(i)",
            [XSS_NAME, n],
        )
        ensure_run_tables(con)
        actions = ", ".join(f"'{a}'" for a in ACTIONS)
        for r in range(runs):
            run_id = f"run{r + 1}"
            created = AS_OF + timedelta(days=r)
            summary = {"churn_rate": 0.2, "money_lost_to_churn": 42000.0, "note": "<b>x</b>"}
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, 'duckdb', 'test', '{}', ?, ?)",
                [run_id, created, created, n, json.dumps(summary)],
            )
            sig_cols = ", ".join(f'"signal_{s}"' for s in SIGNAL_NAMES)
            sig_vals = ", ".join(
                f"CASE WHEN (i + {k} + {r}) % 11 = 0 THEN 'flag' "
                f"WHEN (i + {k}) % 5 = 0 THEN 'watch' ELSE 'none' END"
                for k in range(len(SIGNAL_NAMES))
            )
            con.execute(
                f"INSERT INTO scorecard (run_id, customer_id, as_of, revenue, gross_margin, "
                f"cost_to_serve, profit, profit_rank, clv, clv_low, clv_high, p_alive, "
                f"churn_risk, our_failures, action, reasons, {sig_cols}, name, segment, country, "
                f"annual_revenue) "
                f"SELECT ?, c.customer_id, ?, 1000 + i * 37 % 5000, 400 + i * 13 % 2000, "
                f"100 + i * 29 % 900, (400 + i * 13 % 2000) - (100 + i * 29 % 900) - "
                f"CASE WHEN i % 7 = 0 THEN 900 ELSE 0 END, i, 5000 - i * 10, 4000 - i * 10, "
                f"6000 - i * 10, 0.9 - (i % 10) / 20.0, (i % 10) / 12.0, i % 3, "
                f"list_extract([{actions}], 1 + i % {len(ACTIONS)}), "
                f"'profit is high;pays on time', {sig_vals}, c.name, c.segment, c.country, "
                f"1000 + i * 37 % 5000 "
                f"FROM customers c, (SELECT CAST(substr(customer_id, 2) AS INTEGER) AS i, "
                f"customer_id AS cid FROM customers) k WHERE k.cid = c.customer_id",
                [run_id, created],
            )
        con.execute(
            "INSERT INTO scorecard_signals SELECT 'run2', customer_id, 'abusive', 'flag', "
            "'Shouted at staff 3 times in 90 days.' FROM customers"
        )
        con.execute(
            "INSERT INTO scorecard_evidence SELECT 'run2', customer_id, 'abusive', 'incidents', "
            "'I-' || customer_id, TIMESTAMP '2026-10-01', '3', '<i>threatened</i>' FROM customers"
        )
        con.execute(
            "INSERT INTO scorecard_value_items SELECT 'run2', customer_id, 'support_tickets', "
            "12, 'ticket', 25.0, 300, 'measured' FROM customers"
        )
    assert rng is not None
    return ws


def add_role_users(db: AppDB) -> None:
    """Add one user per role, all with :data:`PASSWORD`."""
    with db.session() as session:
        for role, email in ROLE_EMAILS.items():
            add_user(session, email=email, password=PASSWORD, role=role, actor="test")
