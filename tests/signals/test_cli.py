"""``keepwise signals`` and ``keepwise evaluate-signals`` on a small real workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from keepwise.cli import app
from keepwise.domain.scorecard import SIGNAL_NAMES
from keepwise.storage.workspace import Workspace

from .conftest import customer, day

runner = CliRunner()


def _workspace(tmp_path: Path) -> Path:
    ws = Workspace.init(tmp_path / "ws")
    tables = {
        "customers": [customer("A"), customer("B")],
        "incidents": [
            {
                "incident_id": "I1",
                "customer_id": "A",
                "reported_at": day(3),
                "kind": "threat",
                "description": "Said he would come to the office",
            },
        ],
    }
    with ws.connection() as con:
        for name, rows in tables.items():
            con.register("rows", pa.Table.from_pylist(rows))
            con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM rows')
            con.unregister("rows")
    return ws.path


def test_signals_counts_and_customer_view(tmp_path: Path) -> None:
    path = _workspace(tmp_path)
    out = runner.invoke(app, ["signals", str(path), "--as-of", "2026-06-30", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["customers"] == 2
    assert data["levels"]["abusive"] == {"flag": 1, "none": 1}
    assert data["levels"]["late_payer"] == {"no_data": 2}
    one = runner.invoke(app, ["signals", str(path), "--as-of", "2026-06-30", "--customer", "A"])
    assert one.exit_code == 0, one.output
    assert (
        "abusive flag: 1 threat; 0 abusive or threatening messages and 1 staff report on 1 day"
        in one.output
    )
    assert "Said he would come to the office" in one.output


def test_unknown_customer_and_missing_workspace_fail_cleanly(tmp_path: Path) -> None:
    path = _workspace(tmp_path)
    out = runner.invoke(app, ["signals", str(path), "--as-of", "2026-06-30", "--customer", "Z"])
    assert out.exit_code == 1
    assert "no customer 'Z'" in out.output
    out = runner.invoke(app, ["signals", str(tmp_path / "nowhere")])
    assert out.exit_code == 1
    assert "not a keepwise workspace" in out.output


def test_evaluate_signals(tmp_path: Path) -> None:
    path = _workspace(tmp_path)
    truth = {"customer_id": ["A", "B"], "decoy": [None, "one_bad_day"]}
    for name in SIGNAL_NAMES:
        truth[f"expect_{name}"] = [name == "abusive", False]
    pq.write_table(pa.table(truth), tmp_path / "truth.parquet")
    out = runner.invoke(
        app,
        [
            "evaluate-signals",
            str(path),
            str(tmp_path / "truth.parquet"),
            "--as-of",
            "2026-06-30",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    rows = {r["signal"]: r for r in json.loads(out.output)["signals"]}
    assert rows["abusive"]["precision"] == 1.0
    assert rows["abusive"]["recall"] == 1.0
    assert rows["abusive"]["decoys_flagged"] == 0
