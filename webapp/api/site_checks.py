"""The site check API: POST a site, GET a saved check, list them, re-run one against the current layers. Saving a
check (and re-running one) is a write: it needs a signed-in user, whatever role the public has; measuring a
drawn area stores nothing and stays open."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from geo.crs import WGS84, parse_crs
from webapp import gate, ratelimit
from webapp.api.params import whole_number
from webapp.auth import current_account, current_role
from webapp.db import get_session
from webapp.errors import ProblemError, needs_sign_in
from webapp.i18n import current_language
from webapp.reports import format as fmt
from webapp.services import districts
from webapp.services import site_check as service
from webapp.services.accounts import audit

bp = Blueprint("site_checks", __name__, url_prefix="/api/site-checks")


def _rules():
    return current_app.extensions["riskkarta.rules"]


def check_json(saved: service.SavedCheck) -> dict:
    """A saved check as the API shows it: the typed check serialised, with its links."""
    return {**saved.to_json(),
            "links": {"self": url_for("site_checks.get_check", check_id=saved.id),
                      "report": url_for("pages.site_report", check_id=saved.id),
                      "pdf": url_for("pages.site_report_pdf", check_id=saved.id),
                      "rerun": url_for("site_checks.rerun_check", check_id=saved.id)}}


def _signed_in():
    """The user who saves a check; 401 for a request that is not signed in."""
    user = current_account()
    if user is None:
        raise needs_sign_in("Saving a site check needs a signed-in user (a session from /login, or a bearer token).")
    return user


def _created(check_id: int, action: str, user):
    session = get_session()
    saved = service.load(session, check_id)
    audit.record(session, user.email, action, "site_check", check_id, None,
                 {"reference": saved.reference, "title": saved.title, "overall": saved.result.overall,
                  "rerun_of": saved.rerun_of})
    session.commit()
    response = jsonify(check_json(saved))
    response.status_code = 201
    response.headers["Location"] = url_for("site_checks.get_check", check_id=check_id)
    return response


@bp.post("")
@ratelimit.limited("site-checks")
def create_check():
    """Check a site (a GeoJSON Feature with the land use in its properties) and save the result."""
    user = _signed_in()
    body = gate.json_body(what="the site as a GeoJSON Feature")
    session = get_session()
    settings = current_app.extensions["riskkarta.settings"]
    site = service.site_input(body, _rules(), max_vertices=settings.max_vertices,
                              crs=parse_crs(request.args.get("crs"), WGS84),
                              area_lonlat=districts.bounds_lonlat(session))
    result = service.evaluate(session, site, _rules(), current_role())
    return _created(service.save(session, site, result, created_by=user.email), "create", user)


@bp.post("/measure")
def measure():
    """The area of a site geometry (GeoJSON, WGS 84) as the check will measure it, in EPSG:3006, written in the
    page's language by the reports' formatter: the form shows what the report will say."""
    body = gate.json_body(what="the site as a GeoJSON geometry")
    settings = current_app.extensions["riskkarta.settings"]
    area_m2 = service.measure(body, max_vertices=settings.max_vertices)
    return jsonify(area_m2=round(area_m2, 1), area=fmt.area(area_m2, current_language()))


def _query() -> str | None:
    query = (request.args.get("q") or "").strip()
    if len(query) > 200:
        raise ProblemError(400, "invalid-parameter", "Invalid q", "q (the text to find) is at most 200 characters.")
    return query or None


@bp.get("")
def list_checks():
    """The saved checks, newest first: `limit` (at most 200) from `offset`, `q` finds a reference or title."""
    found = service.recent(get_session(), limit=whole_number("limit", 1, 200, 50),
                           offset=whole_number("offset", 0, 10**9, 0),
                           query=_query())
    links = {}
    if found.offset + found.limit < found.total:
        links["next"] = url_for("site_checks.list_checks", limit=found.limit, offset=found.offset + found.limit,
                                q=found.query)
    if found.offset:
        links["prev"] = url_for("site_checks.list_checks", limit=found.limit,
                                offset=max(0, found.offset - found.limit), q=found.query)
    return jsonify(checks=[{"id": c.id, "created_at": c.created_at.isoformat(), "reference": c.reference,
                            "title": c.title, "overall": c.result.overall, "rerun_of": c.rerun_of,
                            "districts": [d.name for d in c.result.districts],
                            "links": {"self": url_for("site_checks.get_check", check_id=c.id)}}
                           for c in found.checks], total=found.total, offset=found.offset, limit=found.limit,
                   links=links)


@bp.get("/<int:check_id>")
def get_check(check_id: int):
    return jsonify(check_json(service.load(get_session(), check_id, current_role())))


@bp.post("/<int:check_id>/rerun")
@ratelimit.limited("site-checks")
def rerun_check(check_id: int):
    """Check a saved site again against today's layers; the new check lists what changed."""
    user = _signed_in()
    return _created(service.rerun(get_session(), check_id, _rules(), current_role(), created_by=user.email),
                    "rerun", user)
