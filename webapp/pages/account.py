"""Signing in and out with a local account (a session cookie; the city's identity provider comes beside it)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from webapp import ratelimit
from webapp.auth import SignedIn, csrf, current_account
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.i18n import current_language, gettext_in
from webapp.pages import bp
from webapp.services import accounts


def _oidc() -> bool:
    return bool(current_app.extensions["riskkarta.settings"].oidc_metadata_url)


def _next_url() -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    target = request.values.get("next") or url_for("pages.index")
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else url_for("pages.index")


@bp.get("/login")
def login_form():
    return render_template("login.html", next=_next_url(), error=None, email="", oidc=_oidc())


@bp.post("/login")
@ratelimit.limited("sign-in")
def login():
    csrf.protect()  # a sign-in form posted from another site must not sign the visitor in
    email, password = request.form.get("email", ""), request.form.get("password", "")
    db = get_session()
    try:
        user = accounts.authenticate(db, email, password)
    except ProblemError as problem:
        db.commit()  # the failed attempt counts, for the throttle and the audit log
        lang = current_language()
        message = (gettext_in(lang, "Too many failed sign-ins; wait %(seconds)s seconds and try again.",
                              seconds=problem.extra.get("retry_after", 60)) if problem.status == 429
                   else gettext_in(lang, "The email or the password is wrong."))
        response = render_template("login.html", next=_next_url(), error=message, email=email, oidc=_oidc())
        return response, problem.status, {"Retry-After": str(problem.extra["retry_after"])} \
            if "retry_after" in problem.extra else {}
    db.commit()
    lang = session.get("lang")
    session.clear()  # nothing from before the sign-in carries over, but the chosen language
    if lang:
        session["lang"] = lang
    login_user(SignedIn(user, "session"))
    return redirect(_next_url(), code=303)


@bp.post("/logout")
def logout():
    if current_account() is not None:
        logout_user()
    session.pop("_csrf_token", None)
    return redirect(url_for("pages.index"), code=303)
