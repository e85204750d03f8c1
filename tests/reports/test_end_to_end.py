"""From a generated demo business through a real scoring run to the report and the letters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keepwise.application import runs
from keepwise.cli import app
from keepwise.domain.scorecard import ACTIONS
from keepwise.reports.business import report_data, write_report
from keepwise.reports.letters import LANGUAGES, LETTER_KINDS, render_letter
from keepwise.storage.workspace import Workspace

LEFTOVERS = re.compile(r"\{\{|\{%|%\(|\bNone\b|\bnan\b|TODO|\[|\]")


@pytest.mark.slow
def test_demo_score_report_and_letters(tmp_path: Path):
    runner = CliRunner()
    path = tmp_path / "demo"
    res = runner.invoke(app, ["demo", str(path), "--customers", "150", "--seed", "3"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(path)])
    assert res.exit_code == 0, res.output
    ws = Workspace.open(path)
    summary = runs.business_summary(ws)

    data = report_data(ws)
    for row in data["league"]:
        assert row["flag"] == summary["signals"][row["signal"]]["flag"], row["signal"]
        assert row["watch"] == summary["signals"][row["signal"]]["watch"], row["signal"]
    for row in data["actions"]:
        assert row["customers"] == summary["actions"][row["action"]]["customers"]
    assert data["totals"]["customers"] == summary["n_customers"]

    picks = []
    for action in ACTIONS:
        rows, _ = runs.read_scorecard(ws, where={"action": action}, limit=1)
        picks += [r["customer_id"] for r in rows]
    assert len(picks) >= 3
    pdf = write_report(ws, tmp_path / "report.pdf", customers=picks[:3])
    assert pdf.read_bytes().startswith(b"%PDF")

    settings = ws.settings
    for cid in picks:
        for kind in LETTER_KINDS:
            for lang in LANGUAGES:
                letter = render_letter(ws, cid, kind, lang, settings=settings)
                for part in (letter.subject, letter.text, *letter.warnings):
                    found = LEFTOVERS.search(part)
                    assert found is None, f"{cid} {kind}/{lang}: {found.group()!r} in {part!r}"
