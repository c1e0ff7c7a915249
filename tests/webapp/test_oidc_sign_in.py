"""Sign-in through the city's identity provider: a real OpenID Connect provider on loopback (tests/oidc), the app's
Authlib client with PKCE, the role and districts from the provider's claims and groups, and a person without a role
refused."""
from __future__ import annotations

import dataclasses
from urllib.parse import urljoin

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import serving
from webapp.db import normalise_url


@pytest.fixture(scope="module")
def oidc_app(settings, oidc_provider):
    configured = dataclasses.replace(settings, anonymous_role="public", oidc_metadata_url=oidc_provider.metadata_url,
                                     oidc_client_id=oidc_provider.client_id,
                                     oidc_client_secret=oidc_provider.client_secret)
    with serving(configured) as url:
        yield url
    engine = create_engine(normalise_url(settings.database_url))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM app_user WHERE oidc_subject IS NOT NULL"))
    engine.dispose()


def sign_in(oidc_provider, base: str, who: str) -> tuple[httpx.Client, httpx.Response]:
    http = httpx.Client(timeout=20)
    start = http.get(base + "/auth/login")
    assert start.status_code == 302 and start.headers["location"].startswith(oidc_provider.issuer)
    assert "code_challenge=" in start.headers["location"]  # PKCE
    account = oidc_provider.accounts[who]
    back = oidc_provider.log_in(http, start.headers["location"], account.login, account.password)
    assert back.is_redirect and back.headers["location"].startswith(base + "/auth/callback")
    return http, http.get(urljoin(base, back.headers["location"]))


def test_a_committee_member_signs_in_with_the_role_and_districts_of_the_provider(oidc_provider, oidc_app, settings):
    http, done = sign_in(oidc_provider, oidc_app, "committee")
    assert done.status_code == 303 and done.headers["location"] == "/"
    page = http.get(oidc_app + "/sites").text
    email = oidc_provider.accounts["committee"].claims["email"]
    assert email in page and "nämndledamot" in page
    engine = create_engine(normalise_url(settings.database_url))
    with engine.connect() as connection:
        role, codes = connection.execute(text(
            "SELECT u.role, array_agg(d.code ORDER BY d.code) FROM app_user u JOIN district_membership m ON "
            "m.user_id = u.id JOIN district d ON d.id = m.district_id WHERE u.email = :e GROUP BY u.role"),
            {"e": email}).one()
    engine.dispose()
    assert role == "committee" and "11" in codes  # sdn-11 in the groups; unknown district groups are ignored
    http.close()


def test_the_city_office_sees_incident_points_after_signing_in(oidc_provider, oidc_app):
    http, done = sign_in(oidc_provider, oidc_app, "city")
    assert done.status_code == 303
    collections = [c["id"] for c in http.get(oidc_app + "/ogc/collections").json()["collections"]]
    assert "crime" in collections
    http.close()


def test_a_person_without_a_role_is_not_signed_in(oidc_provider, oidc_app):
    http, done = sign_in(oidc_provider, oidc_app, "norole")
    assert done.status_code == 403 and "no Riskkarta role" in done.text
    assert "Logga ut" not in http.get(oidc_app + "/sites").text
    http.close()


def test_without_a_provider_the_route_says_so(client):
    response = client.get("/auth/login", headers={"Accept": "application/json"})
    assert response.status_code == 404
