"""Tests for geo.raster: COG writing and conversion, tiles, PNG rendering, point values and zonal statistics.

Every raster is made here, in tmp_path, around Stockholm City Hall (E 673 779, N 6 580 506 in EPSG:3006).
"""

from __future__ import annotations

import struct
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.warp import reproject
from shapely.geometry import box

from geo import crs, png, raster
from geo.tiles import tile_bounds_3857, tile_for_lonlat
from layers.flood import DEFINITION as FLOOD

CITY_HALL = (673_779.0, 6_580_506.0)
CITY_HALL_LONLAT = (18.0545, 59.3275)
FLOOD_CLASSES = [(c.min, c.max, c.color) for c in FLOOD.classes]


def _depth_raster(path: Path, *, nodata: int | None = 65535, resolution: float = 4.0, size: int = 1000) -> Path:
    """A uint16 cm raster centred on City Hall: 150 cm in the central 1 km square, 0 elsewhere, and a no-data
    (or, without no-data, 7) strip along the top 100 px."""
    data = np.zeros((size, size), dtype=np.uint16)
    centre, half = size // 2, int(500 / resolution)
    data[centre - half:centre + half, centre - half:centre + half] = 150
    data[:100, :] = 7 if nodata is None else nodata
    left, top = CITY_HALL[0] - size / 2 * resolution, CITY_HALL[1] + size / 2 * resolution
    raster.write_cog(path, data, Affine(resolution, 0, left, 0, -resolution, top), nodata=nodata)
    return path


@pytest.fixture(scope="module")
def depth_cog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _depth_raster(tmp_path_factory.mktemp("depth") / "depth.tif")


def _geotiff(path: Path, data: np.ndarray, transform: Affine, epsg: int | None, nodata: float | None = None) -> Path:
    """A plain (striped, not cloud-optimized) GeoTIFF, as a user would upload."""
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype.name, crs=CRS.from_epsg(epsg) if epsg else None, transform=transform,
                       nodata=nodata) as dst:
        dst.write(data, 1)
    return path


# --- writing and converting COGs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "nodata", "predictor"),
    [("uint16", 65535, "2"), ("int16", -32768, "2"), ("float32", -9999.0, "3")],
    ids=["a uint16 raster is a tiled COG with overviews and predictor 2",
         "an int16 raster is a tiled COG with overviews and predictor 2",
         "a float32 raster is a tiled COG with overviews and the floating-point predictor"],
)
def test_write_cog_makes_a_valid_cog(tmp_path: Path, dtype: str, nodata: float, predictor: str) -> None:
    data = (np.arange(1300 * 1100).reshape(1100, 1300) % 1000).astype(dtype)
    path = tmp_path / "out.tif"
    raster.write_cog(path, data, Affine(2, 0, 670_000, 0, -2, 6_582_000), nodata=nodata)
    with rasterio.open(path) as ds:
        assert ds.profile["tiled"] and ds.block_shapes == [(512, 512)]
        assert ds.overviews(1) == [2, 4]
        assert ds.crs.to_epsg() == 3006
        assert ds.tags(ns="IMAGE_STRUCTURE").items() >= {"LAYOUT": "COG", "COMPRESSION": "DEFLATE",
                                                         "PREDICTOR": predictor}.items()
        assert ds.nodata == nodata
        np.testing.assert_array_equal(ds.read(1), data)
    assert list(tmp_path.iterdir()) == [path], "the temporary file is renamed into place, not left behind"


def test_write_cog_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "out.tif"
    for value in (1, 2):
        raster.write_cog(path, np.full((20, 20), value, np.uint8), Affine(10, 0, 670_000, 0, -10, 6_580_000),
                         nodata=0)
        # Read through the dataset cache: a replaced file must not be served from the old handle.
        assert raster.point_value(path, 670_005, 6_579_995) == value


