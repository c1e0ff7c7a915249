"""Engine, one session per request (closed on teardown), and the schema migrations entry point."""
from __future__ import annotations

import contextlib
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine
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
