"""The landing page, the conformance classes and the API definition."""
from __future__ import annotations

from flask_babel import gettext

from webapp.auth import current_role
from webapp.db import get_session
from webapp.ogc.common import (
    HTML,
    JSON,
    OPENAPI,
    TITLE,
    bp,
    html_response,
    json_response,
    lang,
    link,
    self_links,
    url,
    wants_html,
)
from webapp.ogc.openapi import openapi
from webapp.services.ogc import collections as ogc_collections

_CONF = "http://www.opengis.net/spec/ogcapi-features-{}/1.0/conf/{}"
_COVERAGES = "http://www.opengis.net/spec/ogcapi-coverages-1/1.0/conf/{}"
# Coverages: core and the GeoTIFF encoding. bbox, subset and scale-size are offered (see the API definition) but
# not every option of the draft's subsetting and scaling classes, so those are not claimed.
_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{}"
_TMS = "http://www.opengis.net/spec/tms/2.0/conf/{}"
CONFORMANCE = [_CONF.format(1, "core"), _CONF.format(1, "geojson"), _CONF.format(1, "html"),
               _CONF.format(1, "oas30"), _CONF.format(2, "crs"),
               _COVERAGES.format("core"), _COVERAGES.format("geotiff"),
               *(_TILES.format(c) for c in ("core", "tileset", "tilesets-list", "geodata-tilesets", "mvt", "png")),
               _TMS.format("tilematrixset"), _TMS.format("json-tilematrixset")]


@bp.get("")
@bp.get("/")
def landing():
    """The landing page: what the service is and where to go next."""
    links = self_links("ogc.landing") + [
        link(url("ogc.api_definition"), "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
        link(url("ogc.api_definition", f="html"), "service-doc", HTML, "The API documentation"),
        link(url("ogc.conformance"), "conformance", JSON, "Conformance classes"),
        link(url("ogc.list_collections"), "data", JSON, "Collections"),
        link(url("ogc.list_tile_matrix_sets"), "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", JSON,
             "Tile matrix sets"),
    ]
    body = {"title": TITLE,
            "description": gettext("Riskkarta's layers as OGC API Features, Coverages and Tiles."),
            "links": links}
    return html_response("landing.html", body=body) if wants_html() else json_response(body)


@bp.get("/conformance")
def conformance():
    body = {"conformsTo": CONFORMANCE}
    return html_response("conformance.html", body=body) if wants_html() else json_response(body)


@bp.get("/api")
def api_definition():
    """The OpenAPI 3.0 definition, listing each visible collection's own query parameters."""
    visible = ogc_collections.collections(get_session(), current_role(), lang())
    document = openapi(visible)
    if wants_html():
        return html_response("api.html", document=document)
    return json_response(document, mimetype=OPENAPI)
