"""Health: is the database reachable, and which PostGIS does it run."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Health:
    database: str
    postgresql: str
    postgis: str
    schema_revision: str | None


def check(session: Session) -> Health:
    """Ask the database for its versions; raises OperationalError when it cannot be reached."""
    pg, postgis = session.execute(text(
        "SELECT current_setting('server_version'), postgis_lib_version()")).one()
    revision = None
    if session.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar():
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return Health(database="ok", postgresql=pg, postgis=postgis, schema_revision=revision)


def version() -> str:
    """The installed package's version (pyproject.toml), as the health check reports it."""
    try:
        return metadata.version("riskkarta")
    except metadata.PackageNotFoundError:
        return "0+unknown"
