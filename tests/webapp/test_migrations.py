"""Migrations run up, down and up again on an empty PostGIS database."""
from sqlalchemy import create_engine, inspect

from webapp import db


def tables(url: str) -> set[str]:
    engine = create_engine(db.normalise_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_go_up_down_and_up_again(throwaway_database):
    with throwaway_database("riskkarta_test_migrations") as database:
        db.upgrade(database.url)
        assert {"district", "alembic_version"} <= tables(database.url)
        engine = create_engine(db.normalise_url(database.url))
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("district")}
        engine.dispose()
        assert "ix_district_geom" in indexes

        db.downgrade(database.url, "base")
        assert "district" not in tables(database.url)

        db.upgrade(database.url)
        assert "district" in tables(database.url)


def test_models_match_the_migrations(database_url):
    """Autogenerate finds nothing to do: the typed mappings and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from webapp.db import include_object
    from webapp.models import Base

    engine = create_engine(db.normalise_url(database_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []
