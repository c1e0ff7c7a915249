"""Accounts: argon2 passwords, throttled sign-in, bearer tokens stored hashed and revocable, sessions with CSRF on
every write, the role of a request from its user, the audit log, and production refusing the demo accounts."""
from __future__ import annotations

import dataclasses
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from webapp import create_app
from webapp.cli import main
from webapp.errors import PROBLEM_JSON, ProblemError
from webapp.services import accounts
from webapp.services.accounts import tokens

PASSWORD = "ett långt lösenord"


def add(db_session, email="planner@example.se", role="viewer", **kwargs):
    return accounts.add_user(db_session, email, role, password=PASSWORD, actor="test", **kwargs)


def test_a_password_is_stored_as_an_argon2_hash_and_every_change_is_audited(db_session):
    user = add(db_session, "Planner@Example.SE", "committee", districts=("11", "10"))
    assert user.email == "planner@example.se" and user.districts == ("10", "11")
    stored = db_session.execute(text("SELECT password_hash FROM app_user WHERE id = :id"), {"id": user.id}).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    event = db_session.execute(text("SELECT actor, action, after FROM audit_event WHERE entity = 'user' AND "
                                    "entity_id = :id"), {"id": str(user.id)}).one()
    assert event.actor == "test" and event.action == "create" and "password" not in str(event.after)
    with pytest.raises(Exception, match="append-only"):
        db_session.execute(text("UPDATE audit_event SET actor = 'someone else'"))


@pytest.mark.parametrize(("email", "role", "districts", "fragment"), [
    ("not an email", "viewer", (), "not an email"),
    ("a@example.se", "boss", (), "role must be one of"),
    ("a@example.se", "committee", (), "at least one district"),
    ("a@example.se", "viewer", ("11",), "Only committee members"),
    ("a@example.se", "committee", ("nowhere",), "no district 'nowhere'"),
], ids=["a bad email", "an unknown role", "a committee member without a district", "a viewer with a district",
        "an unknown district"])
def test_bad_accounts_are_refused(db_session, email, role, districts, fragment):
    with pytest.raises(ProblemError, match=fragment):
        accounts.add_user(db_session, email, role, districts=districts)


def test_signing_in_is_throttled_after_repeated_failures(db_session):
    add(db_session)
    assert accounts.authenticate(db_session, "planner@example.se", PASSWORD).role == "viewer"
    for _ in range(accounts.FREE_FAILURES):
        with pytest.raises(ProblemError) as wrong:
            accounts.authenticate(db_session, "planner@example.se", "wrong password")
        assert wrong.value.status == 401
    with pytest.raises(ProblemError) as waiting:
        accounts.authenticate(db_session, "planner@example.se", PASSWORD)  # even the right password waits
    assert waiting.value.status == 429 and waiting.value.extra["retry_after"] > 0
    with pytest.raises(ProblemError) as unknown:
        accounts.authenticate(db_session, "nobody@example.se", PASSWORD)
    assert unknown.value.status == 401 and unknown.value.detail == wrong.value.detail  # no telling who exists


def test_a_bearer_token_is_stored_hashed_gives_its_users_role_and_can_be_revoked(client, db_session):
    add(db_session, "city@example.se", "city")
    token, token_id = tokens.create_token(db_session, "city@example.se", "nightly export")
    assert token.startswith("rk_") and db_session.execute(text(
        "SELECT count(*) FROM api_token WHERE token_hash = :t OR prefix = :t"), {"t": token}).scalar() == 0
    anonymous = [c["id"] for c in client.get("/ogc/collections").get_json()["collections"]]
    signed = [c["id"] for c in client.get("/ogc/collections", headers={"Authorization": f"Bearer {token}"})
              .get_json()["collections"]]
    assert "crime" not in anonymous and "crime" in signed  # incident points for the city office only
    tokens.revoke_token(db_session, token_id)
    refused = client.get("/api/layers", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and refused.mimetype == PROBLEM_JSON
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/layers", headers={"Authorization": "Basic abc"}).status_code == 401


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_session_signs_in_with_csrf_and_every_write_then_needs_the_token(client, db_session):
    add(db_session, "city@example.se", "city")
    form = client.get("/login?next=/sites").get_data(as_text=True)
    assert client.post("/login", data={"email": "city@example.se", "password": PASSWORD}).status_code == 400
    signed = client.post("/login", data={"email": "city@example.se", "password": PASSWORD, "csrf_token": _csrf(form),
                                         "next": "/sites"})
    assert signed.status_code == 303 and signed.headers["Location"].endswith("/sites")
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/sites").get_data(as_text=True)
    assert "city@example.se" in page and "stadsledningskontoret" in page
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    site = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.0735, 59.3143]},
            "properties": {"land_use": "C"}}
    assert client.post("/api/site-checks", json=site).status_code == 400  # a session write without the token
    assert client.post("/api/site-checks", json=site, headers={"X-CSRFToken": token}).status_code == 201
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert "city@example.se" not in client.get("/sites").get_data(as_text=True)


