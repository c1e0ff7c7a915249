"""What every response carries and every request is checked for, outside the views:

- security headers: a Content-Security-Policy with no inline script (each page's own scripts carry the request's
  nonce: `csp_nonce()` in the templates, `nonced` for the map library's head), `frame-ancestors 'none'`, `nosniff`,
  a Referrer-Policy, HSTS in production; no server banner (webapp/serving.py strips gunicorn's);
- the host: absolute links (OGC, TileJSON) are built from `RISKKARTA_PUBLIC_URL` when it is set, and a request for any
  other host than the configured ones is refused (no host-header injection into cached responses);
- a request id (the caller's `X-Request-Id` when it is a plain token, else a new one) in the response and in one
  structured log line per request (JSON: id, method, path, status, milliseconds, user)."""
from __future__ import annotations

import json
import logging
import re
import secrets
import time
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from markupsafe import Markup

log = logging.getLogger("riskkarta.request")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_SCRIPT_TAG = re.compile(r"<script(?=[\s>])")


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def nonced(html: str) -> Markup:
    """Trusted markup (the map library's <head>) with the request's nonce on each of its <script> tags."""
    return Markup(_SCRIPT_TAG.sub(f'<script nonce="{csp_nonce()}"', str(html)))


def request_id() -> str:
    if "request_id" not in g:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
    return g.request_id


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def content_security_policy(settings, nonce: str) -> str:
    images = ["'self'", "data:", "blob:"]
    basemap = _origin(settings.basemap_url.replace("{s}", "a")) if settings.basemap_url else None
    if basemap:
        images.append(basemap.replace("//a.", "//*.") if "{s}" in settings.basemap_url else basemap)
    forms = ["'self'"]
    identity = _origin(settings.oidc_metadata_url) if settings.oidc_metadata_url else None
    if identity:
        forms.append(identity)
    return "; ".join([
        "default-src 'self'", f"script-src 'self' 'nonce-{nonce}'", "style-src 'self' 'unsafe-inline'",
        f"img-src {' '.join(images)}", "font-src 'self' data:", "connect-src 'self'", "worker-src 'self' blob:",
        "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", f"form-action {' '.join(forms)}"])


def _headers(response):
    settings = current_app.extensions["riskkarta.settings"]
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), payment=(), usb=()")
    if response.mimetype == "text/html":
        headers["Content-Security-Policy"] = content_security_policy(settings, csp_nonce())
    elif response.mimetype != "application/pdf":  # JSON, tiles, GeoPackages: nothing in them may run or load
        headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
    if settings.environment == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    headers["X-Request-Id"] = request_id()
    headers.pop("Server", None)
    return response


def _log(response):
    started = g.get("request_started")
    account = getattr(g, "_login_user", None)
    user = getattr(getattr(account, "user", None), "email", None)
    log.info(json.dumps({
        "request_id": request_id(), "method": request.method, "path": request.path, "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started else None, "user": user,
        "remote": request.remote_addr}, ensure_ascii=False))
    return response


class PublicURL:
    """WSGI middleware: every request is seen as arriving at the configured public URL (scheme, host, path prefix),
    so absolute links never take the caller's Host or X-Forwarded-* headers."""

    def __init__(self, app, public_url: str) -> None:
        parts = urlsplit(public_url)
        self.app = app
        self.scheme = parts.scheme
        self.host = parts.netloc
        self.prefix = parts.path.rstrip("/")

    def __call__(self, environ, start_response):
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.host
        environ.pop("HTTP_X_FORWARDED_HOST", None)
        if self.prefix:
            environ["SCRIPT_NAME"] = self.prefix
            path = environ.get("PATH_INFO", "")
            if path.startswith(self.prefix):
                environ["PATH_INFO"] = path[len(self.prefix):] or "/"
        return self.app(environ, start_response)


def init_app(app: Flask) -> None:
    settings = app.extensions["riskkarta.settings"]
    if settings.public_url:
        app.wsgi_app = PublicURL(app.wsgi_app, settings.public_url)
        app.config["TRUSTED_HOSTS"] = [urlsplit(settings.public_url).hostname]
    elif settings.trusted_hosts:
        app.config["TRUSTED_HOSTS"] = list(settings.trusted_hosts)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["nonced"] = nonced

    @app.before_request
    def _start():
        g.request_started = time.perf_counter()
        request_id()

    app.after_request(_headers)
    app.after_request(_log)
