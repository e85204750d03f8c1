"""Everyday work: incident reports, complaint cases, survey links and decisions."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from keepwise.domain.contract.schema import INCIDENT_KIND, SURVEY_KIND, SURVEY_REASONS
from keepwise.errors import KeepwiseError, NotFoundError
from keepwise.storage.appdb import crud
from keepwise.storage.appdb.models import CASE_STEPS, DECISIONS, SurveyInvitation, utcnow
from keepwise.web.deps import DbSession, Manager, Staff, State
from keepwise.web.security import tokens_match

router = APIRouter(include_in_schema=False)

MESSAGES = {
    "incident": "Thank you — your report is saved and counts in the next scoring run.",
    "case": "Complaint case opened.",
    "step": "Step recorded.",
    "survey": "Survey link created.",
    "decision": "Decision recorded.",
}

OneLine = Annotated[str, Form(max_length=500)]


def _see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def check_customer(state: State, customer_id: str) -> str:
    """Return the trimmed id of a known customer, else raise a clear error."""
    customer_id = customer_id.strip()
    if not customer_id or not state.reader.customer_exists(customer_id):
        raise KeepwiseError(f"no customer {customer_id!r}; pick one from the suggestions")
    return customer_id


def case_due_hours(state: State) -> dict[str, int]:
    """Return each recovery step's due time in hours after opening, from settings."""
    return {step: state.settings.get_int(f"web.case_due_hours_{step}") for step in CASE_STEPS}


# --- incidents ----------------------------------------------------------------------------


