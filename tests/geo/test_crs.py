"""Tests for geo.crs: reprojection accuracy and CRS identifier parsing."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import Point, Polygon

from geo import crs


def _roundtrip(x: float, y: float, src: int, via: int) -> tuple[float, float]:
    there = crs.transformer(src, via).transform(x, y)
    return crs.transformer(via, src).transform(*there)


def test_stockholm_city_hall_lands_where_sweref99tm_puts_it() -> None:
    easting, northing = crs.transformer(crs.WGS84, crs.SWEREF99TM).transform(18.0545, 59.3275)
    # always_xy: easting first. Reference computed from the EPSG:3006 definition, E 673779.28, N 6580505.82.
    assert 673_000 < easting < 674_500
    assert 6_580_000 < northing < 6_581_000
    assert math.isclose(easting, 673779.28, abs_tol=0.05)
    assert math.isclose(northing, 6580505.82, abs_tol=0.05)


def test_central_meridian_maps_to_the_false_easting() -> None:
    # Independent of pyproj's maths: SWEREF 99 TM is a transverse Mercator on 15°E with false easting 500 km.
    easting, _ = crs.transformer(crs.WGS84, crs.SWEREF99TM).transform(15.0, 62.0)
    assert easting == pytest.approx(500_000.0, abs=0.001)
    easting_1800, _ = crs.transformer(crs.WGS84, crs.SWEREF99_1800).transform(18.0, 59.3)
    assert easting_1800 == pytest.approx(150_000.0, abs=0.001)


@pytest.mark.parametrize(
    ("x", "y", "src", "via"),
    [
        (674_000.0, 6_580_000.0, crs.SWEREF99TM, crs.WGS84),
        (320_000.0, 6_160_000.0, crs.SWEREF99TM, crs.WGS84),
        (900_000.0 - 150_000.0, 7_600_000.0, crs.SWEREF99TM, crs.WGS84),
        (153_000.0, 6_579_000.0, crs.SWEREF99_1800, crs.SWEREF99TM),
        (674_000.0, 6_580_000.0, crs.SWEREF99TM, crs.SWEREF99_1800),
        (2_010_000.0, 8_250_000.0, crs.WEB_MERCATOR, crs.SWEREF99TM),
    ],
    ids=[
        "a Stockholm SWEREF 99 TM point survives a trip through WGS 84 within a centimetre",
        "a Malmö-area point survives a trip through WGS 84 within a centimetre",
        "a Norrbotten point survives a trip through WGS 84 within a centimetre",
        "a SWEREF 99 18 00 point survives a trip through SWEREF 99 TM within a centimetre",
        "a SWEREF 99 TM point survives a trip through SWEREF 99 18 00 within a centimetre",
        "a Web Mercator point survives a trip through SWEREF 99 TM within a centimetre",
    ],
)
def test_round_trip_is_within_a_centimetre(x: float, y: float, src: int, via: int) -> None:
    back_x, back_y = _roundtrip(x, y, src, via)
    assert math.hypot(back_x - x, back_y - y) < 0.01


def test_wgs84_round_trip_is_within_a_centimetre_in_degrees() -> None:
    lon, lat = _roundtrip(18.0545, 59.3275, crs.WGS84, crs.SWEREF99TM)
    # 1e-7 degree of latitude is about 1.1 cm; of longitude at 59°N about 0.6 cm.
    assert abs(lon - 18.0545) < 1e-7
    assert abs(lat - 59.3275) < 1e-7


def test_transform_geom_reprojects_every_vertex_and_keeps_the_type() -> None:
    square = Polygon([(18.0, 59.0), (18.1, 59.0), (18.1, 59.1), (18.0, 59.1)])
    projected = crs.transform_geom(square, crs.WGS84, crs.SWEREF99TM)
    assert projected.geom_type == "Polygon"
    first = projected.exterior.coords[0]
    assert first == pytest.approx(crs.transformer(crs.WGS84, crs.SWEREF99TM).transform(18.0, 59.0))
    assert 6.0e7 < projected.area < 7.0e7  # about 5.7 km by 11.1 km


def test_transform_geom_with_the_same_crs_returns_the_geometry_itself() -> None:
    point = Point(674_000, 6_580_000)
    assert crs.transform_geom(point, crs.SWEREF99TM, crs.SWEREF99TM) is point


def test_transform_bounds_covers_the_projected_area_of_use() -> None:
    minx, miny, maxx, maxy = crs.transform_bounds(crs.SWEREF99TM_AREA_LONLAT, crs.WGS84, crs.SWEREF99TM)
    assert minx == pytest.approx(crs.SWEREF99TM_BOUNDS[0], abs=1.0)
    assert maxy == pytest.approx(crs.SWEREF99TM_BOUNDS[3], abs=1.0)
    assert miny < crs.SWEREF99TM_BOUNDS[1] and maxx > crs.SWEREF99TM_BOUNDS[2] - 1.0


def test_transformer_is_cached() -> None:
    assert crs.transformer(crs.WGS84, crs.SWEREF99TM) is crs.transformer(crs.WGS84, crs.SWEREF99TM)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, crs.WGS84),
        ("", crs.WGS84),
        ("   ", crs.WGS84),
        ("EPSG:3006", 3006),
        ("epsg:3006", 3006),
        ("3006", 3006),
        (" EPSG:3011 ", 3011),
        ("EPSG:3857", 3857),
        ("EPSG:4326", 4326),
        ("http://www.opengis.net/def/crs/EPSG/0/3006", 3006),
        ("https://www.opengis.net/def/crs/EPSG/0/3006", 3006),
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326),
        ("urn:ogc:def:crs:EPSG::3006", 3006),
        ("urn:ogc:def:crs:EPSG:9.8.15:3011", 3011),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", 4326),
        ("CRS84", 4326),
    ],
    ids=[
        "no value means the default",
        "an empty string means the default",
        "blank space means the default",
        "EPSG:3006 is SWEREF 99 TM",
        "the EPSG prefix may be lower case",
        "a bare code is accepted",
        "surrounding spaces are ignored",
        "Web Mercator is supported",
        "EPSG:4326 is WGS 84",
        "the OGC http URI is accepted",
        "the OGC https URI is accepted",
        "the CRS84 URI means WGS 84",
        "the OGC URN with an empty version is accepted",
        "the OGC URN with a version is accepted",
        "the CRS84 URN means WGS 84",
        "the bare CRS84 name means WGS 84",
    ],
)
def test_parse_crs_accepts(value: str | None, expected: int) -> None:
    assert crs.parse_crs(value) == expected


def test_parse_crs_uses_the_given_default() -> None:
    assert crs.parse_crs(None, default=crs.SWEREF99TM) == crs.SWEREF99TM


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("EPSG:2154", "EPSG:2154 is not supported"),
        ("http://www.opengis.net/def/crs/EPSG/0/32633", "EPSG:32633 is not supported"),
        ("urn:ogc:def:crs:EPSG::9999999", "not supported"),
        ("SWEREF99", "Could not understand the CRS 'SWEREF99'"),
        ("EPSG:", "Could not understand"),
        ("EPSG:3006x", "Could not understand"),
        ("http://example.com/crs/3006", "Could not understand"),
    ],
    ids=[
        "a real but unsupported EPSG code is refused by number",
        "an unsupported code in a URI is refused by number",
        "an unsupported code in a URN is refused",
        "a CRS name instead of a code is not understood",
        "a prefix without a code is not understood",
        "trailing junk after the code is not understood",
        "a URI from another authority is not understood",
    ],
)
def test_parse_crs_refuses(value: str, fragment: str) -> None:
    with pytest.raises(crs.CRSError, match="EPSG:3006") as caught:
        crs.parse_crs(value)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("epsg", "uri"),
    [
        (4326, "http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
        (3006, "http://www.opengis.net/def/crs/EPSG/0/3006"),
        (3011, "http://www.opengis.net/def/crs/EPSG/0/3011"),
        (3857, "http://www.opengis.net/def/crs/EPSG/0/3857"),
    ],
    ids=[
        "WGS 84 is advertised as CRS84 because our axis order is lon/lat",
        "SWEREF 99 TM gets the OGC EPSG URI",
        "SWEREF 99 18 00 gets the OGC EPSG URI",
        "Web Mercator gets the OGC EPSG URI",
    ],
)
def test_crs_uri(epsg: int, uri: str) -> None:
    assert crs.crs_uri(epsg) == uri
    assert crs.parse_crs(uri) == epsg
