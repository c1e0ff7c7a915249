"""A picture's history and its state at a past time, rebuilt from the audit log; and copy forward, which starts the
next period from an earlier picture with every annotation linked to the one it came from."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from tests.conftest import PICTURE_PEOPLE, token_headers
from webapp.errors import PROBLEM_JSON

SQUARE = {"type": "Polygon", "coordinates": [[[18.0700, 59.3130], [18.0722, 59.3130], [18.0722, 59.3140],
                                              [18.0700, 59.3140], [18.0700, 59.3130]]]}
POINT = {"type": "Point", "coordinates": [18.0711, 59.3135]}
LINE = {"type": "LineString", "coordinates": [[18.0700, 59.3130], [18.0722, 59.3140]]}


def feature(geometry=SQUARE, **props):
    return {"type": "Feature", "geometry": geometry,
            "properties": {"kind": "hotspot", "severity": 3, "title": "Torget kvällstid", **props}}


def _users(session, tag: str) -> dict[str, dict]:
    return {"public": {}} | {key: token_headers(session, f"{key}-{tag}@example.se", role, districts)
                             for key, role, districts in PICTURE_PEOPLE}


@pytest.fixture()
def heads(db_session):
    return _users(db_session, "h")


def _picture(client, heads, **extra):
    body = {"district": "11", "year": 2026, "tertial": 2, "topic": "crime", "summary": "Oro kring torget."} | extra
    response = client.post("/api/pictures", json=body, headers=heads["member"])
    assert response.status_code == 201, response.get_json()
    return response.headers["Location"]


def _draw(client, heads, picture, geometry=SQUARE, **props):
    response = client.post(picture + "/annotations", json=feature(geometry, **props), headers=heads["member"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- copy forward -------------------------------------------------------------------------------------------------

def test_copy_forward_starts_the_next_period_with_linked_copies(client, heads):
    source = _picture(client, heads)
    hotspot = _draw(client, heads, source)
    measure = _draw(client, heads, source, kind="measure", severity=2, title="Bättre belysning",
                    measure_type="situational", measure_status="started", responsible="Trafikkontoret",
                    valid_from="2026-05-01")
    client.post(source + "/submit", headers=heads["member"])
    client.post(source + "/accept", headers=heads["city"])

    copied = client.post(source + "/copy-forward", headers=heads["member"])
    assert copied.status_code == 201 and copied.headers["ETag"] == '"1"', copied.get_json()
    picture = copied.get_json()
    assert copied.headers["Location"] == f"/api/pictures/{picture['id']}"
    assert (picture["year"], picture["tertial"], picture["status"]) == (2026, 3, "draft")
    assert (picture["district"], picture["topic"], picture["summary"]) == ("11", "crime", "Oro kring torget.")
    features = client.get(copied.headers["Location"] + "/annotations", headers=heads["member"]).get_json()["features"]
    assert sorted(f["properties"]["origin"] for f in features) == sorted([hotspot["id"], measure["id"]])
    by_origin = {f["properties"]["origin"]: f for f in features}
    for original in (hotspot, measure):
        copy = by_origin[original["id"]]
        assert copy["id"] != original["id"] and copy["geometry"] == original["geometry"]
        assert copy["properties"]["picture"] == picture["id"] and copy["properties"]["version"] == 1
        same = ("kind", "severity", "title", "body", "measure_type", "responsible", "measure_status", "valid_from")
        assert {k: copy["properties"][k] for k in same} == {k: original["properties"][k] for k in same}
    # The earlier picture is untouched: still accepted, still its own annotations.
    before = client.get(source, headers=heads["member"]).get_json()
    assert before["status"] == "accepted" and before["version"] == 3
    kept = client.get(source + "/annotations", headers=heads["member"]).get_json()["features"]
    assert [f["id"] for f in kept] == [hotspot["id"], measure["id"]]
    # The copy is a new draft the committee goes on with; the period can be copied to only once.
    assert client.post(copied.headers["Location"] + "/annotations", json=feature(geometry=POINT),
                       headers=heads["member"]).status_code == 201
    again = client.post(source + "/copy-forward", headers=heads["member"])
    assert again.status_code == 409 and again.get_json()["existing"] == picture["id"]


def test_copy_forward_to_a_named_period_and_across_the_year(client, heads):
    third = _picture(client, heads, tertial=3)
    copied = client.post(third + "/copy-forward", headers=heads["member"]).get_json()
    assert (copied["year"], copied["tertial"]) == (2027, 1)
    named = client.post(third + "/copy-forward", json={"year": 2027, "tertial": 3}, headers=heads["member"])
    assert named.status_code == 201 and (named.get_json()["year"], named.get_json()["tertial"]) == (2027, 3)


@pytest.mark.parametrize(("body", "status"), [
    ({"year": 2026, "tertial": 1}, 422),        # an earlier period
    ({"year": 2026, "tertial": 2}, 422),        # the same period
    ({"tertial": 4}, 422),
    ({"year": "2027"}, 422),
    ({"district": "10"}, 422),                  # the district and topic come with the picture
    ([2027, 1], 422),
])
def test_copy_forward_refuses_what_it_cannot_do(client, heads, body, status):
    # Committed pictures of other tests (the browser's) may be there too: count what this test adds.
    before = len(client.get("/api/pictures?district=11", headers=heads["member"]).get_json()["pictures"])
    source = _picture(client, heads)
    response = client.post(source + "/copy-forward", json=body, headers=heads["member"])
    assert response.status_code == status and response.mimetype == PROBLEM_JSON
    bad_json = client.post(source + "/copy-forward", data="{nope", content_type="application/json",
                           headers=heads["member"])
    assert bad_json.status_code == 400 and bad_json.mimetype == PROBLEM_JSON
    listed = client.get("/api/pictures?district=11", headers=heads["member"]).get_json()["pictures"]
    assert len(listed) == before + 1  # the source only: nothing half made


# --- history ------------------------------------------------------------------------------------------------------

def test_history_lists_every_write_newest_first_with_what_changed(client, heads):
    picture = _picture(client, heads)
    drawn = _draw(client, heads, picture)
    annotation = f"{picture}/annotations/{drawn['id']}"
    client.patch(annotation, json={"properties": {"severity": 4}, "geometry": POINT},
                 headers=heads["member"] | {"If-Match": '"1"'})
    client.patch(picture, json={"summary": "Oro kring torget kvällstid."},
                 headers=heads["member"] | {"If-Match": '"1"'})
    client.delete(annotation, headers=heads["member"] | {"If-Match": '"2"'})
    client.post(picture + "/submit", headers=heads["member"])

    response = client.get(picture + "/history", headers=heads["city"])
    assert response.status_code == 200
    events = response.get_json()["events"]
    assert [(e["entity"], e["action"]) for e in events] == [
        ("picture", "submit"), ("annotation", "delete"), ("picture", "update"), ("annotation", "update"),
        ("annotation", "create"), ("picture", "create")]
    assert all(e["actor"] == "member-h@example.se" for e in events)
    assert events[0]["changed"] == ["status"] and events[2]["changed"] == ["summary"]
    assert events[3]["changed"] == ["geometry", "severity"]
    assert events[1]["before"]["properties"]["severity"] == 4 and events[1]["after"] is None
    assert events[-1]["before"] is None and events[-1]["after"]["summary"] == "Oro kring torget."

    page = client.get(picture + "/history?limit=4", headers=heads["city"]).get_json()
    assert len(page["events"]) == 4 and "next" in page["links"]
    rest = client.get(page["links"]["next"], headers=heads["city"]).get_json()
    assert [e["id"] for e in page["events"] + rest["events"]] == [e["id"] for e in events]
    assert "next" not in rest["links"]


def test_history_of_one_picture_holds_nothing_of_another(client, heads):
    first, second = _picture(client, heads), _picture(client, heads, topic="accidents")
    _draw(client, heads, second)
    events = client.get(first + "/history", headers=heads["member"]).get_json()["events"]
    assert [(e["entity"], e["action"]) for e in events] == [("picture", "create")]


@pytest.mark.parametrize("query", ["at=yesterday", "at=2026-13-01", "at=%C2%B2026-01-01", "at=1999-12-31T00:00Z",
                                   "at=" + "9" * 60])
def test_a_bad_time_is_refused(client, heads, query):
    response = client.get(_picture(client, heads) + "?" + query, headers=heads["member"])
    assert response.status_code == 400 and response.mimetype == PROBLEM_JSON


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "before=x", "limit=%D9%A1"])
def test_bad_history_paging_is_refused(client, heads, query):
    response = client.get(_picture(client, heads) + "/history?" + query, headers=heads["member"])
    assert response.status_code == 400 and response.mimetype == PROBLEM_JSON


# --- the picture at a past time (each request commits on its own, so each write has its own time) --------------------

@pytest.fixture()
def committed(app):
    """Requests that commit for real (the audit log's times are the transactions' own); removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    session = app.extensions["riskkarta.sessionmaker"]()
    heads = _users(session, tag)
    session.commit()
    made: list[str] = []
    yield app.test_client(), heads, made
    for url in made:
        session.execute(text("DELETE FROM situation_picture WHERE id = :id"), {"id": int(url.rsplit("/", 1)[1])})
    session.execute(text("DELETE FROM app_user WHERE email LIKE :tag"), {"tag": f"%-{tag}@example.se"})
    session.commit()
    session.close()


