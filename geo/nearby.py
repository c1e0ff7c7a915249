"""What lies within a distance of a site, fast for every site the API accepts: exact tests of points against the
prepared site (GEOS's indexed distance), and the area within the distance (the site's buffer), exactly for sites
of few vertices and from a raster of the site dilated by a disk for the rest.

Buffering a jagged 5,000-vertex site by 250 m in GEOS takes up to a minute (a comb of 1,249 teeth: 48 s; a star:
37 s): its offset curve crosses itself millions of times. The raster estimate takes milliseconds whatever the
shape, and is off by at most about half a raster cell along the buffer's edge (cells of at least 2 m, at most
600 × 600 of them over the buffer's box: for a site of 6 × 2.4 km, 0.04 % of the area)."""
from __future__ import annotations

import math

import numpy as np
import shapely
from affine import Affine
from rasterio.features import rasterize

from geo.hotspots import convolve, disk

# Up to this many vertices GEOS buffers a site in a few milliseconds whatever its shape.
SIMPLE_VERTICES = 200
MAX_CELLS_PER_SIDE = 600


def within(site: shapely.Geometry, xs: np.ndarray, ys: np.ndarray, distance: float) -> np.ndarray:
    """Which of the points (xs, ys) lie within `distance` of the site (exactly, edges included). For a site of many
    vertices, a raster of the cells the site touches settles most points at once: a point whose cell centre lies
    within distance − c√2 of a touched cell's centre is within, one farther than distance + c√2 from all of them is
    not (c the cell size); only the points in the band between are measured against the site."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    if xs.size == 0:
        return np.zeros(0, dtype=bool)
    shapely.prepare(site)
    if shapely.get_num_coordinates(site) <= SIMPLE_VERTICES:
        return shapely.dwithin(site, shapely.points(xs, ys), distance)
    grid = _Raster(site, distance)
    touched = grid.mask(all_touched=True)
    slack = grid.cell * math.sqrt(2.0)
    sure = convolve(touched, disk((distance - slack) / grid.cell)) > 0 if distance > slack * 2 else \
        np.zeros(touched.shape, dtype=bool)
    maybe = convolve(touched, disk((distance + slack) / grid.cell)) > 0
    col = np.clip(((xs - grid.x0) / grid.cell).astype(np.int64), 0, grid.width - 1)
    row = np.clip(((grid.y1 - ys) / grid.cell).astype(np.int64), 0, grid.height - 1)
    inside_box = (xs >= grid.x0) & (xs <= grid.x1) & (ys >= grid.y0) & (ys <= grid.y1)
    found = inside_box & sure[row, col]
    check = np.flatnonzero(inside_box & maybe[row, col] & ~found)
    if check.size:
        found[check] = shapely.dwithin(site, shapely.points(xs[check], ys[check]), distance)
    return found


class _Raster:
    """A grid of square cells over the site's box grown by the distance: at least 2 m, at most
    MAX_CELLS_PER_SIDE cells a side."""

    def __init__(self, site: shapely.Geometry, distance: float) -> None:
        x0, y0, x1, y1 = site.bounds
        self.site = site
        self.cell = max(2.0, max(x1 - x0 + 2 * distance, y1 - y0 + 2 * distance) / MAX_CELLS_PER_SIDE)
        self.x0, self.y0 = x0 - distance - self.cell, y0 - distance - self.cell
        self.width = math.ceil((x1 + distance + self.cell - self.x0) / self.cell)
        self.height = math.ceil((y1 + distance + self.cell - self.y0) / self.cell)
        self.x1, self.y1 = self.x0 + self.width * self.cell, self.y0 + self.height * self.cell
        self.transform = Affine(self.cell, 0.0, self.x0, 0.0, -self.cell, self.y1)

    def mask(self, all_touched: bool) -> np.ndarray:
        return rasterize([self.site], out_shape=(self.height, self.width), transform=self.transform,
                         all_touched=all_touched, dtype="uint8").astype(np.float64)


def buffered_area(site: shapely.Geometry, distance: float) -> float:
    """The area in m² of the ground within `distance` of the site."""
    if shapely.get_num_coordinates(site) <= SIMPLE_VERTICES or distance <= 0:
        return float(site.buffer(distance, quad_segs=16).area)
    grid = _Raster(site, distance)
    mask = grid.mask(all_touched=False)
    if not mask.any():                   # a site thinner than a cell everywhere: the cells it touches
        mask = grid.mask(all_touched=True)
    dilated = convolve(mask, disk(distance / grid.cell)) > 0
    return float(dilated.sum()) * grid.cell * grid.cell
