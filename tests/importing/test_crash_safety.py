"""A process SIGKILLed in the middle of an import leaves the workspace exactly as it was."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from keepwise.application.importing import import_paths
from keepwise.domain.contract import TABLES
from keepwise.storage import Workspace

ORDERS = 400_000


def fingerprint(ws: Workspace) -> tuple:
    """Row count and content hash of every table and of the import history."""
    with ws.connection() as con:  # read-write: replays the WAL like the next real user would
        parts = [
            con.execute(f'SELECT count(*), coalesce(sum(_row_hash), 0) FROM "{t}"').fetchone()
            for t in TABLES
        ]
        parts.append(con.execute("SELECT count(*) FROM _imports").fetchone())
    return tuple(parts)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float]:
    root = tmp_path_factory.mktemp("crash")
    ws = Workspace.init(root / "base")
    con = duckdb.connect()
    customers = root / "customers.csv"
    orders = root / "orders.csv"
    con.execute(
        "COPY (SELECT 'C' || i AS customer_id, "
        "DATE '2023-01-01' + INTERVAL (i % 300) DAY AS acquired_at "
        f"FROM range(5000) t(i)) TO '{customers}' (HEADER)"
    )
    con.execute(
        f"COPY (SELECT 'O' || i AS order_id, 'C' || (i % 5000) AS customer_id, "
        f"TIMESTAMP '2024-01-01' + INTERVAL (i % 400) DAY AS ordered_at, "
        f"round(10 + (i % 997) * 0.37, 2) AS amount, round((i % 997) * 0.2, 2) AS cost, "
        f"'note ' || (i % 13) AS note FROM range({ORDERS}) t(i)) TO '{orders}' (HEADER)"
    )
    import_paths(ws, [customers])
    durations = []
    for attempt in range(2):
        # the quicker of two timed runs: a slow one on a busy machine would push the kills
        # past the commit, and the test would prove nothing
        timing = root / f"timing{attempt}"
        shutil.copytree(ws.path, timing)
        start = time.perf_counter()
        _run_import(timing, orders).wait()
        durations.append(time.perf_counter() - start)
    return ws.path, orders, min(durations)


def _run_import(ws_path: Path, orders: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "keepwise", "import", str(ws_path), str(orders)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_sigkill_at_several_points_leaves_workspace_as_before(
    big: tuple[Path, Path, float], tmp_path: Path
) -> None:
    base, orders, duration = big
    before = fingerprint(Workspace(base))
    untouched = 0
    for k, fraction in enumerate((0.15, 0.35, 0.55, 0.75, 0.9)):
        ws_path = tmp_path / f"ws{k}"
        shutil.copytree(base, ws_path)
        proc = _run_import(ws_path, orders)
        time.sleep(duration * fraction)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        after = fingerprint(Workspace(ws_path))
        if after == before:
            untouched += 1
            # the workspace is usable: the same import now completes
            assert import_paths(Workspace(ws_path), [orders]).inserted == ORDERS
        else:
            # killed after the commit: the whole import is there, never a part of it
            assert after[1][0] == ORDERS and after[-1][0] == before[-1][0] + 1
    assert untouched >= 3, f"only {untouched} kills landed mid-import (import took {duration:.1f}s)"
