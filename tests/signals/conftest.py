"""Hand-written businesses for the signal tests: a workspace per test, filled from dicts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from keepwise.domain.features.registry import FeatureContext
from keepwise.domain.signals import SignalResult, compute_signals
from keepwise.engines.duckdb import DuckDBEngine
from keepwise.settings import default_settings
from keepwise.storage.workspace import Workspace

AS_OF = datetime(2026, 6, 30)


def day(n: float) -> str:
    """Return the ISO timestamp ``n`` days before the as-of date."""
    return (AS_OF - timedelta(days=n)).isoformat(sep=" ")


def customer(cid: str, segment: str = "smb", acquired: float = 900, **kw: Any) -> dict:
    return {"customer_id": cid, "segment": segment, "acquired_at": day(acquired), **kw}


Run = Callable[..., SignalResult]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """Load ``tables`` (name -> list of row dicts) into a fresh workspace and compute signals."""

    def go(tables: dict[str, list[dict]], **overrides: Any) -> SignalResult:
        ws = Workspace.init(tmp_path / f"ws{len(list(tmp_path.iterdir()))}")
        settings = default_settings().with_overrides(overrides)
        with ws.connection() as con:
            for name, rows in tables.items():
                if not rows:
                    continue
                keys = sorted({k for r in rows for k in r})
                arrow_rows = pa.Table.from_pylist([{k: r.get(k) for k in keys} for r in rows])
                con.register("arrow_rows", arrow_rows)
                con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM arrow_rows')
                con.unregister("arrow_rows")
            ctx = FeatureContext(AS_OF, settings, frozenset(ws.present_tables(con.cursor())))
            return compute_signals(DuckDBEngine(con), ctx)

    return go


def level(result: SignalResult, cid: str, signal: str) -> str:
    """Return the level of ``signal`` for customer ``cid``."""
    rows = result.levels.to_pylist()
    row = next(r for r in rows if r["customer_id"] == cid)
    return str(row[signal if signal.startswith("our_") else f"signal_{signal}"])


def sentence(result: SignalResult, cid: str, signal: str) -> str:
    for r in result.details.to_pylist():
        if r["customer_id"] == cid and r["signal"] == signal:
            return str(r["sentence"])
    raise AssertionError(f"no sentence for {cid} {signal}")


def evidence(result: SignalResult, cid: str, signal: str) -> list[dict]:
    return [
        r for r in result.evidence.to_pylist() if r["customer_id"] == cid and r["signal"] == signal
    ]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Silence DuckDBEngine's Arrow-copy warning (the engine's, not the signals')."""
    for item in items:
        if "tests/signals" in str(item.fspath):
            item.add_marker(
                pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")
            )
