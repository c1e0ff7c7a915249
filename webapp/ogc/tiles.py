"""OGC API Tiles (Part 1) over the layers' tiles: each collection's tilesets, its WebMercatorQuad tileset (whose URL
template is the layer's current /tiles/<slug>/<version>/… URL), and the tile matrix sets."""
from __future__ import annotations

from flask import Response, url_for

from webapp.auth import current_role
from webapp.db import get_session
from webapp.ogc.common import JSON, bp, html_response, json_response, lang, link, self_links, url, wants_html
from webapp.services.ogc import tiles

REL = "http://www.opengis.net/def/rel/ogc/1.0/"


def tiles_links(collection_id: str, tiles_type: str) -> list[dict]:
    """A collection's link to its tilesets (rel tilesets-vector or tilesets-map, as GDAL and QGIS look for)."""
    return [link(url("ogc.list_tilesets", collection_id=collection_id), f"{REL}tilesets-{tiles_type}", JSON,
                 "Tilesets")]


def _template(ts: tiles.Tileset) -> str:
    href = url_for("tiles.tile", slug=ts.info.slug, version=ts.info.version, z=0, x=0, y=0, fmt=ts.extension,
                   _external=True)
    return href.replace("/0/0/0.", "/{tileMatrix}/{tileCol}/{tileRow}.")


def _summary(ts: tiles.Tileset) -> dict:
    return {"title": ts.title, "dataType": ts.data_type, "crs": tiles.WEB_MERCATOR_URI,
            "tileMatrixSetURI": tiles.TMS_URI,
            "links": [link(url("ogc.get_tileset", collection_id=ts.collection_id, tms_id=tiles.TMS_ID), "self", JSON,
                           f"{tiles.TMS_ID} tileset"),
                      link(url("ogc.get_tile_matrix_set", tms_id=tiles.TMS_ID), REL + "tiling-scheme", JSON,
                           tiles.TMS_ID)]}


def _cached(response: Response, ts: tiles.Tileset) -> Response:
    # The template names the layer's current version: ask again after an import; non-open tiles stay private.
    response.headers["Cache-Control"] = "private, no-cache" if ts.private else "no-cache"
    return response


@bp.get("/collections/<collection_id>/tiles")
def list_tilesets(collection_id: str):
    """The collection's tilesets: one, on WebMercatorQuad."""
    ts = tiles.tileset(get_session(), current_role(), collection_id, lang())
    body = {"links": self_links("ogc.list_tilesets", collection_id=collection_id), "tilesets": [_summary(ts)]}
    if wants_html():
        return _cached(html_response("tilesets.html", body=body, collection_id=collection_id), ts)
    return _cached(json_response(body), ts)


@bp.get("/collections/<collection_id>/tiles/<tms_id>")
def get_tileset(collection_id: str, tms_id: str):
    """The tileset: its tiles' URL template, the zooms and rows/columns that hold data, the tile matrix set."""
    tiles.check_tile_matrix_set(tms_id)
    ts = tiles.tileset(get_session(), current_role(), collection_id, lang())
    body = _summary(ts)
    body["links"] = self_links("ogc.get_tileset", collection_id=collection_id, tms_id=tms_id) + body["links"][1:] + [
        link(_template(ts), "item", ts.media_type, "Tiles ({tileMatrix} = zoom, {tileCol} = x, {tileRow} = y)"),
        link(url("ogc.get_collection", collection_id=collection_id), REL + "geodata", JSON, "Collection")]
    body["links"][-2]["templated"] = True
    body["tileMatrixSetLimits"] = ts.limits()
    box = ts.bounding_box()
    if box:
        body["boundingBox"] = box
    if ts.data_type == "vector":
        body["layers"] = [{"id": ts.info.slug, "dataType": "vector", "minTileMatrix": str(ts.zooms[0]),
                           "maxTileMatrix": str(ts.zooms[-1])}]
    body["minTileMatrix"], body["maxTileMatrix"] = str(ts.zooms[0]), str(ts.zooms[-1])
    if wants_html():
        return _cached(html_response("tileset.html", body=body, collection_id=collection_id,
                                     tile_url=_template(ts)), ts)
    return _cached(json_response(body), ts)


@bp.get("/tileMatrixSets")
def list_tile_matrix_sets():
    body = {"links": self_links("ogc.list_tile_matrix_sets"), "tileMatrixSets": [
        {"id": tiles.TMS_ID, "title": tiles.tile_matrix_set()["title"], "uri": tiles.TMS_URI,
         "links": [link(url("ogc.get_tile_matrix_set", tms_id=tiles.TMS_ID), "self", JSON, tiles.TMS_ID)]}]}
    return html_response("tilematrixsets.html", body=body) if wants_html() else json_response(body)


@bp.get("/tileMatrixSets/<tms_id>")
def get_tile_matrix_set(tms_id: str):
    """The standard definition of WebMercatorQuad (the only tile matrix set the tiles use)."""
    tiles.check_tile_matrix_set(tms_id)
    body = tiles.tile_matrix_set()
    if wants_html():
        return html_response("tilematrixset.html", body=body, links=self_links("ogc.get_tile_matrix_set",
                                                                               tms_id=tms_id))
    return json_response(body)
