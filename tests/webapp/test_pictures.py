"""Situation pictures: the workflow draft → submitted → returned → submitted → accepted, optimistic locking, who may
do what on every endpoint (a committee member of Södermalm, 11, never reads or writes Östermalm's, 10), and that a
change to what is drawn waits for a submit in flight instead of slipping past it."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp.errors import PROBLEM_JSON, ProblemError
from webapp.services import accounts
from webapp.services.accounts import User, tokens
from webapp.services.pictures import drawings

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


# Who gets what, on every picture route: each action is one (method, URL rule), and the matrices give the expected
# answer per caller for Södermalm's (11) picture as a draft, submitted, returned and accepted. A picture the caller may
# not read answers 404 (it does not exist for them); one they read but may not act on answers 403 (DESIGN.md §7).
# The lists answer with whether the picture is LISTED or HIDDEN. test_every_picture_route_is_in_the_matrices keeps
# a new route from slipping by.
CALLERS = ("public", "viewer", "member_11", "member_10", "city", "admin")
LISTED, HIDDEN = "listed", "hidden"
_ONE = "/api/pictures/<int:picture_id>"
_ANNOTATION = _ONE + "/annotations/<int:annotation_id>"
ENDPOINTS = {
    "create": ("POST", "/api/pictures"), "list": ("GET", "/api/pictures"), "list-page": ("GET", "/pictures"),
    "read": ("GET", _ONE), "at": ("GET", _ONE), "update": ("PATCH", _ONE), "delete": ("DELETE", _ONE),
    "history": ("GET", _ONE + "/history"), "submit": ("POST", _ONE + "/submit"), "return": ("POST", _ONE + "/return"),
    "accept": ("POST", _ONE + "/accept"), "copy-forward": ("POST", _ONE + "/copy-forward"),
    "annotations": ("GET", _ONE + "/annotations"), "draw": ("POST", _ONE + "/annotations"),
    "annotation": ("GET", _ANNOTATION), "replace-annotation": ("PUT", _ANNOTATION),
    "change-annotation": ("PATCH", _ANNOTATION), "delete-annotation": ("DELETE", _ANNOTATION),
    "hotspots": ("GET", _ONE + "/hotspots"), "from-hotspot": ("POST", _ONE + "/annotations/from-hotspot"),
    "geopackage": ("GET", _ONE + "/export.gpkg"), "compare": ("GET", "/api/pictures/compare"),
    "page": ("GET", "/pictures/<int:picture_id>"), "pdf": ("GET", "/pictures/<int:picture_id>.pdf"),
    "compare-page": ("GET", "/pictures/compare"),
}


def _row(*answers) -> dict:
    """One matrix row: the answers in the order of CALLERS."""
    assert len(answers) == len(CALLERS)
    return dict(zip(CALLERS, answers, strict=True))


_CREATE = _row(401, 403, 201, 403, 403, 403)          # another topic's picture of district 11, whatever this one is
_WORK_LISTED = _row(HIDDEN, HIDDEN, LISTED, HIDDEN, LISTED, LISTED)
_WORK_READ = _row(404, 404, 200, 404, 200, 200)        # the committee of 11, the city and the admin read its work
_WORK_FROZEN = _row(404, 404, 403, 404, 403, 403)      # read, but no one may change it now
_WORK_EDIT = {"created": _row(404, 404, 201, 404, 403, 403), "changed": _row(404, 404, 200, 404, 403, 403),
              "deleted": _row(404, 404, 204, 404, 403, 403)}
_READS = ("read", "page", "pdf", "annotations", "annotation", "hotspots", "geopackage", "compare", "compare-page")
_DRAWING = ("draw", "replace-annotation", "change-annotation", "delete-annotation", "from-hotspot")

DRAFT_MATRIX = {
    "create": _CREATE, "list": _WORK_LISTED, "list-page": _WORK_LISTED,
    **dict.fromkeys(_READS, _WORK_READ), "history": _WORK_READ, "at": _WORK_READ,
    "update": _WORK_EDIT["changed"], "delete": _WORK_EDIT["deleted"], "submit": _WORK_EDIT["changed"],
    "return": _WORK_FROZEN, "accept": _WORK_FROZEN, "copy-forward": _WORK_EDIT["created"],
    "draw": _WORK_EDIT["created"], "replace-annotation": _WORK_EDIT["changed"],
    "change-annotation": _WORK_EDIT["changed"], "delete-annotation": _WORK_EDIT["deleted"],
    "from-hotspot": _WORK_EDIT["created"],
}
# Submitted: read-only for the committee until the city office accepts it or returns it (the city office only).
SUBMITTED_MATRIX = {
    "create": _CREATE, "list": _WORK_LISTED, "list-page": _WORK_LISTED,
    **dict.fromkeys(_READS, _WORK_READ), "history": _WORK_READ, "at": _WORK_READ,
    "update": _WORK_FROZEN, "delete": _WORK_FROZEN, "submit": _WORK_FROZEN,
    "return": _row(404, 404, 403, 404, 200, 403), "accept": _row(404, 404, 403, 404, 200, 403),
    "copy-forward": _WORK_EDIT["created"], **dict.fromkeys(_DRAWING, _WORK_FROZEN),
}
# Returned (with the city office's comment): the committee's to change again, as a draft, but no longer to delete.
RETURNED_MATRIX = DRAFT_MATRIX | {"delete": _WORK_FROZEN}
# Once accepted, the picture is every reader's (not the public's) but no one's to change; its history stays the
# working record of the committee and the city.
_EVERY_READER = _row(404, 200, 200, 200, 200, 200)
_NO_ONE = _row(404, 403, 403, 403, 403, 403)
ACCEPTED_MATRIX = {
    "create": _CREATE, "list": _row(HIDDEN, LISTED, LISTED, LISTED, LISTED, LISTED),
    "list-page": _row(HIDDEN, LISTED, LISTED, LISTED, LISTED, LISTED),
    **dict.fromkeys(_READS, _EVERY_READER), "history": _row(404, 403, 200, 403, 200, 200),
    "at": _row(404, 403, 200, 403, 200, 200), "update": _NO_ONE, "delete": _NO_ONE, "submit": _NO_ONE,
    "return": _NO_ONE, "accept": _NO_ONE, "copy-forward": _row(404, 403, 201, 403, 403, 403),
    **dict.fromkeys(_DRAWING, _NO_ONE),
}
MATRICES = {"draft": DRAFT_MATRIX, "submitted": SUBMITTED_MATRIX, "returned": RETURNED_MATRIX,
            "accepted": ACCEPTED_MATRIX}

SODERMALM_POINT = {"type": "Point", "coordinates": [18.0735, 59.3143]}
DRAWN = {"type": "Feature", "geometry": SODERMALM_POINT,
         "properties": {"kind": "observation", "severity": 2, "title": "Trasig belysning"}}
PERIODS = {"district": "11", "topic": "crime", "from": "2026-1", "to": "2026-2"}
# What each action sends besides the caller's headers: the query, the JSON body, and the current version of the
# picture or of the annotation in If-Match.
REQUESTS = {
    "create": {"json": {"district": "11", "year": 2026, "tertial": 2, "topic": "threats"}},
    "list": {"query_string": {"district": "11"}}, "list-page": {"query_string": {"district": "11"}},
    "at": {"query_string": {"at": "2100-01-01"}},
    "update": {"json": {"summary": "ändrad"}, "if_match": "picture"}, "delete": {"if_match": "picture"},
    "return": {"json": {"comment": "Lägg till åtgärder."}},
    "draw": {"json": DRAWN}, "replace-annotation": {"json": DRAWN, "if_match": "annotation"},
    "change-annotation": {"json": {"properties": {"severity": 4}}, "if_match": "annotation"},
    "delete-annotation": {"if_match": "annotation"},
    "compare": {"query_string": PERIODS}, "compare-page": {"query_string": PERIODS},
}


def _picture_as(client, bearer, status: str, tertial: int = 2) -> dict[str, int]:
    """Södermalm's crime picture of 2026 `tertial`, with one annotation, brought to `status`: the ids and versions."""
    member, city = bearer["member_11"], bearer["city"]
    url = new_picture(client, member, tertial=tertial).headers["Location"]
    drawn = client.post(url + "/annotations", json=DRAWN, headers=member)
    assert drawn.status_code == 201, drawn.get_json()
    if status != "draft":
        assert client.post(url + "/submit", headers=member).status_code == 200
    if status in ("returned", "accepted"):
        decided = client.post(url + ("/accept" if status == "accepted" else "/return"), headers=city,
                              json={} if status == "accepted" else {"comment": "Lägg till åtgärder."})
        assert decided.get_json()["status"] == status
    now = client.get(url, headers=city).get_json()
    return {"picture": now["id"], "picture_version": now["version"], "annotation": drawn.get_json()["id"],
            "annotation_version": drawn.get_json()["properties"]["version"]}


