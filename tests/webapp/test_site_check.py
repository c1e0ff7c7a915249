"""The site check on synthetic layers with known answers, its boundaries, bad input, and the API."""
import dataclasses
from pathlib import Path

import numpy as np
import pytest
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, box
from sqlalchemy import text

from geo.crs import SWEREF99TM, WGS84, transform_geom
from geo.raster import write_cog
from layers.site_rules import SiteRules
from webapp.errors import PROBLEM_JSON, ProblemError
from webapp.services.imports import incidents
from webapp.services.imports.layers import register_raster, replace_features
from webapp.services.site_check import SiteInput, evaluate

RULES = SiteRules()
ROOT = Path(__file__).resolve().parents[2]
# A test route running east–west across Södermalm (demo district 11), y = 6 578 000.
ROUTE_Y = 6_578_000.0
ROUTE = LineString([(672_000, ROUTE_Y), (677_000, ROUTE_Y)])
# The flood pattern's origin: a 40 m × 40 m raster at 1 m, left half 0.2 m, right half 0.6 m of water.
FX, FY = 674_000.0, 6_579_040.0


def hazard(result, name):
    return next(h for h in result["hazards"] if h["hazard"] == name)


def check(db_session, geom, land_use="C", vulnerable=(), buffer_m=0.0, role="viewer"):
    """The check as JSON, as the API serialises the typed result."""
    return evaluate(db_session, SiteInput(geom=geom, land_use=land_use, vulnerable=tuple(vulnerable),
                                          buffer_m=buffer_m), RULES, role).to_json()


@pytest.fixture()
def route(db_session):
    replace_features(db_session, "hazardous-goods", [("primary", {"name": "Testleden"}, ROUTE)],
                     source="test", licence="", is_demo=False)


@pytest.fixture()
def flood_pattern(db_session, tmp_path):
    depth = np.zeros((40, 40), dtype="uint16")
    depth[:, :20] = 20   # 0.2 m, in centimetres as the flood layer stores them
    depth[:, 20:] = 60   # 0.6 m
    depth[30:, :] = 65535  # the southern quarter has no data
    path = tmp_path / "flood.tif"
    write_cog(path, depth, from_origin(FX, FY, 1.0, 1.0), nodata=65535)
    register_raster(db_session, "flood", path, source="test", licence="", is_demo=False, scale=0.01, offset=0.0,
                    nodata=65535, units="m")


@pytest.mark.parametrize(("distance_m", "land_use", "vulnerable", "level"), [
    (100.0, "C", (), "high"),
    (200.0, "C", (), "low"),
    (150.0, "A", (), "low"),
    (149.0, "A", (), "high"),
    (25.0, "B", (), "high"),
    (24.9, "B", (), "very_high"),
    (10.0, "A", (), "high"),
    (60.0, "C", ("preschool",), "very_high"),
    (80.0, "C", ("preschool",), "high"),
], ids=["housing 100 m from a route needs a risk assessment", "housing 200 m away is outside the 150 m distance",
        "exactly 150 m is outside the risk-management distance", "149 m is inside it",
        "offices exactly at 25 m keep their distance", "offices at 24.9 m are too close",
        "a car park at 10 m may be there but needs an assessment", "a preschool at 60 m is too close",
        "a preschool at 80 m keeps its distance"])
def test_distance_to_a_route_decides_the_hazardous_goods_verdict(db_session, route, distance_m, land_use,
                                                                 vulnerable, level):
    # A 20 m square whose southern edge lies `distance_m` north of the route.
    site = box(674_000, ROUTE_Y + distance_m, 674_020, ROUTE_Y + distance_m + 20)
    result = hazard(check(db_session, site, land_use, vulnerable), "hazardous_goods")
    assert result["values"]["nearest"]["primary"] == {"route": "Testleden", "distance_m": distance_m}
    assert result["level"] == level
    assert "Testleden" in result["sentence"]["sv"] and "Fakta 2016:4" in result["source"]


