"""Imports into the hazard layers, from files the tests write: all or nothing, the version goes up."""
import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, box
from sqlalchemy import text

from geo.crs import SWEREF99TM, WGS84, transform_geom
from tests.files import zip_shapefile
from webapp import db
from webapp.cli import main
from webapp.errors import ProblemError
from webapp.services import catalog
from webapp.services.catalog import get_layer
from webapp.services.imports import incidents
from webapp.services.imports import layers as layer_import

ROUTE_A = LineString([(670_000, 6_578_000), (675_000, 6_580_000)])
ROUTE_B = LineString([(670_000, 6_575_000), (675_000, 6_576_000)])
BOWTIE = shapely.Polygon([(672_000, 6_579_000), (674_000, 6_581_000), (674_000, 6_579_000), (672_000, 6_581_000)])


def geojson_file(path: Path, features, crs=WGS84) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": shapely.geometry.mapping(transform_geom(geom, SWEREF99TM, crs))} for props, geom in features]}))
    return path


def state(session, slug):
    info = get_layer(session, slug, "admin")
    return info.version, info.feature_count


def test_vector_geojson_replaces_the_layer_and_bumps_the_version(db_session, tmp_path):
    before, _ = state(db_session, "hazardous-goods")
    path = geojson_file(tmp_path / "leder.geojson", [({"klass": "Primär led", "name": "Testleden"}, ROUTE_A),
                                                     ({"klass": "secondary", "name": "Bileden"}, ROUTE_B)])
    result = layer_import.import_vector(db_session, "hazardous-goods", path, source="Länsstyrelsen (test)")
    assert (result.version, result.count, result.unit) == (before + 1, 2, "feature")
    assert state(db_session, "hazardous-goods") == (before + 1, 2)
    info = get_layer(db_session, "hazardous-goods", "public")
    assert info.source == "Länsstyrelsen (test)" and not info.is_demo


def test_geopackage_in_sweref_picks_the_named_layer(db_session, tmp_path):
    import pyogrio.raw

    path = tmp_path / "vatten.gpkg"
    for name, cls in (("zoner", "zone-primary"), ("annat", "zone-secondary")):
        pyogrio.raw.write(path, np.array([box(660_000, 6_575_000, 662_000, 6_577_000).wkb], dtype=object),
                          [np.array([cls], dtype=object)], ["zon"], driver="GPKG", crs="EPSG:3006", layer=name,
                          geometry_type="Polygon", append=name == "annat")
    with pytest.raises(ProblemError, match="holds 2 layers"):
        layer_import.import_vector(db_session, "drinking-water", path)
    result = layer_import.import_vector(db_session, "drinking-water", path, layer="zoner")
    assert result.count == 1
    assert 17.7 < result.bounds_lonlat[0] < 17.9


def shapefile_zip_without_prj(tmp_path: Path) -> Path:
    import pyogrio.raw

    pyogrio.raw.write(tmp_path / "leder.shp", np.array([ROUTE_A.wkb], dtype=object),
                      [np.array(["primary"], dtype=object)], ["class"], driver="ESRI Shapefile",
                      geometry_type="LineString")
    return zip_shapefile(tmp_path / "leder.shp", with_prj=False)


@pytest.mark.parametrize(("make", "fragment"), [
    (shapefile_zip_without_prj, "declares no coordinate reference system"),
    (lambda p: geojson_file(p / "x.geojson", [({"class": "tertiary"}, ROUTE_A)]), "does not know"),
    (lambda p: geojson_file(p / "x.geojson", [({"name": "no class"}, ROUTE_A)]), "has no class"),
    (lambda p: geojson_file(p / "x.geojson", [({"class": "primary"}, Point(670_000, 6_578_000))]),
     "this layer takes lines"),
    (lambda p: geojson_file(p / "x.geojson", []), "has no features"),
], ids=["a shapefile without .prj", "an unknown class", "a feature without a class", "a point on a line layer",
        "an empty file"])
def test_a_refused_vector_import_leaves_the_previous_version(db_session, tmp_path, make, fragment):
    before = state(db_session, "hazardous-goods")
    with pytest.raises(ProblemError) as refused:
        layer_import.import_vector(db_session, "hazardous-goods", make(tmp_path))
    assert fragment in refused.value.detail
    assert state(db_session, "hazardous-goods") == before


def test_a_broken_polygon_is_refused_or_repaired_on_request(db_session, tmp_path):
    path = geojson_file(tmp_path / "zon.geojson", [({"class": "zone-primary"}, BOWTIE)])
    with pytest.raises(ProblemError, match="Self-intersection near lon"):
        layer_import.import_vector(db_session, "drinking-water", path)
    result = layer_import.import_vector(db_session, "drinking-water", path, repair=True)
    assert result.repaired == 1 and result.count == 1


