"""The JSON API under ``/api/`` (documented at ``/openapi.json``).

The same roles as the pages: staff may search customers (id and name only), report incidents
and read cases; scorecards, money, decisions and audit need a manager. Writes need the
session's ``X-CSRF-Token`` header.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from keepwise.domain.contract.schema import INCIDENT_KIND
from keepwise.domain.scorecard import ACTIONS, LEVELS, SIGNAL_NAMES
from keepwise.storage.appdb import crud
from keepwise.storage.appdb.models import DECISIONS, Incident
from keepwise.web.app import clean
from keepwise.web.deps import DbSession, Manager, Staff, State
from keepwise.web.routes.work import check_customer
from keepwise.web.scoredata import SORTABLE, Filters

router = APIRouter(prefix="/api", tags=["api"])

Action = Literal[ACTIONS]  # type: ignore[valid-type]
Signal = Literal[SIGNAL_NAMES]  # type: ignore[valid-type]
Level = Literal[LEVELS]  # type: ignore[valid-type]
Sort = Literal[SORTABLE]  # type: ignore[valid-type]
IncidentKind = Literal[INCIDENT_KIND]  # type: ignore[valid-type]
DecisionKind = Literal[DECISIONS]  # type: ignore[valid-type]


class IncidentIn(BaseModel):
    """An incident report or unhappy-customer flag."""

    customer_id: str = Field(min_length=1, max_length=128)
    kind: IncidentKind
    severity: int = Field(ge=1, le=3)
    description: str = Field(default="", max_length=500)


class DecisionIn(BaseModel):
    """A manager's decision about a customer, with its reason."""

    decision: DecisionKind
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/me")
def read_me(user: Staff) -> dict[str, Any]:
    """Return the signed-in user and the CSRF token to send with writes."""
    return {"email": user.email, "role": user.role, "csrf_token": user.csrf}


@router.get("/customers/search")
def search_customers(
    state: State,
    user: Staff,
    q: Annotated[str, Query(max_length=100)] = "",
) -> list[dict[str, str]]:
    """Return customers whose id or name matches ``q`` (for the type-ahead; no money)."""
    return state.reader.search(q, state.settings.get_int("web.search_limit"))


@router.get("/customers")
def read_customers(
    state: State,
    user: Manager,
    action: Action | None = None,
    segment: Annotated[str | None, Query(max_length=128)] = None,
    signal: Signal | None = None,
    level: Level | None = None,
    sort: Sort = "profit",
    descending: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Return one page of the newest scorecard and the total matching rows."""
    page = state.reader.page(
        Filters(
            action=action,
            segment=segment,
            signal=signal,
            level=level,
            sort=sort,
            descending=descending,
            limit=limit,
            offset=offset,
        )
    )
    return {
        "run_id": page.run["run_id"] if page.run else None,
        "total": page.total,
        "rows": clean(page.rows),
    }


@router.get("/customers/{customer_id}")
def read_customer(customer_id: str, state: State, user: Manager) -> dict[str, Any]:
    """Return a customer's scorecard, signals, evidence, value items and history."""
    profile: dict[str, Any] = clean(state.reader.profile(customer_id))
    profile["run"] = (
        {k: v for k, v in profile["run"].items() if k != "settings"} if profile["run"] else None
    )
    return profile


@router.get("/business")
def read_business(state: State, user: Manager) -> dict[str, Any]:
    """Return the newest run's business figures: totals, 80/20, whale curve, actions, signs."""
    business = state.reader.business()
    if business is None:
        raise HTTPException(404, "no scorecard run yet; run `keepwise score`")
    business["run"] = {k: v for k, v in business["run"].items() if k != "settings"}
    out: dict[str, Any] = clean(business)
    return out


@router.get("/runs")
def read_runs(state: State, user: Manager) -> list[dict[str, Any]]:
    """Return every scorecard run, newest first."""
    runs: list[dict[str, Any]] = clean(state.reader.list_runs())
    return runs


def _incident(row: Incident) -> dict[str, Any]:
    return clean(
        {
            "id": row.id,
            "customer_id": row.customer_id,
            "kind": row.kind,
            "severity": row.severity,
            "description": row.description,
            "reported_at": row.reported_at,
        }
    )


@router.get("/incidents")
def read_incidents(
    session: DbSession,
    user: Staff,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Return incident reports (staff: their own) and the caller's thank-you count."""
    rows = crud.list_incidents(
        session, reported_by=None if user.sees_money else user.id, limit=limit
    )
    return {
        "thanks": crud.count_incidents(session, reported_by=user.id),
        "incidents": [_incident(r) for r in rows],
    }


@router.post("/incidents", status_code=201)
def create_incident(
    body: IncidentIn, state: State, session: DbSession, user: Staff
) -> dict[str, Any]:
    """Report an incident; it reaches the event store at the next scoring run."""
    customer_id = check_customer(state, body.customer_id)
    row = crud.report_incident(
        session,
        user_id=user.id,
        actor=user.email,
        customer_id=customer_id,
        kind=body.kind,
        severity=body.severity,
        description=body.description,
    )
    return _incident(row)


@router.get("/cases")
def read_cases(
    session: DbSession,
    user: Staff,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Return complaint cases with their steps and which are overdue."""
    overdue = {(s.case_id, s.step) for s, _ in crud.overdue_steps(session, limit=10_000)}
    out = []
    for case in crud.list_cases(session, open_only=open_only):
        steps = crud.case_steps(session, case_id=case.id)
        out.append(
            clean(
                {
                    "id": case.id,
                    "customer_id": case.customer_id,
                    "summary": case.summary,
                    "owner_id": case.owner_id,
                    "opened_at": case.opened_at,
                    "closed_at": case.closed_at,
                    "steps": [
                        {
                            "step": s.step,
                            "due_at": s.due_at,
                            "done_at": s.done_at,
                            "overdue": (case.id, s.step) in overdue,
                        }
                        for s in steps
                    ],
                }
            )
        )
    return out


@router.get("/customers/{customer_id}/decisions")
def read_decisions(customer_id: str, session: DbSession, user: Manager) -> list[dict[str, Any]]:
    """Return a customer's decisions, newest first."""
    return [
        clean(
            {
                "id": d.id,
                "decision": d.decision,
                "reason": d.reason,
                "by": email,
                "at": d.decided_at,
            }
        )
        for d, email in crud.list_decisions(session, customer_id=customer_id)
    ]


@router.post("/customers/{customer_id}/decisions", status_code=201)
def create_decision(
    customer_id: str, body: DecisionIn, state: State, session: DbSession, user: Manager
) -> dict[str, Any]:
    """Record a decision (append-only) and audit it."""
    customer_id = check_customer(state, customer_id)
    row = crud.record_decision(
        session,
        user_id=user.id,
        actor=user.email,
        customer_id=customer_id,
        decision=body.decision,
        reason=body.reason,
    )
    return clean({"id": row.id, "decision": row.decision, "at": row.decided_at})


@router.get("/audit")
def read_audit(
    session: DbSession,
    user: Manager,
    target: Annotated[str | None, Query(max_length=254)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Return audit lines, newest first."""
    return [
        clean(
            {
                "id": a.id,
                "at": a.at,
                "actor": a.actor,
                "action": a.action,
                "target": a.target,
                "detail": a.detail,
            }
        )
        for a in crud.list_audit(session, target=target, limit=limit, offset=offset)
    ]


__all__ = ["router"]
