"""One real PostGIS database per test session, migrated once; each test runs in a transaction rolled back
at the end (SQLAlchemy's "joining a session into an external transaction" recipe)."""
from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from hypothesis import settings as hypothesis_settings
from pytest_postgresql.janitor import DatabaseJanitor
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from tests.oidc.fixture import oidc_provider  # noqa: F401 (the test run's OIDC provider)
from webapp import create_app, db
from webapp.config import LOCAL_WEB, Settings, local_database_url, local_pgport

ROOT = Path(__file__).resolve().parent.parent

# Property tests draw the same examples on every run (a CI failure can be replayed) and have no deadline (a busy
# two-core CI machine is not a bug).
hypothesis_settings.register_profile("riskkarta", derandomize=True, deadline=None)
hypothesis_settings.load_profile("riskkarta")
ARTIFACTS = ROOT / "tests" / "artifacts"


def _start_cluster() -> None:
    """The project's local cluster (a no-op when it already runs); `make test` has started it too."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "localdb.py"), "start"], check=True)


class ThrowawayDatabase:
    """A database with PostGIS in the local cluster, dropped at the end."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.url = local_database_url(name)
        self.janitor = DatabaseJanitor(user="riskkarta", host="127.0.0.1", port=local_pgport(),
                                       dbname=name, password=None)

    def __enter__(self) -> ThrowawayDatabase:
        self.janitor.init()
        with self.janitor.cursor(self.name) as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return self

    def __exit__(self, *exc) -> None:
        self.janitor.drop()


@pytest.fixture(scope="session")
def throwaway_database():
    """A factory for extra databases (e.g. the migration round trip), each dropped after use."""
    _start_cluster()
    return ThrowawayDatabase


# The demo city at test size: coarse rasters and fewer incidents, same code paths as `make run`.
TEST_DEMO = {"resolution_m": {"flood": 25.0, "heat": 50.0}, "incidents": 20_000, "accidents": 5_000}


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def database_url(throwaway_database, data_dir):
    """The session's database: migrated to head and holding the demo city (committed)."""
    from webapp.services import demo

    with throwaway_database(f"riskkarta_test_{os.getpid()}") as database:
        db.upgrade(database.url)
        engine = db.make_engine(database.url)
        with Session(engine) as session, session.begin():
            demo.load(session)
            demo.load_layers(session, data_dir, sizes=demo.DemoSizes(**TEST_DEMO))
        engine.dispose()
        yield database.url


@pytest.fixture(scope="session")
def settings(database_url, data_dir) -> Settings:
    # Rate limits off for the suite, which signs in and checks sites far faster than anyone; test_rate_limits
    # builds its own app with them on.
    return Settings(database_url=database_url, data_dir=data_dir, secret_key="test-secret", basemap_url="",
                    testing=True, rate_limits=False)


@pytest.fixture()
def as_role(app):
    """Run the test's requests with another anonymous role: `as_role("city")`."""
    original = app.extensions["riskkarta.settings"]

    def switch(role: str) -> None:
        app.extensions["riskkarta.settings"] = dataclasses.replace(original, anonymous_role=role)

    yield switch
    app.extensions["riskkarta.settings"] = original


@pytest.fixture(scope="session")
def app(settings):
    application = create_app(settings)
    yield application
    application.extensions["riskkarta.engine"].dispose()


@pytest.fixture()
def db_session(app):
    """A session bound to a connection whose outer transaction is rolled back after the test; the app's
    requests in the test share it, so code under test may commit freely."""
    engine = app.extensions["riskkarta.engine"]
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                           expire_on_commit=False)
    original = app.extensions["riskkarta.sessionmaker"]
    app.extensions["riskkarta.sessionmaker"] = factory
    session = factory()
    try:
        yield session
    finally:
        session.close()
        app.extensions["riskkarta.sessionmaker"] = original
        outer.rollback()
        connection.close()


@pytest.fixture()
def client(app, db_session):
    return app.test_client()


@contextmanager
def serving(settings: Settings):
    """The app on a real loopback port, in a thread; yields its base URL."""
    application = create_app(settings)
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        application.extensions["riskkarta.engine"].dispose()


