"""Engine, one session per request (closed on teardown), and the schema migrations entry point."""
from __future__ import annotations

import contextlib
import time
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request
from flask import session as cookie_session
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept the URL forms hosting platforms hand out (postgres://, postgresql://)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return url


# A pooled connection idle for longer than this is pinged (one round trip) before a request gets it; one used more
# recently is handed out as it is. See make_engine.
PING_AFTER_IDLE_S = 1.0


def make_engine(url: str, *, statement_timeout_ms: int | None = None, pre_ping: bool = True,
                ping_after_idle_s: float = PING_AFTER_IDLE_S, autocommit: bool = False) -> Engine:
    """The pool. A connection that has been idle in the pool for more than `ping_after_idle_s` is pinged on checkout,
    so after a database restart (which takes longer than that) the requests that follow get fresh connections and only
    the requests in flight fail (503), not the next one per pooled connection. A busy worker's connections come back
    within milliseconds and skip the ping: the round trip (SQLAlchemy's pre-ping on every checkout) was 0.2–0.5 ms of
    a 3 ms items page. The web app passes a statement timeout (RISKKARTA_STATEMENT_TIMEOUT_MS) so that no request
    holds a connection for long; the CLI's imports and migrations run without one.
    `autocommit`: every connection of the pool in autocommit from the start (psycopg2's set_isolation_level costs a
    round trip, so a pool's connections are never switched back and forth per request)."""
    options = "-c idle_in_transaction_session_timeout=60000"
    if statement_timeout_ms:
        options += f" -c statement_timeout={int(statement_timeout_ms)}"
    engine = create_engine(normalise_url(url), pool_size=5, max_overflow=5, pool_recycle=1800, pool_timeout=10,
                           **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
                           connect_args={"application_name": "riskkarta", "connect_timeout": 5, "options": options})
    if pre_ping:
        _ping_when_idle(engine, ping_after_idle_s)
    if not autocommit:
        event.listen(engine, "checkin", _transactional_again)
    return engine


def _transactional_again(dbapi_connection, _record) -> None:
    """A connection a request switched to autocommit (reading_session) goes back into the pool transactional, however
    the request ended: the next request may write. psycopg2's autocommit attribute costs no round trip."""
    if dbapi_connection is not None and dbapi_connection.autocommit:
        with contextlib.suppress(Exception):  # a broken connection is discarded by the pool anyway
            dbapi_connection.autocommit = False


def reading_session(session: Session) -> Session:
    """`session`, to run in autocommit once it takes its connection: each statement its own transaction, so no BEGIN
    is sent before the first and no ROLLBACK at the end (two round trips per request). Only for requests that read;
    a session bound to a connection someone else holds (and may hold in a transaction) is left as it is."""
    if isinstance(session.get_bind(), Engine):
        session.info["autocommit"] = True
    return session


@event.listens_for(Session, "after_begin")
def _autocommit_when_reading(session: Session, _transaction, connection) -> None:
    driver = connection.connection.driver_connection
    if session.info.get("autocommit") and not driver.autocommit:
        driver.autocommit = True  # nothing was sent yet: psycopg2 sends BEGIN with the first statement


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection, record) -> None:
        record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("returned", 0.0) <= idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool drops this connection and checks out another (a new one when the server restarted).
            raise DisconnectionError(str(exc).strip()) from exc


