"""The request's database session (webapp/db.py): reads from someone not signed in run in autocommit (no BEGIN, no
ROLLBACK), everything else in a transaction, and every connection goes back into the pool transactional; a pooled
connection idle for longer than a second is pinged before use, so one the server dropped is replaced, not handed out.
"""
from __future__ import annotations

import time

import pytest
from flask_login import login_user
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from webapp import create_app, db
from webapp.auth import SignedIn
from webapp.services.accounts import User


@pytest.fixture(scope="module")
def own_app(settings):
    """An app of its own: its sessions come from its pool (the suite's `client` shares one rolled-back transaction)."""
    application = create_app(settings)
    yield application
    application.extensions["riskkarta.engine"].dispose()


def _autocommit(session) -> bool:
    return session.connection().connection.driver_connection.autocommit


def _in_transaction_after_a_query(session) -> bool:
    session.execute(text("SELECT 1"))
    return session.connection().connection.driver_connection.info.transaction_status != 0  # 0: idle


@pytest.mark.parametrize(("method", "headers", "reading"), [
    ("GET", {}, True),
    ("HEAD", {}, True),
    ("OPTIONS", {}, True),
    ("POST", {}, False),
    ("DELETE", {}, False),
    ("GET", {"Authorization": "Bearer x"}, False),
], ids=["anonymous GET", "anonymous HEAD", "anonymous OPTIONS", "POST", "DELETE", "GET with a bearer token"])
def test_only_anonymous_reads_run_in_autocommit(own_app, method, headers, reading):
    with own_app.test_request_context("/api/layers", method=method, headers=headers):
        session = db.get_session()
        assert _autocommit(session) is reading
        assert _in_transaction_after_a_query(session) is not reading


def test_a_signed_in_users_read_runs_in_a_transaction(own_app):
    user = User(id=7, email="m@example.se", name=None, role="committee", districts=("11",), active=True,
                is_demo=False, has_password=True)
    with own_app.test_request_context("/api/pictures"):
        login_user(SignedIn(user, "session"))
        assert _autocommit(db.get_session()) is False


def test_a_get_that_writes_gets_a_transaction_even_after_reading(own_app):
    """The sign-in callback reads anonymously, then asks for the primary to write the account."""
    with own_app.test_request_context("/oidc/callback"):
        reading = db.get_session()
        assert _autocommit(reading)
        writing = db.get_session(primary=True)
        assert writing is not reading and _autocommit(writing) is False
        assert db.get_session() is writing


def test_connections_go_back_into_the_pool_transactional(own_app):
    engine = own_app.extensions["riskkarta.engine"]
    for _ in range(3):  # more requests than the pool has idle connections at first
        with own_app.test_request_context("/api/layers"):
            assert _autocommit(db.get_session())
    # Every connection the pool now holds, checked out at once (so that none is handed out twice):
    held = [engine.raw_connection() for _ in range(engine.pool.checkedin())]
    try:
        assert held and all(c.driver_connection.autocommit is False for c in held)
    finally:
        for c in held:
            c.close()


def test_an_idle_connection_the_server_dropped_is_pinged_and_replaced(database_url):
    engine = db.make_engine(database_url, ping_after_idle_s=0.05)
    with engine.connect() as connection:
        first = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    _terminate_by_pid(database_url, first)
    time.sleep(0.1)  # idle past the threshold
    with engine.connect() as connection:  # pinged, found dead, replaced: no error
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar() != first
    engine.dispose()


def test_a_connection_back_within_the_threshold_is_not_pinged(database_url):
    """The other side of the trade: a connection returned a moment ago is handed out as it is, so a server that
    dropped it in that moment fails the request using it (a 503), as a request in flight would."""
    engine = db.make_engine(database_url, ping_after_idle_s=3600)
    with engine.connect() as connection:
        first = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    _terminate_by_pid(database_url, first)
    with pytest.raises(DBAPIError), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    with engine.connect() as connection:  # the pool was invalidated by the failure: a new connection
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar() != first
    engine.dispose()


def _terminate_by_pid(database_url: str, pid: int) -> None:
    engine = create_engine(db.normalise_url(database_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    engine.dispose()
    time.sleep(0.1)