def geotiff(path: Path, crs: str | None, values: np.ndarray, transform) -> Path:
    profile = {"driver": "GTiff", "width": values.shape[1], "height": values.shape[0], "count": 1,
               "dtype": "float32", "transform": transform, "nodata": -9999.0}
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values.astype("float32"), 1)
    return path


def test_a_geotiff_in_wgs84_becomes_a_cog_in_sweref_and_the_new_version(client, db_session, data_dir, tmp_path):
    values = np.full((600, 1000), 0.05, dtype="float32")  # large enough for the COG to get overviews
    values[200:400, 400:600] = 0.8  # a deep pond in the middle
    path = geotiff(tmp_path / "djup.tif", "EPSG:4326", values, from_origin(18.00, 59.34, 0.0001, 0.00005))
    before, _ = state(db_session, "flood")
    result = layer_import.import_raster(db_session, "flood", path, data_dir, source="Skyfallskartering (test)")
    assert result.version == before + 1
    info = get_layer(db_session, "flood", "public")
    assert Path(info.raster.path).is_relative_to(data_dir) and info.raster.scale == 1.0
    with rasterio.open(info.raster.path) as cog:
        assert cog.crs.to_epsg() == 3006 and cog.overviews(1) and cog.profile["tiled"]
    pond = client.get("/api/layers/flood/value?lon=18.05&lat=59.325").get_json()
    assert pond["value"] == pytest.approx(0.8, abs=1e-3) and pond["cls"]["key"] == "0.5-1.0"


def test_a_raster_import_counts_cells_with_their_size_in_pixels_and_metres(db_session, data_dir, tmp_path):
    path = geotiff(tmp_path / "djup.tif", "EPSG:3006", np.zeros((600, 1000)), from_origin(670_000, 6_582_000, 2, 2))
    result = layer_import.import_raster(db_session, "flood", path, data_dir)
    assert (result.count, result.unit, result.repaired) == (600_000, "cell", None)
    assert result.grid == layer_import.RasterGrid(1000, 600, 2.0, 2000.0, 1200.0)


def test_cli_raster_summary_says_cells_of_metres(throwaway_database, tmp_path):
    with throwaway_database("riskkarta_test_raster_cli") as database:
        db.upgrade(database.url)
        env = {"DATABASE_URL": database.url, "RISKKARTA_DATA_DIR": str(tmp_path / "data")}
        runner = CliRunner()
        big = geotiff(tmp_path / "big.tif", "EPSG:3006", np.zeros((1221, 1222)),
                      from_origin(660_000, 6_590_000, 20, 20))
        ok = runner.invoke(main, ["import", "layer", "flood", str(big)], env=env)
        assert ok.exit_code == 0, ok.output
        assert "flood: version 1; 1,222 × 1,221 cells of 20 m (24.4 × 24.4 km); lon 17." in ok.output
        assert "features" not in ok.output
        small = geotiff(tmp_path / "small.tif", "EPSG:3006", np.zeros((280, 420)),
                        from_origin(670_000, 6_580_000, 2, 2))
        ok = runner.invoke(main, ["import", "layer", "heat", str(small)], env=env)
        assert "heat: version 1; 420 × 280 cells of 2 m (840 × 560 m); lon 17.98" in ok.output, ok.output
        engine = db.make_engine(database.url)
        with engine.connect() as connection:
            logged = connection.execute(text(
                "SELECT entity_id, after ->> 'file', after -> 'grid' ->> 'width' FROM audit_event "
                "WHERE action = 'import' ORDER BY id")).all()
        engine.dispose()
        assert [tuple(r) for r in logged] == [("flood", "big.tif", "1222"), ("heat", "small.tif", "420")]


def test_a_geotiff_without_crs_is_refused_and_the_old_raster_serves(db_session, data_dir, tmp_path):
    path = geotiff(tmp_path / "utan.tif", None, np.ones((10, 10)), from_origin(0, 10, 1, 1))
    before = get_layer(db_session, "heat", "public")
    with pytest.raises(ProblemError, match="(?i)coordinate reference system|CRS"):
        layer_import.import_raster(db_session, "heat", path, data_dir)
    after = get_layer(db_session, "heat", "public")
    assert (after.version, after.raster.path) == (before.version, before.raster.path)
    assert Path(after.raster.path).exists()


