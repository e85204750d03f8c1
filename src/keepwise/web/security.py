"""Sessions, CSRF and response headers of the team app.

The session cookie carries only a signed random session id (itsdangerous); the session row in
the app database holds the user and a per-session CSRF token that every form and every
state-changing API call must echo. Before login, a signed double-submit cookie protects the
login form; survey forms carry a token derived from their unguessable link.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from hashlib import sha256

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "keepwise_session"
LOGIN_CSRF_COOKIE = "keepwise_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class Signer:
    """Signs and checks the values the app puts in cookies and hidden fields."""

    def __init__(self, secret: str):
        self._secret = secret.encode()
        self._session = URLSafeSerializer(secret, salt="keepwise-session")
        self._login = URLSafeSerializer(secret, salt="keepwise-login-csrf")

    def session_cookie(self, session_id: str) -> str:
        """Return the signed cookie value for ``session_id``."""
        return self._session.dumps(session_id)

    def session_id(self, cookie: str | None) -> str | None:
        """Return the session id from a cookie value, or None when absent or forged."""
        if not cookie:
            return None
        try:
            value = self._session.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def new_login_token(self) -> tuple[str, str]:
        """Return ``(cookie value, form value)`` for a login form (signed double submit)."""
        token = secrets.token_urlsafe(24)
        return self._login.dumps(token), token

    def check_login_token(self, cookie: str | None, form_value: str | None) -> bool:
        """Return whether the login form's token matches its signed cookie."""
        if not cookie or not form_value:
            return False
        try:
            value = self._login.loads(cookie)
        except BadSignature:
            return False
        return isinstance(value, str) and hmac.compare_digest(value, form_value)

    def survey_token(self, link_token: str) -> str:
        """Return the CSRF token of the survey form behind ``link_token``."""
        return hmac.new(self._secret, b"survey:" + link_token.encode(), sha256).hexdigest()


def tokens_match(expected: str, given: str | None) -> bool:
    """Compare a CSRF token in constant time."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


class SecurityHeaders(BaseHTTPMiddleware):
    """Add CSP, frame, sniffing and referrer headers to every response; no caching of pages."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Pass the request on and decorate the response."""
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