def test_info_describes_the_raster(depth_cog: Path) -> None:
    got = raster.info(depth_cog)
    assert got == raster.RasterInfo(width=1000, height=1000, resolution_m=4.0,
                                    bounds=(CITY_HALL[0] - 2000, CITY_HALL[1] - 2000, CITY_HALL[0] + 2000,
                                            CITY_HALL[1] + 2000),
                                    nodata=65535.0, dtype="uint16", count=1, crs_epsg=3006)


def _two_halves(path: Path, epsg: int, centre: tuple[float, float], cell: float) -> Path:
    """A 200 × 200 int16 raster in `epsg` centred on `centre`: 10 in the west half, 20 in the east half."""
    data = np.full((200, 200), 10, dtype=np.int16)
    data[:, 100:] = 20
    transform = Affine(cell, 0, centre[0] - 100 * cell, 0, -cell, centre[1] + 100 * cell)
    return _geotiff(path, data, transform, epsg, nodata=-1)


@pytest.mark.parametrize(
    ("epsg", "cell"),
    [(crs.WGS84, 0.0002), (crs.SWEREF99_1800, 10.0), (crs.SWEREF99TM, 10.0)],
    ids=["a WGS 84 GeoTIFF lands in SWEREF 99 TM with its values",
         "a SWEREF 99 18 00 GeoTIFF lands in SWEREF 99 TM with its values",
         "a SWEREF 99 TM GeoTIFF becomes a COG with its values"],
)
def test_to_cog_reprojects_to_3006_and_keeps_values(tmp_path: Path, epsg: int, cell: float) -> None:
    centre = crs.transformer(crs.WGS84, epsg).transform(*CITY_HALL_LONLAT)
    src = _two_halves(tmp_path / "src.tif", epsg, centre, cell)
    got = raster.to_cog(src, tmp_path / "dst.tif")
    assert got.crs_epsg == 3006 and got.dtype == "int16" and got.nodata == -1
    with rasterio.open(tmp_path / "dst.tif") as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert ds.res[0] == ds.res[1]
    west, east = (crs.transformer(epsg, crs.SWEREF99TM).transform(centre[0] + dx * cell, centre[1])
                  for dx in (-50, 50))
    assert raster.point_value(tmp_path / "dst.tif", *west) == 10
    assert raster.point_value(tmp_path / "dst.tif", *east) == 20
    # A warped grid's corners lie outside the (rotated) source footprint: no-data there, not zero.
    corner = raster.point_value(tmp_path / "dst.tif", got.bounds[0] + 0.1, got.bounds[3] - 0.1)
    assert corner == (10 if epsg == crs.SWEREF99TM else None)


def test_to_cog_gives_a_source_without_nodata_a_nodata_value(tmp_path: Path) -> None:
    data = np.full((100, 100), 5, dtype=np.uint8)
    src = _geotiff(tmp_path / "src.tif", data, Affine(0.0005, 0, 18.0, 0, -0.0005, 59.35), crs.WGS84)
    assert raster.to_cog(src, tmp_path / "dst.tif").nodata == 255


def test_to_cog_snaps_to_a_requested_resolution(tmp_path: Path) -> None:
    src = _two_halves(tmp_path / "src.tif", crs.SWEREF99_1800, (153_000.0, 6_579_000.0), 10.0)
    got = raster.to_cog(src, tmp_path / "dst.tif", resolution_m=5.0)
    assert got.resolution_m == 5.0
    assert all(v % 5.0 == 0 for v in got.bounds)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("easting,northing\n673779,6580506\n"), "not a raster file"),
        (lambda p: p.write_bytes(b""), "not a raster file"),
        (lambda p: _geotiff(p, np.ones((10, 10), np.uint8), Affine(1, 0, 0, 0, -1, 10), None),
         "no coordinate reference system"),
    ],
    ids=["a CSV file is refused as not a raster", "an empty file is refused as not a raster",
         "a GeoTIFF without a CRS is refused with a request to georeference it"],
)
def test_unusable_files_are_refused_with_a_clear_message(tmp_path: Path, make, message: str) -> None:
    src = tmp_path / "upload.tif"
    make(src)
    with pytest.raises(raster.RasterFileError, match=message) as caught:
        raster.to_cog(src, tmp_path / "dst.tif")
    assert "upload.tif" in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert not (tmp_path / "dst.tif").exists()


