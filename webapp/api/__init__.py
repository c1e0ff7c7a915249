"""JSON API under /api: thin views over services; every error is problem+json."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from geo.crs import WGS84, crs_uri, parse_crs
from geo.geojson import GeometryLimits, parse_geometry
from webapp import __version__
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.services import districts, health

bp = Blueprint("api", __name__, url_prefix="/api")
GEOJSON = "application/geo+json"


def _settings():
    return current_app.extensions["riskkarta.settings"]


def _geojson(body: str, srid: int) -> Response:
    response = Response(body, mimetype=GEOJSON)
    response.headers["Content-Crs"] = f"<{crs_uri(srid)}>"
    return response


@bp.get("/health")
def get_health():
    """Liveness and readiness: the database answers and PostGIS is there."""
    status = health.check(get_session())
    return jsonify(status="ok", version=__version__, database=status.database,
                   postgresql=status.postgresql, postgis=status.postgis, schema_revision=status.schema_revision)


@bp.get("/districts")
def list_districts():
    """All districts as GeoJSON (WGS 84 lon/lat unless `crs` asks for EPSG:3006)."""
    srid = parse_crs(request.args.get("crs"))
    return _geojson(districts.collection_geojson(get_session(), srid), srid)


@bp.get("/districts/<code>")
def get_district(code: str):
    srid = parse_crs(request.args.get("crs"))
    return _geojson(districts.feature_geojson(get_session(), code, srid), srid)


@bp.post("/districts/touching")
def districts_touching():
    """The districts (and committees) a GeoJSON geometry touches: the first question about any site."""
    if not request.data:
        raise ProblemError(400, "missing-body", "Missing geometry",
                           "Send a GeoJSON geometry or Feature as the request body.")
    settings = _settings()
    limits = GeometryLimits(max_vertices=settings.max_vertices, max_bytes=settings.max_geometry_bytes)
    geom = parse_geometry(request.get_data(), limits=limits, crs=parse_crs(request.args.get("crs"), WGS84))
    found = districts.touching(get_session(), geom)
    return jsonify(districts=[{"code": d.code, "name": d.name, "committee": d.committee} for d in found])
