"""Administration: users and roles, the effective settings, and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from keepwise.application.users import UserError, add_user, set_active, set_role
from keepwise.errors import KeepwiseError, NotFoundError, SettingsError
from keepwise.settings import render_settings_toml
from keepwise.storage.appdb import crud
from keepwise.storage.appdb.models import ROLES
from keepwise.web.deps import Admin, DbSession, Manager, State

router = APIRouter(include_in_schema=False)
AUDIT_PAGE = 100


@router.get("/admin/users")
def users(
    request: Request,
    state: State,
    session: DbSession,
    user: Admin,
    msg: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """List users with their roles; forms to add, change and disable."""
    return state.templates.TemplateResponse(
        request,
        "users.html",
        {
            "user": user,
            "users": crud.list_users(session),
            "roles": ROLES,
            "message": "Saved." if msg == "saved" else "",
        },
    )


@router.post("/admin/users")
def create_user(
    session: DbSession,
    user: Admin,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[str, Form(max_length=16)],
) -> Response:
    """Add a user (audited; the password is hashed and never stored or logged)."""
    try:
        add_user(session, email=email, password=password, role=role, actor=user.email)
    except UserError as exc:
        raise KeepwiseError(str(exc)) from exc
    return RedirectResponse("/admin/users?msg=saved", status_code=303)


@router.post("/admin/users/{user_id}")
def change_user(
    user_id: int,
    session: DbSession,
    user: Admin,
    role: Annotated[str, Form(max_length=16)],
    active: Annotated[bool, Form()] = False,
) -> Response:
    """Change a user's role or disable them (audited); admins cannot lock themselves out."""
    target = crud.get_user(session, user_id=user_id)
    if target is None:
        raise NotFoundError(f"no user {user_id}")
    if target.id == user.id and (role != "admin" or not active):
        raise KeepwiseError("you cannot remove your own admin access")
    if role != target.role:
        set_role(session, user=target, role=role, actor=user.email)
    if active != target.active:
        set_active(session, user=target, active=active, actor=user.email)
    return RedirectResponse("/admin/users?msg=saved", status_code=303)


def parse_setting(kind: type, text: str) -> Any:
    """Turn the text of a settings form field into a value of the setting's type."""
    text = text.strip()
    if kind is bool:
        if text.lower() not in ("true", "false"):
            raise KeepwiseError("type true or false")
        return text.lower() == "true"
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise KeepwiseError(f"{text!r} is not a whole number") from None
    if kind is float:
        try:
            return float(text)
        except ValueError:
            raise KeepwiseError(f"{text!r} is not a number") from None
    if kind is list:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


@router.post("/admin/settings")
def change_setting(
    state: State,
    session: DbSession,
    user: Admin,
    key: Annotated[str, Form(max_length=128)],
    value: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Change one setting in ``keepwise.toml`` (validated, written atomically, audited)."""
    known = {s.key: s for s in state.settings.registry()}
    if key not in known:
        raise NotFoundError(f"no setting {key!r}")
    old = state.settings[key]
    try:
        updated = state.settings.with_overrides({key: parse_setting(known[key].kind, value)})
    except SettingsError as exc:
        raise KeepwiseError(str(exc)) from exc
    path = state.ws.settings_path
    tmp = path.with_name(path.name + ".writing")
    chosen = {k: v for k, v in updated.as_dict().items() if v != known[k].default}
    tmp.write_text(render_settings_toml(updated.registry(), chosen), encoding="utf-8")
    tmp.replace(path)
    state.settings = updated
    crud.audit(
        session,
        actor=user.email,
        action="setting.change",
        target=key,
        detail={"from": old, "to": updated[key]},
    )
    return RedirectResponse("/admin/settings?msg=saved", status_code=303)


@router.get("/admin/settings")
def settings_page(
    request: Request,
    state: State,
    user: Admin,
    msg: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """Show every effective setting with its default and justification."""
    rows = [
        {
            "key": s.key,
            "value": state.settings[s.key],
            "text": ", ".join(v) if isinstance(v := state.settings[s.key], list) else str(v),
            "default": s.default,
            "help": s.help,
        }
        for s in state.settings.registry()
    ]
    return state.templates.TemplateResponse(
        request,
        "settings.html",
        {
            "user": user,
            "rows": rows,
            "path": str(state.ws.settings_path),
            "message": "Saved; the next scoring run uses it." if msg == "saved" else "",
        },
    )


@router.get("/audit")
def audit_page(
    request: Request,
    state: State,
    session: DbSession,
    user: Manager,
    target: Annotated[str | None, Query(max_length=254)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Show the append-only audit log, newest first."""
    rows = crud.list_audit(
        session, target=target or None, limit=AUDIT_PAGE, offset=(page - 1) * AUDIT_PAGE
    )
    return state.templates.TemplateResponse(
        request,
        "audit.html",
        {"user": user, "rows": rows, "page": page, "target": target or "", "size": AUDIT_PAGE},
    )
