"""The team app: ``create_app(config)`` builds the FastAPI application for one workspace.

Server-rendered Jinja2 pages for people, a JSON API under ``/api/`` (OpenAPI at
``/openapi.json``), static files served locally. App state lives in SQLAlchemy (SQLite or
PostgreSQL, migrated on start); scorecards are read from the workspace DuckDB read-only, per
request.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from keepwise import __version__
from keepwise.errors import KeepwiseError, NotFoundError
from keepwise.storage.appdb import AppDB, crud
from keepwise.storage.appdb import database_url as resolve_url
from keepwise.storage.workspace import Workspace
from keepwise.web.deps import AppConfig, Forbidden, LoginRequired, WebState
from keepwise.web.scoredata import ScoreReader, WorkspaceBusy
from keepwise.web.security import SecurityHeaders, Signer

HERE = Path(__file__).parent


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def money(value: Any, digits: int = 0) -> str:
    """Format an amount with thousands separators ('–' when missing)."""
    if value is None:
        return "–"
    number = float(value)
    if math.isnan(number):
        return "–"
    return f"{number:,.{digits}f}"


def pct(value: Any, digits: int = 0) -> str:
    """Format a share (0.25) as a percentage ('25%')."""
    if value is None:
        return "–"
    number = float(value)
    if math.isnan(number):
        return "–"
    return f"{100 * number:.{digits}f}%"


def when(value: Any) -> str:
    """Format a date or timestamp to the minute."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def as_list(value: Any) -> list[str]:
    """Return reasons stored as a list, a JSON list or ``;``/newline-separated text as a list."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(v) for v in parsed]
    parts = [p.strip() for p in text.replace("\n", ";").split(";")]
    return [p for p in parts if p]


def clean(value: Any) -> Any:
    """Return ``value`` with NaN/inf as None and decimals as floats, ready for JSON."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def make_templates() -> Jinja2Templates:
    """Return the Jinja2 environment with autoescaping and the formatting filters."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.autoescape = True
    env.filters.update(money=money, pct=pct, when=when, as_list=as_list)
    env.globals["version"] = __version__
    return templates


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    state: WebState = request.app.state.keepwise
    user = getattr(request.state, "principal", None)
    return state.templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "error_message": message, "user": user},
        status_code=status,
    )


def _install_handlers(app: FastAPI) -> None:
    async def login_required(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "Log in first."}, status_code=401)
        target = request.url.path
        return RedirectResponse(f"/login?next={target}", status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        message = exc.message if isinstance(exc, Forbidden) else "Forbidden"
        return _error(request, 403, message)

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(request, 404, str(exc) or "Not found.")

    async def busy(request: Request, exc: Exception) -> Response:
        response = _error(request, 503, str(exc))
        response.headers["Retry-After"] = "2"
        return response

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else "Request refused."
        return _error(request, exc.status_code, detail)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _is_api(request):
            errors = [
                {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))}
                for e in exc.errors()
            ]
            return JSONResponse({"detail": errors}, status_code=422)
        fields = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
        return _error(request, 400, f"Please check these fields: {fields}.")

    async def refused(request: Request, exc: Exception) -> Response:
        return _error(request, 400, str(exc))

    app.add_exception_handler(KeepwiseError, refused)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(NotFoundError, not_found)
    app.add_exception_handler(WorkspaceBusy, busy)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)


def create_app(config: AppConfig) -> FastAPI:
    """Build the app for one workspace: migrate the app database, wire routes and security.

    Parameters
    ----------
    config
        The workspace folder, the app database URL (None: settings/environment/SQLite file)
        and whether cookies need HTTPS.
    """
    from keepwise.web.routes import admin, api, auth, pages, work

    ws = Workspace.open(config.workspace)
    settings = ws.settings
    db = AppDB(resolve_url(ws, config.database_url))
    with db.session() as session:
        secret = crud.secret_key(session)
    state = WebState(
        config=config,
        ws=ws,
        settings=settings,
        db=db,
        reader=ScoreReader(ws),
        signer=Signer(secret),
        templates=make_templates(),
    )
    app = FastAPI(
        title="keepwise",
        version=__version__,
        description="Scorecards, incidents, complaint cases, surveys and decisions of one "
        "keepwise workspace. Log in at /login; state-changing calls need the session's "
        "X-CSRF-Token header (GET /api/me returns it).",
        docs_url=None,
        redoc_url=None,
    )
    app.state.keepwise = state
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _install_handlers(app)
    for module in (auth, pages, work, admin, api):
        app.include_router(module.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


__all__ = ["AppConfig", "create_app"]
