"""Logging in and out."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from keepwise.application.users import authenticate
from keepwise.storage.appdb import crud
from keepwise.web.deps import DbSession, MaybeUser, State
from keepwise.web.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, tokens_match

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Return a local path to go to after login (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(
    request: Request, state: State, *, next_url: str, error: str = "", status: int = 200
) -> Response:
    cookie, token = state.signer.new_login_token()
    response = state.templates.TemplateResponse(
        request,
        "login.html",
        {"user": None, "csrf": token, "next": next_url, "error": error},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=state.config.secure_cookies,
    )
    return response


@router.get("/login")
def login_form(request: Request, state: State, user: MaybeUser, next: str = "/") -> Response:
    """Show the login form (or go on when already signed in)."""
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, state, next_url=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    state: State,
    session: DbSession,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password, start a session and set the signed cookie."""
    next_url = _safe_next(next)
    if not state.signer.check_login_token(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return _login_page(
            request, state, next_url=next_url, error="The form expired; try again.", status=403
        )
    result = authenticate(session, email=email, password=password, settings=state.settings)
    if result.user is None:
        return _login_page(request, state, next_url=next_url, error=result.reason, status=401)
    hours = state.settings.get_int("web.session_hours")
    login_session = crud.create_login_session(
        session, user_id=result.user.id, lifetime=timedelta(hours=hours)
    )
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        state.signer.session_cookie(login_session.id),
        max_age=hours * 3600,
        httponly=True,
        samesite="lax",
        secure=state.config.secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, state: State, user: MaybeUser) -> Response:
    """End the session (CSRF-checked) and clear the cookie."""
    if user is not None:
        form = await request.form()
        given = form.get("csrf_token")
        if tokens_match(user.csrf, given if isinstance(given, str) else None):
            with state.db.session() as session:
                crud.end_login_session(session, session_id=user.session_id)
                crud.audit(session, actor=user.email, action="logout", target=user.email)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
