"""The OpenAPI 3.0 document of /api (served at /api/openapi.json): every endpoint, its parameters, bodies and
answers, so that clients can be generated from it and schemathesis can walk it (tests/webapp/test_api_schema.py)."""
from __future__ import annotations

from flask import url_for

from layers import registry

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
JSON = "application/json"
GEOJSON = "application/geo+json"
CRS = {"type": "string", "description": "EPSG code or OGC CRS URI (4326, 3006, "
       "http://www.opengis.net/def/crs/EPSG/0/3006, …)", "maxLength": 200}
TOPICS = ["accidents", "crime", "threats", "extremism", "other"]
KINDS = ["hotspot", "incident_area", "measure", "risk_object", "observation"]
STATUSES = ["draft", "submitted", "returned", "accepted"]


def _q(name: str, schema: dict, description: str = "", required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def _path(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "integer", "minimum": 1}}


def _answers(ok: str, media: str = JSON, *codes: int) -> dict:
    answers = {ok: {"description": "Success", "content": {media: {}}}}
    for code in codes or (400, 404):
        answers[str(code)] = {"description": "Problem", "content": PROBLEM}
    return answers


def _op(summary: str, params: list | None = None, ok: str = "200", media: str = JSON, body: dict | None = None,
        codes: tuple[int, ...] = (400, 404), secured: bool = False, tag: str = "") -> dict:
    op = {"summary": summary, "tags": [tag] if tag else [], "parameters": params or [],
          "responses": _answers(ok, media, *codes)}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    if secured:
        op["security"] = [{"bearer": []}, {"session": []}]
    return op


def _imports() -> dict:
    """The administrator's imports: a multipart upload answered 202, then the job to poll."""
    text = {"type": "string", "maxLength": 500}
    upload = {"type": "object", "required": ["target", "file"], "properties": {
        "target": {"type": "string", "enum": ["districts", *registry.LAYERS, "survey"]},
        "file": {"type": "string", "format": "binary"},
        "category_map": {"type": "string", "format": "binary",
                         "description": "Incident layers only: source categories to classes (CSV or JSON)"},
        **{name: text for name in ("source", "licence", "encoding", "layer", "name_field", "code_field",
                                   "committee_field", "class_field", "default_class", "crs")},
        "temperature": {"type": "string", "enum": ["surface", "air"]},
        "replace": {"type": "boolean"}, "repair": {"type": "boolean"}}}
    start = _op("Upload a file and import it in the background (administrators); poll the job it answers", ok="202",
                codes=(400, 401, 403, 409, 413, 415, 422, 429), secured=True, tag="imports")
    start["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": upload}}}
    listed = _op("The latest uploaded imports (administrators)", codes=(401, 403), secured=True, tag="imports")
    one = _op("An uploaded import: its state, progress, then its summary or problem", [_path("job_id")],
              codes=(401, 403, 404), secured=True, tag="imports")
    return {"/imports": {"get": listed, "post": start}, "/imports/{job_id}": {"get": one}}


