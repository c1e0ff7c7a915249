"""Situation pictures: the workflow draft → submitted → returned → submitted → accepted, optimistic locking, and
who may do what on every endpoint (a committee member of Södermalm, 11, never reads or writes Östermalm's, 10)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from webapp.errors import PROBLEM_JSON
from webapp.services import accounts
from webapp.services.accounts import tokens

USERS = {"member_11": ("committee", ("11",)), "member_10": ("committee", ("10",)), "viewer": ("viewer", ()),
         "city": ("city", ()), "admin": ("admin", ())}


@pytest.fixture()
def bearer(db_session):
    """Authorization headers per kind of user (and none for the public)."""
    found = {"public": {}}
    for key, (role, districts) in USERS.items():
        email = f"{key}@example.se"
        accounts.add_user(db_session, email, role, districts=districts)
        token, _ = tokens.create_token(db_session, email)
        found[key] = {"Authorization": f"Bearer {token}"}
    return found


def new_picture(client, headers, district="11", **extra):
    body = {"district": district, "year": 2026, "tertial": 2, "topic": "crime", "summary": "Oro kring torget."}
    response = client.post("/api/pictures", json=body | extra, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response


def test_the_whole_workflow_with_its_etags(client, bearer, db_session):
    created = new_picture(client, bearer["member_11"])
    picture = created.get_json()
    assert created.headers["Location"] == f"/api/pictures/{picture['id']}" and created.headers["ETag"] == '"1"'
    assert picture["status"] == "draft" and picture["district"] == "11"
    url = created.headers["Location"]
    edited = client.patch(url, json={"summary": "Fler larm på kvällar."}, headers=bearer["member_11"] | {
        "If-Match": '"1"'})
    assert edited.status_code == 200 and edited.headers["ETag"] == '"2"'
    submitted = client.post(url + "/submit", headers=bearer["member_11"])
    assert submitted.get_json()["status"] == "submitted"
    frozen = client.patch(url, json={"summary": "x"}, headers=bearer["member_11"] | {"If-Match": '"3"'})
    assert frozen.status_code == 403  # submitted: read-only
    assert client.post(url + "/return", json={}, headers=bearer["city"]).status_code == 422  # a comment is needed
    returned = client.post(url + "/return", json={"comment": "Lägg till åtgärder."}, headers=bearer["city"])
    assert returned.get_json()["status"] == "returned" and returned.get_json()["comment"] == "Lägg till åtgärder."
    again = client.patch(url, json={"summary": "Med åtgärder."}, headers=bearer["member_11"] | {"If-Match": '"4"'})
    assert again.status_code == 200
    client.post(url + "/submit", headers=bearer["member_11"])
    accepted = client.post(url + "/accept", headers=bearer["city"])
    assert accepted.get_json()["status"] == "accepted" and accepted.headers["ETag"] == '"7"'
    actions = db_session.execute(text("SELECT action FROM audit_event WHERE entity = 'situation_picture' AND "
                                      "entity_id = :id ORDER BY id"), {"id": str(picture["id"])}).scalars().all()
    assert actions == ["create", "update", "submit", "return", "update", "submit", "accept"]


def test_two_members_editing_at_once_lose_nothing(client, bearer):
    url = new_picture(client, bearer["member_11"]).headers["Location"]
    first = client.patch(url, json={"summary": "Den första."}, headers=bearer["member_11"] | {"If-Match": '"1"'})
    assert first.status_code == 200
    stale = client.patch(url, json={"summary": "Den andra."}, headers=bearer["member_11"] | {"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM_JSON
    assert stale.get_json()["current"]["summary"] == "Den första." and stale.get_json()["current"]["version"] == 2
    assert client.patch(url, json={"summary": "x"}, headers=bearer["member_11"]).status_code == 428
    assert client.get(url, headers=bearer["member_11"]).get_json()["summary"] == "Den första."


# Who gets what: the expected status per user for each action on Södermalm's (11) draft, then on its accepted picture.
DRAFT_MATRIX = {
    "read": {"public": 404, "viewer": 404, "member_11": 200, "member_10": 404, "city": 200, "admin": 200},
    "update": {"public": 404, "viewer": 404, "member_11": 200, "member_10": 404, "city": 403, "admin": 403},
    "submit": {"public": 404, "viewer": 404, "member_11": 200, "member_10": 404, "city": 403, "admin": 403},
    "accept": {"public": 404, "viewer": 404, "member_11": 403, "member_10": 404, "city": 403, "admin": 403},
    "delete": {"public": 404, "viewer": 404, "member_11": 204, "member_10": 404, "city": 403, "admin": 403},
    "history": {"public": 404, "viewer": 404, "member_11": 200, "member_10": 404, "city": 200, "admin": 200},
    "at": {"public": 404, "viewer": 404, "member_11": 200, "member_10": 404, "city": 200, "admin": 200},
    "copy-forward": {"public": 404, "viewer": 404, "member_11": 201, "member_10": 404, "city": 403, "admin": 403},
}
# Once accepted, the picture is every reader's (not the public's) but no one's to change; its history stays the
# working record of the committee and the city.
ACCEPTED_MATRIX = {
    "read": {"public": 404, "viewer": 200, "member_11": 200, "member_10": 200, "city": 200, "admin": 200},
    "update": {"public": 404, "viewer": 403, "member_11": 403, "member_10": 403, "city": 403, "admin": 403},
    "submit": {"public": 404, "viewer": 403, "member_11": 403, "member_10": 403, "city": 403, "admin": 403},
    "accept": {"public": 404, "viewer": 403, "member_11": 403, "member_10": 403, "city": 403, "admin": 403},
    "delete": {"public": 404, "viewer": 403, "member_11": 403, "member_10": 403, "city": 403, "admin": 403},
    "history": {"public": 404, "viewer": 403, "member_11": 200, "member_10": 403, "city": 200, "admin": 200},
    "at": {"public": 404, "viewer": 403, "member_11": 200, "member_10": 403, "city": 200, "admin": 200},
    "copy-forward": {"public": 404, "viewer": 403, "member_11": 201, "member_10": 403, "city": 403, "admin": 403},
}


def _act(client, action, url, headers):
    if action == "read":
        return client.get(url, headers=headers)
    if action == "update":
        return client.patch(url, json={"summary": "ändrad"}, headers=headers | {"If-Match": '"1"'})
    if action == "delete":
        return client.delete(url, headers=headers | {"If-Match": '"1"'})
    if action == "history":
        return client.get(f"{url}/history", headers=headers)
    if action == "at":
        return client.get(f"{url}?at=2100-01-01", headers=headers)
    return client.post(f"{url}/{action}", headers=headers)


@pytest.mark.parametrize("action", list(DRAFT_MATRIX))
@pytest.mark.parametrize("who", ["public", "viewer", "member_11", "member_10", "city", "admin"])
def test_who_may_do_what_with_a_draft(client, bearer, action, who):
    url = new_picture(client, bearer["member_11"]).headers["Location"]
    response = _act(client, action, url, bearer[who])
    assert response.status_code == DRAFT_MATRIX[action][who], response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.mimetype == PROBLEM_JSON


@pytest.mark.parametrize("action", list(ACCEPTED_MATRIX))
@pytest.mark.parametrize("who", ["public", "viewer", "member_11", "member_10", "city", "admin"])
def test_who_may_do_what_with_an_accepted_picture(client, bearer, action, who):
    url = new_picture(client, bearer["member_11"]).headers["Location"]
    client.post(url + "/submit", headers=bearer["member_11"])
    assert client.post(url + "/accept", headers=bearer["city"]).status_code == 200
    response = _act(client, action, url, bearer[who])
    assert response.status_code == ACCEPTED_MATRIX[action][who], response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.mimetype == PROBLEM_JSON


@pytest.mark.parametrize(("who", "creates", "sees_draft", "sees_accepted"), [
    ("public", 401, False, False), ("viewer", 403, False, True), ("member_11", 201, True, True),
    ("member_10", 403, False, True), ("city", 403, True, True), ("admin", 403, True, True),
])
def test_creating_and_listing_by_role(client, bearer, who, creates, sees_draft, sees_accepted):
    draft = new_picture(client, bearer["member_11"], topic="crime").get_json()
    done = new_picture(client, bearer["member_11"], topic="accidents").headers["Location"]
    client.post(done + "/submit", headers=bearer["member_11"])
    client.post(done + "/accept", headers=bearer["city"])
    response = client.post("/api/pictures", json={"district": "11", "year": 2026, "tertial": 2, "topic": "threats"},
                           headers=bearer[who])
    assert response.status_code == creates
    listed = {p["topic"] for p in client.get("/api/pictures?district=11", headers=bearer[who]).get_json()["pictures"]}
    assert ("crime" in listed) == sees_draft and ("accidents" in listed) == sees_accepted
    assert draft["id"]  # the draft exists whoever asks


@pytest.mark.parametrize(("body", "status"), [
    ({"district": "11", "year": 2026, "tertial": 4, "topic": "crime"}, 422),
    ({"district": "11", "year": 2026, "tertial": 2, "topic": "weather"}, 422),
    ({"district": "nowhere", "year": 2026, "tertial": 2, "topic": "crime"}, 422),
    ({"district": "11", "year": "2026", "tertial": 2, "topic": "crime"}, 422),
    ({"district": "11", "year": 2026, "tertial": 2, "topic": "crime", "owner": "me"}, 422),
], ids=["tertial 4", "an unknown topic", "an unknown district", "a year as text", "an unknown field"])
def test_bad_pictures_are_refused(client, bearer, body, status):
    response = client.post("/api/pictures", json=body, headers=bearer["member_11"])
    assert response.status_code == status and response.mimetype == PROBLEM_JSON


def test_one_picture_per_district_period_and_topic(client, bearer):
    first = new_picture(client, bearer["member_11"]).get_json()
    twice = client.post("/api/pictures", json={"district": "11", "year": 2026, "tertial": 2, "topic": "crime"},
                        headers=bearer["member_11"])
    assert twice.status_code == 409 and twice.get_json()["existing"] == first["id"]