# --- tiles -------------------------------------------------------------------------------------------------------


def _city_hall_pixel(z: int) -> tuple[int, int, int, int]:
    x, y = tile_for_lonlat(*CITY_HALL_LONLAT, z)
    minx, miny, maxx, maxy = tile_bounds_3857(z, x, y)
    px, py = crs.transformer(crs.WGS84, crs.WEB_MERCATOR).transform(*CITY_HALL_LONLAT)
    return x, y, int((maxy - py) / (maxy - miny) * 256), int((px - minx) / (maxx - minx) * 256)


@pytest.mark.parametrize("z", [12, 14, 16, 18], ids=lambda z: f"a zoom-{z} tile over the deep square reads 150 cm")
def test_read_tile_returns_the_depth_over_a_deep_area(depth_cog: Path, z: int) -> None:
    x, y, row, col = _city_hall_pixel(z)
    tile = raster.read_tile(depth_cog, z, x, y)
    assert tile.shape == (256, 256) and tile.dtype == np.uint16
    assert not tile.mask[row, col] and tile[row, col] == 150


@pytest.mark.parametrize("z", [13, 15, 17], ids=lambda z: f"at zoom {z} the tile agrees with GDAL's nearest warp")
def test_read_tile_matches_rasterio_reproject(depth_cog: Path, z: int) -> None:
    x, y, _, _ = _city_hall_pixel(z)
    tile = raster.read_tile(depth_cog, z, x, y)
    minx, miny, maxx, maxy = tile_bounds_3857(z, x, y)
    expected = np.full((256, 256), 65535, np.uint16)
    with rasterio.open(depth_cog) as ds:
        # Whole-raster warp at full resolution: the slow reference the windowed read must reproduce.
        reproject(ds.read(1), expected, src_transform=ds.transform, src_crs=ds.crs, src_nodata=65535,
                  dst_transform=Affine((maxx - minx) / 256, 0, minx, 0, -(maxy - miny) / 256, maxy),
                  dst_crs=CRS.from_epsg(3857), dst_nodata=65535, resampling=Resampling.nearest)
    # Pixel centres that fall right on a source-cell edge may round either way; allow a thin seam.
    assert (tile.filled(65535) == expected).mean() > 0.995


def test_read_tile_masks_no_data_and_cells_off_the_raster(depth_cog: Path) -> None:
    tile = raster.read_tile(depth_cog, 12, *tile_for_lonlat(*CITY_HALL_LONLAT, 12))
    # The raster is 4 km wide and the z12 tile about 5 km: the tile's edges are off the raster.
    assert tile.mask[0, 0] and tile.mask[-1, -1] and not tile.mask.all()
    assert 65535 not in tile.compressed()


@pytest.mark.parametrize(
    ("z", "lonlat"),
    [(12, (11.97, 57.70)), (14, (18.30, 59.33)), (3, (151.2, -33.9))],
    ids=["a tile over Gothenburg is fully masked", "a tile east of the raster is fully masked",
         "a tile over Sydney is fully masked"],
)
def test_a_tile_outside_the_raster_is_fully_masked(depth_cog: Path, z: int, lonlat: tuple[float, float]) -> None:
    tile = raster.read_tile(depth_cog, z, *tile_for_lonlat(*lonlat, z))
    assert tile.shape == (256, 256) and tile.mask.all()


