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
_ERFC = np.frompyfunc(math.erfc, 1, 1)


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


def _convolve(grid: np.ndarray, kernel: np.ndarray) -> np.ndarray:
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


def gi_star(counts: np.ndarray, radius_cells: float, study_area: np.ndarray | None = None) -> GiStar:
    """Gi* for every cell of `counts` (2-D, counts per cell) with a band of `radius_cells` cell widths; only cells
    where `study_area` is true take part (default: every cell). Cells outside get z = p = NaN and class 0."""
    x = np.asarray(counts, dtype=np.float64)
    area = np.ones(x.shape, dtype=bool) if study_area is None else np.asarray(study_area, dtype=bool)
    if x.ndim != 2 or area.shape != x.shape:
        raise ValueError("counts and study_area are 2-D grids of the same shape")
    if radius_cells < 1:
        raise ValueError("the distance band reaches at least the next cell (radius_cells >= 1)")
    n = int(area.sum())
    z = np.full(x.shape, np.nan)
    p = np.full(x.shape, np.nan)
    p_fdr = np.full(x.shape, np.nan)
    classes = np.zeros(x.shape, dtype=np.int8)
    inside = np.where(area, x, 0.0)
    kernel = disk(radius_cells)
    weights = _convolve(area.astype(np.float64), kernel)       # Σ_j w_ij (binary: also Σ_j w_ij²)
    if n < 3:
        return GiStar(z, p, p_fdr, classes, n, weights)
    sums = _convolve(inside, kernel)
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
    p[area] = _ERFC(np.abs(z[area]) / math.sqrt(2.0)).astype(np.float64)
    p_fdr[area] = benjamini_hochberg(p[area])
    for threshold, level in reversed(LEVELS):                   # strictest last, so it wins
        hit = area & (p_fdr < threshold)
        classes[hit] = np.sign(z[hit]).astype(np.int8) * level
    return GiStar(z, p, p_fdr, classes, n, weights)
