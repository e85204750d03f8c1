"""Precision and recall of every signal against the demo generator's ground truth (5,000).

The same numbers are printed by ``benchmarks/bench_signals.py``. Each signal must reach 0.9
precision and 0.9 recall, and no decoy (one missed meeting, one late invoice, one bad day, a
fair deal seeker, a big busy customer, a single dishonesty report, a new customer) may be
flagged on a signal it was not built to show.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keepwise.application.demo import generate_business
from keepwise.domain.features import FeatureContext
from keepwise.domain.scorecard import SIGNAL_NAMES
from keepwise.domain.signals import compute_signals
from keepwise.domain.signals.evaluate import SignalScore, score_signals
from keepwise.engines.duckdb import DuckDBEngine
from keepwise.settings import default_settings
from keepwise.storage.workspace import Workspace

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SignalScore]:
    business = generate_business(customers=5000, seed=7)
    ws = Workspace.init(Path(tmp_path_factory.mktemp("demo")) / "ws")
    with ws.connection() as con:
        for name, table in business.tables.items():
            con.register("arrow_rows", table)
            con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM arrow_rows')
            con.unregister("arrow_rows")
        present = frozenset(ws.present_tables(con.cursor()))
        ctx = FeatureContext(business.as_of, default_settings(), present)
        result = compute_signals(DuckDBEngine(con), ctx)
    return {s.signal: s for s in score_signals(result.levels, business.ground_truth)}


@pytest.mark.parametrize("name", [*SIGNAL_NAMES, "our_failures"])
def test_precision_and_recall_at_least_0_9(scores: dict[str, SignalScore], name: str) -> None:
    s = scores[name]
    assert s.expected > 0, f"the demo business has no {name} customers: nothing is measured"
    assert s.precision >= 0.9, s.as_dict()
    assert s.recall >= 0.9, s.as_dict()


def test_no_decoy_is_flagged(scores: dict[str, SignalScore]) -> None:
    flagged = {name: s.decoys_flagged for name, s in scores.items() if s.decoys_flagged}
    assert flagged == {}
