"""The everyday workflows through the server, on the in-process client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from conftest import TestClient, form_token
from factories import ROLE_EMAILS
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from keepwise.application.appsync import sync_app_events
from keepwise.storage.appdb import crud
from keepwise.storage.appdb.models import CASE_STEPS, utcnow


def test_report_incident_counts_thanks_and_reaches_scoring(app, clients, web_ws):
    staff = clients["staff"]
    before = BeautifulSoup(staff.get("/").text, "html.parser").select_one("#thanks-count").text
    page = staff.get("/incidents?kind=unhappy")
    form = {
        "csrf_token": form_token(page.text),
        "customer_id": "C0000005",
        "kind": "unhappy",
        "severity": "2",
        "description": "<b>angry</b> about the late delivery",
    }
    response = staff.post("/incidents", data=form)
    assert response.status_code == 303
    page = staff.get(response.headers["location"])
    assert "Thank you" in page.text
    assert "&lt;b&gt;angry&lt;/b&gt;" in page.text
    after = BeautifulSoup(page.text, "html.parser").select_one("#thanks-count").text
    assert int(after) == int(before) + 1
    bad = staff.post("/incidents", data={**form, "customer_id": "NOBODY"})
    assert bad.status_code == 400 and "no customer" in bad.text
    with web_ws.connection() as con:
        counts = sync_app_events(web_ws, con)
        assert counts["incidents"] >= 1
        row = con.execute(
            "SELECT kind, severity, reported_by FROM incidents WHERE customer_id = 'C0000005' "
            "AND incident_id LIKE 'app-I%'"
        ).fetchall()
    assert ("unhappy", 2, ROLE_EMAILS["staff"]) in row


def test_complaint_case_goes_through_five_steps_in_order(clients):
    staff = clients["staff"]
    page = staff.get("/cases")
    response = staff.post(
        "/cases",
        data={
            "csrf_token": form_token(page.text),
            "customer_id": "C0000006",
            "summary": "invoice sent twice",
        },
    )
    assert response.status_code == 303
    case_url = response.headers["location"].split("?")[0]
    token = form_token(staff.get(case_url).text)
    wrong = staff.post(f"{case_url}/steps/follow_up", data={"csrf_token": token, "note": "x"})
    assert wrong.status_code == 400
    for step in CASE_STEPS:
        done = staff.post(f"{case_url}/steps/{step}", data={"csrf_token": token, "note": step})
        assert done.status_code == 303, step
    soup = BeautifulSoup(staff.get(case_url).text, "html.parser")
    assert len(soup.select("li.step.done")) == 5
    assert "All five steps are done." in soup.text


def test_overdue_steps_are_alerted(app, clients):
    with app.state.keepwise.db.session() as session:
        staff = crud.get_user_by_email(session, email=ROLE_EMAILS["staff"])
        case = crud.open_case(
            session,
            customer_id="C0000008",
            summary="late",
            owner_id=staff.id,
            opened_by=staff.id,
            due_hours=dict.fromkeys(CASE_STEPS, 1),
            now=utcnow() - timedelta(hours=5),
        )
    page = clients["manager"].get("/")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#overdue") is not None
    assert f"/cases/{case.id}" in str(soup.select_one("#overdue"))
    cases = clients["staff"].get("/api/cases").json()
    mine = next(c for c in cases if c["id"] == case.id)
    assert all(s["overdue"] for s in mine["steps"])


def test_survey_link_answered_once_without_account(app, clients, web_ws):
    manager = clients["manager"]
    page = manager.get("/surveys")
    response = manager.post(
        "/surveys",
        data={"csrf_token": form_token(page.text), "customer_id": "C0000009", "kind": "exit"},
    )
    assert response.status_code == 303
    token = response.headers["location"].split("created=")[1]
    assert len(token) >= 32
    listing = BeautifulSoup(manager.get(response.headers["location"]).text, "html.parser")
    letter = manager.get(listing.select_one("#survey-letter")["href"])
    assert letter.status_code == 200 and f"/s/{token}" in letter.text
    anonymous = TestClient(app, follow_redirects=False)
    form_page = anonymous.get(f"/s/{token}")
    assert form_page.status_code == 200
    answer = {
        "csrf_token": form_token(form_page.text),
        "reasons": ["price", "responsiveness", "not-a-reason"],
        "comment": "too slow",
    }
    assert anonymous.post(f"/s/{token}", data={**answer, "csrf_token": "x"}).status_code == 400
    done = anonymous.post(f"/s/{token}", data=answer)
    assert done.status_code == 200 and "Thank you" in done.text
    assert anonymous.get(f"/s/{token}").status_code == 400
    assert anonymous.get("/s/not-a-real-token").status_code == 404
    with web_ws.connection() as con:
        sync_app_events(web_ws, con)
        rows = con.execute(
            "SELECT kind, reasons, comment FROM surveys WHERE customer_id = 'C0000009'"
        ).fetchall()
    assert rows == [("exit", "price;responsiveness", "too slow")]


def test_expired_survey_link_is_refused(app):
    with app.state.keepwise.db.session() as session:
        manager = crud.get_user_by_email(session, email=ROLE_EMAILS["manager"])
        inv = crud.create_invitation(
            session,
            customer_id="C0000010",
            kind="nps",
            created_by=manager.id,
            lifetime=timedelta(days=1),
            now=utcnow() - timedelta(days=2),
        )
    response = TestClient(app).get(f"/s/{inv.token}")
    assert response.status_code == 400 and "expired" in response.text


def test_decision_is_recorded_shown_and_audited(app, clients):
    manager = clients["manager"]
    page = manager.get("/customers/C0000011")
    response = manager.post(
        "/customers/C0000011/decisions",
        data={"csrf_token": form_token(page.text), "decision": "talk", "reason": "scope creep"},
    )
    assert response.status_code == 303
    soup = BeautifulSoup(manager.get("/customers/C0000011").text, "html.parser")
    assert "scope creep" in soup.select_one("#decisions").text
    assert ROLE_EMAILS["manager"] in soup.select_one("#audit").text
    audit = manager.get("/api/audit", params={"target": "C0000011"}).json()
    assert audit[0]["action"] == "decision" and audit[0]["actor"] == ROLE_EMAILS["manager"]


@pytest.mark.parametrize("table", ["audit_log", "decisions"])
def test_append_only_tables_refuse_update_and_delete(app, table):
    with app.state.keepwise.db.session() as session:
        manager = crud.get_user_by_email(session, email=ROLE_EMAILS["manager"])
        crud.add_decision(
            session, customer_id="C0000012", decision="keep", reason="r", decided_by=manager.id
        )
        crud.audit(session, actor="test", action="test")
    engine = app.state.keepwise.db.engine
    for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as con:
            con.execute(text(sql))


def test_admin_changes_a_setting_in_the_workspace_file(app, clients, web_ws):
    admin = clients["admin"]
    token = form_token(admin.get("/admin/settings").text)
    bad = admin.post(
        "/admin/settings", data={"csrf_token": token, "key": "web.page_size", "value": "many"}
    )
    assert bad.status_code == 400 and "not a whole number" in bad.text
    try:
        ok = admin.post(
            "/admin/settings", data={"csrf_token": token, "key": "web.page_size", "value": "7"}
        )
        assert ok.status_code == 303
        assert web_ws.settings.get_int("web.page_size") == 7
        text = web_ws.settings_path.read_text()
        assert "\npage_size = 7\n" in text and "\n# lockout_minutes = 15\n" in text
        page = BeautifulSoup(clients["manager"].get("/customers").text, "html.parser")
        assert len(page.select("table.list tbody tr")) == 7
        audit = clients["manager"].get("/api/audit", params={"target": "web.page_size"}).json()
        assert audit[0]["action"] == "setting.change" and '"to": 7' in audit[0]["detail"]
    finally:
        admin.post(
            "/admin/settings", data={"csrf_token": token, "key": "web.page_size", "value": "50"}
        )
    assert web_ws.settings.get_int("web.page_size") == 50
    assert "\n# page_size = 50\n" in web_ws.settings_path.read_text()  # back to the default
