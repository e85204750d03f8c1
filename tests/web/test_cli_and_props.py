from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from servers import free_port
from typer.testing import CliRunner

from keepwise.cli import app as cli
from keepwise.storage.appdb import crud, open_appdb
from keepwise.storage.workspace import Workspace
from keepwise.web.app import as_list, clean
from keepwise.web.routes.auth import _safe_next
from keepwise.web.security import Signer, tokens_match


def test_user_add_reads_the_password_from_stdin(tmp_path):
    ws = Workspace.init(tmp_path / "w")
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["user", "add", str(ws.path), "boss@example.com", "--role", "manager"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    assert "a long enough secret" not in result.output
    db = open_appdb(ws)
    with db.session() as session:
        user = crud.get_user_by_email(session, email="boss@example.com")
        assert user is not None and user.role == "manager"
        assert "a long enough secret" not in user.password_hash
    db.dispose()
    bad = runner.invoke(
        cli, ["user", "add", str(ws.path), "x@example.com", "--role", "owner"], input="pw\n"
    )
    assert bad.exit_code == 1
    assert "unknown role 'owner'" in bad.output
    short = runner.invoke(cli, ["user", "add", str(ws.path), "y@example.com"], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output


def test_serve_runs_the_app_on_the_given_port(tmp_path):
    ws = Workspace.init(tmp_path / "w")
    port = free_port()
    exe = Path(sys.executable).parent / "keepwise"
    proc = subprocess.Popen(
        [str(exe), "serve", str(ws.path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert response.json() == {"status": "ok"}
        login = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=False)
        assert login.status_code == 303 and login.headers["location"].startswith("/login")
        assert ws.app_db_path.exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@given(st.text(max_size=60))
def test_after_login_we_only_ever_go_to_a_local_path(target):
    result = _safe_next(target)
    assert result.startswith("/") and not result.startswith("//") and "\\" not in result


@given(st.text(min_size=1, max_size=40), st.text(max_size=40))
def test_forged_session_cookies_are_refused(session_id, forged):
    signer = Signer("s" * 40)
    cookie = signer.session_cookie(session_id)
    assert signer.session_id(cookie) == session_id
    assert Signer("t" * 40).session_id(cookie) is None
    if forged != cookie:
        assert signer.session_id(forged) in (None, session_id)
    assert tokens_match(session_id, session_id)
    assert not tokens_match(session_id, None)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text() | st.decimals(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_clean_always_gives_strict_json(value):
    text = json.dumps(clean(value), allow_nan=False)
    assert isinstance(json.loads(text), object)


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters=";\n"), min_size=1)))
def test_reasons_split_back_into_their_parts(parts):
    parts = [p.strip() for p in parts if p.strip() and not p.strip().startswith("[")]
    assert as_list(";".join(parts)) == parts
    assert as_list(json.dumps(parts)) == parts


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_clean_turns_non_finite_into_null(value):
    assert clean({"x": [value]}) == {"x": [None]}
