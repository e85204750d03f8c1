"""The workspace commands as a user runs them: exit codes, messages, --json."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from keepwise.cli import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_status_import_roundtrip(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    code, out, _ = invoke("init", str(ws))
    assert code == 0 and "Created workspace" in out
    code, _, err = invoke("init", str(ws))
    assert code == 1 and "already a keepwise workspace" in err
    (tmp_path / "customers.csv").write_text("customer_id,acquired_at\nC1,2024-01-01\n")
    code, out, err = invoke("import", str(ws), str(tmp_path / "customers.csv"), "--json")
    assert code == 0, err
    assert json.loads(out)["inserted"] == 1
    code, out, _ = invoke("status", str(ws), "--json")
    info = json.loads(out)
    tables = {t["table"]: t for t in info["tables"]}
    assert tables["customers"]["rows"] == 1
    assert tables["customers"]["first"] == "2024-01-01 00:00:00"
    assert tables["orders"]["rows"] == 0
    assert info["imports"][0]["inserted"] == 1
    code, out, _ = invoke("status", str(ws))
    assert code == 0 and "customers" in out and "Import history" in out


def test_rejected_import_exits_non_zero_without_traceback(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    invoke("init", str(ws))
    bad = tmp_path / "customers.csv"
    bad.write_text("customer_id,acquired_at\nC1,someday\nC2,\n")
    code, _, err = invoke("import", str(ws), str(bad))
    assert code == 1
    assert "Rejected: 2 problem(s); nothing was written." in err
    assert f"{bad}, row 2, column 'acquired_at': not an ISO-8601 date" in err
    assert f"{bad}, row 3, column 'acquired_at': a value is required" in err
    assert "Traceback" not in err


def test_status_of_a_folder_that_is_not_a_workspace(tmp_path: Path) -> None:
    code, _, err = invoke("status", str(tmp_path))
    assert code == 1 and "not a keepwise workspace" in err and "keepwise init" in err


def test_every_command_has_help() -> None:
    for command in ("init", "import", "status", "demo"):
        code, out, _ = invoke(command, "--help")
        assert code == 0 and "Usage" in out
