"""District imports from files the tests write: GeoJSON in WGS 84, GeoPackage in SWEREF 99 TM, zipped
Shapefile; all or nothing."""
import json

import numpy as np
import pyogrio.raw
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import box

from geo.crs import SWEREF99TM, WGS84, transform_geom
from tests.files import zip_shapefile
from webapp import db
from webapp.cli import main
from webapp.errors import ProblemError
from webapp.services import districts
from webapp.services.districts.importer import import_districts

# Two adjacent squares in central Stockholm, EPSG:3006.
WEST = box(672_000, 6_579_000, 674_000, 6_581_000)
EAST = box(674_000, 6_579_000, 676_000, 6_581_000)
BOWTIE = shapely.Polygon([(672_000, 6_579_000), (674_000, 6_581_000), (674_000, 6_579_000),
                          (672_000, 6_581_000)])


def write_geojson(path, features, crs=WGS84):
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": shapely.geometry.mapping(transform_geom(geom, SWEREF99TM, crs))}
        for props, geom in features]}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def write_ogr(path, features, *, driver, crs="EPSG:3006", layer=None):
    names = list(features[0][0])
    columns = [[props[n] for props, _ in features] for n in names]
    field_data = [np.array(c, dtype=float if isinstance(c[0], float) else object) for c in columns]
    geometry = np.array([shapely.to_wkb(shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g)
                         for _, g in features], dtype=object)
    pyogrio.raw.write(path, geometry, field_data, names, driver=driver, crs=crs, layer=layer,
                  geometry_type="MultiPolygon")
    return path


def test_the_demo_loader_marks_its_districts_as_demo(db_session):
    marks = db_session.execute(shapely_text("SELECT count(*), bool_and(is_demo) FROM district")).one()
    assert tuple(marks) == (13, True) and districts.is_demo(db_session)


def test_geojson_in_wgs84_is_reprojected_and_upserted(db_session, tmp_path):
    path = write_geojson(tmp_path / "d.geojson", [({"namn": "Väst", "kod": "W1"}, WEST),
                                                  ({"namn": "Öst", "kod": "E1"}, EAST)])
    result = import_districts(db_session, path, replace=True)
    assert (result.features, result.inserted, result.removed, result.demo_replaced) == (2, 2, 0, 13)
    assert result.source_crs == "EPSG:4326"
    area = db_session.execute(shapely_area_sql("W1")).scalar()
    assert area == pytest.approx(4_000_000, rel=1e-4)  # 2 km × 2 km, measured in EPSG:3006
    assert districts.count(db_session) == 2


# An incident lies in the district its point lies in, and in one whenever it lies in any.
MISPLACED_INCIDENTS = """
    SELECT count(*) FROM incident AS i
    WHERE (i.district_id IS NULL AND EXISTS (SELECT 1 FROM district AS d WHERE ST_Intersects(d.geom, i.geom)))
       OR NOT EXISTS (SELECT 1 FROM district AS d WHERE d.id = i.district_id AND ST_Intersects(d.geom, i.geom))
          AND i.district_id IS NOT NULL
"""


def codes(session):
    return sorted(r.code for r in districts.refs(session))


def incidents_per_district(session):
    rows = session.execute(shapely_text(
        "SELECT d.code, count(*) FROM incident AS i LEFT JOIN district AS d ON d.id = i.district_id "
        "GROUP BY d.code ORDER BY d.code NULLS LAST")).all()
    return {code: n for code, n in rows}


def test_a_real_file_over_the_demo_city_replaces_every_demo_district(db_session, tmp_path):
    """Without --replace, too: a real city and the demo city never mix; incidents follow the new districts."""
    assert db_session.execute(shapely_text(MISPLACED_INCIDENTS)).scalar() == 0
    total = sum(incidents_per_district(db_session).values())
    # Code "9" is also the demo Norrmalm's: the real district takes its place, not its geometry.
    path = write_geojson(tmp_path / "d.geojson", [({"namn": "Väst", "kod": "9"}, WEST),
                                                  ({"namn": "Öst", "kod": "E1"}, EAST)])
    result = import_districts(db_session, path)
    assert (result.inserted, result.updated, result.removed, result.demo_replaced) == (2, 0, 0, 13)
    assert codes(db_session) == ["9", "E1"] and not districts.is_demo(db_session)
    assert db_session.execute(shapely_text(MISPLACED_INCIDENTS)).scalar() == 0
    per_district = incidents_per_district(db_session)
    assert per_district["9"] > 0 and per_district["E1"] > 0 and sum(per_district.values()) == total
    assert result.incidents_reassigned == total - per_district.get(None, 0)  # removing the demo city unset them all


