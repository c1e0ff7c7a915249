"""OGC API Features under /ogc: thin views over services.features; JSON (GeoJSON for items) or HTML."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext

from geo.crs import CRS84_URI, crs_uri
from webapp.auth import current_role
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.i18n import current_language
from webapp.services.ogc import features
from webapp.services.ogc import query as ogc_query

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
_CONF = "http://www.opengis.net/spec/ogcapi-features-{}/1.0/conf/{}"
CONFORMANCE = [_CONF.format(1, "core"), _CONF.format(1, "geojson"), _CONF.format(1, "html"),
               _CONF.format(1, "oas30"), _CONF.format(2, "crs")]
TITLE = "Riskkarta – OGC API Features"  # a name: the same in both languages


# --- negotiation and links -------------------------------------------------------------------------------

def _lang() -> str:
    return current_language()


def _wants_html() -> bool:
    """f=html / f=json win; otherwise HTML only when the Accept header prefers it (browsers)."""
    f = request.args.get("f")
    if f is not None:
        if f not in ("json", "html"):
            raise ProblemError(400, "invalid-parameter", "Invalid f", f"f must be 'json' or 'html', not {f!r}.")
        return f == "html"
    return request.accept_mimetypes.best_match([JSON, GEOJSON, HTML]) == HTML


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def _self_links(endpoint: str, json_type: str = JSON, **values) -> list[dict]:
    """self + alternate for the current resource, keeping its other query parameters."""
    # Underscored keys would steer url_for (_scheme, _anchor ...); path values are not query parameters.
    args = {k: v for k, v in request.args.items() if k != "f" and k not in values and not k.startswith("_")}
    html = _wants_html()
    json_link = _link(_url(endpoint, **values, **args, f="json"), "alternate", json_type, "JSON")
    html_link = _link(_url(endpoint, **values, **args, f="html"), "alternate", HTML, "HTML")
    (html_link if html else json_link)["rel"] = "self"
    return [html_link, json_link] if html else [json_link, html_link]


def _json(body: dict, status: int = 200, mimetype: str = JSON) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=mimetype)


def _html(template: str, **context) -> Response:
    return Response(render_template(f"ogc/{template}", lang=_lang(), **context), mimetype=HTML)


# --- landing, conformance, API definition -----------------------------------------------------------------

@bp.get("")
@bp.get("/")
def landing():
    """The landing page: what the service is and where to go next."""
    links = _self_links("ogc.landing") + [
        _link(_url("ogc.api_definition"), "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
        _link(_url("ogc.api_definition", f="html"), "service-doc", HTML, "The API documentation"),
        _link(_url("ogc.conformance"), "conformance", JSON, "Conformance classes"),
        _link(_url("ogc.list_collections"), "data", JSON, "Collections"),
    ]
    body = {"title": TITLE,
            "description": gettext("Riskkarta's layers as OGC API Features."),
            "links": links}
    return _html("landing.html", body=body) if _wants_html() else _json(body)


@bp.get("/conformance")
def conformance():
    body = {"conformsTo": CONFORMANCE}
    return _html("conformance.html", body=body) if _wants_html() else _json(body)


@bp.get("/api")
def api_definition():
    """The OpenAPI 3.0 definition, listing each visible collection's own query parameters."""
    visible = features.collections(get_session(), current_role(), _lang())
    document = _openapi(visible)
    if _wants_html():
        return _html("api.html", document=document)
    return _json(document, mimetype=OPENAPI)


# --- collections -----------------------------------------------------------------------------------------

def _collection_body(c: features.Collection) -> dict:
    links = [
        _link(_url("ogc.get_collection", collection_id=c.id), "self", JSON, "This collection"),
        _link(_url("ogc.get_collection", collection_id=c.id, f="html"), "alternate", HTML, "This collection"),
        _link(_url("ogc.list_items", collection_id=c.id), "items", GEOJSON, "Features"),
        _link(_url("ogc.list_items", collection_id=c.id, f="html"), "items", HTML, "Features"),
        _link(_url("ogc.queryables", collection_id=c.id), "http://www.opengis.net/def/rel/ogc/1.0/queryables",
              "application/schema+json", "Queryables"),
    ]
    body = {"id": c.id, "title": c.title, "description": c.description, "links": links,
            "attribution": c.attribution, "license": c.license, "demo": c.demo}
    extent: dict = {}
    if c.bbox is not None:
        extent["spatial"] = {"bbox": [list(c.bbox)], "crs": CRS84_URI}
    if c.interval is not None:
        extent["temporal"] = {"interval": [list(c.interval)], "trs": features.GREGORIAN}
    if extent:
        body["extent"] = extent
    body.update(itemType="feature", crs=list(c.crs), storageCrs=c.storage_crs)
    return body