@router.get("/incidents")
def incidents(
    request: Request,
    state: State,
    session: DbSession,
    user: Staff,
    kind: Annotated[str, Query(max_length=32)] = "other",
    customer_id: Annotated[str, Query(max_length=128)] = "",
    msg: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """Show the report form and the reports: staff see their own, managers everyone's."""
    rows = crud.list_incidents(session, reported_by=None if user.sees_money else user.id)
    return state.templates.TemplateResponse(
        request,
        "incidents.html",
        {
            "user": user,
            "incidents": rows,
            "thanks": crud.count_incidents(session, reported_by=user.id),
            "kinds": INCIDENT_KIND,
            "kind": kind if kind in INCIDENT_KIND else "other",
            "customer_id": customer_id,
            "message": MESSAGES.get(msg, ""),
        },
    )


@router.post("/incidents")
def report_incident(
    state: State,
    session: DbSession,
    user: Staff,
    customer_id: Annotated[str, Form(max_length=128)],
    kind: Annotated[str, Form(max_length=32)],
    severity: Annotated[int, Form(ge=1, le=3)],
    description: OneLine = "",
) -> Response:
    """Save an incident or unhappy-customer flag; audited."""
    if kind not in INCIDENT_KIND:
        raise KeepwiseError(f"unknown kind {kind!r}")
    customer_id = check_customer(state, customer_id)
    row = crud.report_incident(
        session,
        user_id=user.id,
        actor=user.email,
        customer_id=customer_id,
        kind=kind,
        severity=severity,
        description=description,
    )
    return _see_other(f"/incidents?msg=incident&id={row.id}")


# --- complaint cases ----------------------------------------------------------------------


@router.get("/cases")
def cases(
    request: Request,
    state: State,
    session: DbSession,
    user: Staff,
    customer_id: Annotated[str, Query(max_length=128)] = "",
    msg: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """List complaint cases with overdue steps highlighted, and the form to open one."""
    overdue = crud.overdue_steps(session)
    return state.templates.TemplateResponse(
        request,
        "cases.html",
        {
            "user": user,
            "cases": crud.list_cases(session),
            "overdue_cases": {c.id for _, c in overdue},
            "users": crud.list_users(session),
            "customer_id": customer_id,
            "message": MESSAGES.get(msg, ""),
            "now": utcnow(),
        },
    )


@router.post("/cases")
def open_case(
    state: State,
    session: DbSession,
    user: Staff,
    customer_id: Annotated[str, Form(max_length=128)],
    summary: OneLine,
    owner_id: Annotated[int | None, Form()] = None,
) -> Response:
    """Open a complaint case; the five steps get due times from settings; audited."""
    customer_id = check_customer(state, customer_id)
    owner = crud.get_user(session, user_id=owner_id) if owner_id else None
    if owner_id and (owner is None or not owner.active):
        raise KeepwiseError("unknown owner")
    if not summary.strip():
        raise KeepwiseError("say in one line what the complaint is about")
    case = crud.open_case(
        session,
        customer_id=customer_id,
        summary=summary.strip(),
        owner_id=owner.id if owner else user.id,
        opened_by=user.id,
        due_hours=case_due_hours(state),
    )
    crud.audit(
        session,
        actor=user.email,
        action="case.open",
        target=customer_id,
        detail={"case": case.id, "owner": owner.email if owner else user.email},
    )
    return _see_other(f"/cases/{case.id}?msg=case")


@router.get("/cases/{case_id}")
def case_page(
    request: Request,
    case_id: int,
    state: State,
    session: DbSession,
    user: Staff,
    msg: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """Show a case's five steps with due times, who did each and when."""
    case = crud.get_case(session, case_id=case_id)
    if case is None:
        raise NotFoundError(f"no complaint case {case_id}")
    steps = crud.case_steps(session, case_id=case_id)
    users = {u.id: u.email for u in crud.list_users(session)}
    pending = [s for s in steps if s.done_at is None]
    return state.templates.TemplateResponse(
        request,
        "case.html",
        {
            "user": user,
            "case": case,
            "steps": steps,
            "next_step": pending[0] if pending else None,
            "users": users,
            "now": utcnow(),
            "message": MESSAGES.get(msg, ""),
        },
    )


@router.post("/cases/{case_id}/steps/{step}")
def complete_step(
    case_id: int,
    step: str,
    session: DbSession,
    user: Staff,
    note: OneLine = "",
) -> Response:
    """Record the next recovery step as done; steps go in order; audited."""
    case = crud.get_case(session, case_id=case_id)
    if case is None:
        raise NotFoundError(f"no complaint case {case_id}")
    if step not in CASE_STEPS:
        raise NotFoundError(f"no step {step!r}")
    done = crud.complete_step(session, case_id=case_id, step=step, user_id=user.id, note=note)
    if done is None:
        raise KeepwiseError(f"{step.replace('_', ' ')} is not the next step of this case")
    crud.audit(
        session,
        actor=user.email,
        action="case.step",
        target=case.customer_id,
        detail={"case": case_id, "step": step, "late": done.due_at < (done.done_at or utcnow())},
    )
    return _see_other(f"/cases/{case_id}?msg=step&step={step}")


# --- surveys ------------------------------------------------------------------------------


@router.get("/surveys")
def surveys(
    request: Request,
    state: State,
    session: DbSession,
    user: Manager,
    customer_id: Annotated[str, Query(max_length=128)] = "",
    created: Annotated[str, Query(max_length=64)] = "",
    msg: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """Create personal survey links and see which were answered."""
    return state.templates.TemplateResponse(
        request,
        "surveys.html",
        {
            "user": user,
            "invitations": crud.list_invitations(session),
            "kinds": SURVEY_KIND,
            "customer_id": customer_id,
            "created_inv": crud.get_invitation(session, token=created) if created else None,
            "base": str(request.base_url).rstrip("/"),
            "message": MESSAGES.get(msg, ""),
            "now": utcnow(),
        },
    )


@router.post("/surveys")
def create_survey(
    state: State,
    session: DbSession,
    user: Manager,
    customer_id: Annotated[str, Form(max_length=128)],
    kind: Annotated[str, Form(max_length=16)],
) -> Response:
    """Create an unguessable, expiring survey or exit-interview link; audited."""
    if kind not in SURVEY_KIND:
        raise KeepwiseError(f"unknown survey kind {kind!r}")
    customer_id = check_customer(state, customer_id)
    days = state.settings.get_int("web.survey_link_days")
    inv = crud.create_invitation(
        session,
        customer_id=customer_id,
        kind=kind,
        created_by=user.id,
        lifetime=timedelta(days=days),
    )
    crud.audit(
        session,
        actor=user.email,
        action="survey.invite",
        target=customer_id,
        detail={"invitation": inv.id, "kind": kind},
    )
    return _see_other(f"/surveys?msg=survey&created={inv.token}")


def _open_invitation(session: DbSession, token: str) -> SurveyInvitation:
    inv = crud.get_invitation(session, token=token)
    if inv is None:
        raise NotFoundError("This survey link is not valid.")
    if inv.answered_at is not None or inv.expires_at <= utcnow():
        raise KeepwiseError("This survey link was already answered or has expired. Thank you!")
    return inv


@router.get("/s/{token}")
def survey_form(request: Request, token: str, state: State, session: DbSession) -> Response:
    """Show a survey to the customer behind a personal link (no account needed)."""
    inv = _open_invitation(session, token)
    return state.templates.TemplateResponse(
        request,
        "survey_form.html",
        {
            "user": None,
            "inv": inv,
            "csrf": state.signer.survey_token(token),
            "reasons": SURVEY_REASONS,
            "done": False,
        },
    )


@router.post("/s/{token}")
def answer_survey(
    request: Request,
    token: str,
    state: State,
    session: DbSession,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    score: Annotated[int | None, Form(ge=0, le=10)] = None,
    reasons: Annotated[list[str] | None, Form()] = None,
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Store a survey answer; it reaches the surveys table at the next scoring run."""
    if not tokens_match(state.signer.survey_token(token), csrf_token):
        raise KeepwiseError("The form expired; open the link again.")
    inv = _open_invitation(session, token)
    chosen = [r for r in (reasons or []) if r in SURVEY_REASONS]
    if inv.kind == "csat" and score is not None and not 1 <= score <= 5:
        raise KeepwiseError("choose a score from 1 to 5")
    if inv.kind != "exit" and score is None:
        raise KeepwiseError("choose a score")
    crud.answer_invitation(
        session,
        invitation=inv,
        score=float(score) if score is not None and inv.kind != "exit" else None,
        reasons=chosen if inv.kind == "exit" else [],
        comment=comment.strip(),
    )
    crud.audit(
        session,
        actor="customer",
        action="survey.answer",
        target=inv.customer_id,
        detail={"invitation": inv.id, "kind": inv.kind},
    )
    return state.templates.TemplateResponse(
        request, "survey_form.html", {"user": None, "inv": inv, "done": True}
    )


# --- decisions ----------------------------------------------------------------------------


@router.post("/customers/{customer_id}/decisions")
def record_decision(
    customer_id: str,
    state: State,
    session: DbSession,
    user: Manager,
    decision: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Record a manager's decision with its reason (append-only); audited."""
    if decision not in DECISIONS:
        raise KeepwiseError(f"unknown decision {decision!r}")
    if not reason.strip():
        raise KeepwiseError("give a reason for the decision")
    customer_id = check_customer(state, customer_id)
    row = crud.record_decision(
        session,
        user_id=user.id,
        actor=user.email,
        customer_id=customer_id,
        decision=decision,
        reason=reason,
    )
    return _see_other(f"/customers/{quote(customer_id, safe='')}?msg=decision&id={row.id}")
