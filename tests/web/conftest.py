from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).parent))

with warnings.catch_warnings():
    # starlette 1.x asks for httpx2; httpx is what the dev extras install, and works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from factories import PASSWORD, ROLE_EMAILS, add_role_users, build_workspace

from keepwise.web.app import AppConfig, create_app


@pytest.fixture(scope="session")
def web_ws(tmp_path_factory: pytest.TempPathFactory):
    return build_workspace(tmp_path_factory.mktemp("web") / "w", n=40)


@pytest.fixture(scope="session")
def app(web_ws):
    application = create_app(AppConfig(workspace=web_ws.path))
    add_role_users(application.state.keepwise.db)
    yield application
    application.state.keepwise.db.dispose()


def form_token(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    field = soup.find("input", attrs={"name": "csrf_token"})
    assert field is not None, "page has no CSRF field"
    return str(field["value"])


def login(client: TestClient, email: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": form_token(page.text)},
        follow_redirects=False,
    )


@pytest.fixture(scope="session")
def clients(app) -> Iterator[dict[str, TestClient]]:
    out: dict[str, TestClient] = {"anonymous": TestClient(app, follow_redirects=False)}
    for role, email in ROLE_EMAILS.items():
        client = TestClient(app, follow_redirects=False)
        response = login(client, email)
        assert response.status_code == 303, response.text
        out[role] = client
    yield out
    for client in out.values():
        client.close()


@pytest.fixture(scope="session")
def csrf(clients) -> dict[str, str]:
    return {
        role: client.get("/api/me").json()["csrf_token"]
        for role, client in clients.items()
        if role != "anonymous"
    }
