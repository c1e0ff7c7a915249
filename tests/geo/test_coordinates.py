"""Tests for geo.coordinates: reading pasted coordinates, with real Stockholm places computed by pyproj."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from geo import crs
from geo.coordinates import Reading, read_coordinates
from geo.geojson import GeometryError

CITY_HALL = (18.0545, 59.3275)  # Stockholms stadshus, lon/lat
KISTA = (17.9443, 59.4032)  # Kista centrum
FARSTA = (18.0930, 59.2436)  # Farsta centrum
NBSP = "\u00a0"


def _project(lonlat: tuple[float, float], epsg: int) -> tuple[float, float]:
    """(easting, northing) of a lon/lat place in EPSG ``epsg``."""
    east, north = crs.transformer(crs.WGS84, epsg).transform(*lonlat)
    return east, north


def _to_3006(x: float, y: float, epsg: int) -> tuple[float, float]:
    if epsg == crs.SWEREF99TM:
        return x, y
    east, north = crs.transformer(epsg, crs.SWEREF99TM).transform(x, y)
    return east, north


def _grouped(value: int, separator: str = " ") -> str:
    """Thousands grouped the Swedish way: 6 580 505."""
    return f"{value:,}".replace(",", separator)


# Truncated, as the spec and most systems show them: 673779, 6580505 (the exact values end in .28 and .82).
HALL_E, HALL_N = (int(v) for v in _project(CITY_HALL, crs.SWEREF99TM))
KISTA_E11, KISTA_N11 = (round(v, 2) for v in _project(KISTA, crs.SWEREF99_1800))
FARSTA_E11, FARSTA_N11 = (round(v, 2) for v in _project(FARSTA, crs.SWEREF99_1800))
HALL_3006 = (float(HALL_E), float(HALL_N))
HALL_FROM_DEGREES = _project(CITY_HALL, crs.SWEREF99TM)
KISTA_3006 = _to_3006(KISTA_E11, KISTA_N11, crs.SWEREF99_1800)
FARSTA_3006 = _to_3006(FARSTA_E11, FARSTA_N11, crs.SWEREF99_1800)

POINTS = [
    (f"{HALL_N} {HALL_E}", 3006, "north_east", HALL_3006,
     "SWEREF 99 TM northing first, as the definition has it, is read as such"),
    (f"{HALL_E} {HALL_N}", 3006, "east_north", HALL_3006,
     "SWEREF 99 TM pasted easting first is recognised by the size of the numbers"),
    (f"N {HALL_N} E {HALL_E}", 3006, "north_east", HALL_3006, "N and E labels decide the axes"),
    (f"E {HALL_E}, N {HALL_N}", 3006, "east_north", HALL_3006, "E before N labels decide the axes"),
    (f"{HALL_N}N {HALL_E}E", 3006, "north_east", HALL_3006, "labels after the numbers decide the axes too"),
    (f"x={HALL_E} y={HALL_N}", 3006, "east_north", HALL_3006, "x and y labels read x as the easting"),
    (f"N {_grouped(HALL_N)}, E {_grouped(HALL_E)}", 3006, "north_east", HALL_3006,
     "our own description, with space-grouped thousands, can be pasted back"),
    ("6580505,5 673779,25", 3006, "north_east", (673779.25, 6580505.5),
     "decimal commas with a space between the numbers are decimals"),
    ("6580505,5\t673779,25", 3006, "north_east", (673779.25, 6580505.5),
     "decimal commas with a tab between the numbers are decimals"),
    ("6580505,5;673779,25", 3006, "north_east", (673779.25, 6580505.5),
     "decimal commas with a semicolon between the numbers are decimals"),
    (f"{HALL_N},{HALL_E}", 3006, "north_east", HALL_3006, "a comma between two whole numbers separates them"),
    (_grouped(HALL_N, NBSP) + " " + _grouped(HALL_E, NBSP), 3006, "north_east", HALL_3006,
     "non-breaking spaces inside numbers are thousands separators"),
    (f"{KISTA_N11:.2f} {KISTA_E11:.2f}", 3011, "north_east", KISTA_3006,
     "Kista in SWEREF 99 18 00 northing first is told apart from SWEREF 99 TM by the easting"),
    (f"{FARSTA_E11:.2f}, {FARSTA_N11:.2f}", 3011, "east_north", FARSTA_3006,
     "Farsta in SWEREF 99 18 00 easting first is recognised"),
    ("59.3275, 18.0545", 4326, "lat_lon", HALL_FROM_DEGREES, "WGS 84 latitude, longitude is read as such"),
    ("18.0545 59.3275", 4326, "lon_lat", HALL_FROM_DEGREES, "WGS 84 longitude first is recognised"),
    ("59,3275 18,0545", 4326, "lat_lon", HALL_FROM_DEGREES, "WGS 84 with decimal commas and a space is read"),
    ("59°19'39.0\"N 18°03'16.2\"E", 4326, "lat_lon", HALL_FROM_DEGREES,
     "degrees, minutes and seconds with hemisphere letters are read"),
    ("N59°19´39\" E18°3´16,2\"", 4326, "lat_lon", HALL_FROM_DEGREES,
     "degrees, minutes and seconds with leading letters, acute accents and a decimal comma are read"),
    ("59.3275°N, 18.0545°E", 4326, "lat_lon", HALL_FROM_DEGREES, "decimal degrees with degree signs are read"),
    ("lon 18.0545 lat 59.3275", 4326, "lon_lat", HALL_FROM_DEGREES, "lon and lat labels decide the axes"),
    (f"N\tE\n{HALL_N}\t{HALL_E}", 3006, "north_east", HALL_3006, "a spreadsheet header row labels the pairs below it"),
    ("59°19'46.2\"N 18°04'07.3\"E", 4326, "lat_lon", _project((18 + 4 / 60 + 7.3 / 3600, 59 + 19 / 60 + 46.2 / 3600),
                                                             crs.SWEREF99TM),
     "the brief's own degrees-minutes-seconds example is read"),
    (f"POINT ({HALL_E} {HALL_N})", 3006, "east_north", HALL_3006, "a WKT point is read easting first"),
    (f"SRID=3011;POINT({FARSTA_E11} {FARSTA_N11})", 3011, "east_north", FARSTA_3006,
     "an EWKT SRID fixes the CRS"),
    (f"{HALL_N} {HALL_E}\n{HALL_N} {HALL_E}", 3006, "north_east", HALL_3006,
     "the same point pasted twice is one point"),
]


@pytest.mark.parametrize(
    ("text", "epsg", "order", "expected_3006"), [p[:4] for p in POINTS], ids=[p[4] for p in POINTS]
)
def test_a_pasted_point_is_read_in_the_right_crs_and_order(
    text: str, epsg: int, order: str, expected_3006: tuple[float, float]
) -> None:
    reading = read_coordinates(text)
    assert (reading.epsg, reading.order) == (epsg, order)
    assert len(reading.points_3006) == 1
    (east, north), (lon, lat) = reading.points_3006[0], reading.points_lonlat[0]
    assert math.hypot(east - expected_3006[0], north - expected_3006[1]) < 0.01
    back_lon, back_lat = crs.transformer(crs.SWEREF99TM, crs.WGS84).transform(east, north)
    assert (lon, lat) == pytest.approx((back_lon, back_lat), abs=1e-7)
    assert reading.alternatives == ()


@pytest.mark.parametrize(
    ("text", "sv", "en"),
    [
        ("6580505 673779", "Tolkat som SWEREF 99 TM (EPSG:3006), N 6 580 505, E 673 779",
         "Read as SWEREF 99 TM (EPSG:3006), N 6 580 505, E 673 779"),
        ("673779,25 6580505,5", "Tolkat som SWEREF 99 TM (EPSG:3006), E 673 779,25, N 6 580 505,5",
         "Read as SWEREF 99 TM (EPSG:3006), E 673 779.25, N 6 580 505.5"),
        ("18.0545, 59.3275", "Tolkat som WGS 84 (EPSG:4326), lon 18,0545, lat 59,3275",
         "Read as WGS 84 (EPSG:4326), lon 18.0545, lat 59.3275"),
        ("x=6580505 y=673779",
         "Tolkat som SWEREF 99 TM (EPSG:3006), N 6 580 505, E 673 779, x tolkat som norr (svensk lantmäteripraxis)",
         "Read as SWEREF 99 TM (EPSG:3006), N 6 580 505, E 673 779, x read as the northing (Swedish surveying "
         "convention)"),
    ],
    ids=[
        "a SWEREF point is described with N and E in the order pasted",
        "decimals are described with a decimal comma in Swedish and a point in English",
        "a degree point is described with lat and lon in the order pasted",
        "x holding a northing is read the Swedish surveying way and the description says so",
    ],
)
def test_the_description_says_plainly_how_the_numbers_were_read(text: str, sv: str, en: str) -> None:
    reading = read_coordinates(text)
    assert (reading.description_sv, reading.description_en) == (sv, en)


def test_when_both_degree_orders_fit_latitude_first_wins_and_the_other_is_listed() -> None:
    reading = read_coordinates("59.3275 18.0545", area_lonlat=(17.0, 17.0, 60.0, 60.0))
    assert (reading.epsg, reading.order) == (4326, "lat_lon")
    assert len(reading.alternatives) == 1
    assert "lon 59.3275, lat 18.0545" in reading.alternatives[0]


# A 120 m × 80 m rectangle at Farsta centrum, corners as (northing, easting).
_F_E, _F_N = (round(v) for v in _project(FARSTA, crs.SWEREF99TM))
CORNERS_NE = [(_F_N, _F_E), (_F_N, _F_E + 120), (_F_N + 80, _F_E + 120), (_F_N + 80, _F_E)]
RECTANGLE_M2 = Polygon([(e, n) for n, e in CORNERS_NE]).area
CORNERS_3011 = [_project(crs.transformer(crs.SWEREF99TM, crs.WGS84).transform(e, n), crs.SWEREF99_1800)
                for n, e in CORNERS_NE]

POLYGONS = [
    ("\n".join(f"{n} {e}" for n, e in CORNERS_NE), 3006, "north_east",
     "four SWEREF 99 TM points one per line make a closed area"),
    ("\n".join(f"{n} {e}" for n, e in [*CORNERS_NE, CORNERS_NE[0]]), 3006, "north_east",
     "four points with the closing point repeated make the same area"),
    ("; ".join(f"{e}, {n}" for n, e in CORNERS_NE), 3006, "east_north",
     "points separated by semicolons with commas between easting and northing are read"),
    ("\n".join(f"{n},5\t{e},5" for n, e in CORNERS_NE), 3006, "north_east",
     "points with decimal commas and tabs, as copied from a Swedish spreadsheet, are read"),
    ("POLYGON((" + ", ".join(f"{e} {n}" for n, e in [*CORNERS_NE, CORNERS_NE[0]]) + "))", 3006, "east_north",
     "a WKT polygon is read"),
    ("\n".join(f"N {n:.3f} E {e:.3f}" for e, n in CORNERS_3011), 3011, "north_east",
     "labelled SWEREF 99 18 00 points are read and reprojected"),
    ("\n".join("{1:.8f}, {0:.8f}".format(*crs.transformer(crs.SWEREF99TM, crs.WGS84).transform(e, n))
               for n, e in CORNERS_NE), 4326, "lat_lon", "four WGS 84 points latitude first make the same area"),
]


@pytest.mark.parametrize(("text", "epsg", "order"), [p[:3] for p in POLYGONS], ids=[p[3] for p in POLYGONS])
def test_pasted_corners_make_a_closed_area_of_the_right_size(text: str, epsg: int, order: str) -> None:
    reading = read_coordinates(text)
    assert (reading.epsg, reading.order) == (epsg, order)
    assert len(reading.points_3006) == 5
    assert reading.points_3006[0] == reading.points_3006[-1]
    assert reading.points_lonlat[0] == reading.points_lonlat[-1]
    assert Polygon(reading.points_3006).area == pytest.approx(RECTANGLE_M2, abs=0.5)
    assert reading.description_sv.startswith("4 punkter i ")


def test_a_polygon_is_described_by_its_number_of_points_crs_and_order() -> None:
    reading = read_coordinates("\n".join(f"{n:.2f} {e:.2f}" for e, n in CORNERS_3011[:3]))
    assert reading.description_sv == "3 punkter i SWEREF 99 18 00 (EPSG:3011), norr först"
    assert reading.description_en == "3 points in SWEREF 99 18 00 (EPSG:3011), northing first"


GOTHENBURG_E, GOTHENBURG_N = (round(v) for v in _project((11.9746, 57.7089), crs.SWEREF99TM))
BOWTIE = [(_F_N, _F_E), (_F_N + 80, _F_E + 120), (_F_N, _F_E + 120), (_F_N + 80, _F_E)]

REFUSALS = [
    ("", {}, "no coordinates were given", "empty input is refused"),
    ("   \n ", {}, "no coordinates were given", "blank input is refused"),
    ("Stadshuset", {}, "could not read 'Stadshuset'", "a place name instead of numbers is refused"),
    ("674000", {}, "found only one number", "one number is refused"),
    ("6580505 673779 12", {}, "found 3 numbers", "three numbers are refused"),
    ("nan nan", {}, "not a finite number", "NaN is refused"),
    ("6580505 inf", {}, "not a finite number", "infinity is refused"),
    (f"{GOTHENBURG_N} {GOTHENBURG_E}", {}, "look like SWEREF 99 TM",
     "a point in Gothenburg is refused as outside the city area"),
    ("57.7089, 11.9746", {}, "outside the city area", "Gothenburg in degrees is refused as outside the city area"),
    ("1 2", {}, "not coordinates in Sweden", "small numbers are refused as not coordinates"),
    (f"{HALL_N} {HALL_E}\n{HALL_N + 100} {HALL_E}", {}, "two points do not make an area", "two points are refused"),
    ("\n".join(f"{n} {e}" for n, e in BOWTIE), {}, "Self-intersection", "a self-intersecting bowtie is refused"),
    ("\n".join(f"{n} {e}" for n, e in CORNERS_NE), {"max_points": 3}, "more than the limit of 3",
     "too many points are refused"),
    (f"N {HALL_N} N {HALL_E}", {}, "labelled N and N", "two northings in one point are refused"),
    (f"N {HALL_E} E {HALL_N}", {}, "read the other way round they fit",
     "labels that contradict the numbers are refused, not silently swapped"),
    ("N 1 E 2", {}, "not coordinates in Sweden", "labelled numbers that fit neither way round are refused"),
    ("\n".join(f"{n} {e}" for n, e in [*CORNERS_NE[:3], (GOTHENBURG_N, GOTHENBURG_E)]), {},
     "point 4 lies outside the city area", "an area with one corner in Gothenburg names that corner"),
    ("LINESTRING(0 0, 1 1)", {}, "LineString is not accepted", "a WKT line is refused"),
]


@pytest.mark.parametrize(("text", "kwargs", "fragment"), [r[:3] for r in REFUSALS], ids=[r[3] for r in REFUSALS])
def test_doubtful_input_is_refused_with_a_reason(text: str, kwargs: dict, fragment: str) -> None:
    with pytest.raises(GeometryError) as caught:
        read_coordinates(text, **kwargs)
    assert fragment.lower() in str(caught.value).lower()


def test_a_self_intersection_is_located_in_the_pasted_crs() -> None:
    with pytest.raises(GeometryError) as caught:
        read_coordinates("\n".join(f"{n} {e}" for n, e in BOWTIE))
    assert caught.value.location == pytest.approx((_F_E + 60, _F_N + 40))


def _formats(east: float, north: float) -> list[str]:
    lon, lat = crs.transformer(crs.SWEREF99TM, crs.WGS84).transform(east, north)
    e11, n11 = _project((lon, lat), crs.SWEREF99_1800)
    return [
        f"{north:.3f} {east:.3f}",
        f"{east:.3f}, {north:.3f}",
        f"{north:.3f}\t{east:.3f}".replace(".", ","),
        f"E {east:.3f} N {north:.3f}",
        f"{n11:.4f} {e11:.4f}",
        f"{lat:.9f}, {lon:.9f}",
        f"{lon:.9f} {lat:.9f}".replace(".", ","),
    ]


@settings(max_examples=60, deadline=None)
@given(lon=st.floats(17.65, 18.35), lat=st.floats(59.15, 59.5), style=st.integers(0, 6))
def test_a_point_survives_pasting_as_text_within_a_centimetre(lon: float, lat: float, style: int) -> None:
    east, north = _project((lon, lat), crs.SWEREF99TM)
    reading: Reading = read_coordinates(_formats(east, north)[style])
    back_east, back_north = reading.points_3006[0]
    assert math.hypot(back_east - east, back_north - north) < 0.01
