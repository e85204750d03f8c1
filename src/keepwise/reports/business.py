"""The business report: one self-contained HTML (or PDF) file about a scorecard run.

Churn and the money it costs, the whale curve and the 80/20 picture, the cost of the bad
customers, the bad-sign league table, why customers leave, how we recover complaints, where to
act first, and optionally a one-page profile per customer.  Every figure is computed by DuckDB
over the run tables (and the complaint tickets); Python only shapes one row per signal, action
or listed customer.  Charts are inline SVG, so the file opens offline.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
from markupsafe import Markup

from keepwise.application import runs
from keepwise.domain.scorecard import ACTIONS, SIGNAL_NAMES
from keepwise.errors import KeepwiseError
from keepwise.reports import charts, report_charts
from keepwise.reports.facts import clean, parse_reasons, read_facts
from keepwise.reports.i18n import Formatter, check_language, environment
from keepwise.reports.vocabulary import (
    N_,
    action_label,
    label,
    level_label,
    reason_label,
    signal_label,
)
from keepwise.settings import Settings
from keepwise.storage.workspace import Workspace

__all__ = ["ReportError", "render_report_html", "report_data", "write_report"]

PROFILE_EVIDENCE = 8
RESPONSE_BANDS: tuple[tuple[str, float | None], ...] = (
    (N_("< 1 h"), 1.0),
    (N_("1–4 h"), 4.0),
    (N_("4–24 h"), 24.0),
    (N_("1–3 days"), 72.0),
    (N_("> 3 days"), None),
)
NO_ANSWER = N_("no answer")


class ReportError(KeepwiseError):
    """The report cannot be written (no run to report on, or PDF support missing)."""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description or []]
    return [
        {k: clean(float(v) if hasattr(v, "as_tuple") else v) for k, v in zip(names, r, strict=True)}
        for r in cur.fetchall()
    ]


def _card_cte() -> str:
    return "WITH card AS (SELECT * FROM scorecard WHERE run_id = ?) "


def _league(con: duckdb.DuckDBPyConnection, run_id: str, lang: str = "en") -> list[dict[str, Any]]:
    unions = " UNION ALL ".join(
        f"SELECT '{s}' AS signal, signal_{s} AS level, revenue, cost_to_serve, profit FROM card"
        for s in SIGNAL_NAMES
    )
    rows = _rows(
        con,
        _card_cte() + f", s AS ({unions}) "
        "SELECT signal, "
        "sum(CASE WHEN level = 'flag' THEN 1 ELSE 0 END) AS flag, "
        "sum(CASE WHEN level = 'watch' THEN 1 ELSE 0 END) AS watch, "
        "sum(CASE WHEN level = 'no_data' OR level IS NULL THEN 1 ELSE 0 END) AS no_data, "
        "sum(CASE WHEN level = 'flag' THEN revenue END) AS flag_revenue, "
        "sum(CASE WHEN level = 'flag' THEN cost_to_serve END) AS flag_cost, "
        "sum(CASE WHEN level = 'flag' THEN profit END) AS flag_profit, "
        "sum(CASE WHEN level = 'flag' AND profit < 0 THEN -profit ELSE 0 END) AS flag_loss "
        "FROM s GROUP BY signal",
        [run_id],
    )
    by_name = {r["signal"]: r for r in rows}
    out: list[dict[str, Any]] = []
    for name in SIGNAL_NAMES:
        r = by_name.get(name) or {"flag": 0, "watch": 0, "no_data": 0}
        out.append(
            {
                "signal": name,
                "label": signal_label(name, lang),
                "flag": int(r.get("flag") or 0),
                "watch": int(r.get("watch") or 0),
                "no_data": int(r.get("no_data") or 0),
                "flag_revenue": r.get("flag_revenue"),
                "flag_cost": r.get("flag_cost"),
                "flag_profit": r.get("flag_profit"),
                "flag_loss": r.get("flag_loss") or 0.0,
            }
        )
    out.sort(key=lambda r: (-r["flag"], -r["flag_loss"], -r["watch"], r["signal"]))
    return out


def _totals(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    any_flag = " OR ".join(f"signal_{s} = 'flag'" for s in SIGNAL_NAMES)
    return _rows(
        con,
        _card_cte() + "SELECT count(*) AS customers, sum(revenue) AS revenue, "
        "sum(gross_margin) AS gross_margin, sum(cost_to_serve) AS cost_to_serve, "
        "sum(profit) AS profit, "
        "sum(CASE WHEN profit < 0 THEN 1 ELSE 0 END) AS unprofitable, "
        "sum(CASE WHEN profit < 0 THEN -profit ELSE 0 END) AS unprofitable_loss, "
        f"sum(CASE WHEN {any_flag} THEN 1 ELSE 0 END) AS flagged, "
        f"sum(CASE WHEN {any_flag} THEN revenue END) AS flagged_revenue, "
        f"sum(CASE WHEN {any_flag} THEN cost_to_serve END) AS flagged_cost, "
        f"sum(CASE WHEN {any_flag} THEN profit END) AS flagged_profit, "
        f"sum(CASE WHEN ({any_flag}) AND profit < 0 THEN 1 ELSE 0 END) AS flagged_unprofitable, "
        f"sum(CASE WHEN ({any_flag}) AND profit < 0 THEN -profit ELSE 0 END) AS flagged_loss "
        "FROM card",
        [run_id],
    )[0]


def _actions(
    con: duckdb.DuckDBPyConnection, run_id: str, top: int, lang: str
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    stake = "abs(COALESCE(clv, profit, 0))"
    rows = {
        r["action"]: r
        for r in _rows(
            con,
            _card_cte() + "SELECT action, count(*) AS customers, sum(revenue) AS revenue, "
            f"sum(profit) AS profit, sum(clv) AS clv, sum({stake}) AS at_stake "
            "FROM card GROUP BY action",
            [run_id],
        )
    }
    summary = [
        {
            "action": a,
            "label": action_label(a, lang),
            "customers": int(rows.get(a, {}).get("customers") or 0),
            "revenue": rows.get(a, {}).get("revenue"),
            "profit": rows.get(a, {}).get("profit"),
            "clv": rows.get(a, {}).get("clv"),
            "at_stake": rows.get(a, {}).get("at_stake"),
        }
        for a in ACTIONS
    ]
    listed: dict[str, list[dict[str, Any]]] = {a: [] for a in ACTIONS}
    for r in _rows(
        con,
        _card_cte() + "SELECT * FROM (SELECT customer_id, name, action, revenue, profit, clv, "
        f"churn_risk, reasons, {stake} AS at_stake, row_number() OVER (PARTITION BY action "
        f"ORDER BY {stake} DESC, customer_id) AS rn FROM card) t WHERE rn <= ? "
        "ORDER BY action, rn",
        [run_id, top],
    ):
        r["reasons"] = parse_reasons(r["reasons"])
        listed.setdefault(str(r["action"]), []).append(r)
    return summary, listed


def _complaints(
    con: duckdb.DuckDBPyConnection, as_of: Any, slow_hours: float, lang: str = "en"
) -> dict[str, Any]:
    wait = (
        "CASE WHEN first_response_at IS NOT NULL AND first_response_at <= ? "
        "THEN date_diff('second', opened_at, first_response_at) / 3600.0 END"
    )
    bands = []
    lower = 0.0
    for name, upper in RESPONSE_BANDS:
        cond = f"w >= {lower}" + (f" AND w < {upper}" if upper is not None else "")
        bands.append(f'sum(CASE WHEN {cond} THEN 1 ELSE 0 END) AS "{name}"')
        lower = upper or lower
    row = _rows(
        con,
        f"WITH c AS (SELECT *, {wait} AS w FROM tickets "
        "WHERE category = 'complaint' AND opened_at <= ?) "
        "SELECT count(*) AS n, count(w) AS answered, "
        "quantile_cont(w, 0.5) AS median_hours, quantile_cont(w, 0.9) AS p90_hours, "
        "sum(CASE WHEN w <= ? THEN 1 ELSE 0 END) AS answered_in_time, "
        "sum(CASE WHEN closed_at IS NOT NULL AND closed_at <= ? THEN 1 ELSE 0 END) AS resolved, "
        "sum(CASE WHEN reopened THEN 1 ELSE 0 END) AS reopened, avg(csat) AS csat, "
        "quantile_cont(CASE WHEN closed_at <= ? THEN date_diff('second', opened_at, closed_at) "
        "/ 86400.0 END, 0.5) AS median_days_to_resolve, "
        f"{', '.join(bands)} FROM c",
        [as_of, as_of, slow_hours, as_of, as_of],
    )[0]
    n = int(row["n"] or 0)
    buckets = [(label(name, lang), int(row[name] or 0)) for name, _ in RESPONSE_BANDS]
    buckets.append((label(NO_ANSWER, lang), n - int(row["answered"] or 0)))

    def share(key: str) -> float | None:
        return (int(row[key] or 0) / n) if n else None

    return {
        "n": n,
        "answered_share": share("answered"),
        "in_time_share": share("answered_in_time"),
        "resolved_share": share("resolved"),
        "reopened_share": share("reopened"),
        "median_hours": row["median_hours"],
        "p90_hours": row["p90_hours"],
        "median_days_to_resolve": row["median_days_to_resolve"],
        "csat": row["csat"],
        "buckets": buckets,
        "slow_hours": slow_hours,
    }


def _reasons(business: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    rows = []
    for r in business.get("reasons") or []:
        rows.append(
            {
                "label": reason_label(
                    str(r.get("reason") or "other"), str(r.get("source") or ""), lang
                ),
                "customers": int(r.get("customers") or 0),
                "revenue_per_year": clean(r.get("revenue_per_year")),
                "margin_per_year": clean(r.get("margin_per_year")),
            }
        )
    rows.sort(key=lambda r: (-r["customers"], r["label"]))
    return rows


def _profile(
    ws: Workspace, customer_id: str, run_id: str, as_of: Any, settings: Settings, lang: str
) -> dict[str, Any]:
    profile = runs.customer_profile(ws, customer_id, run_id)
    facts = read_facts(
        ws,
        customer_id,
        today=as_of,
        run_id=run_id,
        open_order_days=settings.get_int("letters.open_order_days"),
    )
    signals = [
        {
            **s,
            "label": signal_label(s["signal"], lang),
            "level_label": level_label(str(s["level"]), lang),
        }
        for s in profile["signals"]
    ]
    evidence = [
        {**e, "signal": signal_label(s["signal"], lang)} for s in signals for e in s["evidence"]
    ]
    return {
        **profile,
        "signals": signals,
        "raised": sorted(
            (s for s in signals if s["level"] in ("watch", "flag")),
            key=lambda s: 0 if s["level"] == "flag" else 1,
        ),
        "quiet": [s["label"] for s in signals if s["level"] == "none"],
        "no_data": [s["label"] for s in signals if s["level"] not in ("none", "watch", "flag")],
        "evidence": evidence[:PROFILE_EVIDENCE],
        "evidence_more": max(0, len(evidence) - PROFILE_EVIDENCE),
        "reasons": parse_reasons(profile["action"]["reasons"]),
        "action_label": action_label(str(profile["action"]["action"] or ""), lang),
        "facts": facts,
        "name": facts.name,
    }


def _churn_rows(churn: dict[str, Any]) -> list[dict[str, Any]]:
    keys = ("year", "partial", "customers_at_start", "acquired", "churned", "churn_rate")
    money = ("revenue_lost", "margin_lost")
    return [
        {**{k: r.get(k) for k in keys}, **{k: clean(r.get(k)) for k in money}}
        for r in churn.get("by_year") or []
        if isinstance(r, dict)
    ]


def _glance(business: dict[str, Any], totals: dict[str, Any]) -> dict[str, Any]:
    last = (business.get("churn") or {}).get("last_12_months") or {}
    lost = business.get("money_lost_to_churn") or {}
    curve = business.get("whale_curve") or {}
    return {
        "churn_rate": clean(last.get("churn_rate")),
        "churned": last.get("churned"),
        "at_risk": last.get("customers"),
        "revenue_lost": clean(lost.get("revenue_per_year")),
        "calculator": clean(lost.get("calculator")),
        "top20_share": clean(business.get("top20_share", curve.get("top20_share"))),
        "unprofitable": totals.get("unprofitable"),
        "unprofitable_loss": totals.get("unprofitable_loss") or 0.0,
    }


def report_data(
    ws: Workspace,
    run_id: str | None = None,
    customers: Iterable[str] = (),
    *,
    lang: str = "en",
    profiles_only: bool = False,
) -> dict[str, Any]:
    """Collect every figure of the report for run ``run_id`` (default: the newest run).

    With ``profiles_only`` only the customer profiles are read (the business sections, their
    queries and charts are skipped).
    """
    lang = check_language(lang)
    settings = ws.settings
    try:
        run = runs.get_run(ws, run_id)
    except KeepwiseError as exc:
        raise ReportError(str(exc)) from exc
    rid = str(run["run_id"])
    summary = run.get("summary") or {}
    business = dict(summary.get("value") or {})
    currency = str(business.get("currency") or settings.get_str("workspace.currency"))
    business.setdefault("currency", currency)
    as_of = run["as_of"]
    top = settings.get_int("report.top_per_action")
    ids = list(dict.fromkeys(customers))
    if profiles_only and not ids:
        raise ReportError("a profiles-only report needs at least one --customer")
    data: dict[str, Any] = {
        "workspace": ws.path.name,
        "run": run,
        "as_of": as_of,
        "currency": currency,
        "lang": lang,
        "profiles_only": profiles_only,
        "top_per_action": top,
        "profiles": [_profile(ws, cid, rid, as_of, settings, lang) for cid in ids],
    }
    if profiles_only:
        return data
    with ws.connection(read_only=True) as con:
        totals = _totals(con, rid)
        league = _league(con, rid, lang)
        actions, listed = _actions(con, rid, top, lang)
        complaints = _complaints(
            con, as_of, settings.get_float("letters.slow_response_hours"), lang
        )
    reasons = _reasons(business, lang)
    data.update(
        {
            "totals": totals,
            "glance": _glance(business, totals),
            "by_year": _churn_rows(business.get("churn") or {}),
            "league": league,
            "actions": actions,
            "listed": listed,
            "complaints": complaints,
            "reasons": reasons,
            "charts": {
                "whale": Markup(report_charts.inline_svg(charts.whale_curve_svg(business))),
                "retention": Markup(
                    report_charts.inline_svg(charts.retention_heatmap_svg(business))
                ),
                "league": Markup(report_charts.signal_league_svg(league, currency, lang)),
                "actions": Markup(report_charts.actions_svg(actions, currency, lang)),
                "reasons": Markup(report_charts.reasons_svg(reasons, currency, lang)),
                "response": Markup(report_charts.response_time_svg(complaints["buckets"], lang)),
            },
        }
    )
    return data


def render_report_html(
    ws: Workspace,
    run_id: str | None = None,
    customers: Iterable[str] = (),
    *,
    lang: str = "en",
    profiles_only: bool = False,
) -> str:
    """Return the business report of a run as one self-contained HTML document.

    Parameters
    ----------
    ws
        The scored workspace.
    run_id
        The run to report on (default: the newest; ``ReportError`` when there is none).
    customers
        Customer ids that get a one-page profile after the business sections.
    lang
        The report's language (one of ``LANGUAGES``); numbers, money and dates follow it.
    profiles_only
        Write only the customer profiles, without the business sections.
    """
    data = report_data(ws, run_id, customers, lang=lang, profiles_only=profiles_only)
    fmt = Formatter(data["lang"], data["currency"])
    template = environment(data["lang"]).get_template("report/business.html")
    return fmt.tidy(template.render(fmt=fmt, **data))


def write_report(
    ws: Workspace,
    output: Path,
    run_id: str | None = None,
    customers: Iterable[str] = (),
    *,
    lang: str = "en",
    profiles_only: bool = False,
) -> Path:
    """Write the report to ``output``: PDF (WeasyPrint) when it ends in ``.pdf``, else HTML.

    The file is written next to its final name and moved into place, so a failed run never
    leaves half a report.
    """
    output = Path(output)
    html = render_report_html(ws, run_id, customers, lang=lang, profiles_only=profiles_only)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".keepwise-report-", dir=output.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if output.suffix.lower() == ".pdf":
            _write_pdf(html, tmp)
        else:
            tmp.write_text(html, encoding="utf-8")
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        tmp.replace(output)
    finally:
        tmp.unlink(missing_ok=True)
    return output


def _write_pdf(html: str, path: Path) -> None:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise ReportError(
            "PDF output needs WeasyPrint and its system libraries (pango): "
            f"pip install 'keepwise[pdf]' ({exc})"
        ) from exc
    weasyprint.HTML(string=html).write_pdf(path)
