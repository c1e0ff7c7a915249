"""Hotspot statistics on a grid of counts: the Getis-Ord Gi* z-score of every cell with a distance-band
neighbourhood (binary weights, the cell itself included), its two-sided p-value, a Benjamini–Hochberg
false-discovery-rate correction over the study area, and the hot/cold class at 90, 95 and 99 % confidence.

Vectorised with numpy: the neighbourhood sums are one FFT convolution of the grid with the band's disk, so a
city-wide grid takes milliseconds, not a loop over cell pairs. No database, no Flask: the caller counts incidents
per cell (in PostGIS) and stores what comes back.

Gi*_i = (Σ_j w_ij x_j − x̄ Σ_j w_ij) / (S √((n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1))), with x̄ and S the mean and
standard deviation of the n cells of the study area (Getis & Ord 1992; Ord & Getis 1995)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Confidence levels: class ±3 at 99 %, ±2 at 95 %, ±1 at 90 % (on the FDR-corrected p-value), 0 otherwise.
LEVELS = ((0.01, 3), (0.05, 2), (0.10, 1))


@dataclass(frozen=True)
class GiStar:
    """Per cell of the grid (NaN or 0 outside the study area): z, p, p corrected for the FDR, class −3…3."""

    z: np.ndarray
    p: np.ndarray
    p_fdr: np.ndarray
    classes: np.ndarray
    n: int                 # cells in the study area
    neighbours: np.ndarray  # Σ_j w_ij: how many study-area cells each cell's band holds (itself included)


def disk(radius_cells: float) -> np.ndarray:
    """The band's kernel: cells whose centres lie within `radius_cells` of the centre cell's (itself included)."""
    r = int(math.floor(radius_cells))
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    return (x * x + y * y <= radius_cells * radius_cells + 1e-9).astype(np.float64)


def convolve(grid: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The sum of `grid` over `kernel` around every cell (zero outside the grid), by FFT; exact for counts once
    rounded, since both are whole numbers."""
    ky, kx = kernel.shape
    shape = (grid.shape[0] + ky - 1, grid.shape[1] + kx - 1)
    full = np.fft.irfft2(np.fft.rfft2(grid, shape) * np.fft.rfft2(kernel, shape), shape)
    oy, ox = ky // 2, kx // 2
    return np.rint(full[oy:oy + grid.shape[0], ox:ox + grid.shape[1]])


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (step-up, monotone, at most 1) of a 1-D array."""
    n = p.size
    if n == 0:
        return p.copy()
    order = np.argsort(p, kind="mergesort")
    ranked = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def gi_star(counts: np.ndarray, band: float | np.ndarray, study_area: np.ndarray | None = None) -> GiStar:
    """Gi* for every cell of `counts` (2-D, counts per cell) with a distance band: a radius in cell widths on a
    square grid, or the band's kernel (`Grid.kernel`, e.g. on a hexagon grid); only cells where `study_area` is
    true take part (default: every cell). Cells outside get z = p = NaN and class 0."""
    x = np.asarray(counts, dtype=np.float64)
    area = np.ones(x.shape, dtype=bool) if study_area is None else np.asarray(study_area, dtype=bool)
    if x.ndim != 2 or area.shape != x.shape:
        raise ValueError("counts and study_area are 2-D grids of the same shape")
    if isinstance(band, np.ndarray):
        kernel = band
    elif band < 1:
        raise ValueError("the distance band reaches at least the next cell (a radius of 1 cell or more)")
    else:
        kernel = disk(band)
    if kernel.ndim != 2 or kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0 or kernel.sum() < 2:
        raise ValueError("the kernel is a 2-D array of odd size that reaches beyond its centre cell")
    n = int(area.sum())
    z = np.full(x.shape, np.nan)
    p = np.full(x.shape, np.nan)
    p_fdr = np.full(x.shape, np.nan)
    classes = np.zeros(x.shape, dtype=np.int8)
    inside = np.where(area, x, 0.0)
    weights = convolve(area.astype(np.float64), kernel)       # Σ_j w_ij (binary: also Σ_j w_ij²)
    if n < 3:
        return GiStar(z, p, p_fdr, classes, n, weights)
    sums = convolve(inside, kernel)
    mean = inside.sum() / n
    s = math.sqrt(max((inside * inside).sum() / n - mean * mean, 0.0))
    if s == 0.0:                                                # every cell the same: nothing stands out
        z[area], p[area], p_fdr[area] = 0.0, 1.0, 1.0
        return GiStar(z, p, p_fdr, classes, n, weights)
    denominator = s * np.sqrt(np.maximum(n * weights - weights * weights, 0.0) / (n - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (sums - mean * weights) / denominator
    score = np.where(denominator > 0, score, 0.0)
    z[area] = score[area]
    scaled = np.abs(z[area]) / math.sqrt(2.0)
    p[area] = np.fromiter(map(math.erfc, scaled.tolist()), np.float64, scaled.size)
    p_fdr[area] = benjamini_hochberg(p[area])
    for threshold, level in reversed(LEVELS):                   # strictest last, so it wins
        hit = area & (p_fdr < threshold)
        classes[hit] = np.sign(z[hit]).astype(np.int8) * level
    return GiStar(z, p, p_fdr, classes, n, weights)


HEX_EDGE_PER_SIDE = math.sqrt(2.0 / (3.0 * math.sqrt(3.0)))  # a hexagon of a square's area has this edge / side


@dataclass(frozen=True)
class Grid:
    """A grid of cells over EPSG:3006 metres, anchored at the origin so that a cell's index never changes:
    `square` cells of `cell_m` × `cell_m` (index i = ⌊x / cell⌋, j = ⌊y / cell⌋), or flat-topped `hex` cells of
    the same area (edge = 0.6204 × cell_m) in axial coordinates (i = q, j = r; centre x = 1.5·edge·q,
    y = √3·edge·(r + q/2)). Arrays of counts are indexed [j − j0, i − i0]."""

    shape: str = "hex"
    cell_m: float = 250.0

    def __post_init__(self) -> None:
        if self.shape not in ("hex", "square"):
            raise ValueError("the grid is 'hex' or 'square'")
        if not self.cell_m > 0:
            raise ValueError("the cell size is a positive number of metres")

    @property
    def edge(self) -> float:
        """A hexagon's edge (and circumradius), or a square's side."""
        return self.cell_m * HEX_EDGE_PER_SIDE if self.shape == "hex" else self.cell_m

    @property
    def spacing(self) -> float:
        """The distance between the centres of two cells that share an edge."""
        return math.sqrt(3.0) * self.edge if self.shape == "hex" else self.cell_m

    def index(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The cell (i, j) each point (x, y) lies in (the same arithmetic as the SQL that counts incidents)."""
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if self.shape == "square":
            return np.floor(x / self.cell_m).astype(np.int64), np.floor(y / self.cell_m).astype(np.int64)
        qf = (2.0 / 3.0) * x / self.edge
        rf = (-x / 3.0 + math.sqrt(3.0) / 3.0 * y) / self.edge
        sf = -qf - rf
        q, r, s = np.rint(qf), np.rint(rf), np.rint(sf)
        dq, dr, ds = np.abs(q - qf), np.abs(r - rf), np.abs(s - sf)
        fix_q = (dq > dr) & (dq > ds)
        fix_r = ~fix_q & (dr > ds)
        q = np.where(fix_q, -r - s, q)
        r = np.where(fix_r, -q - s, r)
        return q.astype(np.int64), r.astype(np.int64)

    def centre(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The centre of cell (i, j) in metres."""
        i, j = np.asarray(i, dtype=np.float64), np.asarray(j, dtype=np.float64)
        if self.shape == "square":
            return (i + 0.5) * self.cell_m, (j + 0.5) * self.cell_m
        return 1.5 * self.edge * i, math.sqrt(3.0) * self.edge * (j + i / 2.0)

    def outline(self) -> list[tuple[float, float]]:
        """A cell's corners around its centre (closed ring, counter-clockwise)."""
        if self.shape == "square":
            h = self.cell_m / 2.0
            ring = [(-h, -h), (h, -h), (h, h), (-h, h)]
        else:
            ring = [(self.edge * math.cos(math.radians(a)), self.edge * math.sin(math.radians(a)))
                    for a in range(0, 360, 60)]
        return ring + ring[:1]

    def kernel(self, band_m: float) -> np.ndarray:
        """The distance band as a kernel over index offsets [dj, di]: 1 where the centres of two cells lie at most
        `band_m` apart (the cell itself included)."""
        if band_m < self.spacing - 1e-9:
            raise ValueError(f"the distance band ({band_m:g} m) reaches at least the next cell "
                             f"({self.spacing:.0f} m between centres)")
        reach = int(math.ceil(band_m / self.spacing)) + 1
        dj, di = np.mgrid[-reach:reach + 1, -reach:reach + 1]
        dx, dy = self.centre(di, dj)
        ox, oy = self.centre(0, 0)
        inside = (dx - ox) ** 2 + (dy - oy) ** 2 <= band_m * band_m + 1e-6
        rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
        half = max(reach - rows.min(), reach - cols.min())
        return inside[reach - half:reach + half + 1, reach - half:reach + half + 1].astype(np.float64)
