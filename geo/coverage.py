"""Coverage subsets of a stored raster: the output grid of a request (at the raster's resolution, a coarser
overview's, or a size the client asks for) and the GeoTIFF it is written to. Pure: no Flask, no database; the
pixels are read through geo.raster (windowed, overview-aware)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine
from rasterio.crs import CRS
from rasterio.io import MemoryFile

from geo.raster import RasterGrid

Bounds = tuple[float, float, float, float]  # (west, south, east, north)


class CoverageError(ValueError):
    """A subset that cannot be served: outside the raster, or larger than the limit."""


@dataclass(frozen=True)
class OutputGrid:
    """The north-up grid of a coverage response: its bounds (EPSG:3006), its size in pixels, and the overview
    factor it is read at (1: the raster's own pixels)."""

    bounds: Bounds
    width: int
    height: int
    factor: float

    @property
    def transform(self) -> Affine:
        west, south, east, north = self.bounds
        return Affine((east - west) / self.width, 0, west, 0, -(north - south) / self.height, north)


def _intersects(a: Bounds, b: Bounds) -> bool:
    return a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]


def plan(raster: RasterGrid, box: Bounds | None, size: tuple[int, int] | None, max_px: int) -> OutputGrid:
    """The grid answering a subset `box` (None: the whole raster).

    With `size` (width, height) the grid is exactly `box` at that size (a client's block, even where it reaches past
    the raster). Without, the box is clipped to the raster and snapped outwards to the raster's pixels, or to those of
    the finest overview (factor 2, 4, ...) that keeps both sides within `max_px`; the grid stays aligned with the
    raster's, so neighbouring requests fit together.
    """
    whole = raster.bounds
    box = whole if box is None else box
    if not _intersects(box, whole):
        raise CoverageError("outside")
    if size is not None:
        width, height = size
        if not (0 < width <= max_px and 0 < height <= max_px):
            raise CoverageError("too-large")
        return OutputGrid(box, width, height, max(1.0, (box[2] - box[0]) / width / raster.res_x))
    west, south = max(box[0], whole[0]), max(box[1], whole[1])
    east, north = min(box[2], whole[2]), min(box[3], whole[3])
    c0 = math.floor((west - raster.west) / raster.res_x + 1e-9)
    c1 = math.ceil((east - raster.west) / raster.res_x - 1e-9)
    r0 = math.floor((raster.north - north) / raster.res_y + 1e-9)
    r1 = math.ceil((raster.north - south) / raster.res_y - 1e-9)
    factor = 1
    while True:
        a0, a1 = c0 // factor * factor, -(-c1 // factor) * factor
        b0, b1 = r0 // factor * factor, -(-r1 // factor) * factor
        width, height = (a1 - a0) // factor, (b1 - b0) // factor
        if width <= max_px and height <= max_px:
            break
        factor *= 2
    bounds = (raster.west + a0 * raster.res_x, raster.north - b1 * raster.res_y,
              raster.west + a1 * raster.res_x, raster.north - b0 * raster.res_y)
    return OutputGrid(bounds, width, height, float(factor))


def encode_geotiff(values: np.ndarray, grid: OutputGrid, *, epsg: int = 3006, units: str = "",
                   description: str = "", tags: dict[str, str] | None = None) -> bytes:
    """One float32 band as a DEFLATE-compressed GeoTIFF in memory, NaN as no-data, with its unit and description."""
    data = np.asarray(values, dtype=np.float32)
    profile = {"driver": "GTiff", "width": grid.width, "height": grid.height, "count": 1, "dtype": "float32",
               "crs": CRS.from_epsg(epsg), "transform": grid.transform, "nodata": float("nan"),
               "compress": "deflate", "predictor": 3}
    if grid.width >= 256 and grid.height >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with MemoryFile() as memory:
        with memory.open(**profile) as dst:
            dst.write(data, 1)
            if units:
                dst.units = (units,)
            if description:
                dst.set_band_description(1, description)
            if tags:
                dst.update_tags(**tags)
        return memory.read()
