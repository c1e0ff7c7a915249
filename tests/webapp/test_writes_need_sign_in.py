"""Every write needs a signed-in user, whatever role the public is given: every endpoint that accepts POST, PUT,
PATCH or DELETE refuses an anonymous request and writes nothing. A new write endpoint that lets the public write
fails here until it is listed below with its reason."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from webapp.errors import PROBLEM_JSON
from webapp.services import accounts
from webapp.services.accounts import tokens

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Endpoints that take a body but store nothing (or are the sign-in itself), with the reason.
OPEN = {
    "pages.login": "signing in",
    "pages.logout": "signing out (does nothing without a session)",
    "site_checks.measure": "measures a drawn area; stores nothing",
    "coordinates.read": "reads pasted coordinates; stores nothing",
    "api.districts_touching": "lists the districts a geometry touches; stores nothing",
}
TABLES = ("site_check", "situation_picture", "annotation", "app_user", "api_token")
SITE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.0735, 59.3143]},
        "properties": {"land_use": "C", "title": "Anonym"}}


def _write_rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & WRITES):
            yield rule, method


def _url(rule, ids: dict[str, int]) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule)


def _counts(session) -> dict[str, int]:
    return {t: session.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


def test_the_open_list_names_real_endpoints(app):
    endpoints = {rule.endpoint for rule, _ in _write_rules(app)}
    assert set(OPEN) <= endpoints


@pytest.mark.parametrize("role", ["public", "viewer", "city", "admin"])
def test_no_write_endpoint_lets_an_anonymous_request_write(app, client, db_session, as_role, planner, role):
    """Whatever RISKKARTA_ANONYMOUS_ROLE says, a request that is not signed in changes nothing."""
    # Something real to write to: a saved check, and an accepted picture (which a viewer may read) with a drawing.
    ids = {"check_id": client.post("/api/site-checks", json=SITE, headers=planner).get_json()["id"]}
    accounts.add_user(db_session, "member-w@example.se", "committee", districts=("11",))
    accounts.add_user(db_session, "city-w@example.se", "city")
    member, city = ({"Authorization": f"Bearer {tokens.create_token(db_session, e)[0]}"}
                    for e in ("member-w@example.se", "city-w@example.se"))
    picture = client.post("/api/pictures", json={"district": "11", "year": 2026, "tertial": 2, "topic": "crime"},
                          headers=member).get_json()["id"]
    ids["annotation_id"] = client.post(f"/api/pictures/{picture}/annotations", headers=member, json={
        "type": "Feature", "geometry": SITE["geometry"],
        "properties": {"kind": "hotspot", "severity": 2, "title": "Torget"}}).get_json()["id"]
    client.post(f"/api/pictures/{picture}/submit", headers=member)
    assert client.post(f"/api/pictures/{picture}/accept", headers=city).status_code == 200
    ids["picture_id"] = picture
    as_role(role)
    before = _counts(db_session)
    tried = 0
    for rule, method in _write_rules(app):
        if rule.endpoint in OPEN or rule.endpoint == "static":
            continue
        response = client.open(_url(rule, ids), method=method, json=SITE, headers={"If-Match": '"1"'})
        tried += 1
        # The public does not see pictures at all (404); a reading role sees the accepted one but may not write (401).
        expected = (401, 404) if role == "public" else (401,)
        assert response.status_code in expected, (rule.rule, method, response.get_data(as_text=True)[:200])
        assert response.mimetype == PROBLEM_JSON or rule.rule.startswith("/auth")
    assert tried >= 12  # site checks, pictures, annotations, the workflow
    assert _counts(db_session) == before


def test_saving_a_check_needs_a_signed_in_user_and_says_so(client, as_role, planner, db_session):
    as_role("city")  # even a generous anonymous role grants no writes
    refused = client.post("/api/site-checks", json=SITE)
    assert refused.status_code == 401 and refused.mimetype == PROBLEM_JSON
    assert "signed-in" in refused.get_json()["detail"]
    saved = client.post("/api/site-checks", json=SITE, headers=planner)
    assert saved.status_code == 201
    check = saved.get_json()
    assert client.post(check["links"]["rerun"]).status_code == 401
    assert client.post(check["links"]["rerun"], headers=planner).status_code == 201
    logged = db_session.execute(text(
        "SELECT actor, action, after ->> 'title' FROM audit_event WHERE entity = 'site_check' ORDER BY id")).all()
    assert [tuple(r) for r in logged][-2:] == [("site-planner@example.se", "create", "Anonym"),
                                               ("site-planner@example.se", "rerun", "Anonym")]
    by = db_session.execute(text("SELECT created_by FROM site_check WHERE id = :id"), {"id": check["id"]}).scalar()
    assert by == "site-planner@example.se"


def test_the_form_offers_a_sign_in_instead_of_a_check_that_would_fail(client, planner):
    anonymous = client.get("/sites").get_data(as_text=True)
    assert 'id="check-submit"' not in anonymous and "/login?next=/sites" in anonymous
    signed_in = client.get("/sites", headers=planner).get_data(as_text=True)
    assert 'id="check-submit"' in signed_in
