"""The layer catalog, legends and point values over the session's demo city."""
import numpy as np
import pytest
import rasterio

from geo.crs import SWEREF99TM, WGS84, transformer
from webapp.errors import PROBLEM_JSON

OPEN_LAYERS = {"flood", "heat", "hazardous-goods", "crime", "accidents"}
ALL_LAYERS = OPEN_LAYERS | {"drinking-water"}


def slugs(client):
    return {layer["slug"] for layer in client.get("/api/layers").get_json()["layers"]}


def test_public_sees_the_open_layers_only(client):
    assert slugs(client) == OPEN_LAYERS


def test_viewer_sees_all_six_hazards(client, as_role):
    as_role("viewer")
    assert slugs(client) == ALL_LAYERS


def test_every_layer_says_it_is_demo_data_with_source_licence_version_and_bounds(client, as_role):
    as_role("viewer")
    for layer in client.get("/api/layers?lang=en").get_json()["layers"]:
        assert layer["demo"] is True and "demo" in layer["source"].lower() and "demo" in layer["licence"].lower()
        assert layer["version"] >= 1 and layer["has_data"]
        assert layer["title"]["sv"] and layer["title"]["en"]
        west, south, east, north = layer["bounds"]
        assert 17.6 < west < east < 18.4 and 59.1 < south < north < 59.5, layer["slug"]
        assert layer["legend"] and all(c["color"].startswith("#") for c in layer["legend"])
        assert "{z}/{x}/{y}" in layer["links"]["tiles"]


def test_flood_layer_carries_model_scenario_and_date(client):
    flood = client.get("/api/layers/flood").get_json()
    assert "2100" in flood["metadata"]["scenario"] and flood["metadata"]["model_date"]
    assert flood["raster"]["units"] == "m"


def test_an_internal_layer_is_invisible_to_the_public_everywhere(client):
    for url in ("/api/layers/drinking-water", "/api/layers/drinking-water/legend", "/tiles/drinking-water.json",
                "/tiles/drinking-water/1/12/2253/1185.mvt"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == PROBLEM_JSON


def test_legend_in_english(client):
    legend = client.get("/api/layers/flood/legend?lang=en").get_json()
    assert legend["units"] == "m"
    assert [c["label"] for c in legend["classes"]][1:] == ["0.1–0.3 m", "0.3–0.5 m", "0.5–1.0 m", "Above 1.0 m"]


def deepest_cell_lonlat(path):
    """The lon/lat of the deepest cell of a flood COG, and its depth in metres."""
    with rasterio.open(path) as src:
        data = src.read(1, masked=True)
        row, col = np.unravel_index(np.ma.argmax(data), data.shape)
        x, y = src.xy(row, col)
        depth = float(data[row, col]) * 0.01
    lon, lat = transformer(SWEREF99TM, WGS84).transform(x, y)
    return lon, lat, depth


def test_value_at_the_deepest_point_of_the_flood_raster(client, db_session):
    from sqlalchemy import text

    path = db_session.execute(text("SELECT path FROM raster_asset JOIN layer ON layer.id = layer_id "
                                   "WHERE slug = 'flood'")).scalar_one()
    lon, lat, depth = deepest_cell_lonlat(path)
    body = client.get(f"/api/layers/flood/value?lon={lon}&lat={lat}").get_json()
    assert body["value"] == pytest.approx(depth, abs=0.011)
    assert body["units"] == "m" and body["cls"]["key"] == "1.0+"


def test_value_outside_the_city_is_null(client):
    body = client.get("/api/layers/heat/value?lon=16.0&lat=58.0").get_json()
    assert body["value"] is None and body["cls"] is None


@pytest.mark.parametrize(("url", "status", "fragment"), [
    ("/api/layers/flood/value?lat=59.3", 400, "Give lon"),
    ("/api/layers/flood/value?lon=abc&lat=59.3", 400, "not a number"),
    ("/api/layers/flood/value?lon=18&lat=95", 400, "outside"),
    ("/api/layers/hazardous-goods/value?lon=18&lat=59.3", 400, "vector layer"),
    ("/api/layers/nonesuch", 404, "no layer"),
], ids=["a missing lon", "a lon that is not a number", "a latitude out of range", "a vector layer",
        "an unknown layer"])
def test_bad_value_queries_are_problems(client, url, status, fragment):
    response = client.get(url)
    assert response.status_code == status and response.mimetype == PROBLEM_JSON
    assert fragment.lower() in response.get_json(force=True)["detail"].lower()


def test_tilejson_points_at_the_current_version(client):
    body = client.get("/tiles/hazardous-goods.json").get_json()
    version = client.get("/api/layers/hazardous-goods").get_json()["version"]
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"][0].endswith(f"/tiles/hazardous-goods/{version}/{{z}}/{{x}}/{{y}}.mvt")
    assert body["vector_layers"][0]["id"] == "hazardous-goods"