def test_read_tile_without_a_nodata_value_masks_only_cells_off_the_raster(tmp_path: Path) -> None:
    path = _depth_raster(tmp_path / "no-nodata.tif", nodata=None)
    tile = raster.read_tile(path, 12, *tile_for_lonlat(*CITY_HALL_LONLAT, 12))
    assert tile.mask[0, 0] and set(np.unique(tile.compressed())) == {0, 7, 150}


def test_read_tile_is_safe_across_threads(depth_cog: Path) -> None:
    x, y = tile_for_lonlat(*CITY_HALL_LONLAT, 15)
    tiles = [(15, x + dx, y + dy) for dx in range(-2, 3) for dy in range(-2, 3)]
    expected = [raster.read_tile(depth_cog, *t).filled(0) for t in tiles]
    results: dict[int, list[np.ndarray]] = {}

    def work(i: int) -> None:
        results[i] = [raster.read_tile(depth_cog, *t).filled(0) for t in tiles]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in results.values():
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)


# --- PNG ---------------------------------------------------------------------------------------------------------


def _decode_png(png: bytes) -> tuple[dict, np.ndarray, list[tuple[int, int, int]], bytes]:
    """The IHDR fields, the palette indices, PLTE and tRNS of an 8-bit palette PNG (filter type 0 rows only)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = {}, 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind, data = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + data)
        chunks[kind] = chunks.get(kind, b"") + data
        pos += 12 + length
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, width + 1)
    assert (rows[:, 0] == 0).all()
    plte = chunks[b"PLTE"]
    palette = [tuple(plte[i:i + 3]) for i in range(0, len(plte), 3)]
    return {"width": width, "height": height, "depth": depth, "colour": colour}, rows[:, 1:], palette, chunks[b"tRNS"]


def test_render_png_is_a_palette_png_with_the_class_colours(depth_cog: Path) -> None:
    z = 16
    x, y, row, col = _city_hall_pixel(z)
    encoded = png.render_png(raster.read_tile(depth_cog, z, x, y), FLOOD_CLASSES, scale=0.01, transparent_below=0.1)
    header, index, palette, alpha = _decode_png(encoded)
    assert header == {"width": 256, "height": 256, "depth": 8, "colour": 3}
    # 150 cm = 1.5 m is in the "1.0+" class, drawn #08306b and opaque.
    assert palette[index[row, col]] == (0x08, 0x30, 0x6B) and alpha[index[row, col]] == 255


def test_render_png_makes_no_data_and_shallow_water_transparent() -> None:
    values = np.ma.MaskedArray(np.array([[65535, 5, 20, 200]], dtype=np.uint16),
                               mask=[[True, False, False, False]])
    _, index, palette, alpha = _decode_png(png.render_png(values, FLOOD_CLASSES, scale=0.01,
                                                             transparent_below=0.1))
    assert alpha[index[0, 0]] == 0, "no-data is transparent"
    assert alpha[index[0, 1]] == 0, "5 cm is below the 0.1 m threshold"
    assert palette[index[0, 2]] == (0xBD, 0xD7, 0xEE) and alpha[index[0, 2]] == 255
    assert palette[index[0, 3]] == (0x08, 0x30, 0x6B)


@pytest.mark.parametrize("stored", [0, 9, 10, 29, 30, 31, 49, 50, 99, 100, 101, 300],
                         ids=lambda v: f"{v} cm is drawn in the class the layer definition gives it")
def test_render_png_classes_agree_with_the_layer_definition(stored: int) -> None:
    values = np.ma.MaskedArray(np.array([[stored]], dtype=np.uint16))
    _, index, palette, alpha = _decode_png(png.render_png(values, FLOOD_CLASSES, scale=0.01))
    expected = FLOOD.class_for_value(stored * 0.01)
    assert expected is not None
    assert index[0, 0] == FLOOD.classes.index(expected) + 1
    assert "#" + bytes(palette[index[0, 0]]).hex() == expected.color[:7]
    assert alpha[index[0, 0]] == (int(expected.color[7:], 16) if len(expected.color) == 9 else 255)


def test_render_png_applies_scale_and_offset_to_floats() -> None:
    values = np.ma.MaskedArray(np.array([[0.0, 10.0, np.nan]], dtype=np.float32), mask=[[False, False, True]])
    classes = [(None, 25.0, "#0000ff"), (25.0, None, "#ff0000")]
    _, index, palette, alpha = _decode_png(png.render_png(values, classes, scale=2.0, offset=20.0))
    assert palette[index[0, 0]] == (0, 0, 255) and palette[index[0, 1]] == (255, 0, 0)
    assert alpha[index[0, 2]] == 0


def test_empty_png_is_a_transparent_256_tile() -> None:
    header, index, _, alpha = _decode_png(png.EMPTY_PNG)
    assert header["width"] == header["height"] == 256
    assert {alpha[i] for i in np.unique(index)} == {0}


# --- points and zones -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "expected"),
    [(CITY_HALL, 150.0), ((CITY_HALL[0] + 1500, CITY_HALL[1]), 0.0), ((CITY_HALL[0], CITY_HALL[1] + 1900), None),
     ((CITY_HALL[0] + 2500, CITY_HALL[1]), None), ((CITY_HALL[0] - 2000, CITY_HALL[1] + 2000), None)],
    ids=["City Hall is in the 150 cm square", "1.5 km east is dry", "the no-data strip gives None",
         "a point east of the raster gives None", "the raster's north-west corner point is no-data"],
)
def test_point_value(depth_cog: Path, point: tuple[float, float], expected: float | None) -> None:
    assert raster.point_value(depth_cog, *point) == expected


@pytest.fixture(scope="module")
def halves_cog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1 m raster 100 × 100 m: 20 cm west of x = 670 050, 60 cm east of it, a no-data row at the top."""
    data = np.full((100, 100), 20, dtype=np.uint16)
    data[:, 50:] = 60
    data[0, :] = 65535
    path = tmp_path_factory.mktemp("halves") / "halves.tif"
    raster.write_cog(path, data, Affine(1, 0, 670_000, 0, -1, 6_580_100), nodata=65535)
    return path