def init_app(app: Flask, engine: Engine) -> None:
    """The primary's pool, and the replica's when DATABASE_REPLICA_URL is set (in autocommit: it serves only reads
    from someone not signed in; see get_session)."""
    app.extensions["riskkarta.engine"] = engine
    app.extensions["riskkarta.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    settings = app.extensions.get("riskkarta.settings")
    if settings is not None and settings.replica_database_url:
        replica = make_engine(settings.replica_database_url, statement_timeout_ms=settings.statement_timeout_ms,
                              autocommit=True)
        app.extensions["riskkarta.replica_engine"] = replica
        app.extensions["riskkarta.replica_sessionmaker"] = sessionmaker(replica, expire_on_commit=False)
        app.extensions["riskkarta.replica_resting_until"] = [0.0]  # monotonic time; see _replica_session

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        g.pop("db_on_replica", None)
        g.pop("db_reading", None)
        _close(g.pop("db_session", None))


def _close(db_session: Session | None) -> None:
    if db_session is None:
        return
    try:
        db_session.close()
    except DBAPIError:
        # The server went away after the answer was made (a restart): the rollback on close cannot reach it.
        # Drop the connection from the pool instead of turning a finished answer into a 500.
        with contextlib.suppress(DBAPIError):
            db_session.invalidate()


READS = frozenset({"GET", "HEAD", "OPTIONS"})


def reading_anonymously() -> bool:
    """Whether this request only reads and nobody is signed in (no session cookie, no bearer token): decided from the
    request alone, before any query. Every write needs a signed-in user; the one anonymous GET that writes (the sign-in
    callback) asks for the primary with get_session(primary=True)."""
    if not has_request_context() or request.method not in READS or request.headers.get("Authorization"):
        return False
    return "_user_id" not in cookie_session and "remember_token" not in request.cookies


def reads_from_replica() -> bool:
    """Whether this request may read from the replica: a replica is configured and reading_anonymously().
    Read-your-writes the simple way: a signed-in user's requests all go to the primary and never see a replica that
    lags behind their own edit; anonymous requests (the crowd opening the map in a crisis) cannot have written
    anything."""
    return "riskkarta.replica_sessionmaker" in current_app.extensions and reading_anonymously()


def get_session(*, primary: bool = False) -> Session:
    """The request's session, created on first use: on the replica when reads_from_replica() and the replica
    answers, else on the primary.
    An anonymous read runs in autocommit: each statement is its own transaction, so the request sends no BEGIN and
    its end no ROLLBACK (see reading_session). Under READ COMMITTED each statement of a
    transaction takes its own snapshot anyway, so a read sees nothing different; nothing it runs needs a transaction
    (no locks, no SET LOCAL, no temporary tables: those are the writers', on the primary's transactional session).
    `primary=True` demands the primary, in a transaction (a GET that writes, such as the sign-in callback); a
    session opened earlier in the request is closed then, and the rest of the request uses the primary's."""
    if "db_session" in g and not (primary and g.get("db_reading")):
        return g.db_session
    _close(g.pop("db_session", None))
    g.db_session, g.db_on_replica, g.db_reading = None, False, False
    if not primary and reads_from_replica():
        replica = _replica_session()
        if replica is not None:
            g.db_session, g.db_on_replica, g.db_reading = replica, True, True
    if g.db_session is None and not primary and reading_anonymously():
        g.db_session, g.db_reading = reading_session(current_app.extensions["riskkarta.sessionmaker"]()), True
    if g.db_session is None:
        g.db_session = current_app.extensions["riskkarta.sessionmaker"]()
    return g.db_session


# After the replica failed a request's first statement, reads go to the primary for this long before it is tried again.
REPLICA_REST_S = 5.0


def _replica_session() -> Session | None:
    """A session on the replica that has just answered a statement, or None: then the primary answers the request.
    A replica that is away must not take the reads (and the health check, and so the load balancer's view of the
    instance) down with it. The first statement is run here because a pooler in front of the replica (PgBouncer)
    accepts connections while the database behind it is down; after a failure the replica rests for REPLICA_REST_S,
    so that a pooler's wait for a server is paid by one request per worker, not by every one."""
    resting = current_app.extensions["riskkarta.replica_resting_until"]
    if time.monotonic() < resting[0]:
        return None
    replica = current_app.extensions["riskkarta.replica_sessionmaker"]()
    try:
        replica.execute(text("SELECT 1"))
        return replica
    except DBAPIError:
        _close(replica)
        resting[0] = time.monotonic() + REPLICA_REST_S
        return None


# What the web app writes; everything else it only reads. Districts, layers, incidents, hotspots and the survey
# change only through imports and commands, which connect as the owner; the audit log only grows.
WEB_WRITES = ("site_check", "app_user", "district_membership", "api_token", "situation_picture", "annotation",
              "import_job", "saved_view")
WEB_APPENDS = ("audit_event",)


class RoleMissing(RuntimeError):
    pass


def grant_web_role(owner_url: str, web_url: str) -> str | None:
    """Give the web app's role (the user of `web_url`) exactly what the web does, as the owner: read every table,
    write WEB_WRITES, append to WEB_APPENDS, nothing else (no DDL, no TRUNCATE, no change to layers or the audit
    log). Run after every migration, so new tables start read-only. None when both URLs name one role."""
    owner, web = make_url(normalise_url(owner_url)), make_url(normalise_url(web_url))
    if web.username == owner.username:
        return None
    engine = create_engine(owner)
    try:
        with engine.begin() as connection:
            if not connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": web.username}).first():
                raise RoleMissing(f"the web app's role {web.username!r} does not exist: create it (CREATE ROLE "
                                  f"{web.username} LOGIN PASSWORD '…') or leave RISKKARTA_OWNER_DATABASE_URL unset")
            role = connection.dialect.identifier_preparer.quote(web.username)
            database = connection.dialect.identifier_preparer.quote(owner.database)
            for statement in (
                f"GRANT CONNECT ON DATABASE {database} TO {role}",
                f"GRANT USAGE ON SCHEMA public TO {role}",
                f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
                f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
                f"GRANT INSERT, UPDATE, DELETE ON {', '.join(WEB_WRITES)} TO {role}",
                f"GRANT INSERT ON {', '.join(WEB_APPENDS)} TO {role}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
            ):
                connection.execute(text(statement))
    finally:
        engine.dispose()
    return web.username


# Indexes on an expression, which Alembic's comparison cannot read back from the database; the migration that makes
# each is the one to read (test_migrations checks that it exists after `db up`).
EXPRESSION_INDEXES = frozenset({"ix_audit_event_annotation_picture"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: PostGIS's own tables belong to the extension, not to our schema; expression indexes are
    compared by name only (see EXPRESSION_INDEXES)."""
    if type_ == "index" and name in EXPRESSION_INDEXES:
        return False
    return not (type_ == "table" and name in {"spatial_ref_sys"})


def alembic_config(url: str):
    """An Alembic config aimed at `url`, usable from the CLI and the tests alike."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)
