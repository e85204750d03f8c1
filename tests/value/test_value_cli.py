"""The value commands end to end: `keepwise churn-cost` and `keepwise value`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keepwise.cli import app
from keepwise.storage import Workspace
from value.test_value_churn import subscriptions
from value.value_store import insert

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")
runner = CliRunner()


class _WsStore:
    def __init__(self, con) -> None:  # type: ignore[no-untyped-def]
        self.con = con

    def add(self, table, rows) -> None:  # type: ignore[no-untyped-def]
        insert(self.con, table, rows)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    workspace = Workspace.init(tmp_path / "ws")
    with workspace.connection() as con:
        subscriptions(_WsStore(con))  # type: ignore[arg-type]
    return workspace.path


def _ok(result) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output


def test_calculator_prints_the_mission_example() -> None:
    args = ["churn-cost", "--customers", "700", "--annual-spend", "300", "--churn-rate", "0.2"]
    result = runner.invoke(app, args)
    _ok(result)
    assert "$42,000 lost a year" in result.output
    assert "140 customers lost" in result.output
    result = runner.invoke(app, [*args, "--json"])
    _ok(result)
    data = json.loads(result.output)
    assert data["money_lost"] == 42000.0
    assert data["source"] == "calculator"


def test_calculator_needs_all_three_inputs() -> None:
    result = runner.invoke(app, ["churn-cost", "--customers", "700"])
    assert result.exit_code == 1
    assert "--annual-spend" in result.output


def test_calculator_refuses_a_rate_above_one() -> None:
    args = ["churn-cost", "--customers", "7", "--annual-spend", "3", "--churn-rate", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "churn rate" in result.output


def test_churn_cost_from_a_workspace(ws: Path) -> None:
    result = runner.invoke(app, ["churn-cost", str(ws), "--as-of", "2024-06-30", "--json"])
    _ok(result)
    data = json.loads(result.output)
    assert (data["customers"], data["annual_spend"], data["churn_rate"]) == (4, 100.0, 0.25)
    assert data["money_lost"] == 100.0
    assert data["observed"]["money_lost_observed"] == 400.0
    same = runner.invoke(
        app, ["churn-cost", "--workspace", str(ws), "--as-of", "2024-06-30", "--json"]
    )
    _ok(same)
    assert json.loads(same.output) == data
    what_if = runner.invoke(
        app, ["churn-cost", str(ws), "--as-of", "2024-06-30", "--churn-rate", "0.5", "--json"]
    )
    _ok(what_if)
    assert json.loads(what_if.output)["money_lost"] == 200.0
    text = runner.invoke(app, ["churn-cost", str(ws), "--as-of", "2024-06-30"])
    _ok(text)
    assert "$100 lost a year" in text.output


def test_value_command_prints_figures_and_writes_the_chart(ws: Path, tmp_path: Path) -> None:
    png = tmp_path / "whale.png"
    result = runner.invoke(app, ["value", str(ws), "--as-of", "2024-06-30", "--chart", str(png)])
    _ok(result)
    assert "gross margin" in result.output
    assert "Churn, last 12 months: 1 of 4 customers" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = runner.invoke(app, ["value", str(ws), "--as-of", "2023-06-30", "--json"])
    _ok(result)
    data = json.loads(result.output)
    assert data["as_of"] == "2023-06-30T00:00:00"
    assert data["customers"] == 7


def test_value_command_on_a_missing_workspace(tmp_path: Path) -> None:
    result = runner.invoke(app, ["value", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "not a keepwise workspace" in result.output


def test_value_command_on_an_empty_workspace(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "empty")
    result = runner.invoke(app, ["value", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "no data" in result.output


def test_bad_as_of_is_a_clear_error(ws: Path) -> None:
    result = runner.invoke(app, ["value", str(ws), "--as-of", "yesterday"])
    assert result.exit_code == 1
    assert "--as-of" in result.output