def test_a_point_with_a_buffer_is_measured_from_the_buffer_edge(db_session, route):
    result = hazard(check(db_session, Point(674_000, ROUTE_Y + 120), buffer_m=50), "hazardous_goods")
    assert result["values"]["nearest"]["primary"]["distance_m"] == pytest.approx(70.0, abs=0.1)


def test_known_depth_pattern_gives_known_band_shares(db_session, flood_pattern):
    # A 20 × 20 m square over the line between 0.2 m and 0.6 m, in the part with data.
    site = box(FX + 10, FY - 25, FX + 30, FY - 5)
    result = hazard(check(db_session, site, "C"), "flood")
    values = result["values"]
    assert values["max_depth_m"] == 0.6 and values["mean_depth_m"] == pytest.approx(0.4, abs=1e-6)
    assert values["share_at_least_m"] == {"0.1": 1.0, "0.3": 0.5, "0.5": 0.5, "1": 0.0}
    assert values["no_data_share"] == 0.0
    assert result["level"] == "very_high"  # housing: 0.6 m ≥ 0.3 m
    assert hazard(check(db_session, site, "A"), "flood")["level"] == "high"  # a car park: ≥ 0.5 m
    assert "0,6 m" in result["sentence"]["sv"] and "0.60 m" in result["sentence"]["en"]


def test_a_site_over_no_data_has_no_flood_verdict(db_session, flood_pattern):
    result = hazard(check(db_session, box(FX + 5, FY - 38, FX + 15, FY - 32)), "flood")
    assert result["level"] == "no_data" and "inga värden" in result["sentence"]["sv"]


def test_a_site_partly_outside_the_raster_counts_the_outside_as_no_data(db_session, flood_pattern):
    # Half of this square lies west of the raster, in its left (0.2 m) part.
    site = box(FX - 10, FY - 20, FX + 10, FY)
    values = hazard(check(db_session, site), "flood")["values"]
    assert values["no_data_share"] == pytest.approx(0.5, abs=0.01)
    assert values["share_at_least_m"]["0.1"] == pytest.approx(0.5, abs=0.01)
    assert values["max_depth_m"] == 0.2


