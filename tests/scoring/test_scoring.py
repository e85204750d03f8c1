"""Scoring runs end to end on a small SQL-built business: storage, atomicity, export, CLI."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

import keepwise
from keepwise.application.exporting import ExportError, export_scorecard
from keepwise.application.runs import (
    SCORECARD_TYPES,
    customer_profile,
    diff_runs,
    get_run,
    latest_run_id,
    list_runs,
    read_scorecard,
)
from keepwise.application.scoring import STEPS, UPGRADE_STEP, ScoringError, score
from keepwise.cli import app
from keepwise.domain.scorecard import ACTIONS, LEVELS, SCORECARD_COLUMNS, SIGNAL_NAMES
from keepwise.storage import Workspace

from .conftest import AS_OF, keyed_scorecard

runner = CliRunner()


def _run_tables(ws: Workspace) -> set[str]:
    with ws.connection(read_only=True) as con:
        rows = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name IN "
            "('runs', 'scorecard', 'scorecard_signals', 'scorecard_evidence', "
            "'scorecard_value_items')"
        ).fetchall()
    return {r[0] for r in rows}


def test_run_is_stored_with_its_metadata(scored_ws: Workspace) -> None:
    runs = list_runs(scored_ws)
    assert len(runs) == 2
    newest = get_run(scored_ws)
    assert newest["run_id"] == runs[0]["run_id"] == latest_run_id(scored_ws)
    assert newest["as_of"] == datetime.fromisoformat(AS_OF)
    assert newest["engine"] == "duckdb"
    assert newest["code_version"].startswith(keepwise.__version__)
    assert newest["settings"]["decisions.grace_days"] == 90
    assert newest["n_customers"] == 60
    summary = newest["summary"]
    assert sum(a["customers"] for a in summary["actions"].values()) == 60
    assert set(summary["signals"]) == set(SIGNAL_NAMES)
    assert "totals" in summary["value"]


def test_one_valid_row_per_customer(scored_ws: Workspace) -> None:
    rows, total = read_scorecard(scored_ws, limit=None)
    assert total == len(rows) == 60
    assert len({r["customer_id"] for r in rows}) == 60
    for r in rows:
        assert r["action"] in ACTIONS
        assert r["reasons"] and r["reasons"].count(".") >= 2
        assert all(r[f"signal_{s}"] in LEVELS for s in SIGNAL_NAMES)
        assert r["as_of"] == datetime.fromisoformat(AS_OF)
        lost = bool(r["churned"] or (r["ended_at"] and r["ended_at"] <= r["as_of"]))
        assert r["lost"] == lost
        if lost:
            assert r["churn_risk"] == 1.0
    at_risk = sum(1 for r in rows if not r["lost"] and (r["churn_risk"] or 0) >= 0.5)
    assert get_run(scored_ws)["summary"]["risk"]["at_risk_active"] == at_risk
    by_id = {r["customer_id"]: r for r in rows}
    assert (by_id["c000"]["action"], by_id["c000"]["rule"]) == ("talk", "threat_talk_first")
    assert by_id["c000"]["threats"] == 1
    assert by_id["c001"]["signal_dishonest"] == "flag"
    assert by_id["c001"]["profit"] < 0
    assert by_id["c059"]["action"] == "nurture"
    assert by_id["c002"]["action"] in ("win_back", "let_go")


def test_profile_has_value_items_signals_and_evidence(scored_ws: Workspace) -> None:
    prof = customer_profile(scored_ws, "c001")
    assert prof["value"]["profit"] == pytest.approx(
        prof["value"]["gross_margin"] - prof["value"]["cost_to_serve"], abs=0.02
    )
    ok_items = [i for i in prof["value"]["items"] if i["status"] == "ok"]
    assert sum(i["amount"] for i in ok_items) == pytest.approx(
        prof["value"]["cost_to_serve"], abs=0.1
    )
    dishonest = next(s for s in prof["signals"] if s["signal"] == "dishonest")
    assert dishonest["level"] == "flag" and dishonest["sentence"]
    assert {e["record_id"] for e in dishonest["evidence"]} == {"x3", "x4"}
    assert prof["action"]["action"] == "talk"


def test_default_as_of_and_prior_talks(business_ws: Workspace) -> None:
    result = score(business_ws, prior_talks=["c001"])
    with business_ws.connection(read_only=True) as con:
        latest = con.execute(
            "SELECT max(t) FROM (SELECT max(ordered_at) t FROM orders UNION ALL "
            "SELECT max(acquired_at) FROM customers UNION ALL SELECT max(opened_at) FROM tickets)"
        ).fetchall()[0][0]
    assert result.as_of == latest
    rows, _ = read_scorecard(business_ws, result.run_id, where={"customer_id": "c001"})
    assert (rows[0]["action"], rows[0]["rule"]) == ("fire", "fire")


def test_empty_workspace_is_refused(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "empty")
    with pytest.raises(ScoringError, match="no customers"):
        score(ws)
    assert _run_tables(ws) == set()


def test_a_run_rebuilds_a_scorecard_stored_with_the_old_key(business_ws: Workspace) -> None:
    """A run removes the earlier (run_id, customer_id) key and keeps the older rows."""
    keyed_scorecard(
        business_ws,
        insert="INSERT INTO scorecard (run_id, customer_id, action) VALUES ('old', 'c000', 'keep')",
    )
    told: list[str] = []
    result = score(business_ws, AS_OF, progress=told.append)
    assert told == [UPGRADE_STEP, *STEPS]
    again: list[str] = []
    score(business_ws, AS_OF, progress=again.append)
    assert again == list(STEPS)
    with business_ws.connection(read_only=True) as con:
        keys = con.execute(
            "SELECT count(*) FROM duckdb_constraints() "
            "WHERE table_name = 'scorecard' AND constraint_type = 'PRIMARY KEY'"
        ).fetchall()
        runs = con.execute(
            "SELECT run_id, count(*), count(DISTINCT customer_id) FROM scorecard "
            "GROUP BY run_id ORDER BY run_id = 'old'"
        ).fetchall()
    assert keys == [(0,)]
    assert len(runs) == 3 and (result.run_id, 60, 60) in runs and runs[-1] == ("old", 1, 1)


def test_error_before_commit_leaves_no_trace(business_ws: Workspace) -> None:
    def boom() -> None:
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        score(business_ws, AS_OF, before_commit=boom)
    assert _run_tables(business_ws) == set()
    assert list_runs(business_ws) == []


def test_sigkill_mid_write_leaves_no_trace(business_ws: Workspace) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from keepwise.storage import Workspace
        from keepwise.application.scoring import score

        def hang():
            print("READY", flush=True)
            time.sleep(120)

        score(Workspace.open({str(business_ws.path)!r}), {AS_OF!r}, before_commit=hang)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "READY", proc.stderr.read() if proc.stderr else line
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert _run_tables(business_ws) == set()
    assert list_runs(business_ws) == []
    again = score(business_ws, AS_OF)
    assert [r["run_id"] for r in list_runs(business_ws)] == [again.run_id]
    with business_ws.connection(read_only=True) as con:
        counts = con.execute(
            "SELECT (SELECT count(*) FROM scorecard), (SELECT count(DISTINCT run_id) FROM "
            "scorecard_signals), (SELECT count(DISTINCT run_id) FROM scorecard_value_items)"
        ).fetchall()[0]
    assert counts == (again.n_customers, 1, 1)


def test_export_csv_parquet_xlsx(scored_ws: Workspace, tmp_path: Path) -> None:
    expected = list(SCORECARD_TYPES)
    assert expected[: len(SCORECARD_COLUMNS)] == list(SCORECARD_COLUMNS)

    info = export_scorecard(scored_ws, tmp_path / "s.csv")
    with open(info["path"], newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == expected and len(rows) == 61 and info["rows"] == 60
    assert {r[expected.index("action")] for r in rows[1:]} <= set(ACTIONS)

    export_scorecard(scored_ws, tmp_path / "s.parquet")
    table = pq.read_table(tmp_path / "s.parquet")
    assert table.column_names == expected and table.num_rows == 60

    older = list_runs(scored_ws)[1]
    export_scorecard(scored_ws, tmp_path / "s.xlsx", run_id=older["run_id"])
    sheet = CalamineWorkbook.from_path(str(tmp_path / "s.xlsx")).get_sheet_by_name("scorecard")
    data = sheet.to_python()
    assert [str(c) for c in data[0]] == expected and len(data) == 1 + older["n_customers"]
    assert {row[0] for row in data[1:]} == {
        r["customer_id"] for r in read_scorecard(scored_ws, older["run_id"], limit=None)[0]
    }

    with pytest.raises(ExportError, match="unknown export format"):
        export_scorecard(scored_ws, tmp_path / "s.txt")


def test_diff_names_who_changed_and_why(scored_ws: Workspace) -> None:
    old, new = (r["run_id"] for r in reversed(list_runs(scored_ws)))
    changes = diff_runs(scored_ws, old, new)
    assert changes, "half a year later some customers must have moved"
    for c in changes:
        assert c["change"] in ("changed", "added", "removed")
        if c["change"] == "changed":
            assert c["action_a"] != c["action_b"] or c["signals"]
            assert c["reasons_b"]
    assert any(c["change"] == "added" for c in changes)


def _cli(*args: str) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_score(business_ws: Workspace) -> None:
    out = _cli("score", business_ws.path, "--as-of", AS_OF, "--talked", "c001")
    assert out.strip().splitlines()[-1] == latest_run_id(business_ws)
    profile = customer_profile(business_ws, "c001")
    assert profile["action"]["action"] == "fire"


def test_cli_read_commands(scored_ws: Workspace, tmp_path: Path) -> None:
    w = scored_ws.path
    runs = json.loads(_cli("runs", w, "--json"))
    second, first = (r["run_id"] for r in runs)
    assert "Scorecard runs" in _cli("runs", w)
    profile = json.loads(_cli("customer", w, "c000", "--json"))
    assert profile["action"]["action"] == "talk" and profile["run"]["run_id"] == second
    assert "threat" in _cli("customer", w, "c000", "--run", second[:17])
    diff = json.loads(_cli("diff", w, first, second, "--json"))
    assert isinstance(diff, list) and diff
    assert "changed between" in _cli("diff", w, first, second)
    target = tmp_path / "out.csv"
    _cli("export", w, "scorecard", "--format", "csv", "--output", target)
    assert target.read_text(encoding="utf-8").startswith(",".join(SCORECARD_COLUMNS))
    info = json.loads(_cli("export", w, "scorecard", "-o", tmp_path / "o.xlsx", "--json"))
    assert info["rows"] == 60 and info["format"] == "xlsx"

    missing = runner.invoke(app, ["customer", str(w), "nobody"])
    assert missing.exit_code == 1 and "nobody" in missing.output
    bad_run = runner.invoke(app, ["export", str(w), "scorecard", "-o", str(target), "--run", "x"])
    assert bad_run.exit_code == 1
    other = runner.invoke(app, ["export", str(w), "invoices", "-o", str(target)])
    assert other.exit_code == 1


def test_score_refuses_bad_as_of(business_ws: Workspace) -> None:
    result = runner.invoke(app, ["score", str(business_ws.path), "--as-of", "yesterday"])
    assert result.exit_code == 1 and "ISO date" in result.output


def test_app_incidents_and_talk_decisions_reach_the_run(business_ws: Workspace) -> None:
    from keepwise.storage.appdb import crud, open_appdb

    db = open_appdb(business_ws)
    try:
        with db.session() as s:
            user = crud.create_user(s, email="m@example.com", password_hash="x", role="manager")
            crud.add_decision(
                s, customer_id="c001", decision="talk", reason="Met on 3 June", decided_by=user.id
            )
            crud.add_incident(
                s,
                customer_id="c059",
                kind="threat",
                severity=3,
                description="Said he knows where our office is",
                reported_by=user.id,
                reported_at=datetime(2025, 6, 20),
            )
    finally:
        db.dispose()
    result = score(business_ws, AS_OF)
    assert result.summary["app_sync"]["incidents"] == 1
    rows, _ = read_scorecard(
        business_ws, where={"customer_id": ["c001", "c059"]}, sort="customer_id", descending=False
    )
    assert [(r["action"], r["rule"]) for r in rows] == [("fire", "fire"), ("fire", "threat_fire")]
    assert rows[1]["threats"] == 1
    with business_ws.connection(read_only=True) as con:
        assert con.execute(
            "SELECT count(*) FROM incidents WHERE incident_id LIKE 'app-I%'"
        ).fetchall() == [(1,)]
