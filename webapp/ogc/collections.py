"""The collections: the list and one collection, with links to what each offers."""
from __future__ import annotations

from geo.crs import CRS84_URI
from webapp.auth import current_role
from webapp.db import get_session
from webapp.ogc.common import (
    GEOJSON,
    HTML,
    JSON,
    bp,
    html_response,
    json_response,
    lang,
    link,
    self_links,
    url,
    wants_html,
)
from webapp.ogc.coverages import coverage_links
from webapp.ogc.tiles import tiles_links
from webapp.services.ogc import collections as ogc_collections


def collection_body(c: ogc_collections.Collection) -> dict:
    links = [
        link(url("ogc.get_collection", collection_id=c.id), "self", JSON, "This collection"),
        link(url("ogc.get_collection", collection_id=c.id, f="html"), "alternate", HTML, "This collection"),
    ]
    if c.kind == "coverage":
        links += coverage_links(c.id)
    else:
        links += [
            link(url("ogc.list_items", collection_id=c.id), "items", GEOJSON, "Features"),
            link(url("ogc.list_items", collection_id=c.id, f="html"), "items", HTML, "Features"),
            link(url("ogc.queryables", collection_id=c.id), "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                 "application/schema+json", "Queryables"),
        ]
    if c.tiles_layer is not None:
        links += tiles_links(c.id, c.tiles_type)
    body = {"id": c.id, "title": c.title, "description": c.description, "links": links,
            "attribution": c.attribution, "license": c.license, "demo": c.demo}
    extent: dict = {}
    if c.bbox is not None:
        extent["spatial"] = {"bbox": [list(c.bbox)], "crs": CRS84_URI}
    if c.interval is not None:
        extent["temporal"] = {"interval": [list(c.interval)], "trs": ogc_collections.GREGORIAN}
    if extent:
        body["extent"] = extent
    if c.kind == "feature":
        body["itemType"] = "feature"
    # GDAL's OAPIF driver skips "Coverage" collections, and its OGCAPI raster driver skips "Vector" ones.
    body.update(layerDataType="Coverage" if c.kind == "coverage" else "Vector", crs=list(c.crs),
                storageCrs=c.storage_crs)
    return body


@bp.get("/collections")
def list_collections():
    found = ogc_collections.collections(get_session(), current_role(), lang())
    body = {"links": self_links("ogc.list_collections"), "collections": [collection_body(c) for c in found]}
    return html_response("collections.html", body=body) if wants_html() else json_response(body)


@bp.get("/collections/<collection_id>")
def get_collection(collection_id: str):
    c = ogc_collections.collection(get_session(), current_role(), collection_id, lang())
    body = collection_body(c)
    body["links"][:2] = self_links("ogc.get_collection", collection_id=collection_id)
    return html_response("collection.html", body=body) if wants_html() else json_response(body)
