"""Sign-in through the city's identity provider over OpenID Connect (Authlib; authorization code with PKCE). The
role and the districts come from the provider's claims or groups, at every sign-in."""
from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import current_app, redirect, session, url_for
from flask_login import login_user

from webapp.auth import SignedIn
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.pages import bp
from webapp.services import accounts


def init_app(app) -> None:
    """The identity provider's client of this app (one per app: two apps in a process may differ)."""
    settings = app.extensions["riskkarta.settings"]
    oauth = app.extensions["riskkarta.oauth"] = OAuth(app)
    if settings.oidc_metadata_url:
        oauth.register("city", server_metadata_url=settings.oidc_metadata_url, client_id=settings.oidc_client_id,
                       client_secret=settings.oidc_client_secret,
                       client_kwargs={"scope": "openid email profile riskkarta", "code_challenge_method": "S256"})


def _client():
    client = current_app.extensions["riskkarta.oauth"].create_client("city")
    if client is None:
        raise ProblemError(404, "not-found", "No identity provider",
                           "Sign-in through an identity provider is not configured here; use /login.")
    return client


@bp.get("/auth/login")
def oidc_login():
    return _client().authorize_redirect(url_for("pages.oidc_callback", _external=True))


def _role_and_districts(claims: dict, settings) -> tuple[str | None, tuple[str, ...]]:
    groups = claims.get(settings.oidc_groups_claim) or []
    groups = [g for g in groups if isinstance(g, str)] if isinstance(groups, list) else []
    role = claims.get(settings.oidc_role_claim)
    if role not in accounts.ROLES:
        role = next((g.removeprefix(settings.oidc_role_group_prefix) for g in groups
                     if g.startswith(settings.oidc_role_group_prefix)
                     and g.removeprefix(settings.oidc_role_group_prefix) in accounts.ROLES), None)
    districts = tuple(g.removeprefix(settings.oidc_district_group_prefix) for g in groups
                      if g.startswith(settings.oidc_district_group_prefix))
    return role, districts


@bp.get("/auth/callback")
def oidc_callback():
    client = _client()
    try:
        token = client.authorize_access_token()
    except Exception as exc:  # a refused or forged answer from the provider: the person simply is not signed in
        raise ProblemError(401, "sign-in-failed", "Sign-in failed", f"The identity provider's answer was refused "
                           f"({type(exc).__name__}).") from None
    claims = token.get("userinfo") or client.userinfo(token=token)
    role, districts = _role_and_districts(claims, current_app.extensions["riskkarta.settings"])
    db = get_session(primary=True)  # a GET that writes: the account, before anyone is signed in
    user = accounts.from_identity_provider(db, claims["iss"], claims["sub"], claims.get("email"), claims.get("name"),
                                           role, districts)
    db.commit()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(SignedIn(user, "session"))
    return redirect(url_for("pages.index"), code=303)
