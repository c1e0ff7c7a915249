"""Engine, one session per request (closed on teardown), and the schema migrations entry point."""
from __future__ import annotations

import contextlib
from pathlib import Path

from flask import Flask, current_app, g
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
    app.extensions["riskkarta.engine"] = engine
    app.extensions["riskkarta.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is None:
            return
        try:
            session.close()
        except DBAPIError:
            # The server went away after the answer was made (a restart): the rollback on close cannot reach it.
            # Drop the connection from the pool instead of turning a finished answer into a 500.
            with contextlib.suppress(DBAPIError):
                session.invalidate()


def get_session() -> Session:
    """The request's session, created on first use."""
    if "db_session" not in g:
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
