"""Rate limits on what is expensive or guessable, per app and client, with the `limits` library (Flask-Limiter's
engine; one moving window per limit): sign-in, site checks and their re-runs, PDF reports, uploaded imports, and
tiles that miss the cache (a cached tile costs nothing and is never limited). Over a limit: 429 problem+json with
Retry-After.

The key is the signed-in user, else the client's address (behind a proxy, set RISKKARTA_PROXY_HOPS so that the
address is the client's, not the proxy's). The counters live in RISKKARTA_RATE_STORAGE: `memory://` counts per
worker process (the limit then applies per worker), `redis://…` or `memcached://…` share them across workers and
machines."""
from __future__ import annotations

import functools
import time

from flask import Flask, current_app, request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from webapp.errors import ProblemError

# What each limit is called, the setting that gives it, and what the refusal says was asked for too often.
LIMITS = {"sign-in": ("rate_sign_in", "sign-in attempts"), "site-checks": ("rate_site_checks", "site checks"),
          "reports": ("rate_reports", "PDF reports"), "tile-misses": ("rate_tile_misses", "new tiles"),
          "imports": ("rate_imports", "uploaded imports")}


def _key() -> str:
    from webapp.auth import current_account

    account = current_account()
    return f"user:{account.id}" if account is not None else f"ip:{request.remote_addr}"


def hit(name: str) -> None:
    """Count one `name` for this client; 429 problem+json with Retry-After past its limit."""
    settings = current_app.extensions["riskkarta.settings"]
    if not settings.rate_limits:
        return
    field, what = LIMITS[name]
    item = parse(getattr(settings, field))
    state = current_app.extensions["riskkarta.rate_limiter"]
    key = _key()
    if not state.hit(item, name, key):
        reset, _remaining = state.get_window_stats(item, name, key)
        wait = max(1, int(reset - time.time()) + 1)
        raise ProblemError(429, "too-many-requests", "Too many requests",
                           f"More than {getattr(settings, field)} {what} from you; try again in {wait} s.",
                           retry_after=wait)


def limited(name: str):
    """A view counted against limit `name` before it runs."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            hit(name)
            return view(*args, **kwargs)
        return wrapper
    return decorate


def count_tile_miss() -> None:
    hit("tile-misses")


def init_app(app: Flask) -> None:
    settings = app.extensions["riskkarta.settings"]
    app.extensions["riskkarta.rate_limiter"] = MovingWindowRateLimiter(storage_from_string(settings.rate_storage))