def test_incident_csv_with_lonlat_and_local_times(db_session, tmp_path):
    path = tmp_path / "handelser.csv"
    path.write_text("tid;brottstyp;lon;lat\n2026-06-05 23:10;Misshandel;18.0710;59.3150\n"
                    "2026-06-06T14:00:00+02:00;stöld;18.0650;59.3320\n2026-06-07 01:00;Okänt;18.0,59.30\n"
                    .replace("18.0,59.30", "18.0000;59.3000"), encoding="utf-8")
    result = incidents.import_csv(db_session, path)
    assert (result.count, result.unit, result.repaired) == (3, "incident", None)
    rows = db_session.execute(shapely_text(
        "SELECT category, to_char(occurred_at AT TIME ZONE 'UTC', 'HH24:MI'), d.name FROM incident i "
        "LEFT JOIN district d ON d.id = i.district_id WHERE i.layer = 'crime' ORDER BY occurred_at")).all()
    assert [tuple(r) for r in rows] == [("violence", "21:10", "Södermalm"), ("theft", "12:00", "Norrmalm"),
                                        ("other", "23:00", rows[2][2])]


def shapely_text(sql):
    from sqlalchemy import text

    return text(sql)


@pytest.mark.parametrize(("content", "fragment"), [
    ("occurred_at,category,x,y\nyesterday,theft,674000,6580000\n", "Line 2: 'yesterday' is not a date"),
    ("occurred_at,category,lon,lat\n2026-01-01 10:00,theft,59.33,18.06\n", "are lon and lat swapped"),
    ("when,what\n2026-01-01,theft\n", "needs a time column"),
    ("when\n2026-01-01\n", "needs a time column"),
    ("tid;brottstyp;lon;lat\n2026-06-05 23:10;Rån;18.07;59.31\n".encode("cp1252"),
     "bad.csv is not UTF-8 text (after line 1); give its encoding with --encoding, e.g. cp1252."),
    ('occurred_at,category,x,y\n2026-01-01 10:00,"theft,674000,6580000\n' + "x" * 140_000 + "\n",
     "Line 2: field larger than field limit"),
], ids=["an unreadable time", "swapped lon and lat", "no coordinate columns", "one column", "not UTF-8",
        "an unclosed quote"])
def test_a_bad_incident_csv_changes_nothing(db_session, tmp_path, content, fragment):
    before = state(db_session, "crime")
    path = tmp_path / "bad.csv"
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    with pytest.raises(ProblemError) as refused:
        incidents.import_csv(db_session, path)
    assert fragment in refused.value.detail
    assert state(db_session, "crime") == before


def test_cli_imports_a_layer_and_prints_a_summary(throwaway_database, tmp_path):
    """The real command in its own transaction: a refused file leaves the previous version in place."""
    with throwaway_database("riskkarta_test_layer_cli") as database:
        db.upgrade(database.url)
        env = {"DATABASE_URL": database.url, "RISKKARTA_DATA_DIR": str(tmp_path / "data")}
        runner = CliRunner()
        good = geojson_file(tmp_path / "ok.geojson", [({"class": "primary", "name": "A"}, ROUTE_A)])
        ok = runner.invoke(main, ["import", "layer", "hazardous-goods", str(good), "--licence", "CC0"], env=env)
        assert ok.exit_code == 0, ok.output
        assert "hazardous-goods: version 1; 1 feature, 0 repaired; lon 17." in ok.output
        bad = geojson_file(tmp_path / "bad.geojson", [({"class": "primary"}, ROUTE_B), ({"class": "x"}, ROUTE_A)])
        failed = runner.invoke(main, ["import", "layer", "hazardous-goods", str(bad)], env=env)
        assert failed.exit_code == 1 and "Feature 2 has the class 'x'" in failed.output
        unknown = runner.invoke(main, ["import", "layer", "volcanoes", str(good)], env=env)
        assert unknown.exit_code == 1 and "There is no layer 'volcanoes'" in unknown.output
        engine = db.make_engine(database.url)
        from sqlalchemy.orm import Session

        with Session(engine) as session:
            assert state(session, "hazardous-goods") == (1, 1)
            assert catalog.get_layer(session, "hazardous-goods", "admin").licence == "CC0"
        engine.dispose()


def test_cli_imports_an_incident_csv_with_a_progress_bar(throwaway_database, tmp_path):
    with throwaway_database("riskkarta_test_csv_cli") as database:
        db.upgrade(database.url)
        path = tmp_path / "incidents.csv"
        lines = ["occurred_at,category,x,y"] + [f"2026-05-{1 + i % 28:02d} 12:00,theft,{674000 + i},6580000"
                                                for i in range(12_000)]
        path.write_text("\n".join(lines) + "\n")
        result = CliRunner().invoke(main, ["import", "layer", "crime", str(path)],
                                    env={"DATABASE_URL": database.url})
        assert result.exit_code == 0, result.output
        assert "crime: version 1; 12,000 incidents; lon 18." in result.output
        assert "crime: theft 12,000" in result.output
