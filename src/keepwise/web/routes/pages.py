"""Pages about customers: the dashboard, the customer list, the customer page and letters."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from keepwise.domain.contract.schema import INCIDENT_KIND, SURVEY_KIND
from keepwise.domain.scorecard import ACTIONS, LEVELS, SIGNAL_NAMES
from keepwise.errors import KeepwiseError
from keepwise.storage.appdb import crud
from keepwise.storage.appdb.models import DECISIONS, utcnow
from keepwise.web import charts
from keepwise.web.deps import DbSession, Manager, Staff, State
from keepwise.web.scoredata import SORTABLE, Filters

router = APIRouter(include_in_schema=False)
CHART_LOCK = threading.Lock()


def dashboard_data(state: State) -> dict[str, Any] | None:
    """Return the newest run's business figures and charts, cached per run."""
    business = state.reader.business()
    if business is None:
        return None
    key = ("dashboard", business["run"]["run_id"])
    cached = state.cache.get(key)
    if cached is None:
        with CHART_LOCK:  # draw once while concurrent requests wait
            cached = state.cache.get(key) or _draw(state, key, business)
    return {**business, **cached}


def _draw(state: State, key: tuple[str, str], business: dict[str, Any]) -> dict[str, str]:
    actions = business["actions"]
    drawn = {
        "whale_svg": charts.whale_curve_svg(business["curve"], business["top20_share"]),
        "actions_svg": charts.actions_svg(actions) if actions else "",
        "actions_value_svg": charts.actions_value_svg(actions) if actions else "",
        "signals_svg": charts.signals_svg(business["signals"]),
    }
    state.cache.clear()
    state.cache[key] = drawn
    return drawn


