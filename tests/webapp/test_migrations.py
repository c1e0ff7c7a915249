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
    from sqlalchemy import text

    from webapp.db import EXPRESSION_INDEXES, include_object
    from webapp.models import Base

    engine = create_engine(db.normalise_url(database_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
        made = set(connection.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")).scalars())
    engine.dispose()
    assert diff == []
    declared = {i.name for t in Base.metadata.tables.values() for i in t.indexes}
    assert made >= EXPRESSION_INDEXES and declared >= EXPRESSION_INDEXES


def test_districts_loaded_before_0007_are_marked_demo_by_their_source(throwaway_database):
    """0007 adds district.is_demo and marks the demo city that an older database holds (known by its source)."""
    from sqlalchemy import text

    from layers.demo_city import DEMO_SOURCE

    with throwaway_database("riskkarta_test_migration_0007") as database:
        db.upgrade(database.url, "0006")
        engine = create_engine(db.normalise_url(database.url))
        square = "ST_Multi(ST_MakeEnvelope(672000, 6579000, 674000, 6581000, 3006))"
        with engine.begin() as connection:
            connection.execute(text(
                f"INSERT INTO district (code, name, committee, source, geom) VALUES "
                f"('9', 'Norrmalm', 'Norrmalm stadsdelsnämnd', :demo, {square}), "
                f"('R', 'Real', 'Real stadsdelsnämnd', 'Stockholms stad', {square})"), {"demo": DEMO_SOURCE})
        db.upgrade(database.url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT code, is_demo FROM district ORDER BY code")).all()
        engine.dispose()
        assert [tuple(r) for r in rows] == [("9", True), ("R", False)]