def test_a_site_straddling_two_districts_names_both_committees(db_session):
    # The middle of the boundary Södermalm and Östermalm share, with a 10 m buffer.
    edge = db_session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(ST_GeometryN(ST_LineMerge(ST_Intersection("
        "ST_Boundary(a.geom), ST_Boundary(b.geom))), 1), 0.5) AS p "
        "FROM district a, district b WHERE a.code = '11' AND b.code = '10') s")).one()
    result = check(db_session, Point(*edge), buffer_m=10)
    names = {d["name"] for d in result["districts"]}
    assert names == {"Södermalm", "Östermalm"}
    assert {d["committee"] for d in result["districts"]} == {"Södermalm stadsdelsnämnd", "Östermalm stadsdelsnämnd"}


def test_incidents_near_the_site_are_counted_but_small_counts_are_hidden(db_session):
    site = Point(674_000, 6_578_500)
    rows = [("2026-09-01T22:00:00+02:00", "violence", 674_000 + 10 * i, 6_578_500) for i in range(7)]
    rows += [("2026-09-01T22:00:00+02:00", "theft", 680_000, 6_590_000)] * 3
    incidents.replace_all(db_session, rows, source="test", is_demo=False)
    result = hazard(check(db_session, site, buffer_m=0), "crime")
    assert result["values"]["incidents_within_radius"] == 7
    assert isinstance(result["values"]["computed_hotspots"], int)   # computed with the import
    incidents.replace_all(db_session, rows[4:], source="test", is_demo=False)
    assert hazard(check(db_session, site), "crime")["values"]["incidents_within_radius"] == "< 5"


def test_drinking_water_zone_and_route_through_it_raise_the_verdict(db_session):
    zone = box(673_000, 6_578_000, 675_000, 6_580_000)  # over Södermalm, for the test
    replace_features(db_session, "drinking-water", [("zone-secondary", {"name": "Testzonen"}, zone),
                                                    ("waterworks", {"name": "Testverket"}, Point(674_000, 6_577_000))],
                     source="test", licence="", is_demo=False)
    site = box(674_000, 6_579_000, 674_050, 6_579_050)
    water = hazard(check(db_session, site), "drinking_water")
    assert water["level"] == "moderate" and water["values"]["zones"][0]["class"] == "zone-secondary"
    assert water["values"]["nearest_facility"]["distance_m"] == pytest.approx(2000.0)
    replace_features(db_session, "hazardous-goods",
                     [("primary", {"name": "Zonleden"}, LineString([(673_000, 6_579_200), (675_000, 6_579_200)]))],
                     source="test", licence="", is_demo=False)
    water = hazard(check(db_session, site), "drinking_water")
    assert water["level"] == "high" and water["values"]["routes_in_zone_nearby"] == ["Zonleden"]
    assert "Zonleden" in water["sentence"]["sv"]


def test_the_public_gets_no_drinking_water_verdict(db_session):
    result = hazard(check(db_session, Point(674_000, 6_578_500), role="public"), "drinking_water")
    assert result["level"] == "no_data"


def test_thresholds_come_from_configuration(db_session, route):
    rules = RULES.with_(hazardous_goods=dataclasses.replace(RULES.hazardous_goods, risk_management_distance_m=300.0))
    site = box(674_000, ROUTE_Y + 200, 674_020, ROUTE_Y + 220)
    result = evaluate(db_session, SiteInput(geom=site, land_use="C"), rules, "viewer").to_json()
    assert hazard(result, "hazardous_goods")["level"] == "high"


def test_a_site_outside_the_city_is_refused(db_session):
    with pytest.raises(ProblemError, match="outside the city"):
        check(db_session, Point(640_000, 6_560_000))


def feature(geometry, **props):
    return {"type": "Feature", "geometry": geometry, "properties": {"land_use": "C", **props}}


MEDBORGARPLATSEN = {"type": "Point", "coordinates": [18.0735, 59.3143]}


@pytest.mark.parametrize(("body", "fragment"), [
    ({"type": "Point", "coordinates": [18.07, 59.31]}, "Send a GeoJSON Feature"),
    (feature(MEDBORGARPLATSEN, land_use="D"), "land_use must be A, B or C"),
    (feature(MEDBORGARPLATSEN, buffer_m=600), "buffer_m must be a number of metres from 0 to 500"),
    (feature(MEDBORGARPLATSEN, vulnerable=["school"]), "vulnerable must be a list of preschool, care_home"),
    (feature({"type": "Polygon", "coordinates": [[[18.0, 59.28], [18.1, 59.28], [18.1, 59.33], [18.0, 59.33],
                                                  [18.0, 59.28]]]}), "the check takes sites up to 200 ha"),
    (feature({"type": "LineString", "coordinates": [[18.0, 59.3], [18.1, 59.3]]}), "is not accepted here"),
    (feature({"type": "Point", "coordinates": [16.0, 58.0]}), "outside the city"),
    (feature(None, coordinates="hello"), ""),
], ids=["a bare geometry", "an unknown land-use group", "a buffer over 500 m", "an unknown vulnerable group",
        "a polygon of 300 ha", "a line", "a point in Östergötland", "pasted text that is not coordinates"])
def test_bad_site_checks_are_refused_with_a_reason(client, body, fragment, planner):
    response = client.post("/api/site-checks", json=body, headers=planner)
    assert response.status_code == 422 and response.mimetype == PROBLEM_JSON
    assert fragment.lower() in response.get_json(force=True)["detail"].lower()


def test_post_saves_a_check_and_get_returns_it(client, as_role, planner):
    as_role("viewer")  # planners: they see the drinking-water layer too
    response = client.post("/api/site-checks", json=feature(MEDBORGARPLATSEN, vulnerable=["preschool"],
                                                            reference="SBK 2026-00123"), headers=planner)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/api/site-checks/{body['id']}"
    assert [h["hazard"] for h in body["hazards"]] == ["flood", "heat", "hazardous_goods", "drinking_water", "crime",
                                                   "accidents"]
    assert all(h["layer"]["demo"] for h in body["hazards"])
    assert body["districts"][0]["name"] == "Södermalm" and body["reference"] == "SBK 2026-00123"
    assert body["site"]["area_m2"] == pytest.approx(3.13655 * 2500, rel=0.001)  # a 50 m circle of 64 segments
    again = client.get(body["links"]["self"]).get_json()
    assert again["hazards"] == body["hazards"] and again["outdated_layers"] == []
    listed = client.get("/api/site-checks").get_json()["checks"]
    assert listed[0]["id"] == body["id"] and listed[0]["districts"] == ["Södermalm"]


def test_pasted_sweref_coordinates_make_a_site(client, planner):
    x, y = transform_geom(Point(18.0735, 59.3143), WGS84, SWEREF99TM).coords[0]
    response = client.post("/api/site-checks", json=feature(None, coordinates=f"{y:.1f} {x:.1f}"),
                           headers=planner)
    assert response.status_code == 201, response.get_json()
    how = response.get_json()["site"]["how"]
    assert how["given_as"] == "coordinates" and how["epsg"] == 3006 and how["order"] == "north_east"


def test_rerun_after_a_new_layer_version_shows_what_changed(client, db_session, planner):
    created = client.post("/api/site-checks", json=feature(MEDBORGARPLATSEN), headers=planner).get_json()
    x, y = transform_geom(Point(18.0735, 59.3143), WGS84, SWEREF99TM).coords[0]
    replace_features(db_session, "hazardous-goods",
                     [("primary", {"name": "Nya leden"}, LineString([(x - 500, y + 80), (x + 500, y + 80)]))],
                     source="test", licence="", is_demo=False)
    assert client.get(created["links"]["self"]).get_json()["outdated_layers"] == ["hazardous-goods"]
    rerun = client.post(created["links"]["rerun"], headers=planner)
    assert rerun.status_code == 201
    body = rerun.get_json()
    assert body["rerun_of"] == created["id"]
    change = next(c for c in body["changes"] if c["hazard"] == "hazardous_goods")
    assert change["version_after"] == change["version_before"] + 1
    # 80 m from the point is 30 m from the 50 m buffer's edge: closer than the 50 m housing must keep.
    assert change["level_after"] == "very_high" and "Nya leden" in change["sentence_after"]["sv"]


def test_an_unknown_check_is_a_404_problem(client):
    response = client.get("/api/site-checks/999999")
    assert response.status_code == 404 and response.mimetype == PROBLEM_JSON


def test_the_site_check_bench_runs_its_bare_reads_and_its_largest_site_is_one_the_api_takes(db_session):
    """scripts/bench_site_check.py (run by hand) against the test database: its bare reads bind every parameter of
    the statements they share with the hazards, and its --largest site passes the API's gate (vertex and area
    limits) and is the comb the nearby tests use."""
    import importlib.util

    import rasterio
    import shapely
    import shapely.affinity

    from tests.geo.test_nearby import comb
    from webapp.config import Settings
    from webapp.services.catalog import visible_layers
    from webapp.services.site_check import site_input

    spec = importlib.util.spec_from_file_location("bench_site_check", ROOT / "scripts" / "bench_site_check.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    layers = {info.slug: info for info in visible_layers(db_session, "viewer")}
    rasters = {slug: rasterio.open(layers[slug].raster.path) for slug in ("flood", "heat")}
    try:
        for site in (Point(674_000, 6_578_500).buffer(50), box(674_000, 6_578_500, 674_100, 6_578_600)):
            bench.bare(db_session, layers, rasters, site)
    finally:
        for src in rasters.values():
            src.close()
    largest = bench.comb(1249)
    assert largest.equals(comb(1249))
    moved = shapely.affinity.translate(largest, 671_000, 6_577_000)
    body = {"type": "Feature", "properties": {"land_use": "C", "buffer_m": 0},
            "geometry": shapely.geometry.mapping(transform_geom(moved, SWEREF99TM, WGS84))}
    site = site_input(body, RULES, max_vertices=Settings().max_vertices)
    assert site.area().area == pytest.approx(largest.area, rel=1e-3)
    assert shapely.get_num_coordinates(site.geom) > 4_900
