"""The JSON API against the session's database with the demo districts."""
import json

import pytest

from webapp.errors import PROBLEM_JSON

DISTRICT_NAMES = {"Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby", "Bromma", "Kungsholmen", "Norrmalm",
                  "Östermalm", "Södermalm", "Enskede-Årsta-Vantör", "Skarpnäck", "Farsta", "Hägersten-Älvsjö",
                  "Skärholmen"}


def all_positions(geometry):
    coords = geometry["coordinates"]
    for polygon in coords:
        for ring in polygon:
            yield from ring


def test_health_reports_the_database_and_postgis(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["postgis"].startswith("3.")
    assert body["schema_revision"] is not None


def test_districts_are_13_rfc7946_features_in_stockholm(client):
    response = client.get("/api/districts")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = json.loads(response.data)
    assert body["type"] == "FeatureCollection"
    assert {f["properties"]["name"] for f in body["features"]} == DISTRICT_NAMES
    for feature in body["features"]:
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert "demo" in feature["properties"]["source"].lower()
        for lon, lat in all_positions(feature["geometry"]):
            assert 17.7 <= lon <= 18.3 and 59.2 <= lat <= 59.45
            assert lon == round(lon, 6)


def test_districts_in_sweref_when_asked(client):
    response = client.get("/api/districts?crs=http://www.opengis.net/def/crs/EPSG/0/3006")
    assert response.status_code == 200
    assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/3006>"
    feature = json.loads(response.data)["features"][0]
    x, y = next(all_positions(feature["geometry"]))
    assert 600_000 < x < 700_000 and 6_500_000 < y < 6_650_000  # easting first, northing second


def test_one_district_by_code(client):
    response = client.get("/api/districts/11")
    assert response.status_code == 200
    feature = json.loads(response.data)
    assert feature["type"] == "Feature" and feature["properties"]["name"] == "Södermalm"
    assert feature["properties"]["committee"] == "Södermalm stadsdelsnämnd"
    assert 9 < feature["properties"]["area_km2"] < 12


@pytest.mark.parametrize(("url", "status", "fragment"), [
    ("/api/districts/9999", 404, "no district with code '9999'"),
    ("/api/districts?crs=EPSG:2154", 400, "Supported"),
    ("/api/nothing-here", 404, "not found"),
], ids=["an unknown district code is a 404", "an unsupported crs is refused",
        "an unknown API path is a problem too"])
def test_errors_are_problem_json(client, url, status, fragment):
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json(force=True)
    assert body["status"] == status and body["type"].startswith("urn:riskkarta:problem:")
    assert fragment.lower() in body["detail"].lower()


def test_wrong_method_is_405_problem_with_allow(client):
    response = client.delete("/api/districts")
    assert response.status_code == 405 and response.mimetype == PROBLEM_JSON
    assert "GET" in response.headers["Allow"]


def test_a_point_finds_its_district_and_committee(client):
    # Medborgarplatsen on Södermalm
    point = {"type": "Point", "coordinates": [18.0735, 59.3143]}
    response = client.post("/api/districts/touching", json=point)
    assert response.status_code == 200
    assert [d["name"] for d in response.get_json()["districts"]] == ["Södermalm"]


def test_a_polygon_across_a_boundary_finds_both_districts(client):
    # A box across the Södermalm / Östermalm line at the water (demo boundaries)
    box = {"type": "Polygon", "coordinates": [[[18.02, 59.29], [18.13, 59.29], [18.13, 59.35], [18.02, 59.35],
                                               [18.02, 59.29]]]}
    names = [d["name"] for d in client.post("/api/districts/touching", json=box).get_json()["districts"]]
    assert "Södermalm" in names and len(names) >= 2


@pytest.mark.parametrize(("body", "status", "fragment"), [
    (b"", 400, "Send a GeoJSON geometry"),
    (b"{not json", 400, "JSON"),  # malformed JSON: 400 on every endpoint (webapp/gate.py)
    (b'{"type": "Point", "coordinates": [2.35, 48.85]}', 422, "SWEREF 99 TM"),
    (b'{"type": "Polygon", "coordinates": [[[18.0, 59.3], [18.1, 59.3], [18.0, 59.35], [18.1, 59.35], '
     b'[18.0, 59.3]]]}', 422, "Self-intersection"),
], ids=["an empty body", "a body that is not JSON", "a point in Paris",
        "a self-intersecting polygon"])
def test_bad_geometry_is_refused_with_a_reason(client, body, status, fragment):
    response = client.post("/api/districts/touching", data=body, content_type="application/json")
    assert response.status_code == status
    assert response.mimetype == PROBLEM_JSON
    assert fragment.lower() in response.get_json(force=True)["detail"].lower()


def test_a_database_that_cannot_be_reached_is_a_503_problem(settings):
    import dataclasses

    from webapp import create_app

    app = create_app(dataclasses.replace(settings, database_url="postgresql://riskkarta@127.0.0.1:9/riskkarta"))
    for url in ("/api/health", "/api/districts", "/tiles/flood/1/12/2253/1204.png"):
        response = app.test_client().get(url)
        assert response.status_code == 503, url
        assert response.mimetype == PROBLEM_JSON
        assert "cannot be reached" in response.get_json(force=True)["detail"]


@pytest.mark.parametrize(("method", "url", "body"), [
    ("get", "/ogc/collections/districts/items/%00", None),
    ("get", "/api/districts?crs=%00", None),
    ("post", "/api/site-checks", {"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.07, 59.31]},
                                  "properties": {"land_use": "C", "title": "a\u0000b"}}),
    ("get", "/ogc/collections/districts/items?offset=99999999999999999999", None),
], ids=["a NUL in the path", "a NUL in a parameter", "a NUL in a JSON body", "an offset past any integer"])
def test_values_the_database_cannot_hold_are_refused_not_500(client, planner, method, url, body):
    call = getattr(client, method)
    response = call(url, json=body, headers=planner) if body is not None else call(url)
    assert response.status_code == 400 and response.mimetype == PROBLEM_JSON
