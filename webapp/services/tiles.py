"""Map tiles: Mapbox vector tiles built by one ST_AsMVT query, PNG tiles read from the COGs.

Tile URLs carry the layer version, so a tile never changes: they are cached here (bounded, in memory) and
by every HTTP cache on the way.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import raster
from geo.tiles import tile_bounds_3006, tile_bounds_3857
from layers.crime import K_ANONYMITY, cell_size_m
from webapp.services.layers import LayerInfo

EXTENT = 4096
BUFFER = 64
EMPTY_MVT = b""

# Vector features of a layer, clipped to the tile. Filter on the 3006 box first (GiST), then transform.
_FEATURES_MVT = """
    SELECT ST_AsMVT(t, :name, 4096, 'geom', 'id') FROM (
        SELECT f.id, f.class, f.properties->>'name' AS name,
               ST_AsMVTGeom(ST_Transform(f.geom, 3857), ST_MakeEnvelope(:mx0, :my0, :mx1, :my1, 3857), 4096, 64)
                   AS geom
        FROM layer_feature AS f
        WHERE f.layer_id = :layer_id AND f.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006)
    ) AS t WHERE t.geom IS NOT NULL
"""
# Incident points, only for roles cleared for them. Kept lean (id and class; the time and the rest come from the
# OGC API item): a z13 tile in the centre holds thousands of points.
_INCIDENT_POINTS_MVT = """
    SELECT ST_AsMVT(t, :name, 4096, 'geom', 'id') FROM (
        SELECT i.id, i.category AS class,
               ST_AsMVTGeom(ST_Transform(i.geom, 3857), ST_MakeEnvelope(:mx0, :my0, :mx1, :my1, 3857), 4096, 64)
                   AS geom
        FROM incident AS i
        WHERE i.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006)
    ) AS t WHERE t.geom IS NOT NULL
"""
# Everyone else: precomputed counts per grid cell (incident_cell), only cells with at least k incidents.
_INCIDENT_CELLS_MVT = """
    SELECT ST_AsMVT(t, :name, 4096, 'geom') FROM (
        SELECT c.n, c.top AS class,
               ST_AsMVTGeom(ST_Transform(c.geom, 3857), ST_MakeEnvelope(:mx0, :my0, :mx1, :my1, 3857), 4096, 0) AS geom
        FROM incident_cell AS c
        WHERE c.size_m = :cell AND c.n >= :k AND c.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006)
    ) AS t WHERE t.geom IS NOT NULL
"""


class TileCache:
    """A bounded LRU of tile bytes (by total size), shared by the threads of a worker."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple, value: bytes) -> None:
        if len(value) + 64 > self.max_bytes:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._size += len(value) + 64
            while self._size > self.max_bytes and self._items:
                _, old = self._items.popitem(last=False)
                self._size -= len(old) + 64


def _misses(info: LayerInfo, box: tuple[float, float, float, float] | None) -> bool:
    """True when the tile cannot hold any of the layer's data: answer without touching the database."""
    if box is None or info.bounds_3006 is None:
        return True
    x0, y0, x1, y1 = box
    bx0, by0, bx1, by1 = info.bounds_3006
    return x1 < bx0 or x0 > bx1 or y1 < by0 or y0 > by1


def vector_tile(session: Session, info: LayerInfo, z: int, x: int, y: int, *, points: bool = False) -> bytes:
    """The MVT of a vector layer; for crime, points only when `points` (the caller checked the role)."""
    box = tile_bounds_3006(z, x, y)
    if _misses(info, box):
        return EMPTY_MVT
    mx0, my0, mx1, my1 = tile_bounds_3857(z, x, y)
    params = {"name": info.slug, "mx0": mx0, "my0": my0, "mx1": mx1, "my1": my1,
              "x0": box[0], "y0": box[1], "x1": box[2], "y1": box[3]}
    if info.slug == "crime":
        if points:
            sql = _INCIDENT_POINTS_MVT
        else:
            sql = _INCIDENT_CELLS_MVT
            params |= {"cell": cell_size_m(z), "k": K_ANONYMITY}
    else:
        sql = _FEATURES_MVT
        params["layer_id"] = info.id
    data = session.execute(text(sql), params).scalar()
    return bytes(data) if data else EMPTY_MVT


def raster_tile(info: LayerInfo, z: int, x: int, y: int) -> bytes:
    """A classed, transparent-where-empty PNG of a raster layer on the Web Mercator grid."""
    box = tile_bounds_3006(z, x, y)
    if info.raster is None or _misses(info, box):
        return raster.EMPTY_PNG
    values = raster.read_tile(info.raster.path, z, x, y, band=info.raster.band)
    if values.mask.all():
        return raster.EMPTY_PNG
    definition = info.definition
    classes = [(c.min, c.max, c.color) for c in definition.classes]
    spec = definition.raster
    return raster.render_png(values, classes, scale=info.raster.scale, offset=info.raster.offset,
                             transparent_below=spec.transparent_below if spec else None)
