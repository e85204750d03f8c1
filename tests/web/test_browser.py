"""End-to-end: real Chromium against a real uvicorn server, on SQLite and on PostgreSQL."""

from __future__ import annotations

import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from factories import PASSWORD, ROLE_EMAILS, XSS_NAME, add_role_users, build_workspace
from servers import PG_BIN, postgres_cluster, serve

from keepwise.application.appsync import sync_app_events
from keepwise.web.app import AppConfig, create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt chromium)"),
]


@contextmanager
def writable(ws, seconds: float = 10.0):
    """Open the workspace read-write once the server's short read-only requests are done."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            con = duckdb.connect(str(ws.db_path))
            break
        except duckdb.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield con
    finally:
        con.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None,
                    reason="needs PostgreSQL 15 server binaries in /usr/lib/postgresql/15/bin",
                ),
            ],
        ),
    ],
)
def site(request, tmp_path_factory):
    ws = build_workspace(tmp_path_factory.mktemp(f"e2e-{request.param}") / "w", n=30, runs=2)
    if request.param == "postgres":
        with postgres_cluster() as url:
            yield from _site(ws, url, request.param)
    else:
        yield from _site(ws, None, request.param)


def _site(ws, url, backend):
    app = create_app(AppConfig(workspace=ws.path, database_url=url))
    add_role_users(app.state.keepwise.db)
    with serve(app) as base:
        yield {"base": base, "ws": ws, "backend": backend, "app": app, "url": url}
    app.state.keepwise.db.dispose()


@pytest.fixture()
def new_page(browser, site):
    contexts = []

    def make(role: str | None = None):
        context = browser.new_context(base_url=site["base"])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        problems: list[str] = []
        page.on(
            "console",
            lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
        page.problems = problems  # type: ignore[attr-defined]
        if role is not None:
            page.goto("/login")
            page.fill("input[name=email]", ROLE_EMAILS[role])
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(site["base"] + "/")
        return page

    yield make
    for context in contexts:
        context.close()


def test_login_and_report_an_incident_with_typeahead(new_page, site):
    page = new_page()
    page.goto("/incidents")
    assert "/login?next=/incidents" in page.url
    page.fill("input[name=email]", ROLE_EMAILS["staff"])
    page.fill("input[name=password]", "wrong password!")
    page.click("button[type=submit]")
    assert "Wrong e-mail or password." in page.inner_text(".error")
    page.fill("input[name=email]", ROLE_EMAILS["staff"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/incidents")
    page.goto("/")
    page.click("text=Flag an unhappy customer")
    page.fill("input[name=customer_id]", "Customer 2")
    page.locator("#customer-options option").first.wait_for(state="attached")
    first = page.eval_on_selector("#customer-options option", "o => o.value")
    assert first.startswith("C")
    page.fill("input[name=customer_id]", first)
    page.check("input[name=severity][value='3']")
    page.fill("input[name=description]", "shouted at the driver")
    page.click("#incident-form button[type=submit]")
    page.wait_for_url("**/incidents?msg=incident*")
    assert "Thank you" in page.inner_text(".flash")
    assert "shouted at the driver" in page.inner_text("#incident-list")
    assert page.inner_text("#thanks-count") == "1"
    assert page.problems == []
    with writable(site["ws"]) as con:
        assert sync_app_events(site["ws"], con, database_url=site["url"])["incidents"] == 1
        got = con.execute(
            "SELECT customer_id, kind, severity FROM incidents WHERE incident_id = 'app-I1'"
        ).fetchone()
    assert got == (first, "unhappy", 3)


def test_complaint_case_through_its_five_steps(new_page):
    page = new_page("staff")
    page.goto("/cases")
    page.fill("#case-form input[name=customer_id]", "C0000004")
    page.fill("#case-form input[name=summary]", "parcel arrived broken")
    page.click("#case-form button[type=submit]")
    page.wait_for_url("**/cases/*?msg=case")
    steps = ("apologise", "act urgently", "empathise", "make amends", "follow up")
    for done, step in enumerate(steps, start=1):
        page.fill("#step-form input[name=note]", f"did: {step}")
        page.click("#step-form button[type=submit]")
        page.locator("li.step.done").nth(done - 1).wait_for()
    assert page.locator("li.step.done").count() == 5
    assert "All five steps are done." in page.content()
    assert page.problems == []


def test_survey_link_answered_in_the_browser(new_page, site):
    manager = new_page("manager")
    manager.goto("/surveys")
    manager.fill("input[name=customer_id]", "C0000007")
    manager.select_option("select[name=kind]", "nps")
    manager.click("form.stack button[type=submit]")
    manager.wait_for_url("**/surveys?msg=survey*")
    link = manager.input_value("#survey-link")
    assert link.startswith(site["base"] + "/s/")
    customer = new_page()
    customer.goto(link)
    customer.select_option("select[name=score]", "9")
    customer.fill("textarea[name=comment]", "quick and friendly")
    customer.click("#survey-form button[type=submit]")
    customer.wait_for_selector("#survey-thanks")
    assert "reached us" in customer.inner_text("#survey-thanks")
    customer.goto(link)
    assert "already answered or has expired" in customer.content()
    manager.goto("/surveys")
    assert "answered" in manager.inner_text("table.list")


def test_decision_lands_in_the_audit_log_and_screens(new_page, site):
    page = new_page("manager")
    ARTIFACTS.mkdir(exist_ok=True)
    backend = site["backend"]
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto("/")
    assert page.locator("svg.chart").count() == 4
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{backend}.png"), full_page=True)
    page.goto("/customers/C0000001")
    assert page.inner_text("#customer-name") == XSS_NAME
    page.select_option("#decisions select[name=decision]", "reprice")
    page.fill("#decisions input[name=reason]", "costs twice what it pays")
    page.click("#decisions button[type=submit]")
    page.wait_for_url("**msg=decision*")
    assert "costs twice what it pays" in page.inner_text("#decisions table")
    assert "decision" in page.inner_text("#audit")
    page.screenshot(path=str(ARTIFACTS / f"customer-{backend}.png"), full_page=True)
    page.goto("/audit")
    first = page.locator("#audit-list tbody tr").first.inner_text()
    assert "decision" in first and ROLE_EMAILS["manager"] in first
    assert page.problems == []