def run_summary_items(run: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """Return the scalar figures of a run's stored summary, for a small table."""
    summary = (run or {}).get("summary")
    if not isinstance(summary, dict):
        return []
    return [
        (str(k).replace("_", " "), v)
        for k, v in summary.items()
        if isinstance(v, int | float | str) and not isinstance(v, bool)
    ]


@router.get("/")
def home(request: Request, state: State, session: DbSession, user: Staff) -> Response:
    """Show managers the business dashboard and staff their own reports and cases."""
    overdue = crud.overdue_steps(session, limit=20)
    if not user.sees_money:
        mine = crud.list_incidents(session, reported_by=user.id, limit=20)
        thanks = crud.count_incidents(session, reported_by=user.id)
        cases = [c for c in crud.list_cases(session, open_only=True) if c.owner_id == user.id]
        return state.templates.TemplateResponse(
            request,
            "staff_home.html",
            {"user": user, "incidents": mine, "thanks": thanks, "cases": cases, "overdue": overdue},
        )
    data = dashboard_data(state)
    return state.templates.TemplateResponse(
        request,
        "dashboard.html",
        {
            "user": user,
            "data": data,
            "summary_items": run_summary_items(data["run"] if data else None),
            "overdue": overdue,
        },
    )


@router.get("/customers")
def customers(
    request: Request,
    state: State,
    user: Manager,
    action: Annotated[str | None, Query(max_length=32)] = None,
    segment: Annotated[str | None, Query(max_length=128)] = None,
    signal: Annotated[str | None, Query(max_length=64)] = None,
    level: Annotated[str | None, Query(max_length=16)] = None,
    min_profit: float | None = None,
    max_profit: float | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    sort: Annotated[str, Query(max_length=32)] = "profit",
    desc: bool = True,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """List customers, filtered, sorted and paged in the engine."""
    size = state.settings.get_int("web.page_size")
    filters = Filters(
        action=action or None,
        segment=segment or None,
        signal=signal or None,
        level=level or None,
        min_profit=min_profit,
        max_profit=max_profit,
        q=q or None,
        sort=sort,
        descending=desc,
        limit=size,
        offset=(page - 1) * size,
    )
    try:
        result = state.reader.page(filters)
    except ValueError as exc:
        raise KeepwiseError(str(exc)) from exc
    pages = max(1, -(-result.total // size))
    return state.templates.TemplateResponse(
        request,
        "customers.html",
        {
            "user": user,
            "result": result,
            "page": page,
            "pages": pages,
            "actions": ACTIONS,
            "signals": SIGNAL_NAMES,
            "levels": [lv for lv in LEVELS if lv != "none"],
            "sortable": SORTABLE,
            "query": {
                k: v
                for k, v in {
                    "action": action,
                    "segment": segment,
                    "signal": signal,
                    "level": level,
                    "q": q,
                    "sort": sort,
                    "desc": "true" if desc else "false",
                    "min_profit": min_profit,
                    "max_profit": max_profit,
                }.items()
                if v not in (None, "")
            },
        },
    )


def _letter_kinds() -> tuple[str, ...]:
    try:
        from keepwise.reports.letters import LETTER_KINDS
    except ImportError:
        return ()
    return LETTER_KINDS


@router.get("/customers/{customer_id}")
def customer(
    request: Request,
    customer_id: str,
    state: State,
    session: DbSession,
    user: Manager,
    msg: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """Show one customer: value, CLV, signals with evidence, failures, action, history."""
    profile = state.reader.profile(customer_id)
    decisions = crud.list_decisions(session, customer_id=customer_id)
    audit = crud.list_audit(session, target=customer_id, limit=50)
    incidents = crud.list_incidents(session, customer_id=customer_id, limit=50)
    cases = crud.list_cases(session, customer_id=customer_id)
    return state.templates.TemplateResponse(
        request,
        "customer.html",
        {
            "user": user,
            "p": profile,
            "card": profile["card"],
            "signal_names": SIGNAL_NAMES,
            "decisions": decisions,
            "decision_kinds": DECISIONS,
            "audit": audit,
            "incidents": incidents,
            "cases": cases,
            "letter_kinds": _letter_kinds(),
            "survey_kinds": SURVEY_KIND,
            "incident_kinds": INCIDENT_KIND,
            "lang": state.settings.get_str("workspace.locale"),
            "message": {"decision": "Decision recorded.", "survey": "Survey link created."}.get(
                msg, ""
            ),
        },
    )


def survey_link(
    request: Request, session: DbSession, customer_id: str, token: str | None
) -> str | None:
    """Return the absolute answer link of ``token`` if it is this customer's open invitation."""
    if not token:
        return None
    inv = crud.get_invitation(session, token=token)
    if inv is None or inv.customer_id != customer_id or inv.answered_at is not None:
        return None
    return f"{str(request.base_url).rstrip('/')}/s/{inv.token}"


def _render_letter(
    state: State, customer_id: str, kind: str, lang: str, link: str | None = None
) -> Any:
    try:
        from keepwise.reports.letters import render_letter
    except ImportError as exc:
        raise KeepwiseError("letters are not available in this installation") from exc
    if kind not in _letter_kinds():
        raise KeepwiseError(f"unknown letter {kind!r}")
    state.reader.profile(customer_id)  # NotFoundError for an unknown customer
    return render_letter(state.ws, customer_id, kind, lang, today=utcnow().date(), link=link)


@router.get("/customers/{customer_id}/letters/{kind}")
def letter(
    request: Request,
    customer_id: str,
    kind: str,
    state: State,
    session: DbSession,
    user: Manager,
    lang: Annotated[str, Query(max_length=16)] = "en",
    token: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Show one letter ready to copy, with a download link (survey letters carry their link)."""
    link = survey_link(request, session, customer_id, token)
    rendered = _render_letter(state, customer_id, kind, lang, link)
    return state.templates.TemplateResponse(
        request,
        "letter.html",
        {
            "user": user,
            "customer_id": customer_id,
            "kind": kind,
            "lang": lang,
            "letter": rendered,
            "token": token if link else "",
        },
    )


@router.get("/customers/{customer_id}/letters/{kind}/download")
def letter_download(
    request: Request,
    customer_id: str,
    kind: str,
    state: State,
    session: DbSession,
    user: Manager,
    lang: Annotated[str, Query(max_length=16)] = "en",
    token: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Download one letter as a plain-text file."""
    link = survey_link(request, session, customer_id, token)
    rendered = _render_letter(state, customer_id, kind, lang, link)
    safe_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in customer_id)[:64]
    return PlainTextResponse(
        f"{rendered.subject}\n\n{rendered.text}",
        headers={"Content-Disposition": f'attachment; filename="{kind}-{safe_id}-{lang}.txt"'},
    )
