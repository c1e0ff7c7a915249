"""Points within a distance of a site and the area of its buffer: exact for simple sites, the raster estimate for
jagged ones within a fraction of a per cent, and both fast for the worst shapes the API accepts."""
from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from geo.nearby import SIMPLE_VERTICES, buffered_area, within


def comb(teeth: int, width: float = 6000.0, height: float = 2400.0, area: float = 1.93e6) -> shapely.Polygon:
    """A legal 193 ha site of 4 × teeth vertices: a spine and thin teeth, the worst case for a buffer."""
    pitch, spine = width / teeth, 40.0
    tooth = (area - width * spine) / (teeth * (height - spine))
    ring = [(0.0, 0.0), (width, 0.0)]
    for k in range(teeth - 1, -1, -1):
        left = k * pitch
        ring += [(left + tooth, spine), (left + tooth, height), (left, height), (left, spine)]
    return shapely.Polygon(ring[:2] + ring[4:]).buffer(0)


def test_points_within_the_distance_are_exactly_those_geos_finds():
    site = comb(40)
    rng = np.random.default_rng(1)
    xs, ys = rng.uniform(-400, 6400, 5000), rng.uniform(-400, 2800, 5000)
    expected = np.array([site.distance(shapely.Point(x, y)) <= 250 for x, y in zip(xs, ys, strict=True)])
    assert (within(site, xs, ys, 250) == expected).all()
    assert within(site, np.array([]), np.array([]), 250).size == 0


@pytest.mark.parametrize("teeth", [60, 150])
def test_the_raster_estimate_of_a_jagged_buffer_is_within_half_a_percent(teeth):
    site = comb(teeth)
    assert shapely.get_num_coordinates(site) > SIMPLE_VERTICES
    exact = site.buffer(250, quad_segs=16).area
    assert buffered_area(site, 250) == pytest.approx(exact, rel=5e-3)


def test_simple_sites_are_buffered_exactly():
    site = shapely.Point(0, 0).buffer(50, quad_segs=16)
    assert buffered_area(site, 250) == pytest.approx(site.buffer(250, quad_segs=16).area)
    assert buffered_area(shapely.box(0, 0, 100, 100), 0) == pytest.approx(10_000)


def test_a_star_of_five_thousand_vertices_is_measured_without_buffering_it():
    rng = np.random.default_rng(1)
    angle = np.linspace(0, 2 * math.pi, 5000, endpoint=False)
    radius = 784 * rng.uniform(0.2, 1.0, angle.size)
    star = shapely.Polygon(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]))
    area = buffered_area(star, 250)          # GEOS's buffer of this star takes about 37 s
    hull = star.convex_hull.buffer(250).area
    assert 0.9 * hull < area <= hull * 1.001


@pytest.mark.parametrize("teeth", [60, 400])
def test_points_near_a_jagged_site_are_settled_by_the_raster_and_the_band_measured_exactly(teeth):
    site = comb(teeth)
    rng = np.random.default_rng(teeth)
    xs, ys = rng.uniform(-600, 6600, 20_000), rng.uniform(-600, 3000, 20_000)
    shapely.prepare(site)
    expected = shapely.dwithin(site, shapely.points(xs, ys), 250)
    assert (within(site, xs, ys, 250) == expected).all()
    assert (within(site, xs, ys, 1) == shapely.dwithin(site, shapely.points(xs, ys), 1)).all()