@pytest.mark.parametrize(
    ("geom", "count", "nodata_count", "mean", "low", "high"),
    [
        (box(670_040, 6_580_040, 670_060, 6_580_060), 400, 0, 40.0, 20, 60),
        (box(670_010, 6_580_010, 670_030, 6_580_030), 400, 0, 20.0, 20, 20),
        (box(670_040, 6_580_090, 670_060, 6_580_110), 180, 220, 40.0, 20, 60),
        (box(670_090, 6_580_010, 670_110, 6_580_030), 200, 200, 60.0, 60, 60),
        (box(670_070.2, 6_580_020.2, 670_070.4, 6_580_020.4), 1, 0, 60.0, 60, 60),
    ],
    ids=["a square centred on the line averages 0.4 m", "a square in the west half is all 0.2 m",
         "the no-data row and cells past the top edge count as no-data",
         "the half of a square east of the raster counts as no-data",
         "a polygon smaller than a cell takes the cell it touches"],
)
def test_zonal_stats(halves_cog: Path, geom, count: int, nodata_count: int, mean: float, low: int,
                     high: int) -> None:
    got = raster.zonal_stats(halves_cog, geom)
    assert (got.count, got.nodata_count) == (count, nodata_count)
    assert got.mean == pytest.approx(mean) and (got.min, got.max) == (low, high)
    assert got.values.dtype == np.uint16 and got.values.size == count


def test_zonal_stats_of_a_polygon_off_the_raster_is_empty(halves_cog: Path) -> None:
    got = raster.zonal_stats(halves_cog, box(680_000, 6_590_000, 680_010, 6_590_010))
    assert got.count == 0 and got.mean is None and got.nodata_count == 100
