"""OGC API Features at /ogc: the shapes Part 1 (core, geojson, html, oas30) and Part 2 (crs) require, paging,
filters, axis order, confidentiality, and GDAL reading it."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text

from webapp.errors import PROBLEM_JSON

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG3006 = "http://www.opengis.net/def/crs/EPSG/0/3006"
CONF = "http://www.opengis.net/spec/ogcapi-features-{}/1.0/conf/{}"
# Known positions in EPSG:3006 (easting, northing) near Stockholm City Hall and in Farsta.
CITY_HALL = (674_000.0, 6_580_500.0)
FARSTA = (678_500.0, 6_567_000.0)


def _insert_layer(session, slug: str, confidentiality: str = "open") -> int:
    return session.execute(text(
        "INSERT INTO layer (slug, hazard, kind, title_sv, title_en, source, licence, confidentiality) "
        "VALUES (:slug, 'other', 'vector', :sv, :en, 'test', 'CC0', :conf) RETURNING id"),
        {"slug": slug, "sv": f"Testlager {slug}", "en": f"Test layer {slug}", "conf": confidentiality}).scalar_one()


def _insert_feature(session, layer_id: int, cls: str, props: dict, wkt: str) -> int:
    return session.execute(text(
        "INSERT INTO layer_feature (layer_id, class, properties, geom) "
        "VALUES (:layer, :cls, CAST(:props AS jsonb), ST_GeomFromText(:wkt, 3006)) RETURNING id"),
        {"layer": layer_id, "cls": cls, "props": json.dumps(props), "wkt": wkt}).scalar_one()


@pytest.fixture()
def routes(db_session):
    """An open vector layer `test-routes`: 2 points and a line at known places, 25 more points in a row."""
    layer = _insert_layer(db_session, "test-routes")
    ids = {
        "city_hall": _insert_feature(db_session, layer, "primary", {"name": "Stadshuset", "road": "E4"},
                                     "POINT({} {})".format(*CITY_HALL)),
        "farsta": _insert_feature(db_session, layer, "secondary", {"name": "Farsta", "road": "73"},
                                  "POINT({} {})".format(*FARSTA)),
        "line": _insert_feature(db_session, layer, "primary", {"name": "Essingeleden", "road": "E4"},
                                "LINESTRING(671000 6578000, 672000 6580000)"),
    }
    for i in range(25):
        _insert_feature(db_session, layer, "secondary", {"name": f"p{i}"}, f"POINT({660000 + i * 10} 6590000)")
    db_session.flush()
    return ids


def _json(response, status=200):
    assert response.status_code == status, response.data[:500]
    return json.loads(response.data)


def _rels(body) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for link in body["links"]:
        assert {"href", "rel"} <= set(link)
        found.setdefault(link["rel"], []).append(link)
    return found


def _problem(response, status=400) -> dict:
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == PROBLEM_JSON
    return json.loads(response.data)


def _ids(body) -> set:
    return {f["id"] for f in body["features"]}


# --- landing, conformance, API definition ----------------------------------------------------------------

def test_landing_page_links_to_the_api_definition_conformance_and_data(client):
    body = _json(client.get("/ogc"))
    rels = _rels(body)
    assert rels["self"][0]["type"] == "application/json"
    assert any(link["type"] == "text/html" for link in rels["alternate"])
    assert rels["service-desc"][0]["href"].endswith("/ogc/api")
    assert rels["service-desc"][0]["type"].startswith("application/vnd.oai.openapi+json")
    assert rels["conformance"][0]["href"].endswith("/ogc/conformance")
    assert rels["data"][0]["href"].endswith("/ogc/collections")


def test_conformance_declares_exactly_what_is_implemented(client):
    body = _json(client.get("/ogc/conformance"))
    coverages = "http://www.opengis.net/spec/ogcapi-coverages-1/1.0/conf/{}"
    assert set(body["conformsTo"]) == {CONF.format(1, "core"), CONF.format(1, "geojson"), CONF.format(1, "html"),
                                       CONF.format(1, "oas30"), CONF.format(2, "crs"),
                                       coverages.format("core"), coverages.format("geotiff"),
                                       *(f"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{c}" for c in (
                                           "core", "tileset", "tilesets-list", "geodata-tilesets", "mvt", "png")),
                                       "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
                                       "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset"}


def test_the_api_definition_is_openapi_3_with_every_path_and_each_collections_queryables(client, routes):
    response = client.get("/ogc/api")
    assert response.status_code == 200 and "openapi" in response.mimetype
    document = json.loads(response.data)
    assert document["openapi"].startswith("3.0")
    for path in ("/", "/conformance", "/collections", "/collections/{collectionId}",
                 "/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}"):
        assert "get" in document["paths"][path]
    params = {p["name"] for p in document["paths"]["/collections/districts/items"]["get"]["parameters"]}
    assert {"bbox", "bbox-crs", "limit", "offset", "crs", "datetime", "name", "code"} <= params
    limit = next(p for p in document["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
                 if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 1000 and limit["schema"]["default"] == 100


@pytest.mark.parametrize("path", ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/districts",
                                  "/ogc/collections/districts/items", "/ogc/collections/districts/items/1",
                                  "/ogc/api", "/ogc/collections/districts/queryables"])
def test_every_resource_is_also_html_for_browsers(client, path):
    code = _json(client.get("/ogc/collections/districts/items?limit=1"))["features"][0]["id"]
    path = path.replace("/items/1", f"/items/{code}")
    for response in (client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}),
                     client.get(path + "?f=html")):
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert b"<html" in response.data
    assert client.get(path + "?f=json", headers={"Accept": "text/html"}).mimetype != "text/html"


# --- collections -----------------------------------------------------------------------------------------

def test_collections_list_districts_and_open_vector_layers_with_part1_and_part2_members(client, routes):
    body = _json(client.get("/ogc/collections"))
    rels = _rels(body)
    assert "self" in rels and "alternate" in rels
    by_id = {c["id"]: c for c in body["collections"]}
    assert {"districts", "test-routes"} <= set(by_id)
    assert "crime" not in by_id
    for c in by_id.values():
        if c["layerDataType"] == "Coverage":  # the raster layers: test_ogc_coverages.py
            continue
        assert c["itemType"] == "feature" and c["layerDataType"] == "Vector" and c["title"]
        assert c["crs"] == [CRS84, EPSG3006] and c["storageCrs"] == EPSG3006
        items = [link for link in c["links"] if link["rel"] == "items"]
        assert any(link["type"] == "application/geo+json" for link in items)
    west, south, east, north = by_id["test-routes"]["extent"]["spatial"]["bbox"][0]
    assert by_id["test-routes"]["extent"]["spatial"]["crs"] == CRS84
    assert 17.7 < west < east < 18.3 and 59.2 < south < north < 59.5  # lon/lat around Stockholm


def test_one_collection_has_its_own_self_link_and_titles_follow_lang(client, routes):
    body = _json(client.get("/ogc/collections/test-routes"))
    assert _rels(body)["self"][0]["href"].split("?")[0].endswith("/ogc/collections/test-routes")
    assert body["title"] == "Testlager test-routes"
    assert _json(client.get("/ogc/collections/test-routes?lang=en"))["title"] == "Test layer test-routes"
    assert _json(client.get("/ogc/collections/districts?lang=en"))["title"] == "District areas"


def test_an_unknown_collection_is_a_404_problem(client):
    assert _problem(client.get("/ogc/collections/nope"), 404)["status"] == 404
    _problem(client.get("/ogc/collections/nope/items"), 404)
    _problem(client.get("/ogc/collections/nope/items/1"), 404)


# --- items -----------------------------------------------------------------------------------------------

def test_items_are_geojson_with_counts_links_and_a_content_crs(client, routes):
    response = client.get("/ogc/collections/test-routes/items")
    assert response.mimetype == "application/geo+json"
    assert response.headers["Content-Crs"] == f"<{CRS84}>"
    body = _json(response)
    assert body["type"] == "FeatureCollection"
    assert body["numberReturned"] == len(body["features"]) == 28 and body["numberMatched"] == 28
    rels = _rels(body)
    assert {"self", "alternate", "collection"} <= set(rels) and "next" not in rels
    feature = next(f for f in body["features"] if f["id"] == routes["city_hall"])
    assert feature["type"] == "Feature"
    assert feature["properties"] == {"class": "primary", "name": "Stadshuset", "road": "E4"}
    lon, lat = feature["geometry"]["coordinates"]
    assert 18.0 < lon < 18.1 and 59.3 < lat < 59.4  # lon/lat, not lat/lon
    assert lon == round(lon, 6)


def test_a_crs84_bbox_finds_the_feature_at_a_known_position(client, routes):
    body = _json(client.get("/ogc/collections/test-routes/items?bbox=18.04,59.31,18.08,59.34"))
    assert _ids(body) == {routes["city_hall"]}
    swapped = _json(client.get("/ogc/collections/test-routes/items?bbox=59.31,18.04,59.34,18.08"))
    assert swapped["features"] == []


def test_a_sweref_bbox_is_northing_easting_as_epsg_3006_defines(client, routes):
    e, n = CITY_HALL
    url = (f"/ogc/collections/test-routes/items?bbox={n - 50},{e - 50},{n + 50},{e + 50}"
           f"&bbox-crs={EPSG3006}")
    assert _ids(_json(client.get(url))) == {routes["city_hall"]}
    east_first = (f"/ogc/collections/test-routes/items?bbox={e - 50},{n - 50},{e + 50},{n + 50}"
                  f"&bbox-crs={EPSG3006}")
    assert _json(client.get(east_first))["features"] == []


def test_crs_3006_output_is_metres_in_the_crs_axis_order_with_a_content_crs(client, routes):
    response = client.get(f"/ogc/collections/test-routes/items?crs={EPSG3006}")
    assert response.headers["Content-Crs"] == f"<{EPSG3006}>"
    feature = next(f for f in _json(response)["features"] if f["id"] == routes["city_hall"])
    northing, easting = feature["geometry"]["coordinates"]
    assert (easting, northing) == CITY_HALL
    one = client.get(f"/ogc/collections/test-routes/items/{routes['line']}?crs=EPSG:3006")
    assert one.headers["Content-Crs"] == f"<{EPSG3006}>"
    assert _json(one)["geometry"]["coordinates"] == [[6578000, 671000], [6580000, 672000]]


def test_limit_offset_and_next_links_walk_every_feature_once(client, routes):
    url, seen, pages = "/ogc/collections/test-routes/items?limit=10", [], 0
    while url:
        body = _json(client.get(url))
        pages += 1
        seen += [f["id"] for f in body["features"]]
        assert body["numberReturned"] == len(body["features"]) <= 10
        # Derived from the last page, which is not full; a full page's count is omitted (the next link pages on).
        assert body.get("numberMatched") == (28 if len(body["features"]) < 10 else None)
        rels = _rels(body)
        if pages > 1:
            assert "prev" in rels
        url = rels["next"][0]["href"] if "next" in rels else None
        if url:
            parts = urlsplit(url)
            assert parse_qs(parts.query)["limit"] == ["10"]
            url = f"{parts.path}?{parts.query}"
    assert pages == 3 and len(seen) == len(set(seen)) == 28


def test_a_bbox_pages_incidents_outward_from_its_centre_and_those_at_one_place_keep_their_order(client, as_role,
                                                                                               db_session):
    """Incidents in a bbox come nearest the box's centre first (the index gives that order), ties by id; the next
    links walk every one once, also through a group at exactly one place (one address) split over several pages."""
    from layers.crime import DEFINITION as CRIME

    as_role("city")

    def incident(x: float) -> int:
        return db_session.execute(text(
            "INSERT INTO incident (layer, occurred_at, category, source, geom) VALUES ('crime', now(), :c, 'test', "
            "ST_SetSRID(ST_MakePoint(:x, 7000000), 3006)) RETURNING id"), {"c": CRIME.classes[0].key, "x": x}).scalar()

    row = [incident(660000 + i * 10) for i in range(25)]
    same_place = [incident(660105) for _ in range(7)]
    db_session.flush()
    box = "6999900,660000,7000100,660240"  # northing, easting (EPSG:3006's axis order): centre E 660120, far north
    crs = "http://www.opengis.net/def/crs/EPSG/0/3006"
    query = f"bbox={box}&bbox-crs={crs}&crs={crs}"
    url, seen = f"/ogc/collections/crime/items?limit=3&{query}", []
    while url:
        body = _json(client.get(url))
        seen += [(f["id"], f["geometry"]["coordinates"]) for f in body["features"]]
        nexts = _rels(body).get("next")
        url = (lambda parts: f"{parts.path}?{parts.query}")(urlsplit(nexts[0]["href"])) if nexts else None
    ids = [i for i, _ in seen]
    assert len(ids) == len(set(ids)) == 32 and set(ids) == set(row + same_place)
    distances = [abs(coordinates[1] - 660120) for _, coordinates in seen]
    assert distances == sorted(distances)
    assert [i for i in ids if i in same_place] == sorted(same_place)  # the 7 at 15 m, by id, over three pages
    everything = _json(client.get(f"/ogc/collections/crime/items?limit=100&{query}"))
    assert [f["id"] for f in everything["features"]] == ids and everything["numberMatched"] == 32


def test_a_limit_above_the_maximum_is_clamped_and_bad_values_are_refused(client, routes):
    body = _json(client.get("/ogc/collections/test-routes/items?limit=5000"))
    assert body["numberReturned"] == 28
    assert _problem(client.get("/ogc/collections/test-routes/items?limit=0"))["detail"].startswith("limit")
    _problem(client.get("/ogc/collections/test-routes/items?limit=ten"))
    _problem(client.get("/ogc/collections/test-routes/items?offset=-1"))


def test_property_filters_use_the_layer_queryables(client, routes, db_session):
    assert len(_json(client.get("/ogc/collections/test-routes/items?class=primary"))["features"]) == 2
    queryables = _json(client.get("/ogc/collections/test-routes/queryables"))
    assert queryables["type"] == "object" and set(queryables["properties"]) == {"class"}
    # The hazardous-goods definition also lets clients filter on name and road (kept in the JSONB properties).
    db_session.execute(text(
        "INSERT INTO layer (slug, hazard, kind, title_sv, title_en, source, licence) VALUES ('hazardous-goods', "
        "'hazardous_goods', 'vector', 'Farligt gods', 'Hazardous goods', 'test', 'CC0') ON CONFLICT DO NOTHING"))
    layer = db_session.execute(text("SELECT id FROM layer WHERE slug = 'hazardous-goods'")).scalar_one()
    mine = _insert_feature(db_session, layer, "primary", {"name": "Testleden", "road": "T1"}, "POINT(670000 6580000)")
    _insert_feature(db_session, layer, "secondary", {"name": "Testleden", "road": "T1"}, "POINT(670100 6580000)")
    db_session.flush()
    body = _json(client.get("/ogc/collections/hazardous-goods/items?class=primary&name=Testleden"))
    assert _ids(body) == {mine}
    assert len(_json(client.get("/ogc/collections/hazardous-goods/items?road=T1"))["features"]) == 2
    assert set(_json(client.get("/ogc/collections/hazardous-goods/queryables"))["properties"]) == {
        "class", "name", "road"}


def test_an_unknown_parameter_is_a_400_problem_naming_the_allowed_ones(client, routes):
    problem = _problem(client.get("/ogc/collections/test-routes/items?colour=red"))
    assert "colour" in problem["detail"] and "bbox" in problem["detail"] and "class" in problem["detail"]
    # `name` is a queryable of the hazardous-goods definition, not of an unregistered layer
    assert "name" in _problem(client.get("/ogc/collections/test-routes/items?name=x"))["detail"]


@pytest.mark.parametrize("bbox, words", [
    ("1,2,3", "4 comma-separated"),
    ("18,59,a,60", "numbers"),
    ("18.1,59,18.0,60", "minimum below"),
    ("18,59,18.1,59", "minimum below"),
    ("18,-91,19,60", "latitudes"),
    ("nan,59,18,60", "finite"),
], ids=["three numbers", "a letter", "west east of east", "zero height", "latitude beyond 90", "not a number"])
def test_a_bad_bbox_is_a_400_problem_saying_what_is_wrong(client, bbox, words):
    problem = _problem(client.get(f"/ogc/collections/districts/items?bbox={bbox}"))
    assert words in problem["detail"]


def test_an_unoffered_crs_is_a_400_problem(client):
    _problem(client.get("/ogc/collections/districts/items?crs=http://www.opengis.net/def/crs/EPSG/0/4326"))
    _problem(client.get("/ogc/collections/districts/items?bbox=1,2,3,4&bbox-crs=EPSG:3857"))


def test_districts_are_a_collection_of_13_with_code_ids(client):
    body = _json(client.get("/ogc/collections/districts/items"))
    assert body["numberMatched"] == 13 and len(body["features"]) == 13
    code = body["features"][0]["id"]
    one = _json(client.get(f"/ogc/collections/districts/items/{code}"))
    assert one["id"] == code and one["type"] == "Feature"
    assert {"self", "alternate", "collection"} <= set(_rels(one))
    assert len(_json(client.get("/ogc/collections/districts/items?name=Bromma"))["features"]) == 1


def test_a_missing_feature_is_a_404_problem(client, routes):
    _problem(client.get("/ogc/collections/test-routes/items/999999999"), 404)
    _problem(client.get("/ogc/collections/test-routes/items/abc"), 404)
    _problem(client.get("/ogc/collections/districts/items/nope"), 404)


# --- confidentiality ---------------------------------------------------------------------------------------

@pytest.fixture()
def internal_layer(db_session):
    layer = _insert_layer(db_session, "test-internal", "internal")
    fid = _insert_feature(db_session, layer, "primary", {"name": "Vattenverk"}, "POINT(670000 6585000)")
    db_session.flush()
    return fid


def test_an_internal_layer_is_invisible_to_the_public(client, as_role, internal_layer):
    as_role("public")
    assert "test-internal" not in {c["id"] for c in _json(client.get("/ogc/collections"))["collections"]}
    _problem(client.get("/ogc/collections/test-internal"), 404)
    _problem(client.get("/ogc/collections/test-internal/items"), 404)
    _problem(client.get(f"/ogc/collections/test-internal/items/{internal_layer}"), 404)


def test_an_internal_layer_is_visible_to_a_viewer(client, as_role, internal_layer):
    as_role("viewer")
    assert "test-internal" in {c["id"] for c in _json(client.get("/ogc/collections"))["collections"]}
    assert _ids(_json(client.get("/ogc/collections/test-internal/items"))) == {internal_layer}
    assert _json(client.get(f"/ogc/collections/test-internal/items/{internal_layer}"))["id"] == internal_layer


@pytest.fixture()
def incidents(db_session):
    ids = [db_session.execute(text(
        "INSERT INTO incident (occurred_at, category, source, district_id, geom) VALUES (:at, :cat, 'test', "
        "(SELECT id FROM district WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint(:x, :y), 3006))), "
        "ST_SetSRID(ST_MakePoint(:x, :y), 3006)) RETURNING id"),
        {"at": at, "cat": cat, "x": CITY_HALL[0] + i, "y": CITY_HALL[1]}).scalar_one()
        for i, (at, cat) in enumerate([("2024-03-01T10:00:00Z", "theft"), ("2024-06-15T22:30:00Z", "violence"),
                                       ("2025-01-10T08:00:00Z", "theft")])]
    db_session.flush()
    return ids


@pytest.mark.parametrize("name", ["public", "viewer", "committee"])
def test_incident_points_are_no_collection_for_other_roles(client, as_role, incidents, name):
    as_role(name)
    assert "crime" not in {c["id"] for c in _json(client.get("/ogc/collections"))["collections"]}
    _problem(client.get("/ogc/collections/crime"), 404)
    _problem(client.get("/ogc/collections/crime/items"), 404)
    _problem(client.get(f"/ogc/collections/crime/items/{incidents[0]}"), 404)


# A 10 m box around the test incidents (northing, easting: EPSG:3006's axis order), all pages at once.
NEAR = (f"&limit=1000&bbox-crs={EPSG3006}"
        f"&bbox={CITY_HALL[1] - 5},{CITY_HALL[0] - 5},{CITY_HALL[1] + 5},{CITY_HALL[0] + 5}")


def test_the_city_office_gets_incident_points_with_time_filters(client, as_role, incidents):
    as_role("city")
    crime = _json(client.get("/ogc/collections/crime"))
    assert crime["extent"]["temporal"]["interval"][0][0] <= "2024-03-01T10:00:00Z"
    body = _json(client.get(f"/ogc/collections/crime/items?{NEAR[1:]}"))
    assert _ids(body) >= set(incidents)
    mine = [f for f in body["features"] if f["id"] in incidents]
    assert {"category", "occurred_at", "district"} <= set(mine[0]["properties"])
    in_2024 = _json(client.get("/ogc/collections/crime/items?datetime=2024-01-01T00:00:00Z/2024-12-31T23:59:59Z"
                               + NEAR))
    assert _ids(in_2024) & set(incidents) == set(incidents[:2])
    since = _json(client.get("/ogc/collections/crime/items?datetime=2024-06-01/..&category=theft" + NEAR))
    assert _ids(since) & set(incidents) == {incidents[2]}
    _problem(client.get("/ogc/collections/crime/items?datetime=yesterday"))
    _problem(client.get("/ogc/collections/crime/items?datetime=2025-01-01/2024-01-01"))


# --- GDAL --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ogrinfo():
    path = shutil.which("ogrinfo")
    if path is None:
        pytest.skip("ogrinfo (gdal-bin) is not installed, so GDAL's OAPIF driver cannot be tried")
    return path


def _ogrinfo(ogrinfo, *args) -> str:
    result = subprocess.run([ogrinfo, "-ro", *args], capture_output=True, text=True, timeout=60,
                            env={"GDAL_HTTP_TIMEOUT": "20", "CPL_DEBUG": "OFF", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_gdal_lists_the_collections(ogrinfo, live_server):
    out = _ogrinfo(ogrinfo, "-so", f"OAPIF:{live_server}/ogc")
    assert re.search(r"^1: districts\b", out, re.MULTILINE), out


def test_gdal_reads_the_13_districts_in_lon_lat(ogrinfo, live_server):
    out = _ogrinfo(ogrinfo, "-so", "-al", f"OAPIF:{live_server}/ogc", "districts")
    assert re.search(r"^Feature Count: 13$", out, re.MULTILINE), out
    extent = re.search(r"^Extent: \(([\d.]+), ([\d.]+)\) - \(([\d.]+), ([\d.]+)\)", out, re.MULTILINE)
    west, south, east, north = map(float, extent.groups())
    assert 17.7 < west < east < 18.3 and 59.2 < south < north < 59.5
    full = _ogrinfo(ogrinfo, "-al", "-q", f"OAPIF:{live_server}/ogc", "districts")
    assert len(re.findall(r"^OGRFeature\(districts\):", full, re.MULTILINE)) == 13


def test_gdal_reads_a_hazard_layer_with_every_feature(ogrinfo, live_server, database_url):
    """The committed demo routes, page after page through GDAL's OAPIF driver, as many as the database holds."""
    from sqlalchemy import create_engine
    from sqlalchemy import text as sql

    from webapp.db import normalise_url

    engine = create_engine(normalise_url(database_url))
    with engine.connect() as connection:
        expected = connection.execute(sql(
            "SELECT count(*) FROM layer_feature f JOIN layer l ON l.id = f.layer_id "
            "WHERE l.slug = 'hazardous-goods'")).scalar_one()
    engine.dispose()
    full = _ogrinfo(ogrinfo, "-al", "-q", "-oo", "PAGE_SIZE=5", f"OAPIF:{live_server}/ogc", "hazardous-goods")
    assert expected > 5
    assert len(re.findall(r"^OGRFeature\(hazardous-goods\):", full, re.MULTILINE)) == expected
    assert re.search(r"LINESTRING \(1[78]\.\d+ 59\.\d+", full)


