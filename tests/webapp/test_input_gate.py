"""The one input gate (webapp/gate.py): hostile and malformed input on every write and read gets a 4xx
problem+json that says what to change, never a 500, and nothing is stored. The property-based tests throw any JSON
value at every member of the bodies the API takes."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from webapp.errors import PROBLEM_JSON
from webapp.services import accounts
from webapp.services.accounts import tokens

SITE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.07, 59.31]},
        "properties": {"land_use": "C", "title": "Torget"}}
SQUARE = {"type": "Polygon", "coordinates": [[[18.0700, 59.3130], [18.0722, 59.3130], [18.0722, 59.3140],
                                              [18.0700, 59.3140], [18.0700, 59.3130]]]}


def problem(response, *statuses):
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json(force=True)
    assert body["status"] == response.status_code and body["detail"]
    return body


def saved_checks(db_session) -> int:
    return db_session.execute(text("SELECT count(*) FROM site_check")).scalar_one()


@pytest.fixture()
def member(db_session):
    accounts.add_user(db_session, "gate-member@example.se", "committee", districts=("11",))
    return {"Authorization": f"Bearer {tokens.create_token(db_session, 'gate-member@example.se')[0]}"}


def nested(levels: int, kind: str) -> str:
    if kind == "arrays":
        return "[" * levels + "]" * levels
    if kind == "objects":
        return '{"a":' * levels + "1" + "}" * levels
    point = '{"type": "Point", "coordinates": [18.07, 59.31]}'
    return '{"type": "GeometryCollection", "geometries": [' * levels + point + "]}" * levels


@pytest.mark.parametrize("kind", ["arrays", "objects", "collections"])
@pytest.mark.parametrize("url", ["/api/site-checks", "/api/site-checks/measure", "/api/districts/touching",
                                 "/api/pictures"])
def test_deeply_nested_bodies_are_refused_on_every_json_endpoint(client, planner, url, kind):
    for levels in (50, 3_000, 50_000):
        body = nested(levels, kind)
        if url == "/api/site-checks" and kind == "collections":
            body = '{"type": "Feature", "properties": {"land_use": "C"}, "geometry": ' + body + "}"
        response = client.post(url, data=body, content_type="application/json", headers=planner)
        problem(response, 400, 401, 403, 413, 422)


@pytest.mark.parametrize("title", ["a\ud800b", "\udfff", "a\u202eb", "x\u2066y", "bell\x07", "nul\x00", "esc\x1b["])
def test_hostile_text_in_a_title_is_refused_and_nothing_is_saved(client, planner, db_session, title):
    before = saved_checks(db_session)
    body = json.dumps({**SITE, "properties": {"land_use": "C", "title": title}})  # \\ud800 escapes survive dumps
    body_problem = problem(client.post("/api/site-checks", data=body, content_type="application/json",
                                       headers=planner), 400)
    assert "U+" in body_problem["detail"] and body_problem["pointer"] == "/properties/title"
    assert saved_checks(db_session) == before


def test_tabs_and_line_breaks_are_ordinary_text(client, planner):
    body = {**SITE, "properties": {"land_use": "C", "title": "Torget\tnorra\r\ndelen"}}
    assert client.post("/api/site-checks", json=body, headers=planner).status_code == 201


def test_a_body_over_the_cap_is_refused_before_it_is_read_whatever_it_holds(client, planner, app):
    cap = app.extensions["riskkarta.settings"].max_json_bytes
    title = "x" * cap + "\\u0000"
    body = json.dumps({**SITE, "properties": {"land_use": "C"}})[:-2] + f', "title": "{title}"' + "}}"
    assert len(body) > cap
    assert problem(client.post("/api/site-checks", data=body, content_type="application/json", headers=planner),
                   413)["type"].endswith("too-large")


@pytest.mark.parametrize("body", [
    '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [NaN, 59.31]}, "properties": {"land_use": "C"}}',
    '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [Infinity, 1]}, "properties": {}}',
    '{"type": "Feature", "type": "Feature", "geometry": null, "properties": {"land_use": "C"}}',
    b'{"type": "Feature", "properties": {"title": "\xff\xfe"}}',
    '{"type": "Feature",',
], ids=["NaN", "Infinity", "a duplicate key", "not UTF-8", "cut off"])
def test_json_that_is_not_plain_json_is_refused(client, planner, body):
    problem(client.post("/api/site-checks", data=body, content_type="application/json", headers=planner), 400)


def test_a_text_plain_body_is_never_read_as_json(client, planner, db_session):
    before = saved_checks(db_session)
    for mimetype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""):
        response = client.post("/api/site-checks", data=json.dumps(SITE), content_type=mimetype, headers=planner)
        problem(response, 400, 415)
    assert saved_checks(db_session) == before


def test_a_write_from_another_site_is_refused_whatever_it_carries(client, planner, db_session):
    before = saved_checks(db_session)
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Sec-Fetch-Site": "same-site"}):
        response = client.post("/api/site-checks", json=SITE, headers=planner | headers)
        assert problem(response, 403)["type"].endswith("cross-site-write")
    assert saved_checks(db_session) == before
    own = client.post("/api/site-checks", json=SITE, headers=planner | {"Origin": "http://localhost",
                                                                       "Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 201


@pytest.mark.parametrize("props", [{"land_use": ["A"]}, {"land_use": {"A": 1}}, {"land_use": "C", "vulnerable": [[]]},
                                   {"land_use": "C", "vulnerable": [{}]}, {"land_use": "C", "buffer_m": "50"},
                                   {"land_use": "C", "title": ["x"]}, {"land_use": "C", "given_as": ["geojson"]},
                                   {"land_use": "C", "reference": 12}])
def test_a_member_of_the_wrong_json_type_is_a_422(client, planner, props):
    problem(client.post("/api/site-checks", json={**SITE, "properties": props}, headers=planner), 400, 422)


def test_a_crs_member_is_refused_not_silently_ignored(client, planner):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}}
    located = {**SITE, "crs": crs}
    assert "?crs=" in problem(client.post("/api/site-checks", json=located, headers=planner), 422)["detail"]
    geometry = {**SITE["geometry"], "crs": crs}
    problem(client.post("/api/districts/touching", json=geometry), 422)


def test_a_polygon_with_almost_no_area_is_refused(client, planner):
    sliver = {"type": "Polygon", "coordinates": [[[18.07, 59.31], [18.08, 59.31], [18.08, 59.310000001],
                                                  [18.07, 59.310000001], [18.07, 59.31]]]}
    assert "almost no area" in problem(client.post("/api/site-checks/measure", json=sliver), 422)["detail"]
    point_sized = {"type": "Polygon", "coordinates": [[[18.07, 59.31], [18.070001, 59.31], [18.070001, 59.310001],
                                                       [18.07, 59.310001], [18.07, 59.31]]]}
    problem(client.post("/api/site-checks", json={**SITE, "geometry": point_sized}, headers=planner), 422)
    assert client.post("/api/site-checks/measure", json=SQUARE).status_code == 200


@pytest.mark.parametrize("url", ["/api/districts?crs=EPSG:4326&crs=EPSG:3006", "/api/site-checks?limit=1&limit=2",
                                 "/ogc/collections/districts/items?limit=1&limit=500",
                                 "/ogc/collections/districts/items?bbox=0,0,1,1&bbox=17,59,19,60"])
def test_a_parameter_given_twice_is_refused(client, url):
    assert problem(client.get(url), 400)["type"].endswith("repeated-parameter")


@pytest.mark.parametrize("url", ["/api/layers?lang=AAA", "/api/layers?lang=de", "/ogc/collections?lang=sv%0d%0a"])
def test_an_unknown_language_is_refused(client, url):
    problem(client.get(url), 400)


def test_known_languages_in_any_spelling_are_taken(client):
    for lang in ("sv", "EN", "en-GB", "sv_SE"):
        assert client.get(f"/api/layers?lang={lang}").status_code == 200


@pytest.mark.parametrize("url", ["/api/layers?x=a%e2%80%aeb", "/api/layers?a%07=1", "/api/districts/1%e2%80%ae1"])
def test_control_and_override_characters_in_the_address_are_refused(client, url):
    problem(client.get(url), 400)


def test_an_over_long_address_is_a_414_problem(client):
    problem(client.get("/api/layers?q=" + "x" * 5_000), 414)


@pytest.mark.parametrize("fid", ["²", "①", "١٢", "1_0", "+1", "-1", " 1", "1e3", "99999999999999999999999"])
def test_ogc_feature_ids_that_only_look_like_numbers_are_not_found(client, fid):
    problem(client.get(f"/ogc/collections/districts/items/{fid}"), 404)
    problem(client.get(f"/ogc/collections/incidents/items/{fid}"), 403, 404)


@pytest.mark.parametrize("value", ["²", "١٠", "1_0", "1e3", "nan", "inf", "-0"])
def test_ogc_numbers_in_unicode_or_python_spelling_are_refused(client, value):
    for name in ("limit", "offset"):
        response = client.get(f"/ogc/collections/districts/items?{name}={value}")
        assert response.status_code in (200, 400), (name, value, response.status_code)
        if value != "-0" or name == "limit":
            problem(response, 400)


def test_pasted_coordinates_take_text_or_json_and_nothing_else(client):
    url = "/api/site-checks/read-coordinates"
    assert client.post(url, data="6580505 673779", content_type="text/plain").status_code == 200
    assert client.post(url, json={"text": "6580505 673779"}).status_code == 200
    problem(client.post(url, data="6580505\u202e 673779".encode(), content_type="text/plain"), 400)
    problem(client.post(url, data=b"\xff\xfe", content_type="text/plain"), 400)
    problem(client.post(url, data="<x/>", content_type="application/xml"), 415)


# Any JSON value in any member of a body: never a 5xx.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)
SITE_MEMBERS = ["land_use", "vulnerable", "buffer_m", "reference", "title", "given_as", "coordinates"]
PICTURE_MEMBERS = ["district", "year", "tertial", "topic", "summary"]
ANNOTATION_MEMBERS = ["kind", "severity", "title", "body", "measure_type", "measure_status", "statistics"]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(member=st.sampled_from(SITE_MEMBERS), value=JSON_VALUES)
def test_any_value_in_a_site_member_is_never_a_5xx(client, planner, member, value):
    body = {**SITE, "properties": {"land_use": "C", member: value}}
    assert client.post("/api/site-checks", json=body, headers=planner).status_code < 500
    assert client.post("/api/site-checks/measure", json={"type": "Feature", "geometry": value}).status_code < 500


@pytest.fixture()
def picture(client, member):
    created = client.post("/api/pictures", json={"district": "11", "year": 2026, "tertial": 2, "topic": "crime"},
                          headers=member)
    assert created.status_code == 201
    return created.headers["Location"]


@FUZZ
@given(member_name=st.sampled_from(PICTURE_MEMBERS), value=JSON_VALUES)
def test_any_value_in_a_picture_member_is_never_a_5xx(client, member, picture, member_name, value):
    body = {"district": "11", "year": 2026, "tertial": 3, "topic": "accidents", member_name: value}
    assert client.post("/api/pictures", json=body, headers=member).status_code < 500
    assert client.patch(picture, json={member_name: value}, headers=member | {"If-Match": '"1"'}).status_code < 500


@FUZZ
@given(member_name=st.sampled_from(ANNOTATION_MEMBERS), value=JSON_VALUES)
def test_any_value_in_an_annotation_member_is_never_a_5xx(client, member, picture, member_name, value):
    body = {"type": "Feature", "geometry": SQUARE,
            "properties": {"kind": "measure", "severity": 2, "title": "Belysning", member_name: value}}
    assert client.post(picture + "/annotations", json=body, headers=member).status_code < 500
    assert client.post(picture + "/annotations", json={"type": "Feature", "geometry": value, "properties": {}},
                       headers=member).status_code < 500


@FUZZ
@given(value=JSON_VALUES)
def test_any_body_at_all_is_never_a_5xx(client, planner, value):
    for url in ("/api/site-checks", "/api/districts/touching", "/api/site-checks/measure",
                "/api/site-checks/read-coordinates"):
        assert client.post(url, json=value, headers=planner).status_code < 500, url
