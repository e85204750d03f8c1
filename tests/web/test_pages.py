from __future__ import annotations

import logging

from bs4 import BeautifulSoup
from conftest import TestClient, form_token, login
from factories import PASSWORD, ROLE_EMAILS, XSS_NAME

from keepwise.web.security import SECURITY_HEADERS

MONEY_WORDS = ("Profit", "profit", "CLV", "lifetime value", "Cost to serve", "cost_to_serve")


def test_dashboard_has_charts_and_figures(clients):
    page = clients["manager"].get("/")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert len(soup.select("svg.chart")) == 4
    assert "Profit from the top 20%" in page.text
    assert "money lost to churn" in page.text  # the run summary table


def test_customer_name_is_escaped_everywhere(clients):
    for url in ("/customers?q=script", "/customers/C0000001"):
        page = clients["manager"].get(url)
        assert page.status_code == 200
        assert XSS_NAME not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    page = clients["manager"].get("/customers/C0000001")
    assert "<i>threatened</i>" not in page.text
    assert "&lt;i&gt;threatened&lt;/i&gt;" in page.text
    found = clients["staff"].get("/api/customers/search", params={"q": "script"}).json()
    assert found == [{"customer_id": "C0000001", "name": XSS_NAME}]


def test_security_headers_on_every_kind_of_response(clients):
    for client, url in (
        (clients["anonymous"], "/login"),
        (clients["manager"], "/"),
        (clients["manager"], "/api/business"),
        (clients["staff"], "/customers"),
        (clients["anonymous"], "/static/app.js"),
    ):
        response = client.get(url)
        for key, value in SECURITY_HEADERS.items():
            assert response.headers[key] == value, (url, key)
    assert "script-src 'self';" in SECURITY_HEADERS["Content-Security-Policy"]


def test_pages_have_no_inline_scripts(clients):
    for url in ("/", "/customers", "/customers/C0000001", "/incidents", "/cases", "/surveys"):
        soup = BeautifulSoup(clients["admin"].get(url).text, "html.parser")
        for script in soup.find_all("script"):
            assert script.get("src", "").startswith("/static/"), url
            assert not script.string
        for tag in soup.find_all(True):
            assert not any(attr.startswith("on") for attr in tag.attrs), (url, tag.name)


def test_staff_never_see_money(clients, csrf):
    staff = clients["staff"]
    for url in ("/", "/incidents", "/cases", "/api/incidents", "/api/cases", "/api/me"):
        body = staff.get(url).text
        for word in MONEY_WORDS:
            assert word not in body, (url, word)
    for url in ("/customers", "/customers/C0000001", "/api/customers", "/api/business"):
        assert staff.get(url).status_code == 403


def test_customer_list_filters_sorts_and_pages(clients):
    manager = clients["manager"]
    page = manager.get("/customers", params={"sort": "profit", "desc": "false", "page": 1})
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#total").text == "40"
    rows = manager.get("/api/customers", params={"sort": "profit", "descending": False}).json()
    profits = [r["profit"] for r in rows["rows"]]
    assert profits == sorted(profits)
    fire = manager.get("/api/customers", params={"action": "fire", "limit": 500}).json()
    assert fire["total"] == len(fire["rows"]) > 0
    assert {r["action"] for r in fire["rows"]} == {"fire"}
    flagged = manager.get(
        "/api/customers", params={"signal": "abusive", "level": "flag", "limit": 500}
    ).json()
    assert {r["signal_abusive"] for r in flagged["rows"]} == {"flag"}
    second = manager.get("/api/customers", params={"limit": 15, "offset": 15}).json()
    first = manager.get("/api/customers", params={"limit": 15, "offset": 0}).json()
    ids = [{r["customer_id"] for r in p["rows"]} for p in (first, second)]
    assert not ids[0] & ids[1]
    assert manager.get("/customers", params={"sort": "password"}).status_code == 400


def test_customer_page_shows_value_signals_history(clients):
    page = clients["manager"].get("/customers/C0000007")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#value") and soup.select_one("#clv")
    assert "Shouted at staff 3 times in 90 days." in page.text
    assert "support tickets" in page.text
    assert len(soup.select("#history tbody tr")) == 2
    assert clients["manager"].get("/customers/NOPE").status_code == 404


def test_login_lockout_and_no_password_in_logs(app, caplog):
    client = TestClient(app, follow_redirects=False)
    secret = "WrongSecret-%d"
    with caplog.at_level(logging.DEBUG):
        for i in range(5):
            assert login(client, ROLE_EMAILS["staff"], secret % i).status_code == 401
        locked = login(client, ROLE_EMAILS["staff"], PASSWORD)
        assert locked.status_code == 401
        assert "locked" in locked.text
        ok = login(TestClient(app), ROLE_EMAILS["manager"], PASSWORD)
        assert ok.status_code == 303
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert PASSWORD not in logged
    assert "WrongSecret" not in logged
    state = app.state.keepwise
    from keepwise.storage.appdb import crud

    with state.db.session() as session:
        user = crud.get_user_by_email(session, email=ROLE_EMAILS["staff"])
        assert user is not None and user.locked_until is not None
        user.locked_until = None
        actions = [a.action for a in crud.list_audit(session, target=ROLE_EMAILS["staff"])]
        assert actions.count("login.fail") >= 5 and "login.locked" in actions
        assert all(PASSWORD not in a.detail for a in crud.list_audit(session, limit=1000))


def test_login_form_needs_its_token_and_next_stays_local(app):
    client = TestClient(app, follow_redirects=False)
    response = client.post(
        "/login", data={"email": ROLE_EMAILS["admin"], "password": PASSWORD, "csrf_token": "x"}
    )
    assert response.status_code == 403
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": ROLE_EMAILS["admin"],
            "password": PASSWORD,
            "csrf_token": form_token(page.text),
            "next": "//evil.example.com/",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_a_workspace_never_scored_still_works(tmp_path):
    from factories import add_role_users

    from keepwise.storage.workspace import Workspace
    from keepwise.web.app import AppConfig, create_app

    ws = Workspace.init(tmp_path / "fresh")
    with ws.connection() as con:
        con.execute(
            "INSERT INTO customers (customer_id, name, acquired_at) "
            "VALUES ('A1', 'Ann', TIMESTAMP '2024-01-01')"
        )
    app = create_app(AppConfig(workspace=ws.path))
    add_role_users(app.state.keepwise.db)
    client = TestClient(app, follow_redirects=False)
    assert login(client, ROLE_EMAILS["manager"]).status_code == 303
    assert "No scorecard yet" in client.get("/").text
    assert client.get("/customers").status_code == 200
    page = client.get("/customers/A1")
    assert page.status_code == 200 and "Not scored yet" in page.text
    assert client.get("/api/business").status_code == 404
    assert client.get("/api/customers").json() == {"run_id": None, "total": 0, "rows": []}
    assert client.get("/api/customers/search", params={"q": "an"}).json() == [
        {"customer_id": "A1", "name": "Ann"}
    ]
    missing = client.get("/customers/NOPE")
    assert missing.status_code == 404 and missing.text.count("no customer") == 1
    app.state.keepwise.db.dispose()
