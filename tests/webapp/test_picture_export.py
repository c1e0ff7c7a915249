"""A situation picture exported as a GeoPackage opens in GDAL in EPSG:3006 with its fields and every annotation;
only those who read the picture get it."""
from __future__ import annotations

import subprocess

import pytest

from tests.conftest import PICTURE_PEOPLE, token_headers

LINE = {"type": "LineString", "coordinates": [[18.0700, 59.3130], [18.0750, 59.3150]]}
POINT = {"type": "Point", "coordinates": [18.0735, 59.3143]}
AREA = {"type": "Polygon", "coordinates": [[[18.0700, 59.3130], [18.0722, 59.3130], [18.0722, 59.3140],
                                            [18.0700, 59.3140], [18.0700, 59.3130]]]}


@pytest.fixture()
def heads(db_session):
    return {"public": {}} | {key: token_headers(db_session, f"{key}-gpkg@example.se", role, districts)
                             for key, role, districts in PICTURE_PEOPLE}


def _picture(client, heads) -> int:
    created = client.post("/api/pictures", headers=heads["member"],
                          json={"district": "11", "year": 2028, "tertial": 2, "topic": "crime"})
    picture = created.get_json()["id"]
    for geometry, props in ((POINT, {"kind": "hotspot", "severity": 4, "title": "Torget <kväll>"}),
                            (LINE, {"kind": "risk_object", "severity": 2, "title": "Gångtunneln", "body": "Mörk"}),
                            (AREA, {"kind": "measure", "severity": 3, "title": "Belysning", "responsible": "Trafik",
                                    "measure_type": "situational", "measure_status": "started",
                                    "valid_from": "2028-05-01"})):
        response = client.post(f"/api/pictures/{picture}/annotations", headers=heads["member"],
                               json={"type": "Feature", "geometry": geometry, "properties": props})
        assert response.status_code == 201, response.get_json()
    return picture


def test_the_geopackage_opens_in_gdal_with_the_crs_the_fields_and_every_annotation(client, heads, tmp_path):
    picture = _picture(client, heads)
    response = client.get(f"/api/pictures/{picture}/export.gpkg?lang=en", headers=heads["member"])
    assert response.status_code == 200 and response.mimetype == "application/geopackage+sqlite3"
    assert 'filename="situation_picture_11_2028_t2_crime.gpkg"' in response.headers["Content-Disposition"]
    path = tmp_path / "picture.gpkg"
    path.write_bytes(response.data)
    info = subprocess.run(["ogrinfo", "-al", "-so", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Layer name: situation_picture_11_2028_t2_crime" in info and "Feature Count: 3" in info
    assert 'ID["EPSG",3006]' in info
    for field in ("district: String", "year: Integer64", "kind_name: String", "severity: Integer64",
                  "measure_status: String", "valid_from: String", "created_by: String"):
        assert field in info, field
    rows = subprocess.run(["ogr2ogr", "-f", "CSV", "/vsistdout/", str(path), "-lco", "GEOMETRY=AS_WKT"],
                          capture_output=True, text=True, check=True).stdout
    assert "Torget <kväll>" in rows and "Risk object" in rows and "LINESTRING" in rows and "POLYGON" in rows
    # SWEREF 99 TM metres, not degrees: Södermalm is near E 674 000, N 6 579 000.
    assert "POINT (674" in rows


def test_an_empty_picture_exports_an_empty_layer(client, heads, tmp_path):
    created = client.post("/api/pictures", headers=heads["member"],
                          json={"district": "11", "year": 2028, "tertial": 3, "topic": "other"})
    response = client.get(created.headers["Location"] + "/export.gpkg", headers=heads["member"])
    assert response.status_code == 200
    (tmp_path / "empty.gpkg").write_bytes(response.data)
    info = subprocess.run(["ogrinfo", "-al", "-so", str(tmp_path / "empty.gpkg")], capture_output=True, text=True,
                          check=True).stdout
    assert "Feature Count: 0" in info


def test_only_readers_of_the_picture_get_its_export(client, heads):
    picture = _picture(client, heads)
    for who, status in (("public", 404), ("viewer", 404), ("other", 404), ("city", 200)):
        assert client.get(f"/api/pictures/{picture}/export.gpkg", headers=heads[who]).status_code == status, who
