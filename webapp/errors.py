"""RFC 9457 problem details: one error type, one exception → status table, one renderer. A browser on a page gets
the same error as an HTML page in the page's language (`error.html`); the API, OGC and tile routes, and any client
asking for JSON, get problem+json."""
from __future__ import annotations

import logging

from flask import Flask, Response, json, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from geo.crs import CRSError
from geo.geojson import GeometryError
from webapp.i18n import N_, current_language, gettext_in

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:riskkarta:problem:"


class ProblemError(Exception):
    """An error a person can act on: raised by services, rendered once as problem+json."""

    def __init__(self, status: int, type_: str, title: str, detail: str, **extra) -> None:
        super().__init__(detail)
        self.status = status
        self.type = type_
        self.title = title
        self.detail = detail
        self.extra = extra

    def to_dict(self) -> dict:
        body = {"type": TYPE_BASE + self.type, "title": self.title, "status": self.status,
                "detail": self.detail}
        body.update(self.extra)
        return body


def not_found(what: str, detail: str) -> ProblemError:
    return ProblemError(404, "not-found", f"{what} not found", detail)


def needs_sign_in(detail: str) -> ProblemError:
    """The one answer to a write (or an administrator's read) from a request that is not signed in."""
    return ProblemError(401, "unauthorized", "Sign in first", detail)


# Why pasted coordinates could not be read, said in the request's language (`message`; `detail` stays the exact,
# English explanation of what was read).
COORDINATE_MESSAGES = {
    "empty": N_("Paste coordinates first: a point such as 6580505 673779, or an area's corners one per line."),
    "too_long": N_("The text is too long for one site."),
    "unreadable": N_("The coordinates could not be read. Paste a point such as 6580505 673779 (SWEREF 99 TM) or "
                     "59.3143, 18.0735 (WGS 84), or an area's corners one per line."),
    "unpaired": N_("Coordinates come in pairs: two numbers for each point."),
    "too_many": N_("Too many points for one site."),
    "outside": N_("The coordinates lie outside the city whichever way they are read: check the numbers and the "
                  "coordinate system."),
    "not_an_area": N_("The points do not outline an area: give one point, or at least three corners in order around "
                      "it."),
}


def _from_geometry(exc: GeometryError) -> ProblemError:
    extra = {}
    reason = getattr(exc, "reason", None)
    if reason in COORDINATE_MESSAGES:
        extra["reason"] = reason
        extra["message"] = gettext_in(current_language(), COORDINATE_MESSAGES[reason])
    if exc.pointer is not None:
        extra["pointer"] = exc.pointer
    if exc.location is not None:
        extra["location"] = list(exc.location)
    return ProblemError(422, "invalid-geometry", "Invalid geometry", str(exc), **extra)


def _from_crs(exc: CRSError) -> ProblemError:
    return ProblemError(400, "unsupported-crs", "Unsupported coordinate reference system", str(exc))


RETRY_AFTER_S = 5


def _from_database(exc: DBAPIError) -> ProblemError:
    if getattr(exc.orig, "pgcode", None) == "57014":  # query_canceled: RISKKARTA_STATEMENT_TIMEOUT_MS
        log.warning("statement timeout on %s %s", request.method, request.path)
        return ProblemError(503, "timeout", "Took too long",
                            "The database took too long to answer this request; try again in a moment, or ask for "
                            "less (a smaller area, a lower limit).", retry_after=RETRY_AFTER_S)
    log.error("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return ProblemError(503, "database-unavailable", "Database unavailable",
                        "The map database cannot be reached right now; try again in a moment.",
                        retry_after=RETRY_AFTER_S)


# Exception class → converter to a ProblemError; the one table every blueprint shares.
CONVERTERS = {
    GeometryError: _from_geometry,
    CRSError: _from_crs,
    OperationalError: _from_database,
    InterfaceError: _from_database,
}


