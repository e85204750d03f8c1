"""Walk the whole route table × every role and check the server's answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import ROLE_EMAILS
from fastapi.routing import APIRoute

from keepwise.storage.appdb import crud

ROLES = ("anonymous", "staff", "manager", "admin")
RANK = {"anonymous": 0, "staff": 1, "manager": 2, "admin": 3}

# (method, path) -> least role allowed; None = public
EXPECTED: dict[tuple[str, str], str | None] = {
    ("GET", "/login"): None,
    ("POST", "/login"): None,
    ("POST", "/logout"): None,
    ("GET", "/healthz"): None,
    ("GET", "/s/{token}"): None,
    ("POST", "/s/{token}"): None,
    ("GET", "/"): "staff",
    ("GET", "/incidents"): "staff",
    ("POST", "/incidents"): "staff",
    ("GET", "/cases"): "staff",
    ("POST", "/cases"): "staff",
    ("GET", "/cases/{case_id}"): "staff",
    ("POST", "/cases/{case_id}/steps/{step}"): "staff",
    ("GET", "/customers"): "manager",
    ("GET", "/customers/{customer_id}"): "manager",
    ("GET", "/customers/{customer_id}/letters/{kind}"): "manager",
    ("GET", "/customers/{customer_id}/letters/{kind}/download"): "manager",
    ("POST", "/customers/{customer_id}/decisions"): "manager",
    ("GET", "/surveys"): "manager",
    ("POST", "/surveys"): "manager",
    ("GET", "/audit"): "manager",
    ("GET", "/admin/users"): "admin",
    ("POST", "/admin/users"): "admin",
    ("POST", "/admin/users/{user_id}"): "admin",
    ("GET", "/admin/settings"): "admin",
    ("POST", "/admin/settings"): "admin",
    ("GET", "/api/me"): "staff",
    ("GET", "/api/customers/search"): "staff",
    ("GET", "/api/incidents"): "staff",
    ("POST", "/api/incidents"): "staff",
    ("GET", "/api/cases"): "staff",
    ("GET", "/api/customers"): "manager",
    ("GET", "/api/customers/{customer_id}"): "manager",
    ("GET", "/api/business"): "manager",
    ("GET", "/api/runs"): "manager",
    ("GET", "/api/customers/{customer_id}/decisions"): "manager",
    ("POST", "/api/customers/{customer_id}/decisions"): "manager",
    ("GET", "/api/audit"): "manager",
    ("GET", "/openapi.json"): None,
}


@pytest.fixture(scope="module")
def params(app):
    with app.state.keepwise.db.session() as session:
        staff = crud.get_user_by_email(session, email=ROLE_EMAILS["staff"])
        case = crud.open_case(
            session,
            customer_id="C0000002",
            summary="route walk",
            owner_id=staff.id,
            opened_by=staff.id,
            due_hours=dict.fromkeys(
                ("apologise", "act_urgently", "empathise", "make_amends", "follow_up"), 1
            ),
        )
        invitation = crud.create_invitation(
            session,
            customer_id="C0000002",
            kind="nps",
            created_by=staff.id,
            lifetime=timedelta(days=1),
        )
        return {
            "case_id": str(case.id),
            "step": "apologise",
            "customer_id": "C0000003",
            "kind": "talk",
            "token": invitation.token,
            "user_id": str(staff.id),
        }


def routes(app):
    """Every (method, path) the app answers, including routes of included routers."""
    out = []
    pending = list(app.routes)
    while pending:
        route = pending.pop()
        nested = getattr(route, "original_router", None)  # FastAPI's included routers
        if nested is not None:
            pending.extend(nested.routes)
        elif isinstance(route, APIRoute) or getattr(route, "methods", None):
            out.extend((m, route.path) for m in sorted(route.methods - {"HEAD"}))
    return out


def test_every_route_is_in_the_table(app):
    assert sorted(routes(app)) == sorted(EXPECTED)


@pytest.mark.parametrize("role", ROLES)
def test_route_table_by_role(app, clients, csrf, params, role):
    client = clients[role]
    problems = []
    for (method, template), least in sorted(EXPECTED.items()):
        url = template.format(**params)
        is_api = url.startswith("/api/")
        if method == "GET":
            response = client.get(url)
            if url == "/login" and role != "anonymous":
                expected = {303}  # already signed in: straight on
            elif least is None or RANK[role] >= RANK[least]:
                expected = {200}
            elif role == "anonymous":
                expected = {401} if is_api else {303}
            else:
                expected = {403}
        else:
            if least is None:
                continue  # public forms carry their own tokens; tested in test_workflows
            token = csrf.get(role, "")
            response = client.post(url, data={"csrf_token": token}, headers={})
            if role == "anonymous":
                expected = {401} if is_api else {303}
            elif RANK[role] < RANK[least]:
                expected = {403}
            else:
                # allowed role, but no CSRF header/valid body: refused or rejected as invalid
                response = client.post(url, data={})
                expected = {403, 422} if is_api else {403}
        if response.status_code not in expected:
            problems.append((method, url, response.status_code, expected))
        if response.status_code == 303 and role == "anonymous":
            assert response.headers["location"].startswith("/login"), url
    assert not problems


def test_writes_need_the_sessions_csrf_token(clients, csrf):
    manager = clients["manager"]
    body = {"decision": "keep", "reason": "loyal for years"}
    url = "/api/customers/C0000004/decisions"
    assert manager.post(url, json=body).status_code == 403
    assert manager.post(url, json=body, headers={"X-CSRF-Token": csrf["staff"]}).status_code == 403
    ok = manager.post(url, json=body, headers={"X-CSRF-Token": csrf["manager"]})
    assert ok.status_code == 201
    form = {"decision": "keep", "reason": "x", "csrf_token": "forged"}
    assert manager.post("/customers/C0000004/decisions", data=form).status_code == 403