def _act(client, bearer, action: str, made: dict[str, int], headers: dict):
    """The request of `action` on the picture, its URL made from the action's own rule; the answer is the status,
    or for a list whether the picture is in it."""
    method, rule = ENDPOINTS[action]
    picture = made["picture"]
    url = rule.replace("<int:picture_id>", str(picture)).replace("<int:annotation_id>", str(made["annotation"]))
    sent = dict(REQUESTS.get(action, {}))
    if "if_match" in sent:
        headers = headers | {"If-Match": f'"{made[sent.pop("if_match") + "_version"]}"'}
    if action == "from-hotspot":                          # the district's strongest computed cluster (demo data)
        found = client.get(f"/api/pictures/{picture}/hotspots", headers=bearer["city"]).get_json()
        assert found["run"] and found["clusters"], found
        sent["json"] = {"run": found["run"]["id"], "cells": [c["id"] for c in found["clusters"][0]["cells"]]}
    response = client.open(url, method=method, headers=headers, **sent)
    if action == "list" and response.status_code == 200:
        return response, LISTED if picture in {p["id"] for p in response.get_json()["pictures"]} else HIDDEN
    if action == "list-page" and response.status_code == 200:
        return response, LISTED if f'href="/pictures/{picture}"' in response.get_data(as_text=True) else HIDDEN
    return response, response.status_code


