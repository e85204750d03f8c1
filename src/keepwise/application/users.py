"""Users of the team app: Argon2id password hashing, adding users, logging in with lock-out.

Passwords are never stored, logged or returned; only Argon2id hashes are kept. After
``web.lockout_failures`` wrong passwords in a row an account is locked for
``web.lockout_minutes``; every login attempt and user change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from keepwise.errors import KeepwiseError
from keepwise.settings import Settings
from keepwise.storage.appdb import crud
from keepwise.storage.appdb.models import ROLES, User, utcnow

MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()  # argon2-cffi's defaults are Argon2id with RFC 9106 low-memory params
_DUMMY_HASH = _HASHER.hash("keepwise-timing-equaliser")


class UserError(KeepwiseError, ValueError):
    """A user cannot be added or changed as asked (bad role, weak password, duplicate)."""


def hash_password(password: str) -> str:
    """Return the Argon2id hash of ``password``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash``."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def add_user(session: Session, *, email: str, password: str, role: str, actor: str) -> User:
    """Add a user after checking the role, the e-mail and the password length; audited."""
    email = email.strip()
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise UserError(f"{email!r} is not an e-mail address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if crud.get_user_by_email(session, email=email) is not None:
        raise UserError(f"a user {email!r} exists already")
    user = crud.create_user(session, email=email, password_hash=hash_password(password), role=role)
    crud.audit(session, actor=actor, action="user.add", target=email, detail={"role": role})
    return user


def set_role(session: Session, *, user: User, role: str, actor: str) -> None:
    """Change a user's role; audited."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    old = user.role
    user.role = role
    detail = {"from": old, "to": role}
    crud.audit(session, actor=actor, action="user.role", target=user.email, detail=detail)


def set_active(session: Session, *, user: User, active: bool, actor: str) -> None:
    """Enable or disable a user; audited."""
    user.active = active
    action = "user.enable" if active else "user.disable"
    crud.audit(session, actor=actor, action=action, target=user.email)


@dataclass(frozen=True)
class LoginResult:
    """Outcome of a login attempt: the user on success, else a reason safe to show."""

    user: User | None
    reason: str = ""


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    settings: Settings,
    now: datetime | None = None,
) -> LoginResult:
    """Check a login, count failures, lock after too many; audit the attempt (never the password).

    The same message is returned for an unknown e-mail and a wrong password, and a dummy hash
    is verified for unknown e-mails so timing does not reveal which accounts exist.
    """
    now = now or utcnow()
    generic = "Wrong e-mail or password."
    user = crud.get_user_by_email(session, email=email.strip())
    if user is None:
        verify_password(_DUMMY_HASH, password)
        crud.audit(session, actor=email.strip()[:254], action="login.fail", target="unknown user")
        return LoginResult(None, generic)
    if user.locked_until is not None and user.locked_until > now:
        crud.audit(session, actor=user.email, action="login.locked", target=user.email)
        return LoginResult(None, "This account is locked after too many failed logins; try later.")
    if not user.active or not verify_password(user.password_hash, password):
        user.failed_logins += 1
        detail: dict[str, object] = {"failures": user.failed_logins}
        if user.failed_logins >= settings.get_int("web.lockout_failures"):
            user.locked_until = now + timedelta(minutes=settings.get_int("web.lockout_minutes"))
            user.failed_logins = 0
            detail["locked_until"] = user.locked_until
        crud.audit(session, actor=user.email, action="login.fail", target=user.email, detail=detail)
        return LoginResult(None, generic)
    user.failed_logins = 0
    user.locked_until = None
    crud.audit(session, actor=user.email, action="login", target=user.email)
    return LoginResult(user)


__all__ = [
    "LoginResult",
    "UserError",
    "add_user",
    "authenticate",
    "hash_password",
    "set_active",
    "set_role",
    "verify_password",
]