def test_a_real_file_over_real_districts_keeps_the_others_unless_replace(db_session, tmp_path):
    first = write_geojson(tmp_path / "w.geojson", [({"namn": "Väst", "kod": "W"}, WEST)])
    assert import_districts(db_session, first).demo_replaced == 13
    moved = write_geojson(tmp_path / "e.geojson", [({"namn": "Öst", "kod": "E"}, EAST)])
    kept = import_districts(db_session, moved)
    assert (kept.inserted, kept.removed, kept.demo_replaced) == (1, 0, 0)
    assert codes(db_session) == ["E", "W"]
    replaced = import_districts(db_session, moved, replace=True)
    assert (replaced.updated, replaced.removed) == (1, 1)
    assert codes(db_session) == ["E"]
    assert db_session.execute(shapely_text(MISPLACED_INCIDENTS)).scalar() == 0


def test_geopackage_in_sweref_with_named_fields(db_session, tmp_path):
    path = write_ogr(tmp_path / "d.gpkg", [({"NAMN": "Väst", "ADM_ID": 901, "NAMND": "Västnämnden"}, WEST)],
                     driver="GPKG", layer="omraden")
    result = import_districts(db_session, path, layer="omraden", name_field="NAMN", code_field="ADM_ID",
                              committee_field="NAMND")
    assert (result.inserted, result.updated, result.source_crs) == (1, 0, "EPSG:3006")
    feature = json.loads(districts.feature_geojson(db_session, "901", SWEREF99TM))
    assert feature["properties"]["committee"] == "Västnämnden"
    assert feature["geometry"]["coordinates"][0][0][0] in ([674000.0, 6579000.0], [672000.0, 6579000.0],
                                                           [674000.0, 6581000.0], [672000.0, 6581000.0])


def test_zipped_shapefile_with_prj_imports(db_session, tmp_path):
    write_ogr(tmp_path / "omr.shp", [({"name": "Väst", "ADM_ID": 7.0}, transform_geom(WEST, SWEREF99TM, 3011))],
              driver="ESRI Shapefile", crs="EPSG:3011")
    archive = zip_shapefile(tmp_path / "omr.shp")
    result = import_districts(db_session, archive, code_field="adm_id")
    assert result.source_crs == "EPSG:3011" and result.inserted == 1
    # DBF stores the integer id as 7.0; the code reads "7", and the area survives the reprojection.
    assert db_session.execute(shapely_area_sql("7")).scalar() == pytest.approx(4_000_000, rel=1e-4)


def write_shapefile_without_prj(tmp_path):
    write_ogr(tmp_path / "nocrs.shp", [({"name": "Väst"}, WEST)], driver="ESRI Shapefile")
    return zip_shapefile(tmp_path / "nocrs.shp", with_prj=False)


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda p: write_shapefile_without_prj(p), "declares no coordinate reference system"),
    (lambda p: write_geojson(p / "empty.geojson", []), "has no features"),
    (lambda p: write_geojson(p / "bad.geojson", [({"name": "Väst"}, WEST), ({"name": "Knut"}, BOWTIE)]),
     "Feature 2 (Knut) has an invalid geometry: Self-intersection near lon"),
    (lambda p: write_geojson(p / "dup.geojson", [({"name": "A", "code": "1"}, WEST),
                                                 ({"name": "B", "code": "1"}, EAST)]), "share the code '1'"),
    (lambda p: write_geojson(p / "noname.geojson", [({"label": "A"}, WEST)]), "No name field found"),
    (lambda p: (p / "x.csv").write_text("a,b\n") and p / "x.csv", "unsupported file type"),
], ids=["a shapefile without .prj", "a file with no features", "a file with a self-intersecting polygon",
        "a file with a duplicated code", "a file without a name field", "a CSV file"])
def test_bad_files_are_refused_and_nothing_changes(db_session, tmp_path, make, fragment):
    before = districts.collection_geojson(db_session)
    with pytest.raises(ProblemError) as refused:
        import_districts(db_session, make(tmp_path))
    assert refused.value.status == 422
    assert fragment in refused.value.detail
    assert districts.collection_geojson(db_session) == before


def test_repair_makes_a_bowtie_usable(db_session, tmp_path):
    path = write_geojson(tmp_path / "bad.geojson", [({"name": "Knut", "code": "K"}, BOWTIE)])
    result = import_districts(db_session, path, repair=True)
    assert result.repaired == 1
    assert db_session.execute(shapely_area_sql("K")).scalar() == pytest.approx(2_000_000, rel=1e-6)


def shapely_text(sql):
    from sqlalchemy import text

    return text(sql)


def shapely_area_sql(code):
    from sqlalchemy import text

    return text("SELECT ST_Area(geom) FROM district WHERE code = :code").bindparams(code=code)


