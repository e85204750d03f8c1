"""Precision and recall of every signal against the demo generator's ground truth.

Usage: ``.venv/bin/python benchmarks/bench_signals.py [--customers N] [--seed S] [--show SIGNAL]``

Generates the demo business, loads it into a temporary workspace, runs ``compute_signals`` as of
the business's last day and prints, per signal, how many customers should be flagged, how many
are, precision, recall, how many expected ones only reached watch, and decoys flagged; then the
seconds ``compute_signals`` took. ``--show NAME`` lists the customers where NAME disagrees with
the ground truth, with the sentence keepwise wrote.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import duckdb
import pyarrow as pa

from keepwise.application.demo import DemoBusiness, generate_business
from keepwise.domain.features.registry import FeatureContext
from keepwise.domain.signals import SignalResult, compute_signals
from keepwise.domain.signals.evaluate import SignalScore, misclassified, score_signals
from keepwise.engines.duckdb import DuckDBEngine
from keepwise.settings import default_settings
from keepwise.storage.workspace import Workspace


def load(business: DemoBusiness, folder: Path) -> Workspace:
    """Create a workspace in ``folder`` holding the business's nine tables."""
    ws = Workspace.init(folder)
    with ws.connection() as con:
        for name, table in business.tables.items():
            con.register("arrow_rows", table)
            con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM arrow_rows')
            con.unregister("arrow_rows")
    return ws


def run(ws: Workspace, business: DemoBusiness) -> tuple[SignalResult, float]:
    """Compute the signals as of the business's end; return them and the seconds taken."""
    with ws.connection() as con:
        present = frozenset(ws.present_tables(con.cursor()))
        ctx = FeatureContext(business.as_of, default_settings(), present)
        started = time.perf_counter()
        result = compute_signals(DuckDBEngine(con), ctx)
        return result, time.perf_counter() - started


def evaluate(
    customers: int = 5000, seed: int = 7
) -> tuple[list[SignalScore], SignalResult, pa.Table, float]:
    """Generate, load, compute and score; return the scores, result, ground truth, seconds."""
    business = generate_business(customers=customers, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        ws = load(business, Path(tmp) / "ws")
        result, seconds = run(ws, business)
    truth = business.ground_truth
    return score_signals(result.levels, truth), result, truth, seconds


def show(result: SignalResult, truth: pa.Table, name: str) -> None:
    """Print the customers where signal ``name`` disagrees with the ground truth."""
    con = duckdb.connect()
    con.register("wrong", misclassified(result.levels, truth, name))
    con.register("details", result.details)
    rows = con.execute(
        "SELECT w.*, d.sentence FROM wrong w LEFT JOIN details d"
        " ON d.customer_id = w.customer_id AND d.signal = ? ORDER BY expected, customer_id",
        [name],
    ).fetchall()
    for row in rows:
        print("  ", row)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Signals vs the demo ground truth.")
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", action="append", default=[], help="list disagreements")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
    scores, result, truth, seconds = evaluate(args.customers, args.seed)
    print(
        f"{'signal':24} {'expected':>8} {'flagged':>8} {'TP':>6} {'precision':>9} "
        f"{'recall':>7} {'watched':>8} {'decoys':>6}"
    )
    for s in scores:
        print(
            f"{s.signal:24} {s.expected:8d} {s.flagged:8d} {s.true_positives:6d} "
            f"{s.precision:9.3f} {s.recall:7.3f} {s.watched_expected:8d} {s.decoys_flagged:6d}"
        )
    print(
        f"compute_signals: {seconds:.2f} s for {result.levels.num_rows} customers, "
        f"{result.details.num_rows} sentences, {result.evidence.num_rows} evidence records"
    )
    for name in args.show:
        print(f"{name}: disagreements")
        show(result, truth, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
