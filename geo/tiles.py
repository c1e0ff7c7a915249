"""XYZ tile maths on the Web Mercator grid (EPSG:3857, y counted downwards from the north edge, as in OSM/Leaflet).

Written out here rather than taken from mercantile (not a dependency): the grid is a square of side
2·π·6378137 m split into 2^z × 2^z tiles; see the OSM wiki "Slippy map tilenames".
"""

from __future__ import annotations

import math
from functools import lru_cache

from geo.crs import SWEREF99TM, WEB_MERCATOR, transformer

# Half the side of the Web Mercator square: π · the WGS 84 semi-major axis.
ORIGIN_SHIFT = math.pi * 6378137.0
# Tiles stop at ±85.0511° latitude, where the Mercator square ends.
MAX_LATITUDE = math.degrees(math.atan(math.sinh(math.pi)))
DEFAULT_MAX_ZOOM = 22

Bounds = tuple[float, float, float, float]  # (minx, miny, maxx, maxy)


class TileError(ValueError):
    """A z/x/y outside the tile grid."""


def check_tile(z: int, x: int, y: int, max_zoom: int = DEFAULT_MAX_ZOOM) -> None:
    """Raise TileError unless 0 ≤ z ≤ max_zoom and x, y lie in 0 … 2^z − 1."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (z, x, y)):
        raise TileError(f"tile indices must be integers, got z={z!r}, x={x!r}, y={y!r}")
    if not 0 <= z <= max_zoom:
        raise TileError(f"zoom {z} is outside 0…{max_zoom}")
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise TileError(f"tile {z}/{x}/{y} is outside the grid: x and y must lie in 0…{n - 1} at zoom {z}")


def tile_bounds_3857(z: int, x: int, y: int) -> Bounds:
    """The tile's bounds in Web Mercator metres (minx, miny, maxx, maxy)."""
    check_tile(z, x, y)
    size = 2 * ORIGIN_SHIFT / (1 << z)
    minx = -ORIGIN_SHIFT + x * size
    maxy = ORIGIN_SHIFT - y * size
    return (minx, maxy - size, minx + size, maxy)


def _lonlat_to_3857(lon: float, lat: float) -> tuple[float, float]:
    return lon / 180.0 * ORIGIN_SHIFT, math.asinh(math.tan(math.radians(lat))) / math.pi * ORIGIN_SHIFT


# Where a transverse Mercator on 15° E still behaves (40° either side of the meridian, north of 30° N), in 3857.
# Beyond that the projection folds over and a tile's projected bounds become meaningless or infinite.
_SWEREF_REACH_3857: Bounds = (*_lonlat_to_3857(-25.0, 30.0), *_lonlat_to_3857(55.0, MAX_LATITUDE))


@lru_cache(maxsize=4096)
def tile_bounds_3006(z: int, x: int, y: int) -> Bounds | None:
    """The SWEREF 99 TM bounding box of the tile (edges densified, so it encloses the whole curved footprint).

    Only the part of the tile within SWEREF 99 TM's reach (15° E ± 40°, north of 30° N) is projected; a tile
    wholly outside it gives None. Cached: tile servers ask for the same tiles again and again, and the
    transform is the costliest step of a tile that misses the raster.
    """
    minx, miny, maxx, maxy = tile_bounds_3857(z, x, y)
    rminx, rminy, rmaxx, rmaxy = _SWEREF_REACH_3857
    minx, miny, maxx, maxy = max(minx, rminx), max(miny, rminy), min(maxx, rmaxx), min(maxy, rmaxy)
    if minx >= maxx or miny >= maxy:
        return None
    return transformer(WEB_MERCATOR, SWEREF99TM).transform_bounds(minx, miny, maxx, maxy, densify_pts=21)


def tile_for_lonlat(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The (x, y) of the zoom-z tile that holds a WGS 84 point (latitude clamped to the grid's ±85.05°)."""
    if not 0 <= z <= DEFAULT_MAX_ZOOM:
        raise TileError(f"zoom {z} is outside 0…{DEFAULT_MAX_ZOOM}")
    n = 1 << z
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    fx = (lon + 180.0) / 360.0 * n
    fy = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    # The east and south edges belong to the last tile, not to a tile past the grid.
    return min(n - 1, max(0, math.floor(fx))), min(n - 1, max(0, math.floor(fy)))


def tile_resolution_3857(z: int, size: int = 256) -> float:
    """Web Mercator metres per pixel of a `size`-pixel tile at zoom z (not ground metres: ×cos(lat) for those)."""
    return 2 * ORIGIN_SHIFT / (1 << z) / size
