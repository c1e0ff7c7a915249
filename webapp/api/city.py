"""The city's picture of a period over JSON: `GET /api/city?year=&tertial=` (default: the current tertial) gives every
district with each topic's picture status, who submitted it when, the reported annotations' counts and links."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from webapp.api.params import whole_number
from webapp.auth import current_account, current_role
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.services import pictures
from webapp.services.pictures import city, export
from webapp.services.pictures.drawings import KINDS

bp = Blueprint("city", __name__, url_prefix="/api/city")


def _links(picture_id: int) -> dict[str, str]:
    return {"self": url_for("pictures.get_picture", picture_id=picture_id),
            "page": url_for("pages.picture_page", picture_id=picture_id),
            "annotations": url_for("pictures.list_annotations", picture_id=picture_id)}


def _period() -> tuple[int, int]:
    year, tertial = pictures.current_period()
    return whole_number("year", 2000, 2100, year), whole_number("tertial", 1, 3, tertial)


@bp.get("")
def city_period():
    year, tertial = _period()
    found = city.period(get_session(), year, tertial, current_account(), current_role())
    body = city.to_json(found, _links)
    body["links"] = {"self": url_for("city.city_period", year=year, tertial=tertial),
                     "page": url_for("pages.city_page", year=year, tertial=tertial),
                     "annotations": url_for("city.city_annotations", year=year, tertial=tertial),
                     "geopackage": url_for("city.city_annotations_geopackage", year=year, tertial=tertial)}
    return jsonify(body)


def _annotation_filters() -> dict:
    topic, kind = request.args.get("topic") or None, request.args.get("kind") or None
    if topic is not None and topic not in pictures.TOPICS:
        raise ProblemError(400, "invalid-parameter", "Invalid topic", f"topic is one of {', '.join(pictures.TOPICS)}.")
    if kind is not None and kind not in KINDS:
        raise ProblemError(400, "invalid-parameter", "Invalid kind", f"kind is one of {', '.join(KINDS)}.")
    return {"topic": topic, "kind": kind, "min_severity": whole_number("severity", 1, 4, 1)}


def _reported():
    year, tertial = _period()
    return year, tertial, city.annotations(get_session(), year, tertial, current_account(), current_role(),
                                           **_annotation_filters())


@bp.get("/annotations")
def city_annotations():
    """The period's reported annotations the user may read as GeoJSON; `topic`, `kind`, `severity` (at least)."""
    _, _, found = _reported()
    return current_app.response_class(city.feature_collection(found), mimetype="application/geo+json")


@bp.get("/annotations.gpkg")
def city_annotations_geopackage():
    year, tertial, found = _reported()
    response = current_app.response_class(export.reported_geopackage(found, year, tertial),
                                          mimetype="application/geopackage+sqlite3")
    response.headers["Content-Disposition"] = f'attachment; filename="situation_pictures_{year}_t{tertial}.gpkg"'
    return response
