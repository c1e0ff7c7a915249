"""The OpenAPI 3.0 document of /ogc (served by landing.api_definition)."""
from __future__ import annotations

from webapp.ogc.common import GEOJSON, HTML, JSON, OPENAPI, TITLE, url
from webapp.services.ogc import collections as ogc_collections
from webapp.services.ogc import coverages
from webapp.services.ogc import query as ogc_query


def _param(name: str, description: str, schema: dict, in_: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": in_, "required": required, "description": description, "schema": schema,
            "style": "form", "explode": False} if in_ == "query" else \
        {"name": name, "in": in_, "required": True, "description": description, "schema": schema}


def openapi(visible: list[ogc_collections.Collection]) -> dict:
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
    coverage_params = [
        cid,
        _param("bbox", "Subset: minx,miny,maxx,maxy in the axis order of bbox-crs (CRS84: lon,lat; EPSG:3006: N,E).",
               {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}),
        _param("bbox-crs", "CRS of bbox.", crs_enum),
        _param("subset", "Subset in EPSG:3006, instead of bbox: E(low:high),N(low:high); '*' for an open end.",
               {"type": "string"}),
        _param("scale-size", f"Output size in pixels, E(width),N(height), each at most {coverages.MAX_PX} (GDAL sends "
               f"scaleSize). Without it: the COG's resolution, or the finest overview that fits {coverages.MAX_PX} "
               f"px a side.", {"type": "string"}),
        _param("f", "Response format.", {"type": "string", "enum": ["tif"]}),
    ]
    paths["/collections/{collectionId}/coverage"] = {"get": {
        "summary": "A raster layer's coverage: GeoTIFF, EPSG:3006, float32 physical values, NaN no-data",
        "parameters": coverage_params,
        "responses": {"200": {"description": "GeoTIFF", "content": {coverages.MEDIA_TYPE: {}}},
                      "400": {"description": "Bad subset (problem+json)"},
                      "404": {"description": "Not found (problem+json)"}}}}
    paths["/collections/{collectionId}/coverage/domainset"] = get("The coverage's grid (CIS 1.1)", [cid, *common])
    paths["/collections/{collectionId}/coverage/rangetype"] = get("The coverage's field (CIS 1.1)", [cid, *common])
    tms = _param("tileMatrixSetId", "Tile matrix set id (WebMercatorQuad).", {"type": "string",
                                                                              "enum": ["WebMercatorQuad"]}, in_="path")
    paths["/collections/{collectionId}/tiles"] = get("A collection's tilesets (OGC API Tiles)", [cid, *common])
    paths["/collections/{collectionId}/tiles/{tileMatrixSetId}"] = get(
        "A tileset: the tiles' URL template (/tiles/<slug>/<version>/{tileMatrix}/{tileCol}/{tileRow}.mvt|png), "
        "zooms and limits", [cid, tms, *common])
    paths["/tileMatrixSets"] = get("Tile matrix sets", common)
    paths["/tileMatrixSets/{tileMatrixSetId}"] = get("A tile matrix set's definition (OGC 17-083r4)", [tms, *common])
    for c in (c for c in visible if c.kind == "feature"):  # each collection's own parameters: its queryables
        extra = [_param(name, f"Only features whose {name} equals this value.", {"type": "string"})
                 for name in c.queryables]
        extra += [_param(p.name, p.description,
                         {"type": "string", "default": p.default,
                          **({"pattern": p.pattern} if p.pattern else {"enum": list(p.choices)})})
                  for p in c.parameters]
        paths[f"/collections/{c.id}/items"] = get(f"Features of {c.id}", items_params + extra, GEOJSON)
    return {"openapi": "3.0.3",
            "info": {"title": TITLE, "version": "1.0.0",
                     "description": "Riskkarta's vector layers and districts (OGC API Features Part 1 and 2), its "
                                    "raster layers (OGC API Coverages Part 1 core) and every layer's tiles (OGC API "
                                    "Tiles Part 1)."},
            "servers": [{"url": url("ogc.landing").rstrip("/")}],
            "paths": paths}
