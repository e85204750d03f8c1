"""The workspace folder: creation, opening, and a writer waiting for a reader's lock."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from keepwise.errors import WorkspaceError
from keepwise.storage import Workspace
from keepwise.storage.workspace import WRITER_FLAG

HOLD = (
    "import duckdb, sys, time\n"
    "con = duckdb.connect(sys.argv[1], read_only=True)\n"
    "print('held', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
)


def hold(ws: Workspace, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ws.db_path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_writer_waits_for_a_reader_and_raises_the_flag(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    proc = hold(ws, 1.0)
    seen_flag = []
    start = time.monotonic()

    def watch() -> None:
        while proc.poll() is None:
            seen_flag.append((ws.path / WRITER_FLAG).exists())
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    con = ws.connect(wait_seconds=20)
    con.close()
    watcher.join()
    proc.wait()
    assert time.monotonic() - start >= 0.5
    assert any(seen_flag), "the writer never announced itself while waiting"
    assert not (ws.path / WRITER_FLAG).exists(), "the flag outlived the wait"


def test_writer_gives_up_with_a_clear_error(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    proc = hold(ws, 5.0)
    try:
        with pytest.raises(WorkspaceError, match="cannot open"):
            ws.connect(wait_seconds=0.3)
    finally:
        proc.kill()
        proc.wait()
    assert not (ws.path / WRITER_FLAG).exists()


def test_open_refuses_a_folder_that_is_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="not a keepwise workspace"):
        Workspace.open(tmp_path)


def test_init_refuses_an_existing_workspace(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "ws")
    with pytest.raises(WorkspaceError, match="already a keepwise workspace"):
        Workspace.init(tmp_path / "ws")


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "reader"])
def test_connections_get_the_memory_limit_setting(tmp_path: Path, read_only: bool) -> None:
    ws = Workspace.init(tmp_path / "ws")
    ws.settings_path.write_text('[workspace]\nmemory_limit = "1GB"\n')
    with ws.connection(read_only=read_only) as con:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert limit in ("953.6 MiB", "1000.0 MB", "1.0 GB")
    ws.settings_path.write_text('[workspace]\nmemory_limit = ""\n')
    with ws.connection(read_only=read_only) as con:
        default = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert default != limit


def test_a_reader_over_its_memory_limit_spills_instead_of_failing(tmp_path: Path) -> None:
    """A read-only database still has a temporary folder to spill to."""
    ws = Workspace.init(tmp_path / "ws")
    ws.settings_path.write_text('[workspace]\nmemory_limit = "64MB"\n')
    with ws.connection(read_only=True) as con:
        rows = con.execute(
            "SELECT count(*) FROM (SELECT i % 2000003 AS k, list(i) AS l "
            "FROM range(6000000) t(i) GROUP BY k)"
        ).fetchall()
    assert rows == [(2000003,)]
