"""Engine, one session per request (closed on teardown), and the schema migrations entry point."""
from __future__ import annotations

import contextlib
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request
from flask import session as cookie_session
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept the URL forms hosting platforms hand out (postgres://, postgresql://)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return url


def make_engine(url: str, *, statement_timeout_ms: int | None = None, pre_ping: bool = True) -> Engine:
    """The pool. Pre-ping (one round trip per checkout) finds connections a database restart has cut before a
    request uses them, so after a restart only the requests in flight fail (503), not the next one per pooled
    connection. The web app passes a statement timeout (RISKKARTA_STATEMENT_TIMEOUT_MS) so that no request holds
    a connection for long; the CLI's imports and migrations run without one."""
    options = "-c idle_in_transaction_session_timeout=60000"
    if statement_timeout_ms:
        options += f" -c statement_timeout={int(statement_timeout_ms)}"
    return create_engine(normalise_url(url), pool_size=5, max_overflow=5, pool_recycle=1800, pool_pre_ping=pre_ping,
                         pool_timeout=10,
                         connect_args={"application_name": "riskkarta", "connect_timeout": 5, "options": options})


def init_app(app: Flask, engine: Engine) -> None:
    """The primary's pool, and the replica's when DATABASE_REPLICA_URL is set (see get_session)."""
    app.extensions["riskkarta.engine"] = engine
    app.extensions["riskkarta.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    settings = app.extensions.get("riskkarta.settings")
    if settings is not None and settings.replica_database_url:
        replica = make_engine(settings.replica_database_url, statement_timeout_ms=settings.statement_timeout_ms)
        app.extensions["riskkarta.replica_engine"] = replica
        app.extensions["riskkarta.replica_sessionmaker"] = sessionmaker(replica, expire_on_commit=False)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        g.pop("db_on_replica", None)
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


def reads_from_replica() -> bool:
    """Whether this request may read from the replica: a replica is configured, the request only reads, and nobody
    is signed in. Read-your-writes the simple way: every write needs a signed-in user (a session cookie or a bearer
    token), so a signed-in user's requests all go to the primary and never see a replica that lags behind their own
    edit; anonymous requests (the crowd opening the map in a crisis) cannot have written anything. Decided from the
    request alone (Flask-Login's session key, the Authorization header), before any query."""
    if "riskkarta.replica_sessionmaker" not in current_app.extensions or not has_request_context():
        return False
    if request.method not in READS or request.headers.get("Authorization"):
        return False
    return "_user_id" not in cookie_session and "remember_token" not in request.cookies


def get_session(*, primary: bool = False) -> Session:
    """The request's session, created on first use: on the replica when reads_from_replica() and the replica
    answers, else on the primary.
    `primary=True` demands the primary (a GET that writes, such as the sign-in callback); a replica session opened
    earlier in the request is closed then, and the rest of the request uses the primary."""
    if "db_session" in g and not (primary and g.get("db_on_replica")):
        return g.db_session
    _close(g.pop("db_session", None))
    g.db_session, g.db_on_replica = None, False
    if not primary and reads_from_replica():
        replica = current_app.extensions["riskkarta.replica_sessionmaker"]()
        try:
            replica.connection()  # the checkout the request makes anyway, made now so that it can fall back
            g.db_session, g.db_on_replica = replica, True
        except DBAPIError:
            # A replica that is away must not take the reads (and the health check, and so the load balancer's
            # view of the instance) down with it: the primary answers them meanwhile.
            _close(replica)
    if g.db_session is None:
        g.db_session = current_app.extensions["riskkarta.sessionmaker"]()
    return g.db_session


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
