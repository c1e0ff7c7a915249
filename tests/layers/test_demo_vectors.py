"""Tests for the demo vector data (layers.demo_vectors): hazardous-goods routes, drinking water, crime incidents."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from geo.crs import SWEREF99TM, WGS84, transformer
from layers import crime, drinking_water, hazardous_goods
from layers.demo_city import city_outline, demo_districts
from layers.demo_vectors import (
    CATEGORIES,
    IncidentBatch,
    crime_incidents,
    drinking_water_features,
    hazardous_goods_routes,
    incident_rows,
)

TO_3006 = transformer(WGS84, SWEREF99TM)
T_CENTRALEN = Point(TO_3006.transform(18.0595, 59.3313))
STUREPLAN = Point(TO_3006.transform(18.0739, 59.3355))
SKARHOLMEN_CENTRUM = Point(TO_3006.transform(17.9070, 59.2770))
STOCKHOLM = ZoneInfo("Europe/Stockholm")
TARGET_SHARES = {"theft": 0.40, "vandalism": 0.20, "violence": 0.15, "drugs": 0.12, "robbery": 0.03, "other": 0.10}

ROUTES = hazardous_goods_routes()
WATER = drinking_water_features()


def district(name: str) -> shapely.Geometry:
    return next(d.geom for d in demo_districts() if d.name == name)


def of_class(cls: str) -> list:
    return [f for f in WATER if f.cls == cls]


def zone(cls: str) -> shapely.Geometry:
    (feature,) = of_class(cls)
    return feature.geom


# --- hazardous-goods routes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.properties['name']} is a valid line of 8 to 30 vertices")
def test_each_route_is_a_valid_line_of_a_sensible_size(route):
    assert isinstance(route.geom, LineString) and route.geom.is_valid and not route.geom.is_empty
    assert 8 <= len(route.geom.coords) <= 30
    assert set(route.properties) == {"name", "road"} and all(route.properties.values())


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.properties['name']} runs through the city")
def test_each_route_intersects_the_city_outline(route):
    assert route.geom.intersects(city_outline())


def test_there_are_12_to_18_routes_with_unique_names_and_only_the_layer_classes():
    assert 12 <= len(ROUTES) <= 18
    names = [r.properties["name"] for r in ROUTES]
    assert len(set(names)) == len(names)
    assert {r.cls for r in ROUTES} == {"primary", "secondary"}
    assert all(hazardous_goods.DEFINITION.class_of(r.cls) for r in ROUTES)


@pytest.mark.parametrize("road", ["E4", "E18"], ids=lambda road: f"{road} is a primary route")
def test_the_primary_routes_include_the_european_roads(road):
    assert any(r.cls == "primary" and road in r.properties["road"].split("/") for r in ROUTES)


def test_essingeleden_passes_west_of_sodermalm():
    (essingeleden,) = [r for r in ROUTES if r.properties["name"] == "Essingeleden"]
    assert essingeleden.geom.bounds[2] < district("Södermalm").centroid.x


def test_routes_are_the_same_on_every_call():
    assert [(r.cls, r.properties, r.geom.wkb) for r in hazardous_goods_routes()] == [
        (r.cls, r.properties, r.geom.wkb) for r in ROUTES
    ]


# --- drinking water ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", ["zone-primary", "zone-secondary"], ids=lambda c: f"the {c} is one valid polygon area")
def test_zones_are_valid_polygons_with_the_decision(cls):
    geom = zone(cls)
    assert isinstance(geom, Polygon | MultiPolygon) and geom.is_valid and geom.area > 1e6
    (feature,) = of_class(cls)
    assert feature.properties["name"] == "Östra Mälarens vattenskyddsområde"
    assert feature.properties["decision"] == "Länsstyrelsen i Stockholms län (demo)"
    assert feature.properties["zone"] == {"zone-primary": "primär", "zone-secondary": "sekundär"}[cls]


def test_the_secondary_zone_contains_the_primary_zone():
    assert zone("zone-secondary").buffer(0.01).contains(zone("zone-primary"))
    assert zone("zone-secondary").area > 1.5 * zone("zone-primary").area


@pytest.mark.parametrize("cls", ["zone-primary", "zone-secondary"], ids=lambda c: f"the {c} lies west of the centre")
def test_zones_lie_mostly_west_and_south_west_of_the_centre(cls):
    geom = zone(cls)
    west = shapely.box(0, 0, T_CENTRALEN.x - 5000, T_CENTRALEN.y + 5000)
    assert geom.intersection(west).area / geom.area > 0.95


def test_all_features_use_the_layer_classes():
    assert {f.cls for f in WATER} <= {c.key for c in drinking_water.DEFINITION.classes}
    assert len(of_class("waterworks")) == 2 and len(of_class("intake")) >= 2


@pytest.mark.parametrize("works", of_class("waterworks"), ids=lambda f: f"{f.properties['name']} is near the zone")
def test_each_waterworks_lies_ashore_within_1500_m_of_the_primary_zone(works):
    assert isinstance(works.geom, Point)
    assert 0 < zone("zone-primary").distance(works.geom) < 1500
    assert works.properties["operator"] == "Stockholm Vatten och Avfall (demo)"


@pytest.mark.parametrize("intake", of_class("intake"), ids=lambda f: f"{f.properties['name']} is out in the water")
def test_each_intake_lies_well_inside_the_primary_zone(intake):
    primary = zone("zone-primary")
    # More than the 100 m shore strip from the zone's edge: out in the water, not on the shore.
    assert primary.contains(intake.geom) and primary.boundary.distance(intake.geom) > 150
    assert min(w.geom.distance(intake.geom) for w in of_class("waterworks")) < 2000


# --- crime incidents --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch() -> IncidentBatch:
    return crime_incidents()


@pytest.fixture(scope="module")
def local_hours(batch) -> tuple[np.ndarray, np.ndarray]:
    """Local weekday (Monday 0) and hour of each incident, via zoneinfo rather than the module's own rule."""
    hours = batch.occurred_at.astype("datetime64[h]").astype(np.int64)
    unique, inverse = np.unique(hours, return_inverse=True)
    local = [datetime.fromtimestamp(int(h) * 3600, tz=UTC).astimezone(STOCKHOLM) for h in unique]
    return np.array([t.weekday() for t in local])[inverse], np.array([t.hour for t in local])[inverse]


