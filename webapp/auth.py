"""Who is asking: the signed-in user (a session cookie from /login, or a bearer token for scripts) and the request's
role — the user's, or RISKKARTA_ANONYMOUS_ROLE (default `public`) for requests that are not signed in. The
permission rules themselves live in layers/base.py (`may_see`, `may_see_incident_points`) and on the user
(`User.may_edit`), so services and views apply the same ones.

Writes made with a session cookie need the page's CSRF token (a header or a form field); a bearer token carries no
ambient authority, so its writes need none."""
from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from layers.base import may_see_incident_points
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.services import accounts
from webapp.services.accounts import tokens

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
csrf = CSRFProtect()


class SignedIn(UserMixin):
    """Flask-Login's view of an account."""

    def __init__(self, user: accounts.User, via: str) -> None:
        self.user = user
        self.via = via  # "session" or "token"

    def get_id(self) -> str:
        return str(self.user.id)

    @property
    def is_active(self) -> bool:
        return self.user.active


class Anonymous(AnonymousUserMixin):
    user = None
    via = None


def current_account() -> accounts.User | None:
    """The signed-in user of this request, or None."""
    return current_user.user if current_user.is_authenticated else None


def current_role() -> str:
    """The request's role: the signed-in user's, else the configured anonymous role."""
    if "role" not in g:
        account = current_account()
        g.role = account.role if account else current_app.extensions["riskkarta.settings"].anonymous_role
    return g.role


def can_see_incident_points(role: str | None = None) -> bool:
    return may_see_incident_points(role or current_role())


def _load_session_user(user_id: str):
    user = accounts.get_user(get_session(), int(user_id)) if user_id.isascii() and user_id.isdigit() else None
    return SignedIn(user, "session") if user is not None and user.active else None


def _load_token_user(req):
    header = req.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(401, "unauthorized", "Unauthorized", "Send a token as `Authorization: Bearer …`.")
    user = tokens.user_for_token(get_session(), token.strip())
    if user is None:
        raise ProblemError(401, "unauthorized", "Unauthorized", "The token is unknown or revoked.")
    return SignedIn(user, "token")


def init_app(app: Flask) -> None:
    """Sessions (Flask-Login), bearer tokens, and CSRF on every write made with a session cookie."""
    settings = app.extensions["riskkarta.settings"]
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.secure_cookies, REMEMBER_COOKIE_HTTPONLY=True,
                      REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=settings.secure_cookies,
                      WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None)
    manager = LoginManager(app)
    manager.anonymous_user = Anonymous
    manager.session_protection = "strong"
    manager.user_loader(_load_session_user)
    manager.request_loader(_load_token_user)
    csrf.init_app(app)

    @app.before_request
    def _token_before_session():
        """A request that sends a bearer token is that token's user, even beside a session cookie (whose strong
        session protection would otherwise turn a cookie without a user into an anonymous request)."""
        if request.headers.get("Authorization"):
            g._login_user = _load_token_user(request)

    @app.before_request
    def _csrf_for_session_writes():
        if request.method in WRITES and current_user.is_authenticated and current_user.via == "session":
            csrf.protect()
