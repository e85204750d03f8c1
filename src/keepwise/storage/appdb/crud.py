"""Keyword-only reads and writes of the app-state tables, each taking an open session.

The append-only tables (``audit_log``, ``decisions``) only ever get INSERTs here.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from keepwise.storage.appdb.models import (
    CASE_STEPS,
    AppMeta,
    AuditEntry,
    CaseStep,
    ComplaintCase,
    Decision,
    Incident,
    LoginSession,
    SurveyAnswer,
    SurveyInvitation,
    User,
    utcnow,
)

# --- installation facts -------------------------------------------------------------------


def secret_key(session: Session) -> str:
    """Return the installation's cookie-signing secret, creating it on first use."""
    row = session.get(AppMeta, "secret_key")
    if row is None:
        row = AppMeta(key="secret_key", value=secrets.token_urlsafe(48))
        session.add(row)
        session.flush()
    return row.value


# --- users and sessions -------------------------------------------------------------------


def create_user(session: Session, *, email: str, password_hash: str, role: str) -> User:
    """Insert a user (the caller hashes the password and checks the role)."""
    user = User(email=email, password_hash=password_hash, role=role, active=True, failed_logins=0)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, *, user_id: int) -> User | None:
    """Return the user with ``user_id`` or None."""
    return session.get(User, user_id)


def get_user_by_email(session: Session, *, email: str) -> User | None:
    """Return the user with ``email`` (case-insensitive) or None."""
    return session.scalars(select(User).where(func.lower(User.email) == email.lower())).first()


def list_users(session: Session) -> Sequence[User]:
    """Return every user, by e-mail."""
    return session.scalars(select(User).order_by(User.email)).all()