@bp.get("/collections")
def list_collections():
    found = features.collections(get_session(), current_role(), _lang())
    body = {"links": _self_links("ogc.list_collections"), "collections": [_collection_body(c) for c in found]}
    return _html("collections.html", body=body) if _wants_html() else _json(body)


@bp.get("/collections/<collection_id>")
def get_collection(collection_id: str):
    c = features.collection(get_session(), current_role(), collection_id, _lang())
    body = _collection_body(c)
    body["links"][:2] = _self_links("ogc.get_collection", collection_id=collection_id)
    return _html("collection.html", body=body) if _wants_html() else _json(body)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):
    """The properties a client may filter items on (a JSON Schema, as OGC API Features Part 3 shapes it)."""
    c = features.collection(get_session(), current_role(), collection_id, _lang())
    body = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": _url("ogc.queryables", collection_id=collection_id), "type": "object",
            "title": c.title, "properties": {name: {"title": name, "type": "string"} for name in c.queryables}}
    if _wants_html():
        return _html("queryables.html", body=body, collection=c)
    return _json(body, mimetype="application/schema+json")


# --- items -----------------------------------------------------------------------------------------------

def _items_links(collection_id: str, query: ogc_query.ItemsQuery, page: features.ItemsPage) -> list[dict]:
    links = _self_links("ogc.list_items", GEOJSON, collection_id=collection_id)
    args = {k: v for k, v in request.args.items()
            if k not in ("offset", "limit", "collection_id") and not k.startswith("_")}
    fmt = "html" if _wants_html() else "json"
    args["f"] = fmt
    media = HTML if fmt == "html" else GEOJSON
    more = page.number_returned == query.limit and (
        page.number_matched is None or query.offset + query.limit < page.number_matched)
    if more:
        links.append(_link(_url("ogc.list_items", collection_id=collection_id, **args, limit=query.limit,
                                offset=query.offset + query.limit), "next", media, "Next page"))
    if query.offset > 0:
        links.append(_link(_url("ogc.list_items", collection_id=collection_id, **args, limit=query.limit,
                                offset=max(0, query.offset - query.limit)), "prev", media, "Previous page"))
    links.append(_link(_url("ogc.get_collection", collection_id=collection_id), "collection", JSON, "Collection"))
    return links


