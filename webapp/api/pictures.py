"""Situation pictures over JSON: create, list, read, change (If-Match), delete a draft, and the workflow (submit,
return, accept). Every answer with one picture carries its ETag; who may do what is the service's to decide."""
from __future__ import annotations

import json
import re

from flask import Blueprint, current_app, jsonify, request, url_for

from geo.crs import WGS84, parse_crs
from webapp import gate
from webapp.api.params import moment, whole_number
from webapp.auth import current_account, current_role
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.i18n import current_language, gettext_in
from webapp.reports.pictures import KIND_NAMES
from webapp.services import pictures as service
from webapp.services.pictures import compare, drawings, export, forward, history
from webapp.services.pictures import hotspots as picture_hotspots

bp = Blueprint("pictures", __name__, url_prefix="/api/pictures")
_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')


def _etag(picture: service.Picture) -> str:
    return f'"{picture.version}"'


def _if_match() -> int | None:
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    match = _ETAG.match(raw)
    if match is None:
        raise ProblemError(400, "bad-if-match", "Bad If-Match", 'If-Match is the ETag of the picture, e.g. "3".')
    return int(match.group(1))


def _one(picture: service.Picture, status: int = 200):
    body = picture.to_json() | {"links": {
        "self": url_for("pictures.get_picture", picture_id=picture.id),
        "submit": url_for("pictures.submit", picture_id=picture.id),
        "return": url_for("pictures.return_", picture_id=picture.id),
        "accept": url_for("pictures.accept", picture_id=picture.id),
        "copy_forward": url_for("pictures.copy_forward", picture_id=picture.id),
        "annotations": url_for("pictures.list_annotations", picture_id=picture.id),
        "geopackage": url_for("pictures.export_geopackage", picture_id=picture.id),
        "history": url_for("pictures.get_history", picture_id=picture.id)}}
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = _etag(picture)
    return response


def _body():
    return gate.json_body()


def _done():
    get_session().commit()


@bp.post("")
def create_picture():
    picture = service.create(get_session(), _body(), current_account())
    _done()
    response = _one(picture, 201)
    response.headers["Location"] = url_for("pictures.get_picture", picture_id=picture.id)
    return response


@bp.get("")
def list_pictures():
    topic, status = request.args.get("topic"), request.args.get("status")
    if topic is not None and topic not in service.TOPICS:
        raise ProblemError(400, "invalid-parameter", "Invalid topic", f"topic is one of {', '.join(service.TOPICS)}.")
    if status is not None and status not in service.STATUSES:
        raise ProblemError(400, "invalid-parameter", "Invalid status",
                           f"status is one of {', '.join(service.STATUSES)}.")
    found = service.find(get_session(), current_account(), current_role(), district=request.args.get("district"),
                         year=whole_number("year", 2000, 2100), tertial=whole_number("tertial", 1, 3), topic=topic,
                         status=status)
    return jsonify(pictures=[p.to_json() | {"links": {"self": url_for("pictures.get_picture", picture_id=p.id)}}
                             for p in found])


@bp.get("/compare")
def compare_periods():
    """What changed in a district's picture of a topic between two periods (`from`, `to` as YEAR-TERTIAL): each
    annotation added, removed, moved (beyond `tolerance` metres, default 10) or re-rated, as GeoJSON Features."""
    district = (request.args.get("district") or "").strip()
    if not district or len(district) > 20:
        raise ProblemError(400, "invalid-parameter", "Invalid district", "district is the district's code.")
    earlier = compare.parse_period("from", request.args.get("from"))
    later = compare.parse_period("to", request.args.get("to"))
    body = compare.compare(get_session(), current_account(), current_role(), district=district,
                           topic=request.args.get("topic") or "", earlier=earlier, later=later,
                           tolerance_m=float(whole_number("tolerance", 0, 10000, 10)))
    body["links"] = {"from": url_for("pictures.get_picture", picture_id=body["from"]["picture"]),
                     "to": url_for("pictures.get_picture", picture_id=body["to"]["picture"])}
    return current_app.response_class(json.dumps(body, ensure_ascii=False), mimetype="application/geo+json")


@bp.get("/<int:picture_id>")
def get_picture(picture_id: int):
    """The picture now (with its ETag), or with `?at=` as it was then, its annotations included (no ETag: a past
    state is read, never written back)."""
    at = moment("at")
    if at is None:
        return _one(service.get(get_session(), picture_id, current_account(), current_role()))
    then = history.as_at(get_session(), picture_id, at, current_account(), current_role())
    return jsonify(then | {"links": {"now": url_for("pictures.get_picture", picture_id=picture_id),
                                     "history": url_for("pictures.get_history", picture_id=picture_id)}})


@bp.get("/<int:picture_id>/history")
def get_history(picture_id: int):
    """Every write to the picture and its annotations, newest first; `limit` at a time, `before` an event id."""
    limit = whole_number("limit", 1, 1000, 200)
    found, older = history.events(get_session(), picture_id, current_account(), current_role(), limit=limit,
                                  before_id=whole_number("before", 1, 2**62))
    links = {"picture": url_for("pictures.get_picture", picture_id=picture_id)}
    if older is not None:
        links["next"] = url_for("pictures.get_history", picture_id=picture_id, limit=limit, before=older)
    return jsonify(events=found, links=links)


