"""The web app connects as a role that owns nothing (webapp/db.py: grant_web_role): it does everything the web
does, and a request that went wrong (an injection, a bug) still cannot change a layer, a district, the schema or the
audit log; the log refuses TRUNCATE even from the owner."""
from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner
from psycopg2 import errors
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from tests.conftest import committed_token
from webapp import create_app, db
from webapp.cli import main as cli

SITE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.07, 59.31]},
        "properties": {"land_use": "B", "title": "Rolltest"}}
REFUSED = {
    "change the audit log": "UPDATE audit_event SET actor = 'x'",
    "delete the audit log": "DELETE FROM audit_event",
    "truncate the audit log": "TRUNCATE audit_event",
    "change a layer": "UPDATE layer SET version = version + 1",
    "add a feature to a layer": "INSERT INTO layer_feature (layer_id, geom) SELECT id, ST_GeomFromText("
                                "'POINT(674000 6580000)', 3006) FROM layer LIMIT 1",
    "delete a district": "DELETE FROM district",
    "delete incidents": "DELETE FROM incident",
    "truncate the saved checks": "TRUNCATE site_check",
    "drop a table": "DROP TABLE site_check",
    "create a table": "CREATE TABLE stolen (x int)",
    "change who owns a picture": "ALTER TABLE situation_picture OWNER TO riskkarta_web",
}


@pytest.fixture(scope="module")
def web_app(settings, web_database_url):
    app = create_app(dataclasses.replace(settings, database_url=web_database_url,
                                         owner_database_url=settings.database_url))
    yield app
    app.extensions["riskkarta.engine"].dispose()


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_the_web_role_may_not(web_database_url, statement):
    engine = create_engine(web_database_url)
    try:
        with engine.connect() as connection, pytest.raises(ProgrammingError) as refused:
            connection.execute(text(statement))
        assert isinstance(refused.value.orig, errors.InsufficientPrivilege), refused.value.orig
    finally:
        engine.dispose()


def test_not_even_the_owner_may_truncate_the_audit_log(database_url):
    engine = create_engine(db.normalise_url(database_url))
    try:
        with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text("TRUNCATE audit_event"))
    finally:
        engine.dispose()


def test_the_web_role_does_what_the_web_does(web_app, database_url):
    """Reads, a saved site check and its re-run, a picture drawn, submitted and accepted: all as the web role."""
    client = web_app.test_client()
    planner = committed_token(database_url, "viewer@demo.riskkarta.se")
    committee = committed_token(database_url, "sodermalm@demo.riskkarta.se")
    city = committed_token(database_url, "city@demo.riskkarta.se")
    made: dict[str, int] = {}
    try:
        assert client.get("/api/districts").status_code == 200
        assert client.get("/ogc/collections/hazardous-goods/items?limit=5", headers=planner).status_code == 200
        check = client.post("/api/site-checks", json=SITE, headers=planner)
        assert check.status_code == 201, check.get_json()
        made["check"] = check.get_json()["id"]
        assert client.post(f"/api/site-checks/{made['check']}/rerun", headers=planner).status_code == 201
        picture = client.post("/api/pictures", headers=committee,
                              json={"district": "11", "year": 2039, "tertial": 2, "topic": "crime"})
        assert picture.status_code == 201, picture.get_json()
        made["picture"] = picture.get_json()["id"]
        base = f"/api/pictures/{made['picture']}"
        drawn = client.post(base + "/annotations", headers=committee, json={
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [18.07, 59.31]},
            "properties": {"kind": "observation", "severity": 2, "title": "Rolltest"}})
        assert drawn.status_code == 201, drawn.get_json()
        etag = client.get(base, headers=committee).headers["ETag"]
        assert client.post(base + "/submit", headers={**committee, "If-Match": etag}).status_code == 200
        etag = client.get(base, headers=city).headers["ETag"]
        assert client.post(base + "/accept", headers={**city, "If-Match": etag}).status_code == 200
    finally:
        engine = create_engine(db.normalise_url(database_url))
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM site_check WHERE title = 'Rolltest'"))
            connection.execute(text("DELETE FROM annotation WHERE picture_id = :p"), {"p": made.get("picture")})
            connection.execute(text("DELETE FROM situation_picture WHERE id = :p"), {"p": made.get("picture")})
        engine.dispose()


def test_db_up_grants_the_web_role_and_says_so(database_url, web_database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", web_database_url)
    monkeypatch.setenv("RISKKARTA_OWNER_DATABASE_URL", database_url)
    result = CliRunner().invoke(cli, ["db", "up"])
    assert result.exit_code == 0, result.output
    assert "connects as riskkarta_web" in result.output


def test_db_up_with_a_web_role_that_does_not_exist_is_one_error_line(database_url, monkeypatch):
    missing = make_url(db.normalise_url(database_url)).set(username="no_such_role")
    monkeypatch.setenv("DATABASE_URL", missing.render_as_string(hide_password=False))
    monkeypatch.setenv("RISKKARTA_OWNER_DATABASE_URL", database_url)
    result = CliRunner().invoke(cli, ["db", "up"])
    assert result.exit_code != 0 and result.exception is None or isinstance(result.exception, SystemExit)
    errors_ = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors_) == 1 and "no_such_role" in errors_[0], result.output
