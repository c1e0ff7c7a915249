"""Read pasted coordinates for the site-check form: how they were read, for the planner to confirm."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from shapely.geometry import Point, Polygon

from geo.coordinates import read_coordinates
from geo.geojson import to_geojson
from webapp import gate
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.i18n import current_language
from webapp.services import districts

bp = Blueprint("coordinates", __name__, url_prefix="/api/site-checks/read-coordinates")


def _pasted_text() -> str:
    """The text from a JSON body {"text": ...} or a text/plain body."""
    if gate.is_json_type(request.mimetype):
        body = gate.json_body(what='the pasted coordinates as {"text": "..."}')
        text = body.get("text") if isinstance(body, dict) else None
    elif request.mimetype in ("text/plain", ""):
        raw = request.get_data()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProblemError(400, "not-utf8", "Not UTF-8", "Send the pasted coordinates as UTF-8 text.") from None
        gate.refuse_characters(text, "the text")
    else:
        raise ProblemError(415, "unsupported-media-type", "Unsupported media type",
                           'Send the pasted coordinates as {"text": "..."} (application/json) or as text/plain.')
    if not isinstance(text, str):
        raise ProblemError(400, "no-coordinates", "No coordinates",
                           'Send the pasted coordinates as {"text": "..."} or as a text/plain body.')
    return text


@bp.post("")
def read():
    """One point or an area's corners in; the CRS, axis order, a description and the site as GeoJSON out."""
    lang = current_language()
    max_vertices = current_app.extensions["riskkarta.settings"].max_vertices
    area = districts.bounds_lonlat(get_session())
    kwargs = {"area_lonlat": area} if area else {}
    reading = read_coordinates(_pasted_text(), max_points=max_vertices, **kwargs)
    points = reading.points_3006
    geom = Point(points[0]) if len(points) == 1 else Polygon(points)
    index = 0 if lang == "sv" else 1
    alternatives = [alt.split(" / ")[index] if " / " in alt else alt for alt in reading.alternatives]
    return jsonify(epsg=reading.epsg, order=reading.order,
                   description=reading.description_sv if lang == "sv" else reading.description_en,
                   descriptions={"sv": reading.description_sv, "en": reading.description_en},
                   alternatives=alternatives, geometry=to_geojson(geom))
