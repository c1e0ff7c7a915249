"""Deterministic demo rasters over the demo city: cloudburst flood depth and land-surface temperature.

Nothing is downloaded. Both fields are built from seeded value noise defined in metres on a fixed lattice, so
any resolution samples the same landscape and the same seed always gives the same bytes. Rasters are produced in
row strips of whole COG blocks, so the 2 m flood raster (~12,900 × 11,600 px) never sits in memory at once.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np
from affine import Affine
from rasterio.features import geometry_mask
from rasterio.windows import Window

from geo.raster import building_cog
from layers.demo_city import city_outline

__all__ = ["FLOOD_NODATA", "HEAT_NODATA", "write_flood_demo", "write_heat_demo"]

FLOOD_NODATA = 65535  # uint16 centimetres
HEAT_NODATA = -32768  # int16 hundredths of a degree
BLOCK = 512

# The noise lattice's fixed north-west corner and extent (EPSG:3006), a little beyond the city's bounding box.
_ORIGIN_X, _ORIGIN_Y, _EXTENT_M = 650_000.0, 6_600_000.0, 40_000.0

# District centres that run warm (EPSG:3006, from their WGS 84 positions): Kista, Skärholmen, Farsta, Vällingby,
# Liljeholmen, Hammarbyhöjden; the inner city (Norrmalm/Södermalm) is the main heat island.
_INNER_CITY = (674_000.0, 6_580_500.0)
_CENTRES = ((667_100.0, 6_588_600.0), (665_600.0, 6_574_500.0), (676_400.0, 6_571_200.0),
            (663_200.0, 6_584_000.0), (672_100.0, 6_578_500.0), (676_500.0, 6_577_000.0))

Field = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (x of columns, y of rows) -> rows × cols values


@lru_cache(maxsize=64)
def _lattice(spacing_m: float, seed: int) -> np.ndarray:
    """Random values in [-1, 1] at the nodes of a square lattice with the given spacing."""
    n = int(math.ceil(_EXTENT_M / spacing_m)) + 3
    return np.random.default_rng([seed, int(spacing_m)]).uniform(-1.0, 1.0, (n, n)).astype(np.float32)


def _weights(coord: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    index = np.floor(coord).astype(np.intp)
    t = (coord - index).astype(np.float32)
    # Smoothstep instead of linear weights: no visible creases along the lattice lines.
    return index, t * t * (3.0 - 2.0 * t)


def _noise(xs: np.ndarray, ys: np.ndarray, spacing_m: float, seed: int) -> np.ndarray:
    """Value noise at the grid of points (xs × ys), interpolated from the lattice first along x, then along y."""
    grid = _lattice(spacing_m, seed)
    ix, wx = _weights((xs - _ORIGIN_X) / spacing_m)
    iy, wy = _weights((_ORIGIN_Y - ys) / spacing_m)
    r0 = int(iy.min())
    rows = grid[r0:int(iy.max()) + 2]
    along_x = rows[:, ix] * (1.0 - wx) + rows[:, ix + 1] * wx  # only the few lattice rows the strip needs
    local = iy - r0
    return along_x[local] * (1.0 - wy)[:, None] + along_x[local + 1] * wy[:, None]


def _fbm(xs: np.ndarray, ys: np.ndarray, spacings: tuple[float, ...], seed: int, roughness: float = 0.5) -> np.ndarray:
    """Fractal (multi-octave) noise: each octave half the spacing and `roughness` times the amplitude."""
    total, amplitude = None, 1.0
    for spacing in spacings:
        layer = _noise(xs, ys, spacing, seed) * amplitude
        total = layer if total is None else total + layer
        amplitude *= roughness
    return total


def _smoothstep(v: np.ndarray, lo: float, hi: float) -> np.ndarray:
    t = np.clip((v - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


@lru_cache(maxsize=4)
def _street_edges(seed: int) -> np.ndarray:
    """Street centre lines along one axis: irregular spacings of 35–110 m over the lattice's extent."""
    spacings = np.random.default_rng(seed).uniform(35.0, 110.0, int(_EXTENT_M / 35.0) + 2)
    return np.cumsum(spacings) - spacings[0]


def _blocks(coord: np.ndarray, origin: float, seed: int) -> np.ndarray:
    """True where a coordinate lies inside a block along one axis, i.e. more than ~6–10 m from a street line."""
    edges = _street_edges(seed)
    local = coord - origin
    i = np.clip(np.searchsorted(edges, local, side="right") - 1, 0, len(edges) - 2)
    street = 6.0 + 4.0 * ((i * 7919) % 5) / 4.0  # half street widths vary by block, deterministically
    return (local - edges[i] > street) & (edges[i + 1] - local > street)


