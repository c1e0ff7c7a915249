"""OGC API Tiles over the layers' existing tiles: the WebMercatorQuad tile matrix set, and per collection the tileset
that points at /tiles/<slug>/<version>/{z}/{x}/{y}.mvt|png. No Flask here.

A layer's default collection offers all its tiles; a hazard's own collection offers the zooms where the layer's tiles
are the variant it names (crime: `crime-cells` the zooms with cells, `crime` the zooms with points, for the role
asking)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from geo.tiles import DEFAULT_MAX_ZOOM, ORIGIN_SHIFT, tile_for_lonlat
from webapp.errors import not_found
from webapp.services import catalog, hazards
from webapp.services.catalog import LayerInfo
from webapp.services.ogc import collections

TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
WEB_MERCATOR_URI = "http://www.opengis.net/def/crs/EPSG/0/3857"
TMS_LEVELS = 25  # WebMercatorQuad's tile matrices 0 … 24, as OGC 17-083r4 defines them
PIXEL_M = 0.28e-3  # the standard rendering pixel (OGC 17-083r4), for the scale denominators
MEDIA = {"vector": "application/vnd.mapbox-vector-tile", "map": "image/png"}
EXTENSION = {"vector": "mvt", "map": "png"}


def tile_matrix_set() -> dict:
    """WebMercatorQuad as OGC Two Dimensional Tile Matrix Set 2.0 (17-083r4) JSON defines it.

    The same document also carries the 1.0 members (type, identifier, supportedCRS, tileMatrix), because GDAL 3.6
    (Debian 12) reads only the 1.0 encoding of a tiling scheme; 2.0 readers ignore them."""
    matrices, legacy = [], []
    for z in range(TMS_LEVELS):
        cell = 2 * ORIGIN_SHIFT / 256 / 2**z
        common = {"scaleDenominator": cell / PIXEL_M, "tileWidth": 256, "tileHeight": 256, "matrixWidth": 2**z,
                  "matrixHeight": 2**z}
        matrices.append({"id": str(z), **common, "cellSize": cell, "cornerOfOrigin": "topLeft",
                         "pointOfOrigin": [-ORIGIN_SHIFT, ORIGIN_SHIFT]})
        legacy.append({"type": "TileMatrixType", "identifier": str(z), **common,
                       "topLeftCorner": [-ORIGIN_SHIFT, ORIGIN_SHIFT]})
    return {"id": TMS_ID, "title": "Google Maps Compatible for the World", "uri": TMS_URI, "crs": WEB_MERCATOR_URI,
            "orderedAxes": ["X", "Y"], "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
            "tileMatrices": matrices,
            "type": "TileMatrixSetType", "identifier": TMS_ID, "supportedCRS": WEB_MERCATOR_URI, "tileMatrix": legacy}


def check_tile_matrix_set(tms_id: str) -> None:
    if tms_id != TMS_ID:
        raise not_found("Tile matrix set", f"There is no tile matrix set {tms_id!r}; the one offered is {TMS_ID}.")


@dataclass(frozen=True)
class Tileset:
    """A collection's tiles on WebMercatorQuad: the layer's tiles at the zooms that belong to the collection."""

    collection_id: str
    title: str
    data_type: str  # "vector" (MVT) or "map" (PNG)
    info: LayerInfo
    zooms: tuple[int, ...]
    private: bool  # the tiles are Cache-Control: private (a non-open layer, or incident points)

    @property
    def media_type(self) -> str:
        return MEDIA[self.data_type]

    @property
    def extension(self) -> str:
        return EXTENSION[self.data_type]

    def limits(self) -> list[dict]:
        """tileMatrixSetLimits: per zoom the rows and columns that hold the layer (all zooms' when its bounds are
        unknown: a layer without data has no limits to give)."""
        if self.info.bounds_lonlat is None:
            return []
        west, south, east, north = self.info.bounds_lonlat
        found = []
        for z in self.zooms:
            col0, row0 = tile_for_lonlat(west, north, z)
            col1, row1 = tile_for_lonlat(east, south, z)
            found.append({"tileMatrix": str(z), "minTileRow": row0, "maxTileRow": row1, "minTileCol": col0,
                          "maxTileCol": col1})
        return found

    def bounding_box(self) -> dict | None:
        """The layer's extent in lon/lat (CRS84), or None without data."""
        if self.info.bounds_lonlat is None:
            return None
        west, south, east, north = self.info.bounds_lonlat
        return {"lowerLeft": [west, south], "upperRight": [east, north],
                "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}


def tileset(session: Session, role: str, collection_id: str, lang: str = "sv") -> Tileset:
    """The tiles of one collection the role may see; 404 when it has none (districts) or the role may not see it."""
    found = collections.collection(session, role, collection_id, lang)
    if found.tiles_layer is None:
        raise not_found("Tiles", f"Collection {collection_id!r} has no tiles.")
    info = catalog.get_layer(session, found.tiles_layer, role)
    hook = hazards.evaluator(info.slug)
    variants = {z: hook.tile_variant(info, z, role) for z in range(DEFAULT_MAX_ZOOM + 1)}
    zooms = tuple(z for z, v in variants.items() if found.tiles_variant is None or v == found.tiles_variant)
    if not zooms:
        raise not_found("Tiles", f"Collection {collection_id!r} has no tiles for this role.")
    private = any(hook.tile_is_private(info, variants[z]) for z in zooms)
    data_type = "map" if info.kind == "raster" else "vector"
    return Tileset(collection_id, found.title, data_type, info, zooms, private)

