"""Heat: a surface-temperature layer is judged against the city's own distribution on the same raster (known
answers on a raster whose percentiles are known), an air-temperature layer against SMHI's absolute levels."""
from __future__ import annotations

import numpy as np
import pytest
from rasterio.transform import from_origin
from shapely.geometry import box
from sqlalchemy import text

from geo.raster import write_cog
from layers.site_rules import SiteRules
from webapp.services.imports.layers import register_raster
from webapp.services.site_check import SiteInput, evaluate

# 40 columns of 10 m cells, 20.0 °C in the west rising 0.5 °C a column to 39.5 °C in the east (stored as cm-°C).
COLUMNS, CELL_M = 40, 10.0


@pytest.fixture()
def gradient(db_session, tmp_path):
    """The heat layer replaced by the gradient, inside Södermalm (the whole raster lies in the city)."""
    x, y = db_session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM district WHERE code = '11') s")).one()
    west, north = round(x) - 200.0, round(y) + 200.0
    assert db_session.execute(text("SELECT ST_Within(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006), geom) FROM district "
                                   "WHERE code = '11'"), {"x0": west, "y0": north - 400, "x1": west + 400,
                                                          "y1": north}).scalar()
    values = np.tile((2000 + 50 * np.arange(COLUMNS)).astype("int16"), (COLUMNS, 1))

    def install(kind: str):
        path = tmp_path / f"heat-{kind}.tif"
        write_cog(path, values, from_origin(west, north, CELL_M, CELL_M), nodata=-32768)
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
