"""Tests for geo.geojson: the one gate every geometry passes through."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import crs
from geo.geojson import GEOMETRY_TYPES, GeometryError, GeometryLimits, parse_geometry, to_geojson

SQUARE = [[18.0, 59.0], [18.1, 59.0], [18.1, 59.1], [18.0, 59.1], [18.0, 59.0]]
BOWTIE = [[18.0, 59.0], [18.1, 59.1], [18.1, 59.0], [18.0, 59.1], [18.0, 59.0]]


def _geom(gtype: str, coordinates: Any) -> str:
    return json.dumps({"type": gtype, "coordinates": coordinates})


# (input, keyword arguments, fragment of the message, expected pointer)
REFUSALS = [
    (
        '{"type": "Point", "coordinates": [18, 59]',
        {},
        "not valid JSON: Expecting ',' delimiter at line 1",
        None,
    ),
    ('{"type": "Point", "coordinates": [NaN, 59]}', {}, "non-finite number NaN", None),
    ('{"type": "Point", "coordinates": [18, Infinity]}', {}, "non-finite number Infinity", None),
    ('{"type": "Point", "coordinates": [18, 1e400]}', {}, "finite numbers", "/coordinates/1"),
    ("[18, 59]", {}, "top level must be a JSON object", None),
    ('{"coordinates": [18, 59]}', {}, 'no "type"', None),
    (_geom("Circle", [18, 59]), {}, '"Circle" is not a GeoJSON geometry type', "/type"),
    ('{"type": "FeatureCollection", "features": []}', {}, "not a FeatureCollection", None),
    (
        '{"type": "GeometryCollection", "geometries": []}',
        {},
        "GeometryCollection is not accepted here; allowed types: LineString",
        "/type",
    ),
    (
        _geom("Polygon", [SQUARE]),
        {"limits": GeometryLimits(allowed_types=frozenset({"Point"}))},
        "allowed types: Point",
        "/type",
    ),
    ('{"type": "Feature", "properties": {}, "geometry": null}', {}, "no geometry", "/geometry"),
    (_geom("Point", [True, 59]), {}, "expected a number but found a boolean", "/coordinates/0"),
    (_geom("Point", ["18", 59]), {}, "expected a number but found a string", "/coordinates/0"),
    (_geom("Point", [[18, 59]]), {}, "found an array; Point coordinates look like [x, y]", "/coordinates/0"),
    (_geom("Polygon", SQUARE), {}, "expected a position", "/coordinates/0/0"),
    (
        _geom("LineString", [[[18, 59], [18.1, 59]]]),
        {},
        "expected a number but found an array",
        "/coordinates/0/0",
    ),
    ('{"type": "Point"}', {}, 'no "coordinates"', None),
    (_geom("Point", [18]), {}, "2 or 3 numbers, this one has 1", "/coordinates"),
    (_geom("Point", [18, 59, 10, 1]), {}, "2 or 3 numbers, this one has 4", "/coordinates"),
    (_geom("LineString", [[18, 59]]), {}, "at least 2 positions, this one has 1", "/coordinates"),
    (
        _geom("MultiLineString", [[[18, 59], [18.1, 59]], [[18, 59]]]),
        {},
        "at least 2 positions",
        "/coordinates/1",
    ),
    (_geom("Polygon", [SQUARE[:3]]), {}, "at least 4 positions, this one has 3", "/coordinates/0"),
    (_geom("Polygon", [SQUARE, SQUARE[:4]]), {}, "polygon ring 1 is not closed", "/coordinates/1"),
    (_geom("MultiPolygon", [[SQUARE[:4]]]), {}, "polygon ring 0 is not closed", "/coordinates/0/0"),
    (_geom("Point", [18, 95]), {}, "latitude 95 is out of range [-90, 90]", "/coordinates"),
    (_geom("Point", [59.33, 18.07]), {}, "swapped", "/coordinates"),
    (_geom("Point", [674000, 6580000]), {}, "projected metres", "/coordinates"),
    (_geom("Point", [181, 59]), {}, "longitude 181 is out of range", "/coordinates"),
    (
        _geom("LineString", [[18, 59], [2.3522, 48.8566]]),
        {},
        "outside the area where SWEREF 99 TM is valid",
        "/coordinates/1",
    ),
    (
        _geom("Point", [18.07, 59.33]),
        {"crs": crs.SWEREF99TM},
        "look like longitude/latitude degrees",
        "/coordinates",
    ),
    (_geom("Point", [6580000, 674000]), {"crs": crs.SWEREF99TM}, "swapped", "/coordinates"),
    (
        _geom("Polygon", [SQUARE]),
        {"limits": GeometryLimits(max_vertices=4)},
        "5 positions, more than the limit of 4",
        None,
    ),
    (_geom("Polygon", [BOWTIE]), {}, "Self-intersection at lon 18.050000, lat 59.050000", None),
    (
        _geom("LineString", [[18, 59], [18, 59]]),
        {"repair": True},
        "could not be repaired unambiguously",
        None,
    ),
    (_geom("Point", [18, 59]), {"limits": GeometryLimits(max_bytes=20)}, "over the limit of 20 bytes", None),
    (_geom("Point", []), {}, "empty geometry", "/coordinates"),
    (_geom("MultiPolygon", []), {}, "empty geometry", "/coordinates"),
    (_geom("MultiPolygon", [[]]), {}, "polygon has no rings", "/coordinates/0"),
    (
        json.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [18, "x"]}}),
        {},
        "found a string",
        "/geometry/coordinates/1",
    ),
]
REFUSAL_IDS = [
    "text that is not JSON is refused with its line and column",
    "a NaN literal is refused as a non-finite number",
    "an Infinity literal is refused as a non-finite number",
    "a number too large for a float is refused as non-finite",
    "a top-level array is refused",
    "an object without a type is refused",
    "an unknown type is refused by name",
    "a FeatureCollection is refused with advice to send one geometry",
    "a GeometryCollection is refused by default, naming the allowed types",
    "a type outside the caller's allowed set is refused",
    "a Feature with a null geometry is refused",
    "a boolean is not a coordinate",
    "a string is not a coordinate",
    "a Point nested one level too deep is refused",
    "a Polygon nested one level too shallow is refused",
    "a LineString nested one level too deep is refused",
    "a geometry without coordinates is refused",
    "a Point with one number is refused",
    "a position with four numbers is refused",
    "a LineString with one position is refused",
    "a short line inside a MultiLineString is refused with its pointer",
    "a ring with three positions is refused",
    "an unclosed ring is refused by its number",
    "an unclosed ring inside a MultiPolygon is refused with its pointer",
    "a latitude beyond 90 is refused",
    "swapped latitude and longitude over Sweden are recognised",
    "projected metres sent as degrees are recognised",
    "a longitude beyond 180 is refused",
    "a position in Paris is outside SWEREF 99 TM",
    "degrees sent as SWEREF 99 TM are recognised",
    "swapped SWEREF 99 TM easting and northing are recognised",
    "more vertices than the limit are refused with the count",
    "a bowtie is refused as a self-intersection at its crossing point",
    "a line collapsing to a point cannot be repaired",
    "more bytes than the limit are refused",
    "an empty Point is refused",
    "an empty MultiPolygon is refused",
    "a polygon without rings inside a MultiPolygon is refused",
    "the pointer of an error inside a Feature goes through its geometry",
]


@pytest.mark.parametrize(("data", "kwargs", "fragment", "pointer"), REFUSALS, ids=REFUSAL_IDS)
def test_refusals(data: str, kwargs: dict[str, Any], fragment: str, pointer: str | None) -> None:
    with pytest.raises(GeometryError) as caught:
        parse_geometry(data, **kwargs)
    error = caught.value
    assert fragment.lower() in str(error).lower()
    assert error.pointer == pointer
    assert str(error).endswith(".")
    if pointer:
        assert pointer in str(error)


def test_a_self_intersection_carries_its_location_in_the_input_crs() -> None:
    with pytest.raises(GeometryError) as caught:
        parse_geometry(_geom("Polygon", [BOWTIE]))
    assert caught.value.location == pytest.approx((18.05, 59.05))


def test_a_self_intersection_in_sweref_is_located_in_metres() -> None:
    bowtie = [[674000, 6580000], [675000, 6581000], [675000, 6580000], [674000, 6581000], [674000, 6580000]]
    with pytest.raises(GeometryError, match=r"Self-intersection at E 674500\.00, N 6580500\.00"):
        parse_geometry(_geom("Polygon", [bowtie]), crs=crs.SWEREF99TM)


def test_bytes_input_is_decoded() -> None:
    point = parse_geometry(_geom("Point", [18.0545, 59.3275]).encode())
    assert point.geom_type == "Point"


ACCEPTED = [
    (_geom("Point", [18.0545, 59.3275]), {}, "Point", (673779.28, 6580505.82)),
    (_geom("Polygon", [SQUARE]), {}, "Polygon", None),
    (
        json.dumps(
            {
                "type": "Feature",
                "properties": {"name": "x"},
                "geometry": json.loads(_geom("Polygon", [SQUARE])),
            }
        ),
        {},
        "Polygon",
        None,
    ),
    (_geom("Point", [18.0545, 59.3275, 12.5]), {}, "Point", (673779.28, 6580505.82)),
    (_geom("Point", [674000, 6580000]), {"crs": crs.SWEREF99TM}, "Point", (674000.0, 6580000.0)),
    (
        json.loads(_geom("LineString", [[674000, 6580000], [675000, 6581000]])),
        {"crs": crs.SWEREF99TM},
        "LineString",
        (674000.0, 6580000.0),
    ),
    (_geom("Point", [2_009_790.0, 8_255_000.0]), {"crs": crs.WEB_MERCATOR}, "Point", None),
    (_geom("Point", [153_000.0, 6_579_000.0]), {"crs": crs.SWEREF99_1800}, "Point", None),
    (_geom("MultiPoint", [[18, 59], [18.1, 59.1]]), {}, "MultiPoint", None),
    (
        '{"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [18, 59]}]}',
        {"limits": GeometryLimits(allowed_types=GEOMETRY_TYPES | {"GeometryCollection"})},
        "GeometryCollection",
        None,
    ),
]
ACCEPTED_IDS = [
    "a Point is projected to SWEREF 99 TM",
    "a Polygon is accepted",
    "a Feature is unwrapped to its geometry",
    "a height is dropped, leaving a 2D point",
    "SWEREF 99 TM input is kept as it is",
    "an already decoded dict is accepted",
    "Web Mercator input is accepted",
    "SWEREF 99 18 00 input is accepted",
    "a MultiPoint is accepted",
    "a GeometryCollection is accepted when the caller allows it",
]


@pytest.mark.parametrize(("data", "kwargs", "geom_type", "first"), ACCEPTED, ids=ACCEPTED_IDS)
def test_accepted(data: Any, kwargs: dict[str, Any], geom_type: str, first: tuple[float, float] | None) -> None:
    geom = parse_geometry(data, **kwargs)
    assert geom.geom_type == geom_type
    assert geom.is_valid and not geom.is_empty
    assert not shapely.has_z(geom)
    minx, miny, maxx, maxy = geom.bounds
    bounds = crs.SWEREF99TM_BOUNDS
    assert bounds[0] <= minx <= maxx <= bounds[2] and bounds[1] <= miny <= maxy <= bounds[3]
    if first is not None:
        assert shapely.get_coordinates(geom)[0] == pytest.approx(first, abs=0.01)


def test_a_bowtie_is_repaired_into_two_triangles_when_asked() -> None:
    geom = parse_geometry(_geom("Polygon", [BOWTIE]), repair=True)
    assert geom.geom_type in {"Polygon", "MultiPolygon"}
    assert geom.is_valid and geom.area > 0
    # Each triangle is a quarter of the 0.1° square; together about half of it.
    square = parse_geometry(_geom("Polygon", [SQUARE]))
    assert geom.area == pytest.approx(square.area / 2, rel=0.01)


def test_overlapping_multipolygon_parts_are_merged_when_repair_is_asked() -> None:
    other = [[x + 0.05, y] for x, y in SQUARE]
    geom = parse_geometry(_geom("MultiPolygon", [[SQUARE], [other]]), repair=True)
    assert geom.geom_type == "Polygon" and geom.is_valid


@pytest.mark.parametrize(
    ("target", "precision", "expected"),
    [
        (crs.WGS84, None, [18.0545, 59.3275]),
        (crs.SWEREF99TM, None, [673779.28, 6580505.82]),
        (crs.WGS84, 2, [18.05, 59.33]),
    ],
    ids=[
        "WGS 84 output has six decimals",
        "SWEREF 99 TM output has two decimals",
        "an explicit precision wins",
    ],
)
def test_to_geojson(target: int, precision: int | None, expected: list[float]) -> None:
    geom = parse_geometry(_geom("Point", [18.0545, 59.3275]))
    out = to_geojson(geom, crs=target, precision=precision)
    assert out == {"type": "Point", "coordinates": expected}


def test_to_geojson_gives_json_lists_for_polygons() -> None:
    out = to_geojson(parse_geometry(_geom("Polygon", [SQUARE])))
    assert out == {"type": "Polygon", "coordinates": [SQUARE]}
    assert json.loads(json.dumps(out)) == out


LON = st.floats(min_value=crs.SWEREF99TM_AREA_LONLAT[0], max_value=crs.SWEREF99TM_AREA_LONLAT[2])
LAT = st.floats(min_value=crs.SWEREF99TM_AREA_LONLAT[1], max_value=crs.SWEREF99TM_AREA_LONLAT[3])


@settings(max_examples=200, deadline=None)
@given(lon=LON, lat=LAT)
def test_any_point_inside_sweref_round_trips(lon: float, lat: float) -> None:
    out = to_geojson(parse_geometry({"type": "Point", "coordinates": [lon, lat]}))
    assert math.isclose(out["coordinates"][0], lon, abs_tol=1e-6)
    assert math.isclose(out["coordinates"][1], lat, abs_tol=1e-6)


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)
TYPES = st.sampled_from([*sorted(GEOMETRY_TYPES), "GeometryCollection", "Feature", "FeatureCollection", "Nope"])
NUMBERS = st.floats(min_value=10, max_value=25) | st.floats(min_value=54, max_value=70) | JSON_SCALARS
NESTED = st.recursive(NUMBERS, lambda inner: st.lists(inner, max_size=6), max_leaves=40)
GARBAGE = st.fixed_dictionaries(
    {"type": TYPES},
    optional={"coordinates": NESTED | JSON_VALUES, "geometry": JSON_VALUES, "geometries": JSON_VALUES},
)


@settings(max_examples=400, deadline=None)
@given(data=GARBAGE, repair=st.booleans(), as_text=st.booleans())
def test_garbage_never_raises_anything_but_geometry_error(data: dict, repair: bool, as_text: bool) -> None:
    payload: Any = json.dumps(data) if as_text else data
    everything = GeometryLimits(allowed_types=GEOMETRY_TYPES | {"GeometryCollection"})
    try:
        geom = parse_geometry(payload, repair=repair, limits=everything)
    except GeometryError:
        return
    assert geom.is_valid and not geom.is_empty


# Well-shaped but random geometries on a coarse grid: they reach the validity and repair code, often with
# self-intersections, duplicate points and collapsed rings.
GRID = st.tuples(st.integers(0, 4), st.integers(0, 4)).map(lambda p: [18 + p[0] / 100, 59 + p[1] / 100])
RING = st.lists(GRID, min_size=3, max_size=7).map(lambda r: [*r, r[0]])
SHAPED = st.one_of(
    GRID.map(lambda c: {"type": "Point", "coordinates": c}),
    st.lists(GRID, min_size=2, max_size=6).map(lambda c: {"type": "LineString", "coordinates": c}),
    st.lists(RING, min_size=1, max_size=3).map(lambda c: {"type": "Polygon", "coordinates": c}),
    st.lists(st.lists(RING, min_size=1, max_size=2), min_size=1, max_size=3).map(
        lambda c: {"type": "MultiPolygon", "coordinates": c}
    ),
)


@settings(max_examples=300, deadline=None)
@given(data=SHAPED, repair=st.booleans())
def test_shaped_input_is_either_refused_or_valid_and_of_the_same_dimension(data: dict, repair: bool) -> None:
    try:
        geom = parse_geometry(data, repair=repair)
    except GeometryError as error:
        assert repair or "invalid geometry" in error.message or "at least" in error.message
        return
    assert geom.is_valid and not geom.is_empty
    polygonal = data["type"].endswith("Polygon")
    assert geom.geom_type.endswith("Polygon") == polygonal