@bp.post("/<int:picture_id>/copy-forward")
def copy_forward(picture_id: int):
    """The next period's draft (or the period the body names) from this picture, its annotations copied."""
    body = gate.json_body(optional=True)
    picture = forward.copy_forward(get_session(), picture_id, body, current_account(), current_role())
    _done()
    response = _one(picture, 201)
    response.headers["Location"] = url_for("pictures.get_picture", picture_id=picture.id)
    return response


@bp.patch("/<int:picture_id>")
def update_picture(picture_id: int):
    picture = service.update(get_session(), picture_id, _body(), current_account(), current_role(), _if_match())
    _done()
    return _one(picture)


@bp.delete("/<int:picture_id>")
def delete_picture(picture_id: int):
    service.delete(get_session(), picture_id, current_account(), current_role(), _if_match())
    _done()
    return "", 204


@bp.post("/<int:picture_id>/submit")
def submit(picture_id: int):
    picture = service.submit(get_session(), picture_id, current_account(), current_role(), _if_match())
    _done()
    return _one(picture)


@bp.post("/<int:picture_id>/return")
def return_(picture_id: int):
    body = gate.json_body(optional=True) or {}
    picture = service.decide(get_session(), picture_id, current_account(), current_role(), _if_match(),
                             accept=False, comment=body.get("comment") if isinstance(body, dict) else None)
    _done()
    return _one(picture)


@bp.post("/<int:picture_id>/accept")
def accept(picture_id: int):
    picture = service.decide(get_session(), picture_id, current_account(), current_role(), _if_match(), accept=True)
    _done()
    return _one(picture)


# --- annotations ------------------------------------------------------------------------------------------------

def _annotation(feature: dict, status: int = 200):
    picture_id = feature["properties"]["picture"]
    feature = feature | {"links": {"self": url_for("pictures.get_annotation", picture_id=picture_id,
                                                   annotation_id=feature["id"])}}
    response = current_app.response_class(json.dumps(feature, ensure_ascii=False), status=status,
                                          mimetype="application/geo+json")
    response.headers["ETag"] = f'"{feature["properties"]["version"]}"'
    return response


def _max_vertices() -> int:
    return current_app.extensions["riskkarta.settings"].max_vertices


def _crs() -> int:
    return parse_crs(request.args.get("crs"), WGS84)


@bp.post("/<int:picture_id>/annotations")
def create_annotation(picture_id: int):
    feature = drawings.create(get_session(), picture_id, _body(), current_account(), current_role(),
                                 max_vertices=_max_vertices(), crs=_crs())
    _done()
    response = _annotation(feature, 201)
    response.headers["Location"] = url_for("pictures.get_annotation", picture_id=picture_id,
                                           annotation_id=feature["id"])
    return response


@bp.get("/<int:picture_id>/hotspots")
def list_hotspots(picture_id: int):
    """The computed hot cells in the picture's district (current run: last 12 months, all categories, all day),
    in clusters of touching cells; counts only from k."""
    return jsonify(picture_hotspots.clusters(get_session(), picture_id, current_account(), current_role()))


@bp.post("/<int:picture_id>/annotations/from-hotspot")
def annotation_from_hotspot(picture_id: int):
    """A hotspot annotation from hot cells of a current run, with the run's statistics attached."""
    feature = picture_hotspots.take(get_session(), picture_id, _body(), current_account(), current_role())
    _done()
    response = _annotation(feature, 201)
    response.headers["Location"] = url_for("pictures.get_annotation", picture_id=picture_id,
                                           annotation_id=feature["id"])
    return response


@bp.get("/<int:picture_id>/annotations")
def list_annotations(picture_id: int):
    body = drawings.listing(get_session(), picture_id, current_account(), current_role())
    return current_app.response_class(json.dumps(body, ensure_ascii=False), mimetype="application/geo+json")


@bp.get("/<int:picture_id>/export.gpkg")
def export_geopackage(picture_id: int):
    """The picture's annotations as a GeoPackage in EPSG:3006 (kinds also in words of `?lang=`)."""
    lang = current_language()
    picture, data = export.geopackage(get_session(), picture_id, current_account(), current_role(),
                                      kind_names={k: gettext_in(lang, v) for k, v in KIND_NAMES.items()})
    response = current_app.response_class(data, mimetype="application/geopackage+sqlite3")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.layer_name(picture)}.gpkg"'
    return response


@bp.get("/<int:picture_id>/annotations/<int:annotation_id>")
def get_annotation(picture_id: int, annotation_id: int):
    return _annotation(drawings.get(get_session(), picture_id, annotation_id, current_account(), current_role()))


@bp.route("/<int:picture_id>/annotations/<int:annotation_id>", methods=["PUT", "PATCH"])
def change_annotation(picture_id: int, annotation_id: int):
    feature = drawings.update(get_session(), picture_id, annotation_id, _body(), current_account(),
                                 current_role(), _if_match(), partial=request.method == "PATCH",
                                 max_vertices=_max_vertices(), crs=_crs())
    _done()
    return _annotation(feature)


@bp.delete("/<int:picture_id>/annotations/<int:annotation_id>")
def delete_annotation(picture_id: int, annotation_id: int):
    drawings.delete(get_session(), picture_id, annotation_id, current_account(), current_role(), _if_match())
    _done()
    return "", 204
