"""The crime layer in OGC API Features: counts per grid cell (`crime-cells`, the cells of the aggregated tiles, at
least k incidents each) for every role that may see the layer; the points (`crime`) for the roles cleared for
them only."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from sqlalchemy import text

from layers.crime import CELL_SIZES_M, K_ANONYMITY
from webapp.errors import PROBLEM_JSON


def _json(response, status=200):
    assert response.status_code == status, response.data[:500]
    return json.loads(response.data)


def _problem(response, status=400) -> dict:
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == PROBLEM_JSON
    return json.loads(response.data)


def _ids(client) -> set[str]:
    return {c["id"] for c in _json(client.get("/ogc/collections"))["collections"]}


@pytest.mark.parametrize("role", ["public", "viewer", "committee"])
def test_roles_without_clearance_get_cells_and_no_points(client, as_role, role):
    as_role(role)
    ids = _ids(client)
    assert "crime-cells" in ids and "crime" not in ids
    _problem(client.get("/ogc/collections/crime/items"), 404)


@pytest.mark.parametrize("role", ["city", "admin"])
def test_cleared_roles_keep_the_points_and_get_the_cells_too(client, as_role, role):
    as_role(role)
    assert {"crime", "crime-cells"} <= _ids(client)
    assert _json(client.get("/ogc/collections/crime/items?limit=1"))["features"][0]["properties"]["category"]


def test_cells_are_the_250_m_cells_of_the_tiles_with_at_least_k_incidents(client, as_role, db_session):
    as_role("viewer")
    expected = db_session.execute(text(
        "SELECT count(*) FILTER (WHERE n >= :k), count(*) FILTER (WHERE n < :k) FROM incident_cell "
        "WHERE layer = 'crime' AND size_m = 250"), {"k": K_ANONYMITY}).one()
    assert expected[0] > 10 and expected[1] > 0  # the demo city has cells on both sides of k
    body = _json(client.get("/ogc/collections/crime-cells/items?limit=1000"))
    assert body["numberMatched"] == expected[0]
    for feature in body["features"]:
        props = feature["properties"]
        assert props["n"] >= K_ANONYMITY and props["cell_size_m"] == 250 and props["class"]
        assert feature["geometry"]["type"] == "Polygon"
    ring = body["features"][0]["geometry"]["coordinates"][0]
    assert 17.7 < ring[0][0] < 18.3 and 59.2 < ring[0][1] < 59.5  # lon/lat


def test_a_kept_coarser_cell_size_can_be_chosen_and_others_are_refused(client, as_role):
    as_role("viewer")
    body = _json(client.get("/ogc/collections/crime-cells/items?cell-size=1000&limit=5"))
    assert {f["properties"]["cell_size_m"] for f in body["features"]} == {1000}
    problem = _problem(client.get("/ogc/collections/crime-cells/items?cell-size=100"))
    assert "cell-size" in problem["detail"] and str(CELL_SIZES_M[0]) in problem["detail"]
    assert "cell-size" in _problem(client.get("/ogc/collections/crime-cells/items?colour=red"))["detail"]


def test_a_cell_is_an_item_with_its_size_and_corner_as_id(client, as_role, db_session):
    as_role("viewer")
    first = _json(client.get("/ogc/collections/crime-cells/items?cell-size=500&limit=1"))["features"][0]
    assert re.fullmatch(r"500-\d+-\d+", first["id"])
    one = _json(client.get(f"/ogc/collections/crime-cells/items/{first['id']}"))
    assert one["properties"] == first["properties"]
    size, gx, gy = db_session.execute(text(
        "SELECT size_m, gx, gy FROM incident_cell WHERE size_m = 250 AND n < :k LIMIT 1"), {"k": K_ANONYMITY}).one()
    _problem(client.get(f"/ogc/collections/crime-cells/items/{size}-{gx}-{gy}"), 404)  # fewer than k: never served
    _problem(client.get("/ogc/collections/crime-cells/items/nope"), 404)


def test_cells_filter_on_their_most_common_class_and_bbox(client, as_role):
    as_role("viewer")
    body = _json(client.get("/ogc/collections/crime-cells/items?class=theft&limit=50"))
    assert body["features"] and {f["properties"]["class"] for f in body["features"]} == {"theft"}
    assert set(_json(client.get("/ogc/collections/crime-cells/queryables"))["properties"]) == {"class"}
    inside = _json(client.get("/ogc/collections/crime-cells/items?bbox=18.0,59.3,18.1,59.35&limit=1000"))
    everything = _json(client.get("/ogc/collections/crime-cells/items?limit=1000"))
    assert 0 < inside["numberReturned"] < everything["numberReturned"]


def test_the_api_definition_documents_the_cell_size(client, as_role):
    as_role("viewer")
    params = _json(client.get("/ogc/api"))["paths"]["/collections/crime-cells/items"]["get"]["parameters"]
    size = next(p for p in params if p["name"] == "cell-size")
    assert size["schema"]["enum"] == [str(s) for s in CELL_SIZES_M] and size["schema"]["default"] == "250"


@pytest.fixture(scope="module")
def ogrinfo():
    path = shutil.which("ogrinfo")
    if path is None:
        pytest.skip("ogrinfo (gdal-bin) is not installed")
    return path


def test_gdal_reads_the_cells_with_at_least_k_incidents_each(ogrinfo, live_server):
    result = subprocess.run([ogrinfo, "-ro", "-al", "-q", f"OAPIF:{live_server}/ogc", "crime-cells"],
                            capture_output=True, text=True, timeout=120,
                            env={"GDAL_HTTP_TIMEOUT": "20", "CPL_DEBUG": "OFF", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    counts = [int(n) for n in re.findall(r"^\s+n \(Integer\) = (\d+)$", result.stdout, re.MULTILINE)]
    assert len(counts) > 10 and min(counts) >= K_ANONYMITY, result.stdout[:2000]