# What the HTML error page says per status: a title and what the reader can do, English msgids translated where the
# page is rendered; a status not here takes its class's (4xx: 400, 5xx: 500).
PAGE_TEXTS = {
    400: (N_("The request could not be used"),
          N_("The address or what was sent holds something this page cannot use. Check it and try again.")),
    401: (N_("Sign in first"), N_("This page is for signed-in users with the right role. Sign in, then try again.")),
    403: (N_("Not allowed"), N_("Your role may not use this page. Ask an administrator if you need it.")),
    404: (N_("Not found"),
          N_("There is nothing at this address. The link may be old, or what it pointed to may have been removed.")),
    405: (N_("Not possible at this address"),
          N_("This address cannot be used that way. Open it as a link instead.")),
    413: (N_("Too large"), N_("What was sent is larger than the service accepts.")),
    422: (N_("The request could not be used"),
          N_("What was sent could not be read as the page needs it.")),
    500: (N_("Something went wrong"),
          N_("An error occurred on our side and has been logged. Try again in a while.")),
    503: (N_("The map database cannot be reached"),
          N_("The service cannot reach its database right now. Try again in a moment.")),
}


def render(problem: ProblemError) -> Response:
    response = Response(json.dumps(problem.to_dict(), ensure_ascii=False), status=problem.status,
                        mimetype=PROBLEM_JSON)
    if problem.status == 405 and "allow" in problem.extra:
        response.headers["Allow"] = ", ".join(problem.extra["allow"])
    if problem.status in (429, 503) and "retry_after" in problem.extra:
        response.headers["Retry-After"] = str(problem.extra["retry_after"])
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="riskkarta"'
    return response


def _negotiated() -> bool:
    """Whether the answer to an error depends on Accept: on every route but the API, OGC and tile routes."""
    return not request.path.startswith(("/api", "/ogc", "/tiles"))


def _wants_html() -> bool:
    """Pages get HTML error pages; the API, OGC and tile routes always get problem+json."""
    if not _negotiated():
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json", PROBLEM_JSON])
    return best == "text/html"


def _page(problem: ProblemError, *, show_detail: bool) -> Response:
    """The error as an HTML page in the page's language, with its status; the detail (always English) is shown
    where it says more than the title, never for a 5xx (no internals, no traceback)."""
    lang = current_language()
    status = problem.status
    title, explanation = PAGE_TEXTS.get(status) or PAGE_TEXTS[500 if status >= 500 else 400]
    detail = problem.detail if show_detail and status < 500 else None
    body = render_template("error.html", status=status, title=gettext_in(lang, title),
                           explanation=gettext_in(lang, explanation), detail=detail)
    response = Response(body, status=status, mimetype="text/html")
    if status == 405 and "allow" in problem.extra:
        response.headers["Allow"] = ", ".join(problem.extra["allow"])
    if status in (429, 503) and "retry_after" in problem.extra:
        response.headers["Retry-After"] = str(problem.extra["retry_after"])
    return response


def respond(problem: ProblemError, *, show_detail: bool = True) -> Response:
    """A problem as problem+json, or as an HTML page for a browser on a page (content negotiation on Accept)."""
    if _wants_html():
        try:
            response = _page(problem, show_detail=show_detail)
        except Exception:  # the error page itself failed (a template, the catalogues): the problem still answers
            log.exception("the HTML error page failed for %s %s", request.method, request.path)
            response = render(problem)
    else:
        response = render(problem)
    if _negotiated():
        response.vary.add("Accept")
    return response


def register(app: Flask) -> None:
    """Install the handlers: ProblemError, the converter table, HTTP errors, and a last-resort 500."""

    @app.errorhandler(ProblemError)
    def _problem(exc: ProblemError):
        return respond(exc)

    for exc_type, convert in CONVERTERS.items():
        app.register_error_handler(exc_type, lambda exc, convert=convert: respond(convert(exc)))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:  # not an error (a redirect raised as an exception)
            return exc
        extra = {}
        if exc.code == 405 and exc.valid_methods:
            extra["allow"] = sorted(exc.valid_methods)
        if isinstance(exc, SecurityError):  # an untrusted Host: say so without echoing it
            return respond(ProblemError(400, "untrusted-host", "Untrusted host",
                                        "The request names a host this service does not answer for; use its "
                                        "published address."), show_detail=False)
        slug = (exc.name or "error").lower().replace(" ", "-")
        # werkzeug's descriptions are generic English: the HTML page says it in the reader's language instead.
        return respond(ProblemError(exc.code, slug, exc.name, exc.description or exc.name, **extra),
                       show_detail=False)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return respond(ProblemError(500, "internal-error", "Internal error",
                                    "Something went wrong on our side; the error has been logged."))
