"""Getis-Ord Gi* on a grid against a cell-by-cell computation of the formula, a planted cluster found hot (and only
it), the Benjamini–Hochberg correction against a worked example, and the edge cases."""
from __future__ import annotations

import math

import numpy as np
import pytest

from geo.hotspots import Grid, benjamini_hochberg, disk, gi_star


def _by_the_formula(x: np.ndarray, area: np.ndarray, radius: float) -> np.ndarray:
    """Gi* cell by cell, straight from Ord & Getis (1995): slow and obvious."""
    cells = [(i, j) for i in range(x.shape[0]) for j in range(x.shape[1]) if area[i, j]]
    values = np.array([x[c] for c in cells])
    n, mean = len(cells), values.mean()
    s = math.sqrt((values ** 2).sum() / n - mean ** 2)
    z = np.full(x.shape, np.nan)
    for i, j in cells:
        w = [1.0 if (i - a) ** 2 + (j - b) ** 2 <= radius ** 2 else 0.0 for a, b in cells]
        sw, sw2 = sum(w), sum(v * v for v in w)
        swx = sum(wv * xv for wv, xv in zip(w, values, strict=True))
        z[i, j] = (swx - mean * sw) / (s * math.sqrt((n * sw2 - sw ** 2) / (n - 1)))
    return z


@pytest.mark.parametrize("radius", [1, 1.5, 2.9])
def test_gi_star_matches_the_formula_cell_by_cell(radius):
    rng = np.random.default_rng(7)
    x = rng.poisson(3, size=(13, 17)).astype(float)
    area = np.ones(x.shape, dtype=bool)
    area[:3, :4] = False            # a corner outside the city
    area[8, 8] = False
    got = gi_star(x, radius, area)
    expected = _by_the_formula(x, area, radius)
    assert np.allclose(got.z[area], expected[area], atol=1e-9)
    assert np.isnan(got.z[~area]).all() and (got.classes[~area] == 0).all()
    assert got.n == area.sum()


def test_a_planted_cluster_is_hot_at_99_percent_and_the_background_is_not():
    rng = np.random.default_rng(11)
    x = rng.poisson(2, size=(60, 60)).astype(float)
    x[30:34, 40:44] += 25           # a concentration of incidents
    result = gi_star(x, 2, None)
    assert (result.classes[31:33, 41:43] == 3).all()
    hot = result.classes > 0
    assert hot[:20, :20].sum() == 0 and hot.sum() < 80           # the FDR keeps the noise out
    assert (result.p_fdr >= result.p - 1e-15).all()
    assert result.z[31, 41] > 10


def test_a_cold_area_is_cold():
    x = np.full((40, 40), 6.0)
    x[10:16, 10:16] = 0.0
    result = gi_star(x, 2, None)
    assert result.classes[12, 12] == -3


def test_benjamini_hochberg_against_a_worked_example():
    p = np.array([0.01, 0.04, 0.03, 0.005])          # sorted: .005 .01 .03 .04 → ×4/rank: .02 .02 .04 .04
    assert np.allclose(benjamini_hochberg(p), [0.02, 0.04, 0.04, 0.02])
    assert np.allclose(benjamini_hochberg(np.array([0.9, 0.8])), [0.9, 0.9])
    assert benjamini_hochberg(np.array([])).size == 0


def test_edge_cases_say_nothing_stands_out():
    flat = gi_star(np.full((5, 5), 4.0), 1, None)
    assert (flat.z == 0).all() and (flat.classes == 0).all() and (flat.p_fdr == 1).all()
    tiny = gi_star(np.array([[1.0, 5.0]]), 1, np.array([[True, False]]))
    assert tiny.n == 1 and np.isnan(tiny.z).all()
    with pytest.raises(ValueError):
        gi_star(np.zeros((3, 3)), 0.5, None)
    with pytest.raises(ValueError):
        gi_star(np.zeros((3, 3)), 1, np.ones((2, 2), dtype=bool))
    assert disk(1).sum() == 5 and disk(1.5).sum() == 9 and disk(2).sum() == 13



# --- against PySAL (esda.G_Local with star=True on the same binary distance-band weights) --------------------

@pytest.mark.parametrize("shape", ["square", "hex"])
def test_gi_star_agrees_with_pysal_on_the_same_weights(shape):
    esda = pytest.importorskip("esda")
    weights = pytest.importorskip("libpysal.weights")
    grid = Grid(shape, 250.0)
    rng = np.random.default_rng(5)
    counts = rng.poisson(2.0, size=(14, 18)).astype(float)
    counts[6:9, 9:12] += 9                                    # something to find
    area = np.ones(counts.shape, dtype=bool)
    area[:2, :5] = False                                      # cells outside the city take no part
    jj, ii = np.nonzero(area)
    x, y = grid.centre(ii + 40, jj - 7)                       # anywhere on the lattice: offsets must not matter
    w = weights.DistanceBand(np.column_stack([x, y]), threshold=500.0, binary=True, silence_warnings=True)
    theirs = esda.G_Local(counts[area], w, transform="B", star=True, permutations=0)
    ours = gi_star(counts, grid.kernel(500.0), area)
    assert np.allclose(ours.z[area], theirs.Zs, atol=1e-6)
    assert np.allclose(ours.neighbours[area], np.array([w.cardinalities[k] for k in w.id_order]) + 1)


def test_uniform_noise_has_no_significant_cell_after_the_fdr():
    rng = np.random.default_rng(2026)
    for shape in ("square", "hex"):
        counts = rng.poisson(4.0, size=(80, 80)).astype(float)
        result = gi_star(counts, Grid(shape).kernel(500.0), None)
        assert (result.classes == 0).all(), shape
        assert (result.p < 0.05).sum() > 0                    # uncorrected, some cells look significant by chance


@pytest.mark.parametrize("shape", ["square", "hex"])
def test_every_point_falls_in_the_cell_whose_centre_is_nearest(shape):
    grid = Grid(shape, 250.0)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(650_000, 690_000, 20_000), rng.uniform(6_560_000, 6_600_000, 20_000)
    i, j = grid.index(x, y)
    cx, cy = grid.centre(i, j)
    own = np.hypot(x - cx, y - cy)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            ox, oy = grid.centre(i + di, j + dj)
            assert (own <= np.hypot(x - ox, y - oy) + 1e-6).all() or shape == "square"
    half = grid.cell_m / 2 if shape == "square" else grid.edge
    assert (np.abs(x - cx) <= half + 1e-6).all()


def test_hexagons_have_the_area_of_the_square_cell_and_thirteen_cells_in_the_default_band():
    import shapely
    for shape in ("square", "hex"):
        grid = Grid(shape, 250.0)
        assert shapely.Polygon(grid.outline()).area == pytest.approx(62_500.0)
        assert grid.kernel(500.0).sum() == 13
    with pytest.raises(ValueError, match="next cell"):
        Grid("hex", 250.0).kernel(200.0)
    with pytest.raises(ValueError):
        Grid("triangle", 250.0)
