"""Tests for layers.demo_rasters: the demo flood and heat rasters, made at coarse resolution so they run fast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
from rasterio.features import geometry_mask

from geo import raster
from layers import demo_rasters
from layers.demo_city import city_outline
from layers.flood import DEFINITION as FLOOD
from layers.heat import DEFINITION as HEAT

INNER_CITY = (674_000.0, 6_580_500.0)
WRITERS = {"flood": demo_rasters.write_flood_demo, "heat": demo_rasters.write_heat_demo}
STORED = {"flood": ("uint16", 65535), "heat": ("int16", -32768)}


def _read(path: Path) -> tuple[np.ndarray, np.ndarray, rasterio.Affine]:
    """The stored values and a mask of the pixels whose centres lie in the city outline."""
    with rasterio.open(path) as ds:
        data, transform = ds.read(1), ds.transform
    inside = geometry_mask([city_outline()], out_shape=data.shape, transform=transform, invert=True)
    return data, inside, transform


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("demo")
    paths = {name: folder / f"{name}.tif" for name in WRITERS}
    for name, write in WRITERS.items():
        write(paths[name], resolution_m=50.0)
    return paths


@pytest.mark.parametrize("name", WRITERS, ids=lambda n: f"the {n} demo is stored as its layer definition says")
def test_storage_matches_the_layer_definition(demo: dict[str, Path], name: str) -> None:
    definition = {"flood": FLOOD, "heat": HEAT}[name]
    got = raster.info(demo[name])
    assert (got.dtype, got.nodata) == STORED[name]
    assert got.nodata == definition.raster.nodata
    assert got.crs_epsg == 3006 and got.resolution_m == 50.0
    bounds = city_outline().bounds
    assert got.bounds[0] <= bounds[0] and got.bounds[1] <= bounds[1]
    assert got.bounds[2] >= bounds[2] and got.bounds[3] >= bounds[3]
    with rasterio.open(demo[name]) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG" and ds.profile["tiled"]


@pytest.mark.parametrize("name", WRITERS, ids=lambda n: f"the {n} demo is the same data every time")
def test_demo_is_deterministic(demo: dict[str, Path], tmp_path: Path, name: str) -> None:
    WRITERS[name](tmp_path / "again.tif", resolution_m=50.0)
    np.testing.assert_array_equal(_read(tmp_path / "again.tif")[0], _read(demo[name])[0])


@pytest.mark.parametrize("name", WRITERS, ids=lambda n: f"the {n} demo is no-data exactly outside the city outline")
def test_nodata_outside_the_outline(demo: dict[str, Path], name: str) -> None:
    data, inside, _ = _read(demo[name])
    nodata = STORED[name][1]
    assert (data[~inside] == nodata).all()
    assert (data[inside] != nodata).all()
    # A point in Lake Mälaren west of the city, inside the bounding box but outside the outline.
    lake = (658_000.0, 6_572_000.0)
    assert not city_outline().contains(shapely.Point(lake))
    assert raster.point_value(demo[name], *lake) is None
    assert raster.point_value(demo[name], *INNER_CITY) is not None


def test_flood_is_mostly_shallow_with_some_deep_water(demo: dict[str, Path]) -> None:
    data, inside, _ = _read(demo["flood"])
    depth_m = data[inside] * 0.01
    assert 0.80 <= (depth_m < 0.1).mean() <= 0.92
    assert 0.01 <= (depth_m > 0.5).mean() <= 0.08
    assert 1.5 <= depth_m.max() <= 3.0
    assert (depth_m == 0).mean() > 0.2, "plenty of cells are dry"


def test_heat_is_warmer_in_the_inner_city_than_at_the_outer_edge(demo: dict[str, Path]) -> None:
    data, inside, transform = _read(demo["heat"])
    celsius = data * 0.01
    assert celsius[inside].min() >= 22.0 and celsius[inside].max() <= 42.0
    rows, cols = np.nonzero(inside)
    xs, ys = rasterio.transform.xy(transform, rows, cols)
    centres = shapely.points(np.asarray(xs), np.asarray(ys))
    near_centre = shapely.distance(centres, shapely.Point(INNER_CITY)) < 1500
    near_edge = shapely.distance(centres, city_outline().exterior) < 500
    assert celsius[rows[near_centre], cols[near_centre]].mean() > celsius[rows[near_edge], cols[near_edge]].mean() + 4


@pytest.mark.parametrize(
    ("name", "x", "y"),
    [("flood", 669_000.0, 6_581_000.0), ("heat", 674_000.0, 6_580_500.0)],
    ids=["the flood demo samples the same landscape at 50 m and 100 m",
         "the heat demo samples the same landscape at 50 m and 100 m"],
)
def test_resolution_changes_sampling_not_the_landscape(demo: dict[str, Path], tmp_path: Path, name: str,
                                                       x: float, y: float) -> None:
    WRITERS[name](tmp_path / "coarse.tif", resolution_m=100.0)
    field = {"flood": demo_rasters.flood_depth_m, "heat": demo_rasters.surface_temperature_c}[name]
    for path in (demo[name], tmp_path / "coarse.tif"):
        with rasterio.open(path) as ds:
            row, col = ds.index(x, y)
            cx, cy = ds.xy(row, col)
        expected = round(float(field(np.array([cx]), np.array([cy]))[0, 0]) / 0.01)
        assert raster.point_value(path, x, y) == expected


@pytest.mark.parametrize("bad", [0.0, -2.0], ids=["a zero resolution is refused", "a negative resolution is refused"])
def test_bad_resolution_is_refused(tmp_path: Path, bad: float) -> None:
    with pytest.raises(ValueError, match="resolution_m"):
        demo_rasters.write_flood_demo(tmp_path / "x.tif", resolution_m=bad)