def _views() -> dict:
    """The viewer's saved views: listed for everyone, saved and deleted by signed-in users."""
    state = {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
        "layers": {"type": "string", "maxLength": 2000, "description": "Visible layers' slugs, comma-separated"},
        "opacity": {"type": "string", "maxLength": 2000, "description": "slug:0.65, comma-separated"},
        "bbox": {"type": "string", "maxLength": 2000, "description": "minlon,minlat,maxlon,maxlat (WGS 84)"},
        "hotspots": {"type": "string", "maxLength": 2000, "description": "slug:period:category:band, comma-separated"}}}
    body = {"type": "object", "required": ["name", "state"], "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 80}, "state": state}}
    return {"/views": {
                "get": _op("The layer viewer's saved views, newest first", codes=(400,), tag="views"),
                "post": _op("Save the viewer's state under a name for the team", ok="201", body=body,
                            codes=(400, 401, 403, 413, 415, 422), secured=True, tag="views")},
            "/views/{view_id}": {"delete": _op("Delete a saved view (its creator or an administrator)",
                                               [_path("view_id")], ok="204", codes=(401, 403, 404), secured=True,
                                               tag="views")}}


def document() -> dict:
    """The whole document, its server the app's own /api."""
    if_match = {"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
                "description": "The ETag of the version read: 412 if it changed since, 428 without."}
    geometry = {"$ref": "#/components/schemas/Geometry"}
    site = {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]}, "geometry": {"oneOf": [geometry, {"type": "null"}]},
        "properties": {"type": "object", "required": ["land_use"], "properties": {
            "land_use": {"type": "string", "enum": ["A", "B", "C"]},
            "vulnerable": {"type": "array", "items": {"type": "string", "maxLength": 40}},
            "title": {"type": "string", "maxLength": 200}, "reference": {"type": "string", "maxLength": 200},
            "coordinates": {"type": "string", "maxLength": 2000,
                            "description": "Pasted coordinates instead of a geometry"},
            "buffer_m": {"type": "number", "minimum": 0, "maximum": 1000}}}}}
    annotation = {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]}, "geometry": geometry,
        "properties": {"type": "object", "required": ["kind", "severity"], "properties": {
            "kind": {"type": "string", "enum": KINDS}, "severity": {"type": "integer", "minimum": 1, "maximum": 4},
            "title": {"type": "string", "maxLength": 200}, "body": {"type": "string", "maxLength": 10000},
            "measure_type": {"type": "string", "enum": ["situational", "social"]},
            "responsible": {"type": "string", "maxLength": 200}, "measure_status": {"type": "string"},
            "valid_from": {"type": "string", "format": "date"}, "valid_to": {"type": "string", "format": "date"}}}}}
    picture = {"type": "object", "required": ["district", "year", "tertial", "topic"], "properties": {
        "district": {"type": "string", "maxLength": 20}, "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
        "tertial": {"type": "integer", "minimum": 1, "maximum": 3}, "topic": {"type": "string", "enum": TOPICS},
        "summary": {"type": "string", "maxLength": 20000}}}
    pid, aid, cid = _path("picture_id"), _path("annotation_id"), _path("check_id")
    slug = _path("slug", {"type": "string", "enum": sorted([*registry.LAYERS, "districts"])})
    year = _q("year", {"type": "integer", "minimum": 2000, "maximum": 2100})
    tertial = _q("tertial", {"type": "integer", "minimum": 1, "maximum": 3})
    period = {"type": "string", "pattern": "^[0-9]{4}-[1-3]$"}
    month = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}
    crs = _q("crs", {**CRS, "enum": ["4326", "3006", "EPSG:3006", "http://www.opengis.net/def/crs/EPSG/0/3006",
                                     "http://www.opengis.net/def/crs/OGC/1.3/CRS84"]},
             "CRS of the coordinates (default WGS 84 lon/lat)")
    paths = {
        "/health": {"get": _op("Liveness and readiness: the database answers, PostGIS and the schema revision",
                               codes=(503,), tag="service")},
        "/districts": {"get": _op("Every district as GeoJSON", [crs], media=GEOJSON, tag="districts")},
        "/districts/{code}": {"get": _op("One district as GeoJSON", [_path("code", {"type": "string"}), crs],
                                         media=GEOJSON, tag="districts")},
        "/districts/touching": {"post": _op("The districts a geometry touches", [crs], body=geometry,
                                            codes=(400, 413, 415, 422), tag="districts")},
        "/layers": {"get": _op("The layer catalogue the caller may see", tag="layers")},
        "/layers/{slug}": {"get": _op("One layer", [slug], tag="layers")},
        "/layers/{slug}/legend": {"get": _op("A layer's legend", [slug], tag="layers")},
        "/layers/{slug}/value": {"get": _op("A raster layer's value at a point", [
            slug, _q("lon", {"type": "number"}, required=True), _q("lat", {"type": "number"}, required=True)],
            tag="layers")},
        "/site-checks/read-coordinates": {"post": _op(
            "Read pasted coordinates (SWEREF 99 TM, SWEREF 99 18 00, WGS 84, DMS, WKT)",
            body={"type": "object", "required": ["text"], "properties": {
                                         "text": {"type": "string", "maxLength": 2000}}},
                                     codes=(400, 413, 415, 422), tag="site checks")},
        "/site-checks": {
            "get": _op("Saved site checks, newest first", [
                _q("q", {"type": "string", "maxLength": 200}, "Words in the title or reference"),
                _q("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
                _q("offset", {"type": "integer", "minimum": 0})], tag="site checks"),
            "post": _op("Check a site and save the result", [crs], ok="201", body=site,
                        codes=(400, 401, 413, 415, 422, 429), secured=True, tag="site checks")},
        "/site-checks/measure": {"post": _op("The area and bounds of a site before it is checked", [crs],
                                             body=geometry, codes=(400, 413, 415, 422), tag="site checks")},
        "/site-checks/{check_id}": {"get": _op("A saved check", [cid], tag="site checks")},
        "/site-checks/{check_id}/rerun": {"post": _op("Check a saved site again; the new check lists what changed",
                                                      [cid], ok="201", codes=(401, 404, 429), secured=True,
                                                      tag="site checks")},
        "/pictures": {
            "get": _op("The situation pictures the caller may read", [
                _q("district", {"type": "string", "maxLength": 20}), year, tertial,
                _q("topic", {"type": "string", "enum": TOPICS}), _q("status", {"type": "string", "enum": STATUSES})],
                tag="pictures"),
            "post": _op("Start a district's picture of a period and topic", ok="201", body=picture,
                        codes=(400, 401, 403, 409, 415, 422), secured=True, tag="pictures")},
        "/pictures/compare": {"get": _op("What changed in a district's picture between two periods", [
            _q("district", {"type": "string", "maxLength": 20}, required=True),
            _q("topic", {"type": "string", "enum": TOPICS}, required=True),
            _q("from", period, "YEAR-TERTIAL", required=True), _q("to", period, "YEAR-TERTIAL", required=True),
            _q("tolerance", {"type": "integer", "minimum": 0, "maximum": 10000}, "Metres a move must exceed")],
            media=GEOJSON, tag="pictures")},
        "/pictures/{picture_id}": {
            "get": _op("A picture (ETag for If-Match)", [pid], tag="pictures"),
            "patch": _op("Change a picture's summary", [pid, if_match], body={"type": "object", "properties": {
                "summary": {"type": "string", "maxLength": 20000}}}, codes=(400, 401, 403, 404, 412, 428),
                secured=True, tag="pictures"),
            "delete": _op("Delete a draft", [pid, if_match], ok="204", codes=(401, 403, 404, 412, 428),
                          secured=True, tag="pictures")},
        "/pictures/{picture_id}/history": {"get": _op("Who changed what, and the picture as it was (`at`)", [
            pid, _q("at", {"type": "string", "format": "date-time"}),
            _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
            _q("before", {"type": "integer", "minimum": 1})], tag="pictures")},
        "/pictures/{picture_id}/copy-forward": {"post": _op(
            "Copy the picture forward to the next period, its annotations linked to their origin", [pid],
            ok="201", codes=(401, 403, 404, 409), secured=True, tag="pictures")},
        "/pictures/{picture_id}/annotations": {
            "get": _op("A picture's annotations as GeoJSON", [pid, crs], media=GEOJSON, tag="pictures"),
            "post": _op("Draw an annotation", [pid, crs], ok="201", body=annotation,
                        codes=(400, 401, 403, 404, 413, 415, 422), secured=True, tag="pictures")},
        "/pictures/{picture_id}/annotations/{annotation_id}": {
            "get": _op("One annotation (ETag for If-Match)", [pid, aid, crs], media=GEOJSON, tag="pictures"),
            "put": _op("Replace an annotation", [pid, aid, if_match, crs], body=annotation,
                       codes=(400, 401, 403, 404, 412, 422, 428), secured=True, tag="pictures"),
            "patch": _op("Change some of an annotation's members", [pid, aid, if_match, crs],
                         body={"type": "object"}, codes=(400, 401, 403, 404, 412, 422, 428), secured=True,
                         tag="pictures"),
            "delete": _op("Delete an annotation", [pid, aid, if_match], ok="204",
                          codes=(401, 403, 404, 412, 428), secured=True, tag="pictures")},
        "/pictures/{picture_id}/hotspots": {"get": _op("The district's computed hot cells in clusters", [pid],
                                                       tag="pictures")},
        "/pictures/{picture_id}/annotations/from-hotspot": {"post": _op(
            "A computed hotspot cluster as a hotspot annotation with its statistics", [pid], ok="201",
            body={"type": "object", "required": ["cluster"], "properties": {"cluster": {"type": "string"}}},
            codes=(400, 401, 403, 404, 422), secured=True, tag="pictures")},
        "/pictures/{picture_id}/export.gpkg": {"get": _op("The picture's annotations as a GeoPackage (EPSG:3006)",
                                                          [pid], media="application/geopackage+sqlite3",
                                                          tag="pictures")},
    }
    for action, summary in (("submit", "Submit to the city"), ("accept", "Accept a submitted picture (city)"),
                            ("return", "Return a submitted picture with a comment (city)")):
        body = {"type": "object", "properties": {"comment": {"type": "string", "maxLength": 5000}}}
        paths[f"/pictures/{{picture_id}}/{action}"] = {"post": _op(
            summary, [pid, if_match], body=body if action == "return" else None,
            codes=(400, 401, 403, 404, 409, 412, 428), secured=True, tag="pictures")}
    paths["/city"] = {"get": _op("Every district's pictures of a period: statuses, counts, links",
                                 [year, tertial], tag="city")}
    for suffix, media in (("", GEOJSON), (".gpkg", "application/geopackage+sqlite3")):
        paths[f"/city/annotations{suffix}"] = {"get": _op(
            "The period's reported annotations the caller may read", [
                year, tertial, _q("topic", {"type": "string", "enum": TOPICS}),
                _q("kind", {"type": "string", "enum": KINDS}),
                _q("severity", {"type": "integer", "minimum": 1, "maximum": 4}, "Least severity")],
            media=media, tag="city")}
    paths["/statistics/incidents"] = {"get": _op(
        "Incidents per district, month and category (counts under 5 withheld)", [
            _q("district", {"type": "string", "maxLength": 20}), _q("from", month), _q("to", month),
            _q("category", {"type": "string", "maxLength": 40}), _q("layer", {"type": "string",
                                                                             "enum": ["crime", "accidents"]}),
            _q("f", {"type": "string", "enum": ["json", "csv"]})], tag="statistics")}
    paths.update(_imports())
    paths.update(_views())
    lang = _q("lang", {"type": "string", "enum": ["sv", "en"]}, "Language of texts")
    for item in paths.values():
        for op in item.values():
            op["parameters"].append(lang)
    return {
        "openapi": "3.0.3",
        "info": {"title": "Riskkarta API", "version": "1.0.0",
                 "description": "Districts, layers, the planners' site check and the committees' situation "
                                "pictures. Coordinates are WGS 84 lon/lat unless `crs` asks; errors are RFC 9457 "
                                "problem+json. Writes need a bearer token (`riskkarta tokens create`) or a "
                                "signed-in session with its CSRF token. Map layers are under /ogc (OGC API)."},
        "servers": [{"url": url_for("api.get_health").rsplit("/health", 1)[0]}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "session": {"type": "apiKey", "in": "cookie", "name": "session"}},
            "schemas": {
                "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                    "detail": {"type": "string"}, "instance": {"type": "string"}}},
                "Geometry": {"type": "object", "required": ["type", "coordinates"], "properties": {
                    "type": {"type": "string", "enum": ["Point", "LineString", "Polygon", "MultiPoint",
                                                       "MultiLineString", "MultiPolygon"]},
                    "coordinates": {"type": "array"}}},
            }},
    }
