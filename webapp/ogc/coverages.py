"""OGC API Coverages (Part 1 core) for the raster layers: the coverage as a GeoTIFF, its domain set and range type."""
from __future__ import annotations

import hashlib

from flask import Response, request

from webapp.auth import current_role
from webapp.db import get_session
from webapp.ogc.common import JSON, bp, html_response, json_response, lang, link, self_links, url, wants_html
from webapp.services.ogc import coverages

REL = "http://www.opengis.net/def/rel/ogc/1.0/"


def coverage_links(collection_id: str) -> list[dict]:
    """A coverage collection's links to its data and their description (OGC API Coverages, /req/core)."""
    return [
        link(url("ogc.get_coverage", collection_id=collection_id), REL + "coverage", coverages.MEDIA_TYPE,
             "The coverage as GeoTIFF (EPSG:3006, physical values)"),
        link(url("ogc.domainset", collection_id=collection_id), REL + "coverage-domainset", JSON, "Domain set"),
        link(url("ogc.rangetype", collection_id=collection_id), REL + "coverage-rangetype", JSON, "Range type"),
    ]


@bp.get("/collections/<collection_id>/coverage")
def get_coverage(collection_id: str):
    """A subset (bbox, subset, scale-size) of the layer's raster as a GeoTIFF of physical values."""
    session, role = get_session(), current_role()
    info = coverages.coverage_layer(session, role, collection_id)
    query = coverages.parse_coverage_query(request.args.to_dict(flat=False), info)
    body = coverages.render(info, query)
    response = Response(body, mimetype="image/tiff")
    response.headers["Content-Type"] = coverages.MEDIA_TYPE
    response.headers["Content-Crs"] = f"<{coverages.STORAGE_CRS}>"
    response.headers["Content-Disposition"] = f'inline; filename="{info.slug}-v{info.version}.tif"'
    # No version in the URL: a client may keep it only while it revalidates; non-open layers stay private.
    response.headers["Cache-Control"] = "no-cache" if info.confidentiality == "open" else "private, no-cache"
    response.set_etag(f"{info.slug}-{info.version}-{hashlib.sha1(body).hexdigest()[:16]}")
    # Byte ranges (206) for clients that read a GeoTIFF URL in pieces, as GDAL's /vsicurl/ and QGIS do.
    return response.make_conditional(request, accept_ranges=True, complete_length=len(body))


def _described(endpoint: str, collection_id: str, build, template: str) -> Response:
    session, role = get_session(), current_role()
    info = coverages.coverage_layer(session, role, collection_id)
    body = build(info)
    if wants_html():
        return html_response(template, body=body, collection_id=collection_id,
                             links=self_links(endpoint, collection_id=collection_id))
    return json_response(body)


@bp.get("/collections/<collection_id>/coverage/domainset")
def domainset(collection_id: str):
    """The coverage's grid (CIS 1.1 JSON): EPSG:3006, bounds and resolution per axis, its size in pixels."""
    return _described("ogc.domainset", collection_id, coverages.domainset, "domainset.html")


@bp.get("/collections/<collection_id>/coverage/rangetype")
def rangetype(collection_id: str):
    """The coverage's field (CIS 1.1 JSON): float32 values in the layer's unit, NaN where no data."""
    return _described("ogc.rangetype", collection_id, lambda info: coverages.rangetype(info, lang()),
                      "rangetype.html")
