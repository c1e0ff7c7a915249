"""Rate limits (webapp/ratelimit.py): past a limit, 429 problem+json with Retry-After; per client (another user
keeps their own allowance); cached tiles are never limited."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import committed_token
from webapp import create_app, db
from webapp.errors import PROBLEM_JSON

SITE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.07, 59.31]},
        "properties": {"land_use": "C"}}


@pytest.fixture()
def limited(settings):
    app = create_app(dataclasses.replace(settings, rate_limits=True, rate_site_checks="3/minute",
                                         rate_sign_in="2/minute", rate_reports="2/minute",
                                         rate_tile_misses="4/minute", tile_cache_mb=16))
    yield app
    app.extensions["riskkarta.engine"].dispose()


def too_many(response):
    assert response.status_code == 429 and response.mimetype == PROBLEM_JSON, response.status_code
    assert int(response.headers["Retry-After"]) >= 1
    return response.get_json()


def test_site_checks_past_the_limit_get_429_per_user(limited, database_url):
    client = limited.test_client()
    first = committed_token(database_url, "viewer@demo.riskkarta.se")
    second = committed_token(database_url, "city@demo.riskkarta.se")
    body = {**SITE, "properties": {"land_use": "C", "title": "Gränstest"}}
    try:
        answers = [client.post("/api/site-checks", json=body, headers=first).status_code for _ in range(3)]
        assert answers == [201, 201, 201]
        assert "site checks" in too_many(client.post("/api/site-checks", json=body, headers=first))["detail"]
        assert client.post("/api/site-checks", json=body, headers=second).status_code == 201
    finally:
        engine = create_engine(db.normalise_url(database_url))
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM site_check WHERE title = 'Gränstest'"))
        engine.dispose()


def test_sign_in_attempts_past_the_limit_get_429(limited):
    client = limited.test_client()
    form = {"email": "nobody@example.se", "password": "wrong"}
    with client:
        page = client.get("/login")
        assert page.status_code == 200
        statuses = [client.post("/login", data=form, headers={"Accept": "application/json"}).status_code
                    for _ in range(3)]
    assert statuses[-1] == 429 and 429 not in statuses[:2], statuses


def test_new_tiles_are_limited_cached_ones_are_not(limited):
    client = limited.test_client()
    version = client.get("/api/layers/flood").get_json()["version"]
    urls = [f"/tiles/flood/{version}/12/{2250 + i}/1204.png" for i in range(5)]
    assert [client.get(u).status_code for u in urls[:4]] == [200] * 4
    too_many(client.get(urls[4]))
    assert all(client.get(u).status_code == 200 for u in urls[:4])  # from the cache: free
