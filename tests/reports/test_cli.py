"""The report and letter commands, run through the real ``keepwise`` Typer app."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from typer.testing import CliRunner

from keepwise.cli import app
from keepwise.storage.workspace import Workspace

from .conftest import build_workspace


def test_cli_report_and_letters(workspace: Workspace, tmp_path: Path):
    runner = CliRunner()
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(workspace.path), "-o", str(out), "-c", "C3"])
    assert res.exit_code == 0, res.output
    assert "customer-C3" in out.read_text(encoding="utf-8")
    res = runner.invoke(
        app, ["letter", str(workspace.path), "C3", "--kind", "survey", "--lang", "et"]
    )
    assert res.exit_code == 0, res.output
    assert "Miks te meilt ostate?" in res.output
    page = tmp_path / "letter.html"
    res = runner.invoke(
        app,
        ["letter", str(workspace.path), "C1", "-k", "exit", "--format", "html", "-o", str(page)],
    )
    assert res.exit_code == 0, res.output
    assert BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").h1.get_text()
    res = runner.invoke(app, ["letter", str(workspace.path), "C1", "--kind", "poem"])
    assert res.exit_code == 1 and "unknown letter kind" in res.output
    bare = build_workspace(tmp_path / "bare", with_run=False)
    res = runner.invoke(app, ["report", str(bare), "-o", str(tmp_path / "x.html")])
    assert res.exit_code == 1 and not (tmp_path / "x.html").exists()