def test_every_picture_route_is_in_the_matrices(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith(("/api/pictures", "/pictures")) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(ENDPOINTS.values())
    for matrix in MATRICES.values():
        assert set(matrix) == set(ENDPOINTS)
        assert all(list(row) == list(CALLERS) for row in matrix.values())


@pytest.mark.parametrize("action", list(ENDPOINTS))
@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("status", list(MATRICES))
def test_who_may_do_what_with_a_picture(client, bearer, status, who, action):
    made = _picture_as(client, bearer, status)
    if action.startswith("compare"):
        _picture_as(client, bearer, status, tertial=1)    # the earlier period, in the same state
    response, answer = _act(client, bearer, action, made, bearer[who])
    assert answer == MATRICES[status][action][who], response.get_data(as_text=True)[:500]
    if response.status_code >= 400 and action != "compare-page":  # the page says it in the form, as HTML
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


# The race an unlocked read of the picture loses: a member changes what is drawn while a colleague's submit of the
# same picture is in flight (status written, not committed). The change waits for the picture's row lock and then
# sees "submitted" (403); read without the lock it would go on from the draft it saw. Committed rows, because two
# transactions are needed; the picture is deleted afterwards and no audit event is committed.
RACING = {
    "draw": lambda s, p, a, user: drawings.create(s, p, DRAWN, user, "committee", max_vertices=1000),
    "change": lambda s, p, a, user: drawings.update(s, p, a, {"properties": {"severity": 4}}, user, "committee", 1,
                                                    partial=True, max_vertices=1000),
    "delete": lambda s, p, a, user: drawings.delete(s, p, a, user, "committee", 1),
}


@pytest.mark.parametrize("change", list(RACING))
def test_a_drawing_waits_for_a_submit_in_flight_and_is_then_refused(app, change):
    engine = app.extensions["riskkarta.engine"]
    member = User(0, "racing@example.se", None, "committee", ("11",), True, False, False)
    with engine.begin() as setup:
        picture = setup.execute(text(
            "INSERT INTO situation_picture (district_code, year, tertial, topic, created_by, updated_by) "
            "VALUES ('11', 2099, 3, 'other', :by, :by) RETURNING id"), {"by": member.email}).scalar_one()
        annotation = setup.execute(text(
            "INSERT INTO annotation (picture_id, kind, severity, title, created_by, updated_by, geom) VALUES "
            "(:p, 'observation', 2, 'Före', :by, :by, ST_Transform(ST_SetSRID(ST_MakePoint(18.0735, 59.3143), 4326), "
            "3006)) RETURNING id"), {"p": picture, "by": member.email}).scalar_one()
    outcome: dict = {}
    try:
        with Session(engine) as submitter, Session(engine) as editor, engine.connect() as watcher:
            submitter.execute(text("SELECT id FROM situation_picture WHERE id = :id FOR UPDATE"), {"id": picture})
            submitter.execute(text("UPDATE situation_picture SET status = 'submitted', version = version + 1 "
                                   "WHERE id = :id"), {"id": picture})
            editor_pid = editor.execute(text("SELECT pg_backend_pid()")).scalar_one()
            editor.execute(text("SET LOCAL lock_timeout = '30s'"))

            def edit() -> None:
                try:
                    outcome["done"] = RACING[change](editor, picture, annotation, member)
                except Exception as exc:                          # the main thread asserts what it was
                    outcome["error"] = exc

            worker = threading.Thread(target=edit)
            worker.start()
            deadline = time.monotonic() + 30
            while worker.is_alive() and time.monotonic() < deadline:   # until it finishes or waits for a lock
                waiting = watcher.execute(text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity "
                                               "WHERE pid = :pid"), {"pid": editor_pid}).scalar()
                watcher.rollback()                        # pg_stat_activity is a snapshot per transaction
                if waiting:
                    break
                time.sleep(0.02)
            finished_early = not worker.is_alive()
            submitter.commit()
            worker.join(30)
            editor.rollback()
        assert not worker.is_alive()
        assert not finished_early or "error" in outcome, "the change went through while the submit was in flight"
        error = outcome.get("error")
        assert isinstance(error, ProblemError) and error.status == 403, outcome
    finally:
        with engine.begin() as cleanup:
            cleanup.execute(text("DELETE FROM situation_picture WHERE id = :id"), {"id": picture})
