"""Load test of the team app: N concurrent signed-in sessions on a generated workspace.

Builds (or reuses) a workspace with ``--customers`` customers and one scorecard run (generated
in SQL), starts ``keepwise serve`` on 127.0.0.1, logs in ``--sessions`` browsers and has each
load the dashboard, a customer-list page and a customer page in turn, pausing ``--think``
seconds on average between clicks (0: back to back), for at most ``--requests`` requests or
``--seconds`` seconds. Prints p50/p95/max latency per page and the throughput.

    .venv/bin/python benchmarks/bench_web.py --customers 100000 --sessions 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from keepwise.application.runs import ensure_run_tables
from keepwise.application.users import add_user
from keepwise.domain.scorecard import ACTIONS, SIGNAL_NAMES
from keepwise.storage.appdb import open_appdb
from keepwise.storage.workspace import Workspace

EMAIL = "bench@example.com"
PASSWORD = "bench password 123"


def build(path: Path, n: int) -> Workspace:
    ws = Workspace.init(path)
    with ws.connection() as con:
        con.execute(
            "INSERT INTO customers (customer_id, name, segment, country, acquired_at) "
            "SELECT 'C' || lpad(CAST(i AS VARCHAR), 7, '0'), 'Customer ' || i, "
            "CASE i % 3 WHEN 0 THEN 'smb' WHEN 1 THEN 'mid' ELSE 'enterprise' END, 'EE', "
            "TIMESTAMP '2020-01-01' + to_days(CAST(i % 900 AS INTEGER)) FROM range(1, ? + 1) t(i)",
            [n],
        )
        ensure_run_tables(con)
        con.execute(
            "INSERT INTO runs VALUES ('bench', now(), now(), 'duckdb', 'bench', '{}', ?, '{}')", [n]
        )
        actions = ", ".join(f"'{a}'" for a in ACTIONS)
        sig_cols = ", ".join(f'"signal_{s}"' for s in SIGNAL_NAMES)
        sig_vals = ", ".join(
            f"CASE WHEN (i + {k}) % 23 = 0 THEN 'flag' WHEN (i + {k}) % 7 = 0 THEN 'watch' "
            "ELSE 'none' END"
            for k in range(len(SIGNAL_NAMES))
        )
        con.execute(
            f"INSERT INTO scorecard (run_id, customer_id, as_of, revenue, gross_margin, "
            f"cost_to_serve, profit, profit_rank, clv, clv_low, clv_high, p_alive, churn_risk, "
            f"our_failures, action, reasons, {sig_cols}, name, segment, country, annual_revenue) "
            f"SELECT 'bench', customer_id, now(), 1000 + i * 37 % 5000, 400 + i * 13 % 2000, "
            f"100 + i * 29 % 900, 300 + i * 13 % 2000 - i * 29 % 900, i, 5000 - i % 4000, "
            f"4000 - i % 4000, 6000 - i % 4000, 0.9, (i % 10) / 12.0, i % 3, "
            f"list_extract([{actions}], 1 + i % {len(ACTIONS)}), 'generated', {sig_vals}, "
            f"name, segment, country, 1000 + i * 37 % 5000 "
            f"FROM (SELECT *, CAST(substr(customer_id, 2) AS INTEGER) AS i FROM customers)"
        )
        con.execute(
            "INSERT INTO scorecard_signals SELECT 'bench', customer_id, 'abusive', 'flag', "
            "'Shouted at staff.' FROM customers"
        )
        con.execute(
            "INSERT INTO scorecard_evidence SELECT 'bench', customer_id, 'abusive', 'incidents', "
            "'I' || customer_id, now(), '1', 'x' FROM customers"
        )
    db = open_appdb(ws)
    with db.session() as session:
        add_user(session, email=EMAIL, password=PASSWORD, role="manager", actor="bench")
    db.dispose()
    return ws


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def login(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = await client.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303, response.status_code


async def session_loop(
    client: httpx.AsyncClient,
    n: int,
    budget: list[int],
    deadline: float,
    think: float,
    out: dict[str, list[float]],
) -> None:
    rng = random.Random()
    await asyncio.sleep(rng.uniform(0, think))
    while budget[0] > 0 and time.monotonic() < deadline:
        budget[0] -= 1
        kind = ("dashboard", "list", "customer")[budget[0] % 3]
        if kind == "dashboard":
            url = "/"
        elif kind == "list":
            sort = rng.choice(["profit", "clv", "churn_risk", "revenue"])
            url = f"/customers?sort={sort}&page={rng.randint(1, 200)}"
        else:
            url = f"/customers/C{rng.randint(1, n):07d}"
        start = time.perf_counter()
        response = await client.get(url)
        out[kind].append(time.perf_counter() - start)
        if response.status_code != 200:
            out.setdefault("errors", []).append(float(response.status_code))
        if think:
            await asyncio.sleep(rng.expovariate(1 / think))


async def drive(
    base: str, n: int, sessions: int, requests: int, seconds: float, think: float
) -> dict:
    out: dict[str, list[float]] = {"dashboard": [], "list": [], "customer": []}
    budget = [requests]
    clients = [
        httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=60)
        for _ in range(sessions)
    ]
    for client in clients:  # log in first (Argon2 is slow on purpose), then measure pages
        await login(client)
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        *(session_loop(client, n, budget, deadline, think, out) for client in clients)
    )
    elapsed = time.monotonic() - started
    for client in clients:
        await client.aclose()
    report = {}
    for kind, times in out.items():
        if kind == "errors" or not times:
            continue
        ms = sorted(1000 * t for t in times)
        report[kind] = {
            "n": len(ms),
            "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
            "max_ms": round(ms[-1], 1),
        }
    report["errors"] = len(out.get("errors", []))
    done = sum(len(v) for k, v in out.items() if k != "errors")
    report["throughput_rps"] = round(done / elapsed, 1)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause between a session's clicks (s)"
    )
    parser.add_argument("--workspace", type=Path, default=None, help="reuse/keep this folder")
    args = parser.parse_args()
    root = args.workspace or Path(tempfile.mkdtemp(prefix="keepwise-bench-")) / "w"
    t0 = time.perf_counter()
    if not (root / "keepwise.duckdb").exists():
        build(root, args.customers)
    print(f"workspace {root} ready in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    port = free_port()
    exe = Path(sys.executable).parent / "keepwise"
    server = subprocess.Popen(
        [str(exe), "serve", str(root), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        report = asyncio.run(
            drive(base, args.customers, args.sessions, args.requests, args.seconds, args.think)
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    report["customers"] = args.customers
    report["sessions"] = args.sessions
    report["think_s"] = args.think
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