def _latest(client, heads, picture) -> str:
    """The time of the picture's newest write, as the history gives it."""
    return client.get(picture + "/history?limit=1", headers=heads["member"]).get_json()["events"][0]["at"]


def test_the_picture_as_it_was_at_a_past_time(committed):
    client, heads, made = committed
    picture = _picture(client, heads)
    made.append(picture)
    created = _latest(client, heads, picture)
    square = _draw(client, heads, picture, title="Torget")
    point = _draw(client, heads, picture, POINT, title="Porten", kind="observation")
    both_drawn = _latest(client, heads, picture)
    client.patch(f"{picture}/annotations/{square['id']}", json={"properties": {"title": "Torget och gången"},
                                                                "geometry": LINE},
                 headers=heads["member"] | {"If-Match": '"1"'})
    client.delete(f"{picture}/annotations/{point['id']}", headers=heads["member"] | {"If-Match": '"1"'})
    changed = _latest(client, heads, picture)
    client.patch(picture, json={"summary": "Ny bild."}, headers=heads["member"] | {"If-Match": '"1"'})
    client.post(picture + "/submit", headers=heads["member"])

    def at(moment: str) -> dict:
        response = client.get(f"{picture}?at={quote(moment)}", headers=heads["city"])
        assert response.status_code == 200, response.get_json()
        assert "ETag" not in response.headers  # a past state is read, never written back
        return response.get_json()

    then = at(created)
    assert (then["summary"], then["status"], then["version"]) == ("Oro kring torget.", "draft", 1)
    assert then["annotations"]["features"] == []
    drawn = at(both_drawn)["annotations"]["features"]
    assert [(f["id"], f["properties"]["title"], f["geometry"]["type"]) for f in drawn] == [
        (square["id"], "Torget", "Polygon"), (point["id"], "Porten", "Point")]
    assert drawn[0]["geometry"] == square["geometry"]
    later = at(changed)
    assert [(f["properties"]["title"], f["geometry"]["type"]) for f in later["annotations"]["features"]] == [
        ("Torget och gången", "LineString")]
    assert later["summary"] == "Oro kring torget."
    now = at((datetime.fromisoformat(changed) + timedelta(days=1)).isoformat())
    assert (now["summary"], now["status"]) == ("Ny bild.", "submitted")
    # The same moment written in Stockholm's time without a zone, and with a `+` the query string made a space.
    local = datetime.fromisoformat(both_drawn).astimezone(ZoneInfo("Europe/Stockholm"))
    assert len(at(local.replace(tzinfo=None).isoformat())["annotations"]["features"]) == 2
    spaced = client.get(f"{picture}?at={local.isoformat()}", headers=heads["city"])  # `+01:00` arrives as ` 01:00`
    assert len(spaced.get_json()["annotations"]["features"]) == 2
    before = client.get(f"{picture}?at={quote((datetime.fromisoformat(created) - timedelta(seconds=1)).isoformat())}",
                        headers=heads["city"])
    assert before.status_code == 404 and before.mimetype == PROBLEM_JSON