@pytest.fixture(scope="session")
def web_database_url(database_url) -> str:
    """The session's database as the web app's own role (riskkarta_web, made by scripts/localdb.py), granted what
    the web does, as `riskkarta db up` grants it."""
    from sqlalchemy import make_url

    web_url = make_url(db.normalise_url(database_url)).set(username=LOCAL_WEB).render_as_string(hide_password=False)
    assert db.grant_web_role(database_url, web_url) == LOCAL_WEB
    return web_url


@pytest.fixture(scope="session")
def live_server(settings, web_database_url):
    """The app for the browser and GDAL; it sees committed data only. Requests have the `viewer` role (crisis
    management), as `make run` gives them, and it connects as the web app's role, as `make run` does."""
    with serving(dataclasses.replace(settings, anonymous_role="viewer", database_url=web_database_url,
                                     owner_database_url=settings.database_url)) as url:
        yield url


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture()
def browser_page():
    """A page in headless Debian Chromium whose network is limited to loopback; yields (page, log)."""
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed (make test installs it)"
    from playwright.sync_api import sync_playwright

    log = {"outside": [], "errors": [], "failed": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        # A Swedish browser, as the city's staff have: the pages follow Accept-Language when no ?lang= is given.
        page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="sv-SE")

        def loopback_only(route):
            if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
                return route.continue_()
            log["outside"].append(route.request.url)
            return route.abort()

        page.route("**/*", loopback_only)
        page.on("pageerror", lambda exc: log["errors"].append(str(exc)))
        # A script or style the Content-Security-Policy blocks is an error of the page like any other.
        page.on("console", lambda m: "Content Security Policy" in m.text and log["errors"].append(m.text))
        page.on("response", lambda r: r.status >= 400 and log["failed"].append(f"{r.status} {r.url}"))
        yield page, log
        browser.close()


def scalar(session: Session, sql: str, **params):
    return session.execute(text(sql), params).scalar()


# --- signed-in users: saving a site check, like every write, needs one --------------------------------------------

# The people around Södermalm's (11) situation pictures: a member of its committee, one of Östermalm's (10), the city
# office and a viewer.
PICTURE_PEOPLE = (("member", "committee", ("11",)), ("other", "committee", ("10",)), ("city", "city", ()),
                  ("viewer", "viewer", ()))


def token_headers(session: Session, email: str, role: str, districts: tuple[str, ...] = ()) -> dict[str, str]:
    """A new user's bearer headers for the test client."""
    from webapp.services import accounts
    from webapp.services.accounts import tokens

    accounts.add_user(session, email, role, districts=districts)
    return {"Authorization": f"Bearer {tokens.create_token(session, email)[0]}"}


@pytest.fixture()
def planner(db_session) -> dict[str, str]:
    """Bearer headers of a planner (a `viewer` account) for the test client."""
    return token_headers(db_session, "site-planner@example.se", "viewer")


@pytest.fixture(scope="session")
def live_token(database_url) -> dict[str, str]:
    """Bearer headers of the demo viewer, committed, for requests to the live server."""
    return committed_token(database_url, "viewer@demo.riskkarta.se")


def committed_token(database_url: str, email: str) -> dict[str, str]:
    """Bearer headers of an existing user, committed, for requests to the live server."""
    from sqlalchemy import create_engine

    from webapp.db import normalise_url
    from webapp.services.accounts import tokens

    engine = create_engine(normalise_url(database_url))
    with Session(engine) as session:
        token, _ = tokens.create_token(session, email, name="tests")
        session.commit()
    engine.dispose()
    return {"Authorization": f"Bearer {token}"}


def sign_in(page, base_url: str, email: str = "viewer@demo.riskkarta.se") -> None:
    """Sign a browser page in through the real /login form with a demo account."""
    from webapp.services.accounts import DEMO_PASSWORD

    page.goto(base_url + "/login", wait_until="networkidle")
    page.fill("#login-email", email)
    page.fill("#login-password", DEMO_PASSWORD)
    page.locator("form[action$='/login'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".topbar .who").count() == 1, "the sign-in did not take"


def wait_for_js(page, expression: str, timeout_s: float = 15.0) -> None:
    """Wait until `expression` is truthy in the page. Playwright's wait_for_function evaluates its predicate with
    eval, which the pages' Content-Security-Policy (rightly) refuses; page.evaluate goes through the DevTools
    protocol, so this polls with it."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_s:g} s for: {expression}")
        page.wait_for_timeout(50)