def test_cli_import_is_all_or_nothing(throwaway_database, tmp_path):
    """Through the real command and its own transaction: a failing file leaves the previous districts."""
    with throwaway_database("riskkarta_test_cli") as database:
        db.upgrade(database.url)
        runner = CliRunner()
        env = {"DATABASE_URL": database.url, "RISKKARTA_DATA_DIR": str(tmp_path / "data")}
        good = write_ogr(tmp_path / "good.gpkg", [({"name": "Väst", "code": "W"}, WEST),
                                                  ({"name": "Öst", "code": "E"}, EAST)], driver="GPKG")
        ok = runner.invoke(main, ["import", "districts", str(good)], env=env)
        assert ok.exit_code == 0, ok.output
        assert "2 read from good.gpkg (EPSG:3006); 2 new" in ok.output

        bad = write_geojson(tmp_path / "bad.geojson", [({"name": "Väst", "code": "W"}, EAST),
                                                       ({"name": "Knut", "code": "K"}, BOWTIE)])
        failed = runner.invoke(main, ["import", "districts", str(bad), "--replace"], env=env)
        assert failed.exit_code == 1
        assert "Import refused: Feature 2 (Knut)" in failed.output

        demo = runner.invoke(main, ["demo", "load", "--if-empty", "--resolution", "flood=50", "--resolution",
                                    "heat=100", "--incidents", "1000"], env=env)
        assert "already has districts" in demo.output
        engine = db.make_engine(database.url)
        with engine.connect() as connection:
            from sqlalchemy import text

            rows = connection.execute(text("SELECT code, round(ST_XMin(geom)) FROM district ORDER BY code"))
            assert [tuple(r) for r in rows] == [("E", 674000), ("W", 672000)]
            # The import is in the audit log, in its own transaction: the refused one left no row.
            logged = connection.execute(text("SELECT actor, after FROM audit_event WHERE action = 'import'")).all()
            assert [(actor, after["file"], after["inserted"]) for actor, after in logged] == [
                ("cli", "good.gpkg", 2)]
        engine.dispose()


def test_cli_real_districts_over_the_demo_city(throwaway_database, tmp_path):
    """The real command: a refused file leaves the demo city as it was; a good one replaces it, says so, and
    the incidents point at the new districts."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from webapp.services import demo
    from webapp.services.imports import incidents

    with throwaway_database("riskkarta_test_cli_demo") as database:
        db.upgrade(database.url)
        engine = db.make_engine(database.url)
        inside_west = [("2026-05-01T12:00:00+02:00", "theft", 673_000.0 + i, 6_580_000.0) for i in range(30)]
        elsewhere = [("2026-05-01T12:00:00+02:00", "theft", 665_000.0, 6_585_000.0 + i) for i in range(20)]
        with Session(engine) as session, session.begin():
            demo.load(session)
            incidents.replace_all(session, inside_west + elsewhere, source="test", is_demo=True)
        runner = CliRunner()
        env = {"DATABASE_URL": database.url}

        def state():
            with engine.connect() as connection:
                return connection.execute(text(
                    "SELECT d.code, d.is_demo, count(i.id) FROM district AS d "
                    "LEFT JOIN incident AS i ON i.district_id = d.id GROUP BY d.code, d.is_demo "
                    "ORDER BY lpad(d.code, 8, '0')")).all()

        before = state()
        assert len(before) == 13 and all(is_demo for _, is_demo, _ in before)
        bad = write_geojson(tmp_path / "bad.geojson", [({"name": "Väst", "code": "W"}, WEST),
                                                       ({"name": "Knut", "code": "K"}, BOWTIE)])
        failed = runner.invoke(main, ["import", "districts", str(bad)], env=env)
        assert failed.exit_code == 1 and failed.output.count("Error:") == 1
        assert "Import refused: Feature 2 (Knut)" in failed.output
        assert state() == before

        good = write_geojson(tmp_path / "good.geojson", [({"name": "Väst", "code": "W"}, WEST),
                                                         ({"name": "Öst", "code": "E"}, EAST)])
        ok = runner.invoke(main, ["import", "districts", str(good)], env=env)
        assert ok.exit_code == 0, ok.output
        assert "2 new, 0 updated, 0 removed, 0 repaired; 13 demo districts replaced; 30 incidents re-assigned;" \
            in ok.output
        assert [tuple(r) for r in state()] == [("E", False, 0), ("W", False, 30)]
        with engine.connect() as connection:
            outside = connection.execute(text("SELECT count(*) FROM incident WHERE district_id IS NULL")).scalar()
        assert outside == 20
        engine.dispose()


def test_the_demo_loader_never_puts_the_demo_city_beside_a_real_one(db_session, tmp_path):
    from webapp.services import demo

    import_districts(db_session, write_geojson(tmp_path / "w.geojson", [({"namn": "Väst", "kod": "W"}, WEST)]))
    assert demo.load(db_session).skipped  # even without --if-empty
    assert codes(db_session) == ["W"] and not districts.is_demo(db_session)