@pytest.mark.parametrize("n", [0, 1, 12_345], ids=lambda n: f"asking for {n} incidents gives exactly {n}")
def test_there_are_exactly_n_incidents(n):
    result = crime_incidents(n)
    assert len(result) == n
    assert all(len(a) == n for a in (result.x, result.y, result.occurred_at, result.category))


def test_the_default_is_100_000_incidents_with_the_documented_dtypes(batch):
    assert len(batch) == 100_000
    assert batch.x.dtype == np.float64 and batch.y.dtype == np.float64
    assert batch.occurred_at.dtype == np.dtype("datetime64[s]")
    assert set(np.unique(batch.category)) == set(CATEGORIES) == {c.key for c in crime.DEFINITION.classes}


def test_the_same_seed_gives_the_same_arrays_and_another_seed_does_not(batch):
    again = crime_incidents()
    for name in ("x", "y", "occurred_at", "category"):
        assert np.array_equal(getattr(batch, name), getattr(again, name))
    assert not np.array_equal(batch.x, crime_incidents(seed=1).x)


def test_the_arrays_are_read_only(batch):
    with pytest.raises(ValueError):
        batch.x[0] = 0.0


def test_every_incident_lies_inside_the_city_outline(batch):
    assert shapely.contains_xy(city_outline(), batch.x, batch.y).all()


@pytest.mark.parametrize(
    ("end", "years", "first", "stop"),
    [
        (date(2026, 10, 31), 3, "2023-11-01", "2026-11-01"),
        (date(2024, 2, 29), 1, "2023-03-01", "2024-03-01"),
    ],
    ids=["three years up to 31 October 2026", "one year up to a leap day"],
)
def test_all_times_lie_in_the_window(end, years, first, stop):
    result = crime_incidents(20_000, end=end, years=years)
    assert result.occurred_at.min() >= np.datetime64(first + "T00:00:00")
    assert result.occurred_at.max() < np.datetime64(stop + "T00:00:00")
    # The whole window is used, not just a part of it.
    assert result.occurred_at.min() < np.datetime64(first + "T00:00:00") + np.timedelta64(7, "D")
    assert result.occurred_at.max() > np.datetime64(stop + "T00:00:00") - np.timedelta64(7, "D")


@pytest.mark.parametrize("category", list(TARGET_SHARES), ids=lambda c: f"the share of {c} is near its target")
def test_category_shares_are_near_their_targets(batch, category):
    assert np.mean(batch.category == category) == pytest.approx(TARGET_SHARES[category], abs=0.02)


def test_friday_and_saturday_nights_have_far_more_violence_per_hour_than_tuesday_mornings(batch, local_hours):
    weekday, hour = local_hours
    violence = batch.category == "violence"
    weekend_night = (np.isin(weekday, [4, 5]) & (hour >= 22)) | (np.isin(weekday, [5, 6]) & (hour < 3))
    tuesday_morning = (weekday == 1) & (hour >= 10) & (hour < 12)
    # Per week: 10 weekend-night hours (2 + 3, twice) against 2 Tuesday hours.
    night_rate = np.sum(violence & weekend_night) / 10
    tuesday_rate = np.sum(violence & tuesday_morning) / 2
    assert night_rate > 3 * tuesday_rate


def test_theft_happens_mostly_in_the_afternoon_and_evening(batch, local_hours):
    _, hour = local_hours
    theft_hours = hour[batch.category == "theft"]
    assert np.mean((theft_hours >= 12) & (theft_hours < 20)) > 0.45
    assert np.mean(theft_hours < 6) < 0.08


def test_the_square_kilometre_around_t_centralen_is_many_times_denser_than_the_city(batch):
    cell = shapely.box(T_CENTRALEN.x - 500, T_CENTRALEN.y - 500, T_CENTRALEN.x + 500, T_CENTRALEN.y + 500)
    in_cell = shapely.contains_xy(cell, batch.x, batch.y).sum()
    city_per_km2 = len(batch) / (city_outline().area / 1e6)
    assert in_cell > 10 * city_per_km2


@pytest.mark.parametrize(
    ("place", "category"),
    [(STUREPLAN, "violence"), (SKARHOLMEN_CENTRUM, "theft")],
    ids=["Stureplan has more violence than the city", "Skärholmen centrum has more theft than the city"],
)
def test_places_have_their_own_mix(batch, place, category):
    near = np.hypot(batch.x - place.x, batch.y - place.y) < 150
    assert near.sum() > 200
    assert np.mean(batch.category[near] == category) > 1.2 * np.mean(batch.category == category)


def test_incident_rows_yield_iso_utc_timestamps_category_and_coordinates(batch):
    rows = list(incident_rows(crime_incidents(50)))
    assert len(rows) == 50
    stamp, category, x, y = rows[0]
    assert stamp.endswith("Z") and datetime.fromisoformat(stamp).tzinfo is not None
    assert category in CATEGORIES and isinstance(x, float) and isinstance(y, float)


def test_100_000_incidents_take_less_than_3_seconds():
    started = time.perf_counter()
    crime_incidents(100_000, seed=7)
    assert time.perf_counter() - started < 3.0
