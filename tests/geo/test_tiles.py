"""Tests for geo.tiles: XYZ tile bounds in Web Mercator and SWEREF 99 TM, and the range checks."""

from __future__ import annotations

import math

import pytest

from geo import crs
from geo.tiles import (
    ORIGIN_SHIFT,
    TileError,
    check_tile,
    tile_bounds_3006,
    tile_bounds_3857,
    tile_for_lonlat,
    tile_resolution_3857,
)


def test_zoom_zero_is_the_whole_mercator_square() -> None:
    assert tile_bounds_3857(0, 0, 0) == pytest.approx((-ORIGIN_SHIFT, -ORIGIN_SHIFT, ORIGIN_SHIFT, ORIGIN_SHIFT))
    assert math.isclose(ORIGIN_SHIFT, 20_037_508.342789244)


@pytest.mark.parametrize(
    ("z", "x", "y", "expected"),
    [
        (1, 0, 0, (-ORIGIN_SHIFT, 0.0, 0.0, ORIGIN_SHIFT)),
        (1, 1, 1, (0.0, -ORIGIN_SHIFT, ORIGIN_SHIFT, 0.0)),
        (2, 3, 0, (ORIGIN_SHIFT / 2, ORIGIN_SHIFT / 2, ORIGIN_SHIFT, ORIGIN_SHIFT)),
    ],
    ids=[
        "the first zoom-1 tile is the north-west quarter",
        "the last zoom-1 tile is the south-east quarter",
        "y counts downwards from the north edge",
    ],
)
def test_tile_bounds_3857(z: int, x: int, y: int, expected: tuple[float, ...]) -> None:
    assert tile_bounds_3857(z, x, y) == pytest.approx(expected)


def test_stockholm_lies_in_tile_2253_1204_at_zoom_12() -> None:
    # Hand check with the OSM slippy-map formulas: x = floor((18.07 + 180) / 360 · 4096) = floor(2253.60);
    # y = floor((1 − asinh(tan 59.33°) / π) / 2 · 4096) = floor(1204.57).
    assert tile_for_lonlat(18.07, 59.33, 12) == (2253, 1204)
    minx, miny, maxx, maxy = tile_bounds_3857(12, 2253, 1204)
    px, py = crs.transformer(crs.WGS84, crs.WEB_MERCATOR).transform(18.07, 59.33)
    assert minx <= px < maxx and miny <= py < maxy


def test_tile_bounds_3006_enclose_the_tile_corners_over_stockholm() -> None:
    left, bottom, right, top = tile_bounds_3006(12, 2253, 1204)
    to_3006 = crs.transformer(crs.WEB_MERCATOR, crs.SWEREF99TM)
    minx, miny, maxx, maxy = tile_bounds_3857(12, 2253, 1204)
    for cx, cy in ((minx, miny), (minx, maxy), (maxx, miny), (maxx, maxy)):
        ex, ny = to_3006.transform(cx, cy)
        assert left - 1e-6 <= ex <= right + 1e-6 and bottom - 1e-6 <= ny <= top + 1e-6
    # The city hall (E 673 779, N 6 580 506) lies in it, and the tile is about 5 km across on the ground.
    assert left < 673_779 < right and bottom < 6_580_506 < top
    assert 4_500 < right - left < 6_000


def test_a_tile_far_outside_sweref_reach_has_no_3006_bounds() -> None:
    x, y = tile_for_lonlat(151.2, -33.9, 8)  # Sydney
    assert tile_bounds_3006(8, x, y) is None


@pytest.mark.parametrize(
    ("z", "x", "y"),
    [(-1, 0, 0), (23, 0, 0), (1, 2, 0), (1, 0, 2), (3, -1, 0), (12, 2253, 4096)],
    ids=[
        "a negative zoom is refused",
        "a zoom past 22 is refused",
        "x past the grid is refused",
        "y past the grid is refused",
        "a negative x is refused",
        "y equal to 2^z is refused",
    ],
)
def test_out_of_range_tiles_are_refused(z: int, x: int, y: int) -> None:
    with pytest.raises(TileError, match="outside"):
        check_tile(z, x, y)


def test_tile_error_is_a_value_error_and_non_integers_are_refused() -> None:
    assert issubclass(TileError, ValueError)
    with pytest.raises(TileError, match="integers"):
        check_tile(1.5, 0, 0)  # type: ignore[arg-type]


def test_max_zoom_is_configurable() -> None:
    check_tile(22, 0, 0)
    with pytest.raises(TileError):
        check_tile(15, 0, 0, max_zoom=14)


def test_resolution_halves_with_each_zoom() -> None:
    assert tile_resolution_3857(0) == pytest.approx(156_543.03392804097)
    assert tile_resolution_3857(13) == pytest.approx(tile_resolution_3857(12) / 2)
    assert math.isclose(tile_resolution_3857(12, size=512) * 2, tile_resolution_3857(12))