def create_login_session(
    session: Session, *, user_id: int, lifetime: timedelta, now: datetime | None = None
) -> LoginSession:
    """Start a login session with a fresh random id and CSRF token; forget expired ones."""
    now = now or utcnow()
    session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    row = LoginSession(
        id=secrets.token_urlsafe(32),
        user_id=user_id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    return row


def get_login_session(
    session: Session, *, session_id: str, now: datetime | None = None
) -> LoginSession | None:
    """Return an unexpired login session or None."""
    row = session.get(LoginSession, session_id)
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return row


def end_login_session(session: Session, *, session_id: str) -> None:
    """Forget a login session (logout)."""
    row = session.get(LoginSession, session_id)
    if row is not None:
        session.delete(row)


# --- incidents ----------------------------------------------------------------------------


def add_incident(
    session: Session,
    *,
    customer_id: str,
    kind: str,
    severity: int,
    description: str,
    reported_by: int,
    reported_at: datetime | None = None,
) -> Incident:
    """Record an incident report or an unhappy-customer flag."""
    row = Incident(
        customer_id=customer_id,
        kind=kind,
        severity=severity,
        description=description,
        reported_by=reported_by,
        reported_at=reported_at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def report_incident(
    session: Session,
    *,
    user_id: int,
    actor: str,
    customer_id: str,
    kind: str,
    severity: int,
    description: str,
) -> Incident:
    """Record a staff member's incident report (or unhappy flag) and audit it, in one session."""
    row = add_incident(
        session,
        customer_id=customer_id,
        kind=kind,
        severity=severity,
        description=description.strip(),
        reported_by=user_id,
    )
    audit(
        session,
        actor=actor,
        action="incident.report",
        target=customer_id,
        detail={"incident": row.id, "kind": kind, "severity": severity},
    )
    return row


def list_incidents(
    session: Session,
    *,
    reported_by: int | None = None,
    customer_id: str | None = None,
    limit: int = 100,
) -> Sequence[Incident]:
    """Return incidents, newest first, optionally of one reporter or one customer."""
    stmt = select(Incident).order_by(Incident.reported_at.desc(), Incident.id.desc())
    if reported_by is not None:
        stmt = stmt.where(Incident.reported_by == reported_by)
    if customer_id is not None:
        stmt = stmt.where(Incident.customer_id == customer_id)
    return session.scalars(stmt.limit(limit)).all()


def count_incidents(session: Session, *, reported_by: int) -> int:
    """Return how many reports a user has made (the thank-you count)."""
    stmt = select(func.count()).select_from(Incident).where(Incident.reported_by == reported_by)
    return int(session.scalar(stmt) or 0)


def all_incidents(session: Session) -> Sequence[tuple[Incident, str]]:
    """Return every incident with its reporter's e-mail (for syncing into the event store)."""
    stmt = select(Incident, User.email).join(User, User.id == Incident.reported_by)
    return [(i, e) for i, e in session.execute(stmt.order_by(Incident.id)).tuples()]


# --- complaint cases ----------------------------------------------------------------------


def open_case(
    session: Session,
    *,
    customer_id: str,
    summary: str,
    owner_id: int,
    opened_by: int,
    due_hours: Mapping[str, int],
    now: datetime | None = None,
) -> ComplaintCase:
    """Open a complaint case with its five recovery steps, each due ``due_hours[step]`` later."""
    now = now or utcnow()
    case = ComplaintCase(
        customer_id=customer_id,
        summary=summary,
        owner_id=owner_id,
        opened_by=opened_by,
        opened_at=now,
    )
    session.add(case)
    session.flush()
    for position, step in enumerate(CASE_STEPS, start=1):
        session.add(
            CaseStep(
                case_id=case.id,
                step=step,
                position=position,
                due_at=now + timedelta(hours=due_hours[step]),
                note="",
            )
        )
    session.flush()
    return case


def get_case(session: Session, *, case_id: int) -> ComplaintCase | None:
    """Return one case or None."""
    return session.get(ComplaintCase, case_id)


def case_steps(session: Session, *, case_id: int) -> Sequence[CaseStep]:
    """Return the steps of a case in recovery order."""
    stmt = select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.position)
    return session.scalars(stmt).all()


def list_cases(
    session: Session, *, open_only: bool = False, customer_id: str | None = None, limit: int = 200
) -> Sequence[ComplaintCase]:
    """Return cases, newest first."""
    stmt = select(ComplaintCase).order_by(ComplaintCase.opened_at.desc(), ComplaintCase.id.desc())
    if open_only:
        stmt = stmt.where(ComplaintCase.closed_at.is_(None))
    if customer_id is not None:
        stmt = stmt.where(ComplaintCase.customer_id == customer_id)
    return session.scalars(stmt.limit(limit)).all()


def complete_step(
    session: Session,
    *,
    case_id: int,
    step: str,
    user_id: int,
    note: str,
    now: datetime | None = None,
) -> CaseStep | None:
    """Mark the next open step done; return None when ``step`` is not the next one.

    Steps are done in order; the case closes when the last (follow up) is done.
    """
    now = now or utcnow()
    pending = [s for s in case_steps(session, case_id=case_id) if s.done_at is None]
    if not pending or pending[0].step != step:
        return None
    current = pending[0]
    current.done_at = now
    current.done_by = user_id
    current.note = note
    if len(pending) == 1:
        case = session.get(ComplaintCase, case_id)
        if case is not None:
            case.closed_at = now
    session.flush()
    return current


def overdue_steps(
    session: Session, *, now: datetime | None = None, limit: int = 200
) -> Sequence[tuple[CaseStep, ComplaintCase]]:
    """Return open steps past their due time with their case, most overdue first."""
    now = now or utcnow()
    stmt = (
        select(CaseStep, ComplaintCase)
        .join(ComplaintCase, ComplaintCase.id == CaseStep.case_id)
        .where(CaseStep.done_at.is_(None), CaseStep.due_at < now)
        .order_by(CaseStep.due_at)
        .limit(limit)
    )
    return [(s, c) for s, c in session.execute(stmt).tuples()]


# --- surveys ------------------------------------------------------------------------------


def create_invitation(
    session: Session,
    *,
    customer_id: str,
    kind: str,
    created_by: int,
    lifetime: timedelta,
    now: datetime | None = None,
) -> SurveyInvitation:
    """Create a personal survey link with an unguessable token."""
    now = now or utcnow()
    row = SurveyInvitation(
        token=secrets.token_urlsafe(24),
        customer_id=customer_id,
        kind=kind,
        created_by=created_by,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    return row


def get_invitation(session: Session, *, token: str) -> SurveyInvitation | None:
    """Return the invitation of ``token`` or None."""
    return session.scalars(select(SurveyInvitation).where(SurveyInvitation.token == token)).first()


def list_invitations(session: Session, *, limit: int = 200) -> Sequence[SurveyInvitation]:
    """Return invitations, newest first."""
    stmt = select(SurveyInvitation).order_by(SurveyInvitation.id.desc()).limit(limit)
    return session.scalars(stmt).all()


def answer_invitation(
    session: Session,
    *,
    invitation: SurveyInvitation,
    score: float | None,
    reasons: Sequence[str],
    comment: str,
    now: datetime | None = None,
) -> SurveyAnswer:
    """Store the answer to an invitation and mark it answered."""
    now = now or utcnow()
    invitation.answered_at = now
    row = SurveyAnswer(
        invitation_id=invitation.id,
        customer_id=invitation.customer_id,
        kind=invitation.kind,
        submitted_at=now,
        score=score,
        reasons=";".join(reasons),
        comment=comment,
    )
    session.add(row)
    session.flush()
    return row


def all_answers(session: Session) -> Sequence[SurveyAnswer]:
    """Return every survey answer (for syncing into the event store)."""
    return session.scalars(select(SurveyAnswer).order_by(SurveyAnswer.id)).all()


# --- decisions and audit ------------------------------------------------------------------


def add_decision(
    session: Session, *, customer_id: str, decision: str, reason: str, decided_by: int
) -> Decision:
    """Append a decision about a customer."""
    row = Decision(customer_id=customer_id, decision=decision, reason=reason, decided_by=decided_by)
    session.add(row)
    session.flush()
    return row


def record_decision(
    session: Session, *, user_id: int, actor: str, customer_id: str, decision: str, reason: str
) -> Decision:
    """Append a manager's decision about a customer and audit it, in one session."""
    row = add_decision(
        session,
        customer_id=customer_id,
        decision=decision,
        reason=reason.strip(),
        decided_by=user_id,
    )
    audit(
        session,
        actor=actor,
        action="decision",
        target=customer_id,
        detail={"decision": decision, "reason": reason.strip(), "id": row.id},
    )
    return row


def list_decisions(session: Session, *, customer_id: str) -> Sequence[tuple[Decision, str]]:
    """Return a customer's decisions, newest first, with the deciding user's e-mail."""
    stmt = (
        select(Decision, User.email)
        .join(User, User.id == Decision.decided_by)
        .where(Decision.customer_id == customer_id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
    )
    return [(d, e) for d, e in session.execute(stmt).tuples()]


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str = "",
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit line: who (``actor``), what (``action``), to what, and details."""
    row = AuditEntry(
        at=utcnow(),
        actor=actor,
        action=action,
        target=target,
        detail=json.dumps(dict(detail or {}), default=str, sort_keys=True),
    )
    session.add(row)
    session.flush()
    return row


def list_audit(
    session: Session, *, target: str | None = None, limit: int = 100, offset: int = 0
) -> Sequence[AuditEntry]:
    """Return audit lines, newest first, optionally about one target."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if target is not None:
        stmt = stmt.where(AuditEntry.target == target)
    return session.scalars(stmt.limit(limit).offset(offset)).all()
