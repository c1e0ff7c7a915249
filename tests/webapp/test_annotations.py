"""What a committee draws on its picture: points, lines and areas through the geometry gate, with optimistic
locking (two clients on one annotation: one gets 412 and nothing is lost), only while the picture may be changed."""
from __future__ import annotations

import pytest

from webapp.errors import PROBLEM_JSON
from webapp.services import accounts
from webapp.services.accounts import tokens

TORGET = {"type": "Polygon", "coordinates": [[[18.0700, 59.3130], [18.0722, 59.3130], [18.0722, 59.3140],
                                              [18.0700, 59.3140], [18.0700, 59.3130]]]}
XSS = '<img src=x onerror="alert(1)">'


@pytest.fixture()
def setup(client, db_session):
    heads = {}
    for key, role, districts in (("member", "committee", ("11",)), ("other", "committee", ("10",)),
                                 ("city", "city", ())):
        email = f"{key}@example.se"
        accounts.add_user(db_session, email, role, districts=districts)
        heads[key] = {"Authorization": f"Bearer {tokens.create_token(db_session, email)[0]}"}
    picture = client.post("/api/pictures", json={"district": "11", "year": 2026, "tertial": 2, "topic": "crime"},
                          headers=heads["member"]).headers["Location"]
    return picture, heads


def feature(geometry=TORGET, **props):
    return {"type": "Feature", "geometry": geometry,
            "properties": {"kind": "hotspot", "severity": 3, "title": "Torget kvällstid", **props}}


def test_draw_read_change_and_delete_an_annotation(client, setup):
    picture, heads = setup
    created = client.post(picture + "/annotations", json=feature(body=XSS), headers=heads["member"])
    assert created.status_code == 201 and created.headers["ETag"] == '"1"', created.get_json()
    url = created.headers["Location"]
    shown = client.get(url, headers=heads["member"]).get_json()
    assert shown["geometry"]["type"] == "Polygon" and shown["properties"]["body"] == XSS  # kept as text
    collection = client.get(picture + "/annotations", headers=heads["city"]).get_json()
    assert [f["id"] for f in collection["features"]] == [shown["id"]]
    moved = client.patch(url, json={"geometry": {"type": "Point", "coordinates": [18.071, 59.3135]}},
                         headers=heads["member"] | {"If-Match": '"1"'})
    assert moved.status_code == 200 and moved.get_json()["geometry"]["type"] == "Point"
    assert moved.get_json()["properties"]["title"] == "Torget kvällstid"
    measure = client.put(url, json=feature(kind="measure", measure_type="situational", measure_status="planned",
                                           responsible="Trafikkontoret", severity=2),
                         headers=heads["member"] | {"If-Match": '"2"'})
    assert measure.status_code == 200 and measure.get_json()["properties"]["measure_status"] == "planned"
    assert client.delete(url, headers=heads["member"] | {"If-Match": '"3"'}).status_code == 204
    assert client.get(url, headers=heads["member"]).status_code == 404


def test_two_clients_on_one_annotation_one_gets_412_and_nothing_is_lost(client, setup):
    picture, heads = setup
    url = client.post(picture + "/annotations", json=feature(), headers=heads["member"]).headers["Location"]
    first = client.patch(url, json={"properties": {"title": "Första ändringen"}},
                         headers=heads["member"] | {"If-Match": '"1"'})
    assert first.status_code == 200
    second = client.patch(url, json={"properties": {"title": "Andra ändringen"}},
                          headers=heads["member"] | {"If-Match": '"1"'})
    assert second.status_code == 412 and second.mimetype == PROBLEM_JSON
    assert second.get_json()["current"]["properties"]["title"] == "Första ändringen"
    assert client.get(url, headers=heads["member"]).get_json()["properties"]["title"] == "Första ändringen"
    assert client.patch(url, json={"properties": {"title": "x"}}, headers=heads["member"]).status_code == 428


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_change_that_names_a_property_outside_properties_is_refused_not_ignored(client, setup, method):
    picture, heads = setup
    url = client.post(picture + "/annotations", json=feature(), headers=heads["member"]).headers["Location"]
    body = {"severity": 4} if method == "patch" else {**feature(), "severity": 4}
    refused = getattr(client, method)(url, json=body, headers=heads["member"] | {"If-Match": '"1"'})
    assert refused.status_code == 422 and refused.mimetype == PROBLEM_JSON
    assert "severity" in refused.get_json()["detail"] and refused.get_json()["pointer"] == "/severity"
    after = client.get(url, headers=heads["member"])
    assert after.headers["ETag"] == '"1"'  # nothing changed, not even the version


def test_only_the_pictures_own_committee_draws_and_only_while_it_may_change(client, setup):
    picture, heads = setup
    assert client.post(picture + "/annotations", json=feature(), headers=heads["other"]).status_code == 404
    assert client.post(picture + "/annotations", json=feature(), headers=heads["city"]).status_code == 403
    assert client.post(picture + "/annotations", json=feature()).status_code == 404  # the public sees no draft
    client.post(picture + "/submit", headers=heads["member"])
    assert client.post(picture + "/annotations", json=feature(), headers=heads["member"]).status_code == 403


@pytest.mark.parametrize(("body", "fragment"), [
    (feature(kind="graffiti"), "kind is one of"),
    (feature(severity=5), "severity is 1, 2, 3 or 4"),
    (feature(title=""), "title is required"),
    (feature(kind="measure"), "measure_type"),
    (feature(measure_status="done"), "belong to measures only"),
    (feature(valid_from="2026-05-01", valid_to="2026-04-01"), "on or after"),
    (feature(geometry={"type": "Point", "coordinates": [16.0, 80.0]}), ""),
    ({"type": "Point", "coordinates": [18.07, 59.31]}, "Send a GeoJSON Feature"),
], ids=["an unknown kind", "severity 5", "no title", "a measure without its type", "measure fields on a hotspot",
        "an end before the start", "a point outside SWEREF 99 TM's area", "a bare geometry"])
def test_bad_annotations_are_refused(client, setup, body, fragment):
    picture, heads = setup
    response = client.post(picture + "/annotations", json=body, headers=heads["member"])
    assert response.status_code == 422 and response.mimetype == PROBLEM_JSON
    assert fragment in response.get_json()["detail"]
