"""Tests for the generated demo districts (layers.demo_city)."""

from __future__ import annotations

import itertools

import pytest
from pyproj import Transformer
from shapely.geometry import MultiPolygon
from shapely.ops import unary_union

from layers.demo_city import DEMO_SOURCE, DemoDistrict, city_outline, demo_districts

EXPECTED = {
    "1": "Rinkeby-Kista",
    "3": "Spånga-Tensta",
    "4": "Hässelby-Vällingby",
    "6": "Bromma",
    "8": "Kungsholmen",
    "9": "Norrmalm",
    "10": "Östermalm",
    "11": "Södermalm",
    "14": "Enskede-Årsta-Vantör",
    "15": "Skarpnäck",
    "18": "Farsta",
    "22": "Hägersten-Älvsjö",
    "24": "Skärholmen",
}
REAL_TOTAL_AREA_M2 = 215.8e6  # union of Stockholms stad's Stadsdelsnämndsområden 2020


def by_name() -> dict[str, DemoDistrict]:
    return {d.name: d for d in demo_districts()}


def centroid(name: str):
    return by_name()[name].geom.centroid


def test_there_are_13_districts_with_the_official_codes_and_names():
    districts = demo_districts()
    assert len(districts) == 13
    assert {d.code: d.name for d in districts} == EXPECTED
    assert len({d.code for d in districts}) == 13


def test_districts_are_sorted_numerically_by_code():
    codes = [d.code for d in demo_districts()]
    assert codes == sorted(codes, key=int)


def test_each_call_returns_a_fresh_list():
    first = demo_districts()
    first.clear()
    assert len(demo_districts()) == 13


def test_committee_is_named_after_the_district():
    for d in demo_districts():
        assert d.committee == f"{d.name} stadsdelsnämnd"


def test_demo_source_says_the_data_is_not_official():
    assert "demo" in DEMO_SOURCE and "not official" in DEMO_SOURCE


@pytest.mark.parametrize(
    "district", demo_districts(), ids=lambda d: f"{d.name} is a valid non-empty MultiPolygon"
)
def test_district_geometry_is_a_valid_multipolygon(district: DemoDistrict):
    assert isinstance(district.geom, MultiPolygon)
    assert district.geom.is_valid
    assert not district.geom.is_empty
    assert district.geom.area > 1e6  # every real district is at least 5 km²


@pytest.mark.parametrize(
    "a, b",
    [
        pytest.param(a, b, id=f"{a.name} does not overlap {b.name}")
        for a, b in itertools.combinations(demo_districts(), 2)
    ],
)
def test_no_two_districts_overlap(a: DemoDistrict, b: DemoDistrict):
    assert a.geom.intersection(b.geom).area < 1.0


def test_districts_cover_the_city_outline_without_gaps():
    union = unary_union([d.geom for d in demo_districts()])
    outline = city_outline()
    assert outline.is_valid
    assert union.symmetric_difference(outline).area < 1.0


def test_generation_is_deterministic():
    first = [d.geom.wkb for d in demo_districts()]
    _clear_caches()
    second = [d.geom.wkb for d in demo_districts()]
    assert first == second


def _clear_caches():
    from layers import demo_city

    demo_city._build.cache_clear()
    demo_city.city_outline.cache_clear()


@pytest.mark.parametrize(
    "north, south",
    [
        pytest.param(north, south, id=f"{north} is north of {south}")
        for north, south in [
            ("Rinkeby-Kista", "Södermalm"),
            ("Spånga-Tensta", "Bromma"),
            ("Norrmalm", "Södermalm"),
            ("Södermalm", "Enskede-Årsta-Vantör"),
            ("Hägersten-Älvsjö", "Skärholmen"),
        ]
    ],
)
def test_district_lies_north_of_the_other(north: str, south: str):
    assert centroid(north).y > centroid(south).y


def test_hasselby_vallingby_is_the_westernmost_district():
    westernmost = min(demo_districts(), key=lambda d: d.geom.centroid.x)
    assert westernmost.name == "Hässelby-Vällingby"


@pytest.mark.parametrize("name", ["Farsta", "Skarpnäck"], ids=lambda n: f"{n} is south-east of Södermalm")
def test_southern_suburb_is_south_east_of_sodermalm(name: str):
    c, sodermalm = centroid(name), centroid("Södermalm")
    assert c.y < sodermalm.y
    assert c.x > sodermalm.x


def test_ostermalm_is_east_of_kungsholmen():
    assert centroid("Östermalm").x > centroid("Kungsholmen").x


def test_norrmalm_lies_between_kungsholmen_and_ostermalm_in_x():
    assert centroid("Kungsholmen").x < centroid("Norrmalm").x < centroid("Östermalm").x


@pytest.mark.parametrize(
    "district", demo_districts(), ids=lambda d: f"{d.name} lies inside Stockholm in WGS84"
)
def test_district_lies_inside_the_stockholm_lon_lat_box(district: DemoDistrict):
    to_wgs84 = Transformer.from_crs(3006, 4326, always_xy=True)
    for polygon in district.geom.geoms:
        xs, ys = polygon.exterior.coords.xy
        lons, lats = to_wgs84.transform(list(xs), list(ys))
        assert all(17.7 <= lon <= 18.3 for lon in lons)
        assert all(59.2 <= lat <= 59.45 for lat in lats)


def test_total_area_is_close_to_the_real_city():
    total = sum(d.geom.area for d in demo_districts())
    assert abs(total - REAL_TOTAL_AREA_M2) <= 0.10 * REAL_TOTAL_AREA_M2
    assert abs(city_outline().area - total) < 1.0
