"""The whole path a user takes: demo business → score → export, checked against ground truth."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from keepwise.application.demo import generate_business, write_business
from keepwise.application.exporting import export_scorecard
from keepwise.application.importing import import_paths
from keepwise.application.runs import read_scorecard
from keepwise.application.scoring import score
from keepwise.domain.scorecard import ACTIONS, LEVELS, SCORECARD_COLUMNS, SIGNAL_NAMES
from keepwise.storage import Workspace

pytestmark = pytest.mark.slow


def test_demo_score_export(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "w")
    business = generate_business(customers=300, seed=11)
    import_paths(ws, write_business(business, tmp_path / "data"))
    result = score(ws)
    assert result.as_of <= business.as_of

    out = export_scorecard(ws, tmp_path / "scorecard.csv", "csv")
    with open(out["path"], newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    assert header[: len(SCORECARD_COLUMNS)] == list(SCORECARD_COLUMNS)
    with ws.connection(read_only=True) as con:
        expected = con.execute(
            "SELECT count(*) FROM customers WHERE acquired_at <= ?", [result.as_of]
        ).fetchall()[0][0]
    ids = [r["customer_id"] for r in rows]
    assert len(ids) == len(set(ids)) == expected == result.n_customers
    for r in rows:
        assert r["action"] in ACTIONS, r
        assert r["run_id"] == result.run_id
        assert all(r[f"signal_{s}"] in LEVELS for s in SIGNAL_NAMES)
        assert r["reasons"]

    truth = {
        r["customer_id"]: r
        for r in pq.read_table(tmp_path / "data" / "ground_truth.parquet").to_pylist()
    }
    card, _ = read_scorecard(ws, result.run_id, limit=None)
    action = {r["customer_id"]: r["action"] for r in card}
    for cid, act in action.items():
        t = truth[cid]
        if t["archetype"] == "threatening":
            assert act in ("talk", "fire", "let_go"), (cid, act)
        if t["decoy"] or t["archetype"] in ("one_bad_day", "one_late_invoice"):
            assert act != "fire", (cid, t["archetype"], act)
    by_action = {a: sum(1 for v in action.values() if v == a) for a in ACTIONS}
    assert by_action["nurture"] > len(action) / 3, by_action
