"""The business report: figures traced to the run, self-contained HTML, a PDF that renders."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from keepwise.domain.scorecard import SIGNAL_NAMES
from keepwise.errors import NotFoundError
from keepwise.reports.business import (
    ReportError,
    _league,
    _totals,
    render_report_html,
    report_data,
    write_report,
)
from keepwise.storage.workspace import Workspace

from .conftest import SCORES, build_workspace

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def data(workspace: Workspace) -> dict[str, Any]:
    return report_data(workspace)


@pytest.fixture(scope="module")
def html(workspace: Workspace) -> str:
    return render_report_html(workspace, customers=["C2", "C3"])


def test_report_is_self_contained(html: str):
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None and soup.find("link") is None
    for tag in soup.find_all(src=True):
        assert not tag["src"].startswith(("http:", "https:", "//"))
    for tag in soup.find_all(href=True):
        assert tag["href"].startswith("#"), tag["href"]
    assert len(soup.find_all("svg")) >= 6
    for section in ("summary", "churn", "whale", "bad", "league", "reasons", "complaints", "act"):
        assert soup.find(id=section) is not None, section


def test_totals_and_bad_customer_costs_match_the_run(data: dict[str, Any]):
    t = data["totals"]
    assert t["customers"] == len(SCORES)
    assert math.isclose(t["revenue"], sum(r[1] for r in SCORES))
    assert math.isclose(t["profit"], sum(r[3] for r in SCORES))
    flagged = [r for r in SCORES if "flag" in r[8].values()]
    assert t["flagged"] == len(flagged)
    assert math.isclose(t["flagged_profit"], sum(r[3] for r in flagged))
    assert math.isclose(t["flagged_loss"], sum(-r[3] for r in flagged if r[3] < 0))
    assert math.isclose(t["unprofitable_loss"], sum(-r[3] for r in SCORES if r[3] < 0))
    league = {r["signal"]: r for r in data["league"]}
    assert league["abusive"]["flag"] == 1 and league["attention_hog"]["watch"] == 1
    assert math.isclose(league["abusive"]["flag_profit"], -3100.0)
    assert data["league"][0]["flag"] >= data["league"][-1]["flag"]


def test_where_to_act_first_ranks_by_money_at_stake(data: dict[str, Any]):
    assert [c["customer_id"] for c in data["listed"]["talk"]] == ["C3"]
    stake = {a["action"]: a["at_stake"] for a in data["actions"]}
    assert math.isclose(stake["fire"], 2000.0)
    assert math.isclose(stake["win_back"], 100.0)
    assert {a["action"] for a in data["actions"] if a["customers"]} == {r[7] for r in SCORES}


def test_complaint_recovery_figures(data: dict[str, Any]):
    c = data["complaints"]
    assert c["n"] == 3
    assert math.isclose(c["answered_share"], 2 / 3)
    assert math.isclose(c["in_time_share"], 1 / 3)
    assert math.isclose(c["resolved_share"], 1 / 3)
    assert math.isclose(c["reopened_share"], 1 / 3)
    assert math.isclose(c["median_hours"], (0.5 + 51) / 2)
    assert dict(c["buckets"]) == {
        "< 1 h": 1,
        "1–4 h": 0,
        "4–24 h": 0,
        "1–3 days": 1,
        "> 3 days": 0,
        "no answer": 1,
    }


def test_customer_profiles_and_escaping(html: str):
    soup = BeautifulSoup(html, "html.parser")
    c2 = soup.find(id="customer-C2")
    assert c2 is not None and soup.find(id="customer-C3") is not None
    assert "Bolt & Nut <b>Ltd</b>" in c2.h2.get_text()
    assert c2.find("b") is None
    text = c2.get_text(" ")
    assert "INV-101" in text and "Paid 5 of 6 invoices late" in text
    assert "Part ways gracefully" in text
    assert "€66,200.00" in soup.find(id="summary").get_text()


def test_errors(workspace: Workspace, tmp_path: Path):
    with pytest.raises(NotFoundError):
        render_report_html(workspace, customers=["C999"])
    bare = build_workspace(tmp_path / "bare", with_run=False)
    with pytest.raises(ReportError, match="no scorecard run"):
        render_report_html(bare)
    with pytest.raises(ReportError):
        render_report_html(workspace, run_id="R404")


def test_pdf_renders_to_pages(workspace: Workspace, tmp_path: Path):
    pdf = write_report(workspace, tmp_path / "report.pdf", customers=["C2"])
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(pdf), str(ARTIFACTS / "report-page")], check=True
    )
    pages = sorted(ARTIFACTS.glob("report-page-*.png"))
    assert len(pages) >= 3
    from PIL import Image

    with Image.open(pages[0]) as first:
        lo, hi = first.convert("L").getextrema()
    assert lo < 100 and hi > 200


levels = st.sampled_from(["none", "watch", "flag", "no_data"])
card_rows = st.lists(
    st.tuples(
        st.lists(levels, min_size=len(SIGNAL_NAMES), max_size=len(SIGNAL_NAMES)),
        st.integers(-5000, 5000),
        st.integers(0, 3000),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=25, deadline=None)
@given(card_rows)
def test_league_and_totals_agree_with_the_rows(rows: list[tuple[list[str], int, int]]):
    con = duckdb.connect()
    cols = ", ".join(f"signal_{s} VARCHAR" for s in SIGNAL_NAMES)
    con.execute(
        f"CREATE TABLE scorecard (run_id VARCHAR, customer_id VARCHAR, revenue DOUBLE, "
        f"gross_margin DOUBLE, cost_to_serve DOUBLE, profit DOUBLE, {cols})"
    )
    con.executemany(
        f"INSERT INTO scorecard VALUES ('R', ?, ?, ?, ?, ?, {', '.join('?' * len(SIGNAL_NAMES))})",
        [
            [f"c{i}", profit + cost, profit + cost, cost, profit, *lv]
            for i, (lv, profit, cost) in enumerate(rows)
        ],
    )
    league = {r["signal"]: r for r in _league(con, "R")}
    for k, name in enumerate(SIGNAL_NAMES):
        flagged = [r for r in rows if r[0][k] == "flag"]
        assert league[name]["flag"] == len(flagged)
        assert league[name]["watch"] == sum(r[0][k] == "watch" for r in rows)
        assert math.isclose(league[name]["flag_loss"], sum(-p for _, p, _ in flagged if p < 0))
    totals = _totals(con, "R")
    any_flag = [r for r in rows if "flag" in r[0]]
    assert totals["flagged"] == len(any_flag)
    assert math.isclose(totals["unprofitable_loss"], sum(-p for _, p, _ in rows if p < 0))
    con.close()


@pytest.mark.parametrize("lang", ["ja", "ru"])
def test_report_in_other_languages(workspace: Workspace, lang: str):
    from keepwise.reports.i18n import Formatter

    html = render_report_html(workspace, customers=["C2"], lang=lang)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == lang.replace("_", "-")
    headings = [h.get_text() for h in soup.find_all("h2")]
    assert "At a glance" not in headings and "Why customers leave" not in headings
    text = soup.get_text(" ")
    assert Formatter(lang, "EUR").money(66200) in text
    assert re.search(r"%\(|\{\{|\bNone\b|\bnan\b", text) is None


def test_profiles_only(workspace: Workspace):
    html = render_report_html(workspace, customers=["C3"], profiles_only=True)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find(id="summary") is None and soup.find(id="customer-C3") is not None
    with pytest.raises(ReportError, match="at least one"):
        render_report_html(workspace, profiles_only=True)


def test_run_with_empty_summary(tmp_path: Path):
    ws = build_workspace(tmp_path / "ws")
    with ws.connection() as con:
        con.execute("UPDATE runs SET summary = '{}'")
    soup = BeautifulSoup(render_report_html(ws), "html.parser")
    assert "No data: the run has no churn figures." in soup.get_text()
    assert soup.find(id="league").find("table") is not None
