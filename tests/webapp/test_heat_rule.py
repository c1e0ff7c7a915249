"""Heat: a surface-temperature layer is judged against the city's own distribution on the same raster (known
answers on a raster whose percentiles are known), an air-temperature layer against SMHI's absolute levels."""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest
from click.testing import CliRunner
from rasterio.transform import from_origin
from shapely.geometry import box
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.raster import write_cog
from layers.site_rules import SiteRules
from webapp import db
from webapp.cli import main
from webapp.services import demo, hazards
from webapp.services.catalog import get_layer
from webapp.services.imports.layers import register_raster
from webapp.services.site_check import SiteInput, evaluate

# 40 columns of 10 m cells, 20.0 °C in the west rising 0.5 °C a column to 39.5 °C in the east (stored as cm-°C).
COLUMNS, CELL_M = 40, 10.0
STORED = np.tile((2000 + 50 * np.arange(COLUMNS)).astype("int16"), (COLUMNS, 1))


def corner_in_the_city(session) -> tuple[float, float]:
    """The north-west corner of a 400 m square inside Södermalm (the whole raster lies in the city)."""
    x, y = session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM district WHERE code = '11') s")).one()
    west, north = round(x) - 200.0, round(y) + 200.0
    assert session.execute(text("SELECT ST_Within(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006), geom) FROM district "
                                "WHERE code = '11'"), {"x0": west, "y0": north - 400, "x1": west + 400,
                                                       "y1": north}).scalar()
    return west, north


@pytest.fixture()
def corner(db_session):
    return corner_in_the_city(db_session)


def geotiff_in_degrees(path, west: float, north: float):
    """The gradient as a plain GeoTIFF of physical °C (what `riskkarta import layer heat` takes)."""
    write_cog(path, (STORED / 100).astype("float32"), from_origin(west, north, CELL_M, CELL_M), nodata=-9999.0)
    return path


@pytest.fixture()
def gradient(db_session, tmp_path, corner):
    """The heat layer replaced by the gradient (stored as cm-°C, as the demo stores it)."""
    west, north = corner

    def install(kind: str):
        path = tmp_path / f"heat-{kind}.tif"
        write_cog(path, STORED, from_origin(west, north, CELL_M, CELL_M), nodata=-32768)
        register_raster(db_session, "heat", path, source="test", licence="", is_demo=False, scale=0.01, offset=0.0,
                        nodata=-32768, units="°C", metadata={"temperature": kind})
        return west, north

    return install


def column(west: float, north: float, col: int):
    """A site covering the centre cells of one column (a 10 m × 100 m strip)."""
    x = west + col * CELL_M
    return box(x + 2, north - 250, x + 8, north - 150)


def heat(db_session, site, vulnerable=()):
    result = evaluate(db_session, SiteInput(geom=site, land_use="C", vulnerable=vulnerable), SiteRules(), "viewer")
    return result.verdict("heat")


@pytest.mark.parametrize(("col", "vulnerable", "level", "warmer"), [
    (10, (), "low", 0.25),
    (33, (), "moderate", 0.825),
    (37, (), "high", 0.925),
    (39, (), "very_high", 0.975),
    (33, ("preschool",), "very_high", 0.825),
], ids=["25 °C is cooler than three quarters of the city: low", "36.5 °C is above the 75th percentile: moderate",
        "38.5 °C is above the 90th: high", "39.5 °C is above the 97.5th: very high",
        "for a preschool every limit is 3 °C lower: 36.5 °C is very high"])
def test_surface_temperature_is_judged_against_the_city(db_session, gradient, col, vulnerable, level, warmer):
    west, north = gradient("surface")
    verdict = heat(db_session, column(west, north, col), vulnerable)
    assert verdict.level == level
    assert verdict.value("mean_c") == pytest.approx(20.0 + 0.5 * col)
    assert verdict.value("warmer_than_share") == pytest.approx(warmer, abs=0.001)
    assert verdict.value("city_median_c") == pytest.approx(29.8, abs=0.01)  # 29.75, to one decimal
    assert "percentile" in verdict.rule["en"] and "SMHI" in verdict.sentence["en"]
    assert [n.verified for n in verdict.sources] == [True, False]  # SMHI's levels, the city-relative method


@pytest.mark.parametrize(("col", "level"), [(10, "low"), (13, "moderate"), (21, "high"), (27, "very_high")],
                         ids=["25 °C air: low", "26.5 °C: SMHI's notice level", "30.5 °C: warning level",
                              "33.5 °C: the higher warning level"])
def test_air_temperature_uses_smhis_levels(db_session, gradient, col, level):
    west, north = gradient("air")
    verdict = heat(db_session, column(west, north, col))
    assert verdict.level == level and verdict.value("temperature") == "air"
    assert "city_median_c" not in verdict.values and [n.verified for n in verdict.sources] == [True]


@contextmanager
def no_progress(length: int, label: str):
    yield lambda n: None


def test_an_imported_air_temperature_layer_is_judged_by_smhis_levels(db_session, corner, data_dir, tmp_path):
    """`--temperature air` reaches the layer's metadata through the importer; without it the layer is surface again
    (the metadata is merged, so the default must be stored too)."""
    path = geotiff_in_degrees(tmp_path / "lufttemperatur.tif", *corner)
    heat_layer = hazards.evaluator("heat")
    heat_layer.import_file(db_session, path, hazards.ImportOptions(temperature="air", data_dir=data_dir),
                           no_progress)
    assert get_layer(db_session, "heat", "admin").metadata["temperature"] == "air"
    verdict = heat(db_session, column(*corner, 21))  # 30.5 °C: SMHI's warning level, mid-city as surface
    assert (verdict.level, verdict.value("temperature")) == ("high", "air")
    assert "city_median_c" not in verdict.values and "Highest air temperature" in verdict.rule["en"]

    heat_layer.import_file(db_session, path, hazards.ImportOptions(data_dir=data_dir), no_progress)
    verdict = heat(db_session, column(*corner, 21))
    assert (verdict.level, verdict.value("temperature")) == ("low", "surface")


def test_cli_imports_an_air_temperature_layer_and_refuses_the_option_elsewhere(throwaway_database, tmp_path):
    """The real command, in its own worker and transaction: `--temperature air` reaches the verdict."""
    with throwaway_database("riskkarta_test_heat_cli") as database:
        db.upgrade(database.url)
        engine = db.make_engine(database.url)
        with Session(engine) as session, session.begin():
            demo.load(session)  # the districts: a site is checked only inside the city
            west, north = corner_in_the_city(session)
        path = geotiff_in_degrees(tmp_path / "luft.tif", west, north)
        env = {"DATABASE_URL": database.url, "RISKKARTA_DATA_DIR": str(tmp_path / "data")}
        runner = CliRunner()
        ok = runner.invoke(main, ["import", "layer", "heat", str(path), "--temperature", "air"], env=env)
        assert ok.exit_code == 0, ok.output
        refused = runner.invoke(main, ["import", "layer", "flood", str(path), "--temperature", "air"], env=env)
        assert refused.exit_code == 1
        assert refused.output == ("Error: Import refused: flood holds no temperatures; --temperature is for the "
                                  "heat layer.\n")
        with Session(engine) as session:
            assert get_layer(session, "heat", "admin").metadata["temperature"] == "air"
            assert get_layer(session, "flood", "admin").version == 0
            verdict = heat(session, column(west, north, 27))
        engine.dispose()
    assert (verdict.level, verdict.value("temperature"), verdict.value("max_c")) == ("very_high", "air", 33.5)