@bp.get("/collections/<collection_id>/items")
def list_items(collection_id: str):
    """A page of features: bbox, limit/offset, crs, datetime and the collection's queryables."""
    session, role = get_session(), current_role()
    c = features.collection(session, role, collection_id, _lang()) if _wants_html() else None
    queryable = c.queryables if c else features.queryables_of(collection_id)
    query = ogc_query.parse_items_query(request.args.to_dict(), queryable,
                                       temporal=features.is_temporal(collection_id))
    page = features.items(session, role, collection_id, query)
    if page.number_returned == 0 and c is None:
        features.collection(session, role, collection_id)  # 404 when the collection does not exist
    links = _items_links(collection_id, query, page)
    if c is not None:
        return _html("items.html", collection=c, features=json.loads(page.features_json), links=links,
                     page=page, query=query)
    head = {"type": "FeatureCollection", "numberReturned": page.number_returned}
    if page.number_matched is not None:
        head["numberMatched"] = page.number_matched
    head["timeStamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    head["links"] = links
    # The features array is PostGIS's text, spliced in unparsed: the links depend on the count it returns.
    body = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ' + page.features_json + "}"
    response = Response(body, mimetype=GEOJSON)
    response.headers["Content-Crs"] = f"<{crs_uri(query.srid)}>"
    return response


@bp.get("/collections/<collection_id>/items/<feature_id>")
def get_item(collection_id: str, feature_id: str):
    unknown = sorted(set(request.args) - {"f", "lang", "crs"})
    if unknown:
        raise ProblemError(400, "unknown-parameter", "Unknown query parameter",
                           f"Unknown parameter(s) {', '.join(unknown)}; a feature accepts crs, f, lang.")
    srid = ogc_query.parse_crs_uri(request.args.get("crs"))
    body = features.item(get_session(), current_role(), collection_id, feature_id, srid)
    feature = json.loads(body)
    links = _self_links("ogc.get_item", GEOJSON, collection_id=collection_id, feature_id=feature_id) + [
        _link(_url("ogc.get_collection", collection_id=collection_id), "collection", JSON, "Collection")]
    if _wants_html():
        return _html("item.html", feature=feature, links=links, collection_id=collection_id)
    feature["links"] = links
    response = _json(feature, mimetype=GEOJSON)
    response.headers["Content-Crs"] = f"<{crs_uri(srid)}>"
    return response


# --- OpenAPI ---------------------------------------------------------------------------------------------

def _param(name: str, description: str, schema: dict, in_: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": in_, "required": required, "description": description, "schema": schema,
            "style": "form", "explode": False} if in_ == "query" else \
        {"name": name, "in": in_, "required": True, "description": description, "schema": schema}


def _openapi(visible: list[features.Collection]) -> dict:
    crs_enum = {"type": "string", "format": "uri", "enum": list(ogc_query.CRS_LIST)}
    common = [_param("f", "Response format.", {"type": "string", "enum": ["json", "html"]}),
              _param("lang", "Language of titles (sv or en).", {"type": "string", "enum": ["sv", "en"]})]
    items_params = common + [
        _param("bbox", "minx,miny,maxx,maxy in the axis order of bbox-crs (CRS84: lon,lat; EPSG:3006: N,E).",
               {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}),
        _param("bbox-crs", "CRS of bbox.", crs_enum), _param("crs", "CRS of the response.", crs_enum),
        _param("limit", "Features per page (larger values are clamped to 1000).",
               {"type": "integer", "minimum": 1, "maximum": ogc_query.MAX_LIMIT, "default": ogc_query.DEFAULT_LIMIT}),
        _param("offset", "Features to skip.", {"type": "integer", "minimum": 0, "default": 0}),
        _param("datetime", "RFC 3339 instant or interval (`..` open); filters collections with time.",
               {"type": "string"}),
    ]
    cid = _param("collectionId", "Collection id.", {"type": "string"}, in_="path")
    fid = _param("featureId", "Feature id.", {"type": "string"}, in_="path")

    def get(summary: str, params: list, media: str = JSON) -> dict:
        return {"get": {"summary": summary, "parameters": params,
                        "responses": {"200": {"description": summary, "content": {media: {}, HTML: {}}},
                                      "400": {"description": "Bad request (problem+json)"},
                                      "404": {"description": "Not found (problem+json)"}}}}

    paths = {
        "/": get("Landing page", common), "/conformance": get("Conformance classes", common),
        "/api": get("This API definition", common, OPENAPI), "/collections": get("Collections", common),
        "/collections/{collectionId}": get("A collection", [cid, *common]),
        "/collections/{collectionId}/queryables": get("Queryables", [cid, *common], "application/schema+json"),
        "/collections/{collectionId}/items": get("Features", [cid, *items_params], GEOJSON),
        "/collections/{collectionId}/items/{featureId}": get(
            "A feature", [cid, fid, *common, _param("crs", "CRS of the response.", crs_enum)], GEOJSON),
    }
    for c in visible:  # each collection's own parameters: its queryables, and nothing else
        extra = [_param(name, f"Only features whose {name} equals this value.", {"type": "string"})
                 for name in c.queryables]
        paths[f"/collections/{c.id}/items"] = get(f"Features of {c.id}", items_params + extra, GEOJSON)
    return {"openapi": "3.0.3",
            "info": {"title": TITLE, "version": "1.0.0",
                     "description": "Riskkarta's vector layers and districts (OGC API Features Part 1 and 2)."},
            "servers": [{"url": _url("ogc.landing").rstrip("/")}],
            "paths": paths}