def test_a_demo_layer_says_so_with_its_source_and_licence(client, as_role):
    as_role("viewer")
    body = client.get("/ogc/collections/hazardous-goods?f=json").get_json()
    assert body["demo"] is True and "demo" in body["attribution"].lower() and "CC0" in body["license"]
    assert "Demonstrationsdata" in body["description"]
    districts = client.get("/ogc/collections/districts?f=json&lang=en").get_json()
    assert districts["demo"] is True and "Demo data" in districts["description"]


def test_number_matched_is_counted_for_people_up_to_a_thousand_past_the_page_and_omitted_for_clients(client, as_role):
    """A full GeoJSON page omits numberMatched (OGC API Features lets it; counting read up to 1,001 features, half an
    inner-city page's time): clients page on with the next link, and the last page, not full, says the total. The
    HTML page people read counts up to offset + 1,000: a box of a few hundred gets its exact count, the city's
    20,000 test incidents none."""
    as_role("city")
    everything = _json(client.get("/ogc/collections/crime/items?limit=10"))
    assert "numberMatched" not in everything and "next" in _rels(everything)
    box = "18.06,59.31,18.075,59.318"
    some = _json(client.get(f"/ogc/collections/crime/items?limit=10&bbox={box}"))
    last = _json(client.get(f"/ogc/collections/crime/items?limit=1000&bbox={box}"))
    total = len(last["features"])
    assert 10 < total < 1000, total
    assert some["numberReturned"] == 10 and "numberMatched" not in some and "next" in _rels(some)
    assert last["numberMatched"] == total and "next" not in _rels(last)
    page = client.get(f"/ogc/collections/crime/items?limit=10&bbox={box}&f=html&lang=en").get_data(as_text=True)
    assert f"Features 1–10 of {total}." in page
    page = client.get("/ogc/collections/crime/items?limit=10&f=html&lang=en").get_data(as_text=True)
    assert "Features 1–10" not in page or " of " not in page.split("Features 1–10", 1)[1][:10]