def test_a_wrong_password_shows_the_form_again_in_the_pages_language(client, db_session):
    add(db_session)
    form = client.get("/login?lang=en").get_data(as_text=True)
    response = client.post("/login?lang=en", data={"email": "planner@example.se", "password": "nope",
                                                   "csrf_token": _csrf(form)})
    assert response.status_code == 401 and "The email or the password is wrong." in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"], ids=["another site", "scheme-less"])
def test_signing_in_never_sends_the_user_to_another_site(client, db_session, target):
    add(db_session)
    form = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": "planner@example.se", "password": PASSWORD,
                                           "csrf_token": _csrf(form), "next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_production_refuses_to_start_with_the_demo_accounts(settings):
    # The session's database holds the demo city, and with it the demo accounts.
    with pytest.raises(RuntimeError, match="demo accounts"):
        create_app(dataclasses.replace(settings, environment="production"))


def test_the_cli_adds_users_and_makes_and_revokes_tokens(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    email = "cli.member@example.se"
    added = runner.invoke(main, ["users", "add", email, "--role", "committee", "--district", "11", "--password-stdin"],
                          input=PASSWORD + "\n")
    assert added.exit_code == 0 and "added as committee of 11" in added.output
    listed = runner.invoke(main, ["users", "list"])
    assert email in listed.output and "sodermalm@demo.riskkarta.se" in listed.output
    bad = runner.invoke(main, ["users", "add", email, "--role", "committee", "--district", "11"])
    assert bad.exit_code == 1 and bad.output.count("Error:") == 1 and "already a user" in bad.output
    created = runner.invoke(main, ["tokens", "create", email, "--name", "test"])
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("rk_")
    token_id = next(line.split("\t")[0] for line in runner.invoke(main, ["tokens", "list", email]).output.splitlines())
    assert runner.invoke(main, ["tokens", "revoke", token_id]).exit_code == 0
    assert "revoked" in runner.invoke(main, ["tokens", "list", email]).output
    from sqlalchemy import create_engine

    from webapp.db import normalise_url

    engine = create_engine(normalise_url(database_url))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM app_user WHERE email = :e"), {"e": email})
    engine.dispose()


@pytest.mark.browser
def test_chromium_signs_in_and_out(live_server, browser_page, artifacts):
    page, log = browser_page
    page.goto(live_server + "/sites", wait_until="networkidle")
    page.locator("a.account").click()
    page.fill("#login-email", "city@demo.riskkarta.se")
    page.fill("#login-password", accounts.DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"/sites$"))
    assert "city@demo.riskkarta.se (stadsledningskontoret)" in page.locator(".topbar").inner_text()
    page.screenshot(path=str(artifacts / "signed_in.png"))
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("a.account").inner_text() == "Logga in"
    assert log["errors"] == [] and log["outside"] == []


def test_a_demo_city_loaded_before_accounts_gets_its_demo_users(db_session):
    """`make run` loads the demo only into an empty database; one whose demo city predates the accounts still gets
    the demo users, and a database of real districts never does."""
    from webapp.services import demo

    db_session.execute(text("DELETE FROM app_user WHERE is_demo"))
    assert demo.load(db_session, if_empty=True).skipped
    assert accounts.find_user(db_session, "sodermalm@demo.riskkarta.se").districts == ("11",)
    db_session.execute(text("DELETE FROM app_user WHERE is_demo"))
    db_session.execute(text("UPDATE district SET is_demo = false"))
    assert demo.load(db_session, if_empty=True).skipped
    assert accounts.find_user(db_session, "sodermalm@demo.riskkarta.se") is None


def test_a_bearer_token_counts_beside_a_session_cookie_without_a_user(client, db_session):
    """A cookie from an earlier anonymous visit (the chosen language) does not turn a token's request anonymous."""
    accounts.add_user(db_session, "cookie-token@example.se", "city")
    headers = {"Authorization": f"Bearer {tokens.create_token(db_session, 'cookie-token@example.se')[0]}"}
    client.get("/?lang=en")  # sets the session cookie
    page = client.get("/sites", headers=headers).get_data(as_text=True)
    assert "cookie-token@example.se" in page