def flood_depth_m(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Synthetic water depth (m) after a 100-year cloudburst at the grid of points xs × ys.

    Water collects where it does in the real mappings: in local hollows of the terrain (deeper in low ground,
    where whole catchments drain), along valley flow paths, and as a thin film elsewhere; buildings stay dry.
    """
    terrain = _fbm(xs, ys, (6000, 3000, 1500), seed=11)  # the large landforms, −1.75 … 1.75
    lowland = _smoothstep(-terrain, -0.2, 0.9)  # 1 in the lowest ground
    # Hollows: where the fine relief dips well below its surroundings; low ground fills from a shallower dip.
    dips = -_fbm(xs, ys, (600, 300, 150, 75, 35), seed=12, roughness=0.55)
    pools = np.maximum(dips - (0.62 - 0.3 * lowland), 0.0) * (1.2 + 1.3 * lowland)
    # Flow paths: the zero-lines of a meandering field, kept only in part of the city (a gate) and in low ground.
    line = _fbm(xs, ys, (1800, 900, 250), seed=13, roughness=0.45)
    gate = _smoothstep(_noise(xs, ys, 2500, seed=14), -0.1, 0.3) * (0.3 + 0.7 * lowland)
    paths = _smoothstep(-np.abs(line), -0.025, 0.0) * gate * 0.45
    film = np.maximum(_noise(xs, ys, 120, seed=15) * 0.04 + 0.015, 0.0)
    # Deep water levels off (a hollow spills over once full): at most about 2.5 m.
    depth = film + 2.5 * np.tanh((pools + paths) / 2.5)
    # Blocks of buildings between streets, denser towards the inner city, are dry. Irregular block sizes: a
    # regular grid would alias into moiré patterns in the coarse overviews.
    blocks = _blocks(xs, _ORIGIN_X, 17)[None, :] & _blocks(ys, _ORIGIN_Y - _EXTENT_M, 18)[:, None]
    built = blocks & (_noise(xs, ys, 1000, seed=16) > 0.1)
    depth[built] = 0.0
    return depth


def surface_temperature_c(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Synthetic land-surface temperature (°C) on a hot summer day at the grid of points xs × ys.

    An urban heat island around the inner city and warm district centres, cool blobs for water and parks,
    and some texture from the built fabric; clipped to 22 … 42 °C.
    """
    dx2 = (xs - _INNER_CITY[0])[None, :] ** 2
    dy2 = (ys - _INNER_CITY[1])[:, None] ** 2
    t = 27.5 + 11.0 * np.exp(-(dx2 + dy2) / (2 * 3000.0**2)).astype(np.float32)
    for cx, cy in _CENTRES:
        t += 5.0 * np.exp(-(((xs - cx) ** 2)[None, :] + ((ys - cy) ** 2)[:, None]) / (2 * 900.0**2)).astype(np.float32)
    t += 2.5 * _fbm(xs, ys, (1500, 600, 250, 100, 40), seed=21)
    green = _fbm(xs, ys, (2500, 1200, 500), seed=22, roughness=0.55)
    t -= 7.0 * _smoothstep(green, 0.25, 0.8)
    return np.clip(t, 22.0, 42.0)


def _grid(resolution_m: float) -> tuple[Affine, int, int]:
    """A north-up grid snapped to whole pixels that covers the city outline."""
    minx, miny, maxx, maxy = city_outline().bounds
    left, bottom = math.floor(minx / resolution_m) * resolution_m, math.floor(miny / resolution_m) * resolution_m
    width = int(math.ceil((maxx - left) / resolution_m))
    height = int(math.ceil((maxy - bottom) / resolution_m))
    return Affine(resolution_m, 0, left, 0, -resolution_m, bottom + height * resolution_m), width, height


def _write(path: str | os.PathLike, resolution_m: float, field: Field, *, scale: float, dtype: str,
           nodata: int) -> None:
    """Sample `field` strip by strip, store round(value / scale) as `dtype`, no-data outside the city, as a COG."""
    if resolution_m <= 0:
        raise ValueError(f"resolution_m must be positive, got {resolution_m}")
    transform, width, height = _grid(resolution_m)
    xs = transform.c + (np.arange(width) + 0.5) * resolution_m
    outline = city_outline()
    limits = np.iinfo(dtype)
    # Keep real values off the no-data value, whichever end of the range it sits at.
    lo, hi = limits.min + (nodata == limits.min), limits.max - (nodata == limits.max)

    def strip(row0: int) -> tuple[int, np.ndarray]:
        rows = min(BLOCK, height - row0)
        ys = transform.f - (row0 + np.arange(rows) + 0.5) * resolution_m
        values = np.clip(np.rint(field(xs, ys) / scale), lo, hi).astype(dtype)
        outside = geometry_mask([outline], out_shape=(rows, width), transform=transform @ Affine.translation(0, row0))
        values[outside] = nodata
        return row0, values

    starts = range(0, height, BLOCK)
    workers = min(os.cpu_count() or 1, 4)
    with building_cog(Path(path), width=width, height=height, transform=transform, dtype=dtype,
                      nodata=nodata) as dst, ThreadPoolExecutor(workers) as pool:
        # numpy releases the GIL in its array loops, so strips compute in parallel; batches bound the memory.
        for batch in range(0, len(starts), workers):
            for row0, values in pool.map(strip, starts[batch:batch + workers]):
                dst.write(values, 1, window=Window(0, row0, width, values.shape[0]))


def write_flood_demo(path: str | os.PathLike, resolution_m: float = 2.0) -> None:
    """Write the demo cloudburst depth raster: uint16 centimetres (depth_m = value × 0.01), 65535 outside the city."""
    _write(path, resolution_m, flood_depth_m, scale=0.01, dtype="uint16", nodata=FLOOD_NODATA)


def write_heat_demo(path: str | os.PathLike, resolution_m: float = 10.0) -> None:
    """Write the demo surface temperature raster: int16 hundredths of a °C, −32768 outside the city."""
    _write(path, resolution_m, surface_temperature_c, scale=0.01, dtype="int16", nodata=HEAT_NODATA)
