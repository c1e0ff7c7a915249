"""JSON API under /api: thin views over services; every error is problem+json."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from geo.crs import WGS84, crs_uri, parse_crs
from geo.geojson import GeometryLimits, parse_geometry
from layers.base import LayerDefinition
from webapp import gate
from webapp.auth import current_role
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.i18n import both, current_language, gettext_in
from webapp.services import catalog as layers_service
from webapp.services import districts, health
from webapp.services.catalog import values as raster_values

bp = Blueprint("api", __name__, url_prefix="/api")
GEOJSON = "application/geo+json"


def _settings():
    return current_app.extensions["riskkarta.settings"]


def _geojson(body: str, srid: int) -> Response:
    response = Response(body, mimetype=GEOJSON)
    response.headers["Content-Crs"] = f"<{crs_uri(srid)}>"
    return response


@bp.get("/openapi.json")
def get_openapi():
    """This API's OpenAPI 3.0 document."""
    from webapp.api.openapi import document

    response = jsonify(document())
    response.mimetype = "application/vnd.oai.openapi+json"
    return response


@bp.get("/health")
def get_health():
    """Liveness and readiness: the database answers and PostGIS is there."""
    status = health.check(get_session())
    return jsonify(status="ok", version=health.version(), database=status.database,
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
    settings = _settings()
    body = gate.json_body(what="a GeoJSON geometry or Feature", max_bytes=settings.max_geometry_bytes)
    limits = GeometryLimits(max_vertices=settings.max_vertices, max_bytes=settings.max_geometry_bytes)
    geom = parse_geometry(body, limits=limits, crs=parse_crs(request.args.get("crs"), WGS84))
    found = districts.touching(get_session(), geom)
    return jsonify(districts=[{"code": d.code, "name": d.name, "committee": d.committee} for d in found])


def _lang() -> str:
    return current_language()


def legend(definition: LayerDefinition, lang: str) -> list[dict]:
    """A layer's classes with their labels in `lang`."""
    return [{"key": c.key, "label": gettext_in(lang, c.label), "color": c.color, "min": c.min, "max": c.max}
            for c in definition.classes]


def layer_json(info: layers_service.LayerInfo, lang: str) -> dict:
    """A catalog entry as JSON: what a client needs to show, cite and fetch the layer."""
    d = info.definition
    fmt = "mvt" if d.kind == "vector" else "png"
    body = {
        "slug": info.slug, "title": both(d.title), "description": gettext_in(lang, d.description),
        "hazard": d.hazard, "kind": d.kind, "geometry": d.geometry, "confidentiality": info.confidentiality,
        "source": info.source, "licence": info.licence, "demo": info.is_demo, "version": info.version,
        "has_data": info.has_data, "updated": info.updated_at.isoformat(), "feature_count": info.feature_count,
        "bounds": list(info.bounds_lonlat) if info.bounds_lonlat else None, "metadata": info.metadata,
        "legend": legend(d, lang),
        "links": {
            "self": url_for("api.get_layer", slug=info.slug),
            "legend": url_for("api.get_legend", slug=info.slug),
            "tilejson": url_for("tiles.tilejson", slug=info.slug),
            "tiles": url_for("tiles.tile", slug=info.slug, version=info.version, z=0, x=0, y=0, fmt=fmt)
            .replace("/0/0/0.", "/{z}/{x}/{y}."),
        },
    }
    if info.raster:
        body["raster"] = {"units": info.raster.units, "resolution_m": info.raster.resolution_m}
        body["links"]["value"] = url_for("api.get_value", slug=info.slug)
    return body


@bp.get("/layers")
def list_layers():
    """The layer catalog: every layer the caller may see, with its source, licence, version and legend."""
    lang = _lang()
    found = layers_service.visible_layers(get_session(), current_role())
    return jsonify(layers=[layer_json(info, lang) for info in found])


@bp.get("/layers/<slug>")
def get_layer(slug: str):
    return jsonify(layer_json(layers_service.get_layer(get_session(), slug, current_role()), _lang()))


@bp.get("/layers/<slug>/legend")
def get_legend(slug: str):
    info = layers_service.get_layer(get_session(), slug, current_role())
    units = info.definition.raster.units if info.definition.raster else None
    lang = _lang()
    return jsonify(slug=slug, title=gettext_in(lang, info.definition.title), units=units,
                   classes=legend(info.definition, lang), source=info.source, version=info.version)


def _coordinate(name: str, low: float, high: float) -> float:
    raw = request.args.get(name)
    if raw is None:
        raise ProblemError(400, "missing-parameter", "Missing parameter", f"Give {name} in WGS 84 degrees.")
    try:
        value = float(raw)
    except ValueError:
        raise ProblemError(400, "bad-parameter", "Bad parameter", f"{name}={raw!r} is not a number.") from None
    if not (low <= value <= high) or value != value:
        raise ProblemError(400, "bad-parameter", "Bad parameter", f"{name}={raw} is outside {low}…{high}.")
    return value


@bp.get("/layers/<slug>/value")
def get_value(slug: str):
    """The value of a raster layer at a point (lon/lat), with its class; null where the raster has no data."""
    info = layers_service.get_layer(get_session(), slug, current_role())
    if info.kind != "raster":
        raise ProblemError(400, "not-a-raster", "Not a raster layer",
                           f"{slug} is a vector layer; query its features at /ogc/collections/{slug}/items.")
    lon, lat = _coordinate("lon", -180, 180), _coordinate("lat", -90, 90)
    result = raster_values.value_at(info, lon, lat)
    cls = result.cls
    return jsonify(slug=slug, lon=lon, lat=lat, value=result.value, units=result.units,
                   cls={"key": cls.key, "label": gettext_in(_lang(), cls.label), "color": cls.color} if cls else None,
                   version=info.version, source=info.source)
