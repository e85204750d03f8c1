"""Shared request dependencies: the app state, the signed-in user and role checks.

Routes declare what they need with the ``Annotated`` aliases below (``Staff``, ``Manager``,
``Admin``, ``DbSession``), so roles are enforced on the server for every page and API call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from keepwise.settings import Settings
from keepwise.storage.appdb import AppDB, crud
from keepwise.storage.appdb.models import ROLES
from keepwise.storage.workspace import Workspace
from keepwise.web.scoredata import ScoreReader
from keepwise.web.security import CSRF_HEADER, SESSION_COOKIE, Signer, tokens_match


@dataclass(frozen=True)
class AppConfig:
    """How to run the app: the workspace, the app database URL and cookie flags."""

    workspace: Path
    database_url: str | None = None
    secure_cookies: bool = False


@dataclass
class WebState:
    """Everything a request may need, built once by ``create_app``."""

    config: AppConfig
    ws: Workspace
    settings: Settings
    db: AppDB
    reader: ScoreReader
    signer: Signer
    templates: Jinja2Templates
    cache: dict[Any, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Principal:
    """The signed-in user of one request."""

    id: int
    email: str
    role: str
    session_id: str
    csrf: str

    def at_least(self, role: str) -> bool:
        """Return whether this user's role includes ``role`` (admin > manager > staff)."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def sees_money(self) -> bool:
        """Return whether profit, CLV and cost figures may be shown to this user."""
        return self.at_least("manager")


class LoginRequired(Exception):
    """The route needs a signed-in user and there is none."""


class Forbidden(Exception):
    """The signed-in user's role may not use this route, or the CSRF token is wrong."""

    def __init__(self, message: str = "You do not have access to this page."):
        super().__init__(message)
        self.message = message


def get_state(request: Request) -> WebState:
    """Return the app's state."""
    state: WebState = request.app.state.keepwise
    return state


State = Annotated[WebState, Depends(get_state)]


def get_db(state: State) -> Iterator[Session]:
    """Yield an app-database session committed when the route returns normally."""
    with state.db.session() as session:
        yield session


DbSession = Annotated[Session, Depends(get_db, scope="function")]


def optional_user(request: Request, state: State) -> Principal | None:
    """Return the signed-in user, or None for anonymous requests and expired sessions."""
    if hasattr(request.state, "principal"):
        known: Principal | None = request.state.principal
        return known
    principal: Principal | None = None
    session_id = state.signer.session_id(request.cookies.get(SESSION_COOKIE))
    if session_id is not None:
        with state.db.session() as session:
            login = crud.get_login_session(session, session_id=session_id)
            user = crud.get_user(session, user_id=login.user_id) if login else None
            if login is not None and user is not None and user.active:
                principal = Principal(user.id, user.email, user.role, login.id, login.csrf_token)
    request.state.principal = principal
    return principal


MaybeUser = Annotated[Principal | None, Depends(optional_user)]


def require(role: str) -> Callable[..., Awaitable[Principal]]:
    """Return a dependency that admits users of ``role`` or higher, checking CSRF on writes.

    Unsafe methods (POST...) must carry the session's CSRF token in the ``csrf_token`` form
    field or the ``X-CSRF-Token`` header.
    """

    async def dependency(request: Request, user: MaybeUser) -> Principal:
        if user is None:
            raise LoginRequired()
        if not user.at_least(role):
            raise Forbidden()
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            given = request.headers.get(CSRF_HEADER)
            if given is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                form = await request.form()
                value = form.get("csrf_token")
                given = value if isinstance(value, str) else None
            if not tokens_match(user.csrf, given):
                raise Forbidden("The form expired or did not come from this site; reload it.")
        return user

    dependency.__name__ = f"require_{role}"
    return dependency


Staff = Annotated[Principal, Depends(require("staff"))]
Manager = Annotated[Principal, Depends(require("manager"))]
Admin = Annotated[Principal, Depends(require("admin"))]
