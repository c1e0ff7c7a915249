"""Raster helpers: write and convert Cloud-Optimized GeoTIFFs in EPSG:3006, windowed reads, tiles, stats.

Every read is windowed and overview-aware (as rio-tiler's `Reader.tile`/`point`/`part` do): a request reads
only the blocks under it, at about the resolution it needs. No Flask, no database.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import rasterio
import rasterio.env
import rasterio.errors
import rasterio.shutil
from affine import Affine
from rasterio._err import CPLE_BaseError
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.features import geometry_mask
from rasterio.io import DatasetWriter, MemoryFile
from rasterio.vrt import WarpedVRT
from rasterio.warp import calculate_default_transform
from rasterio.windows import Window
from shapely.geometry.base import BaseGeometry

from geo import safe_files
from geo.crs import SWEREF99TM, WEB_MERCATOR, transformer
from geo.tiles import check_tile, tile_bounds_3006, tile_bounds_3857

__all__ = ["RasterFileError", "RasterGrid", "RasterInfo", "ZonalStats", "building_cog", "grid", "info",
           "point_value", "read_grid", "read_tile", "to_cog", "write_cog", "zonal_stats"]


class RasterFileError(ValueError):
    """A file we cannot use as a raster layer: not a raster, no CRS, no bands."""


@dataclass(frozen=True)
class RasterInfo:
    """What a stored raster is: size, pixel size, extent (in its CRS, 3006 for ours), no-data and data type."""

    width: int
    height: int
    resolution_m: float
    bounds: tuple[float, float, float, float]
    nodata: float | None
    dtype: str
    count: int
    crs_epsg: int | None


@dataclass(frozen=True)
class RasterGrid:
    """Where a stored raster's pixels lie: a north-up grid from its north-west corner, the pixel size, its size in
    pixels and the decimation factors of its overviews (2, 4, ...)."""

    west: float
    north: float
    res_x: float
    res_y: float
    width: int
    height: int
    overviews: tuple[int, ...]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (self.west, self.north - self.height * self.res_y, self.west + self.width * self.res_x, self.north)


@dataclass(frozen=True)
class ZonalStats:
    """Raw stored values of the pixels whose centres fall in a polygon, and their summary."""

    count: int  # valid pixels
    nodata_count: int  # pixels in the polygon that are no-data or outside the raster
    min: float | None
    max: float | None
    mean: float | None
    values: np.ndarray = field(compare=False, repr=False)


def _cog_options(dtype: str, *, blocksize: int, predictor: int | None, compress: str, resampling: str) -> dict:
    if predictor is None:
        predictor = 3 if np.issubdtype(np.dtype(dtype), np.floating) else 2
    return {
        "driver": "COG", "blocksize": blocksize, "compress": compress, "overviews": "AUTO",
        # The COG driver names the TIFF predictors; 1 means none.
        "predictor": {1: "NO", 2: "STANDARD", 3: "FLOATING_POINT"}[predictor],
        "resampling": resampling, "num_threads": "ALL_CPUS", "bigtiff": "IF_SAFER",
    }


def _replace_atomically(tmp: Path, path: Path) -> None:
    # os.replace is atomic on one filesystem: readers see the old file or the new one, never half a file.
    os.replace(tmp, path)


def write_cog(path: str | os.PathLike, array: np.ndarray, transform: Affine, *, nodata: float | None,
              crs: int = 3006, blocksize: int = 512, predictor: int | None = None, compress: str = "DEFLATE",
              overview_resampling: str = "nearest") -> None:
    """Write a (bands ×) rows × cols array as a tiled COG with internal overviews, atomically.

    `predictor` defaults to 2 (horizontal differencing) for integers and 3 (floating point) for floats.
    Overviews use nearest by default: the layers are classed, and averaging would invent depths nobody mapped.
    """
    path = Path(path)
    data = array if array.ndim == 3 else array[np.newaxis]
    profile = {"driver": "GTiff", "width": data.shape[2], "height": data.shape[1], "count": data.shape[0],
               "dtype": data.dtype.name, "crs": CRS.from_epsg(crs), "transform": transform, "nodata": nodata}
    opts = _cog_options(data.dtype.name, blocksize=blocksize, predictor=predictor, compress=compress,
                        resampling=overview_resampling)
    tmp = path.with_suffix(".tmp.tif")
    try:
        with MemoryFile() as mem, mem.open(**profile) as scratch:
            scratch.write(data)
            rasterio.shutil.copy(scratch, tmp, **opts)
        _replace_atomically(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def building_cog(path: str | os.PathLike, *, width: int, height: int, transform: Affine, dtype: str,
                 nodata: float | None, crs: int = 3006, blocksize: int = 512, predictor: int | None = None,
                 compress: str = "DEFLATE", overview_resampling: str = "nearest") -> Iterator[DatasetWriter]:
    """Yield a writable single-band scratch GeoTIFF; on exit turn it into a COG at `path`, atomically.

    For rasters too big to hold in memory: write them window by window, then the COG driver adds overviews.
    """
    path = Path(path)
    scratch_path, tmp = path.with_suffix(".scratch.tif"), path.with_suffix(".tmp.tif")
    # An uncompressed tiled scratch file: it is read once, so compressing it would only cost time.
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": dtype, "nodata": nodata,
               "crs": CRS.from_epsg(crs), "transform": transform, "tiled": True, "blockxsize": blocksize,
               "blockysize": blocksize, "bigtiff": "IF_SAFER"}
    try:
        with rasterio.open(scratch_path, "w", **profile) as scratch:
            yield scratch
        opts = _cog_options(dtype, blocksize=blocksize, predictor=predictor, compress=compress,
                            resampling=overview_resampling)
        rasterio.shutil.copy(scratch_path, tmp, **opts)
        _replace_atomically(tmp, path)
    finally:
        scratch_path.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)


def open_untrusted(path: Path) -> rasterio.DatasetReader:
    """A GeoTIFF from outside: its bytes must prove it one, GDAL may use only the GeoTIFF driver, and the header
    (size, tiling, bands, type, CRS) is checked before any pixel is read (geo/safe_files.py)."""
    try:
        safe_files.sniff(path, expected=("gtiff",))
    except safe_files.UnsafeFileError as exc:
        raise RasterFileError(f"{path.name} is not a raster file that can be read (GeoTIFF expected): "
                              f"{str(exc).rstrip('.')}") from None
    try:
        ds = rasterio.open(path, driver="GTiff")
    except (RasterioIOError, ValueError) as exc:
        raise RasterFileError(f"{path.name} is not a GeoTIFF that can be read: {exc}") from None
    try:
        safe_files.check_raster(path.name, width=ds.width, height=ds.height, count=ds.count, dtypes=tuple(ds.dtypes),
                                block_shapes=list(ds.block_shapes), crs=ds.crs)
    except safe_files.UnsafeFileError as exc:
        ds.close()
        raise RasterFileError(str(exc).rstrip(".")) from None
    return ds


def _open_checked(path: Path, *, untrusted: bool = False) -> rasterio.DatasetReader:
    if untrusted:
        return open_untrusted(path)
    try:
        ds = rasterio.open(path)
    except RasterioIOError as exc:
        raise RasterFileError(f"{path.name} is not a raster file that can be read (GeoTIFF expected): {exc}") from exc
    if ds.count == 0:
        ds.close()
        raise RasterFileError(f"{path.name} has no raster bands")
    if ds.crs is None:
        ds.close()
        raise RasterFileError(f"{path.name} has no coordinate reference system; "
                              "georeference it (e.g. EPSG:3006) before importing")
    return ds


def _default_nodata(dtype: str) -> float:
    kind = np.dtype(dtype)
    if kind.kind == "f":
        return float("nan")
    limits = np.iinfo(kind)
    return limits.max if kind.kind == "u" else limits.min


def _target_grid(src: rasterio.DatasetReader, crs: CRS, resolution_m: float | None) -> tuple[Affine, int, int]:
    """GDAL's suggested warp grid (or one of `resolution_m`), snapped outwards to whole multiples of the pixel."""
    transform, width, height = calculate_default_transform(src.crs, crs, src.width, src.height, *src.bounds,
                                                           resolution=resolution_m)
    res = resolution_m or abs(transform.a)
    right, top = transform.c + width * transform.a, transform.f
    left, bottom = np.floor(transform.c / res) * res, np.floor((top + height * transform.e) / res) * res
    width, height = int(np.ceil((right - left) / res)), int(np.ceil((top - bottom) / res))
    return Affine(res, 0, left, 0, -res, bottom + height * res), width, height


def to_cog(src_path: str | os.PathLike, dst_path: str | os.PathLike, *, dst_crs: int = 3006,
           resampling: Resampling = Resampling.bilinear, resolution_m: float | None = None) -> RasterInfo:
    """Reproject any GeoTIFF with a CRS into a COG in `dst_crs`, streaming through a WarpedVRT (never all in memory).

    The output grid is GDAL's suggested one (or `resolution_m`), snapped to whole multiples of the pixel size so
    rasters of one resolution share a grid; a north-up source already in `dst_crs` keeps its grid and values
    untouched. No-data is kept; a warped source without it gets the dtype's extreme value (NaN for floats),
    since warping creates cells outside the source footprint.
    """
    src_path, dst_path = Path(src_path), Path(dst_path)
    crs = CRS.from_epsg(dst_crs)
    tmp = dst_path.with_suffix(".tmp.tif")
    with _open_checked(src_path, untrusted=True) as src:
        dtype = src.dtypes[0]
        opts = _cog_options(dtype, blocksize=512, predictor=None, compress="DEFLATE", resampling="nearest")
        t = src.transform
        try:
            if src.crs == crs and resolution_m is None and t.b == 0 and t.d == 0 and t.e < 0:
                rasterio.shutil.copy(src, tmp, **opts)
            else:
                transform, width, height = _target_grid(src, crs, resolution_m)
                nodata = src.nodata if src.nodata is not None else _default_nodata(dtype)
                with WarpedVRT(src, crs=crs, transform=transform, width=width, height=height,
                               resampling=resampling, src_nodata=src.nodata, nodata=nodata) as vrt:
                    rasterio.shutil.copy(vrt, tmp, **opts)
            _replace_atomically(tmp, dst_path)
        except (RasterioIOError, OSError, rasterio.errors.RasterioError, CPLE_BaseError) as exc:
            dst_path.unlink(missing_ok=True)
            raise RasterFileError(f"the converted raster could not be written to {dst_path.parent} "
                                  f"({str(exc)[:200]}); check the free space of the data folder") from None
        finally:
            tmp.unlink(missing_ok=True)
    return info(dst_path)


def info(path: str | os.PathLike) -> RasterInfo:
    """Size, resolution, bounds, no-data, dtype, band count and EPSG code of a raster file."""
    with _open_checked(Path(path)) as ds:
        return RasterInfo(width=ds.width, height=ds.height, resolution_m=float(ds.res[0]),
                          bounds=tuple(float(v) for v in ds.bounds), nodata=ds.nodata, dtype=ds.dtypes[0],
                          count=ds.count, crs_epsg=ds.crs.to_epsg())


class _Handle:
    """An open dataset and the lock that serialises its reads (rasterio datasets are not thread-safe)."""

    def __init__(self, path: str) -> None:
        self.ds = _open_checked(Path(path))
        self.lock = threading.Lock()
        t = self.ds.transform
        if t.b != 0 or t.d != 0 or t.e >= 0:
            raise RasterFileError(f"{Path(path).name} is not north-up; convert it with to_cog first")
        self.bounds = tuple(self.ds.bounds)


def _open_handle(path: str, inode: int, mtime_ns: int, size: int) -> _Handle:
    return _Handle(path)


# The datasets kept open (each holds its header and overview directories, a few hundred kB at most; the pixels it
# reads go through GDAL's block cache, bounded by GDAL_CACHEMAX). One dropped from here closes once no read uses it.
_cached_handle = lru_cache(maxsize=16)(_open_handle)


def configure(*, gdal_cachemax_mb: int, open_datasets: int) -> None:
    """Bound what a process keeps for rasters: GDAL's block cache (GDAL_CACHEMAX, process-wide; GDAL's own default
    is 5 % of the machine's memory) and the number of datasets held open (at least 1)."""
    global _cached_handle
    # rasterio passes GDAL_CACHEMAX straight to GDALSetCacheMax64, in bytes, so it applies even after a first read.
    rasterio.env.set_gdal_config("GDAL_CACHEMAX", max(0, gdal_cachemax_mb) * 1024 * 1024)
    _cached_handle = lru_cache(maxsize=max(1, open_datasets))(_open_handle)


def _handle(path: str | os.PathLike) -> _Handle:
    # Keyed by inode, modification time and size too: a file replaced by os.replace is a new file to open.
    stat = os.stat(path)
    return _cached_handle(os.fspath(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)


def grid(path: str | os.PathLike, band: int = 1) -> RasterGrid:
    """The pixel grid of a stored raster and its overview factors (from the open, cached dataset)."""
    h = _handle(path)
    t = h.ds.transform
    with h.lock:
        factors = tuple(h.ds.overviews(band))
    return RasterGrid(t.c, t.f, t.a, -t.e, h.ds.width, h.ds.height, factors)


def _window(h: _Handle, left: float, bottom: float, right: float, top: float, clip: bool = True) -> Window:
    """The pixel window covering a 3006 box (rounded outwards), clipped to the raster unless told not to."""
    t = h.ds.transform
    col0, col1 = int(np.floor((left - t.c) / t.a)), int(np.ceil((right - t.c) / t.a))
    row0, row1 = int(np.floor((top - t.f) / t.e)), int(np.ceil((bottom - t.f) / t.e))
    if clip:
        col0, row0 = max(col0, 0), max(row0, 0)
        col1, row1 = min(col1, h.ds.width), min(row1, h.ds.height)
    return Window(col0, row0, max(col1 - col0, 0), max(row1 - row0, 0))


def _empty_tile(size: int, dtype: str, nodata: float | None) -> np.ma.MaskedArray:
    fill = nodata if nodata is not None and not np.isnan(nodata) else 0
    return np.ma.MaskedArray(np.full((size, size), fill, dtype=dtype), mask=np.ones((size, size), bool))


# The tile's pixel centres are projected exactly on a 17 × 17 grid of nodes and interpolated in between (as GDAL's
# approximate transformer does): over 16 pixels the 3857 → 3006 mapping is linear to far below a millimetre.
_NODES = 16


@lru_cache(maxsize=8)
def _node_weights(size: int) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel centre: the node before it (nodes at pixel edges 0, size/16, …) and its distance past it."""
    position = (np.arange(size) + 0.5) * _NODES / size
    k = np.minimum(np.floor(position).astype(np.intp), _NODES - 1)
    return k, position - k


def _interpolate(grid: np.ndarray, size: int) -> np.ndarray:
    # Elementwise, not as a matrix product: tiny BLAS calls stall when the server's cores are busy.
    k, t = _node_weights(size)
    rows = grid[k] * (1.0 - t)[:, None] + grid[k + 1] * t[:, None]
    return rows[:, k] * (1.0 - t) + rows[:, k + 1] * t


def _tile_centres_3006(z: int, x: int, y: int, size: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Easting and northing of each pixel centre of the tile (rows north to south), and the pixel size in metres."""
    minx, miny, maxx, maxy = tile_bounds_3857(z, x, y)
    gx, gy = np.meshgrid(np.linspace(minx, maxx, _NODES + 1), np.linspace(maxy, miny, _NODES + 1))
    east, north = transformer(WEB_MERCATOR, SWEREF99TM).transform(gx, gy)
    pixel_m = float(np.hypot(east[0, 1] - east[0, 0], north[0, 1] - north[0, 0])) * _NODES / size
    return _interpolate(east, size), _interpolate(north, size), pixel_m


def read_tile(path: str | os.PathLike, z: int, x: int, y: int, *, size: int = 256,
              band: int = 1) -> np.ma.MaskedArray:
    """Raw stored values on the size×size Web Mercator tile z/x/y; masked where no-data or off the raster.

    Reads only the window under the tile at about the tile's pixel size and samples it at the tile's pixel
    centres (see `_sample`).
    """
    check_tile(z, x, y)
    h = _handle(path)
    dtype, nodata = h.ds.dtypes[band - 1], h.ds.nodatavals[band - 1]
    b = tile_bounds_3006(z, x, y)
    if b is None or b[0] >= h.bounds[2] or b[2] <= h.bounds[0] or b[1] >= h.bounds[3] or b[3] <= h.bounds[1]:
        return _empty_tile(size, dtype, nodata)
    win = _window(h, *b)
    if win.width == 0 or win.height == 0:
        return _empty_tile(size, dtype, nodata)
    east, north, pixel_m = _tile_centres_3006(z, x, y, size)
    return _sample(h, band, win, east, north, pixel_m)


def _sample(h: _Handle, band: int, win: Window, east: np.ndarray, north: np.ndarray,
            pixel_m: float) -> np.ma.MaskedArray:
    """Stored values at the points (east, north) in EPSG:3006, read from the window `win` only.

    Reads the window decimated to about `pixel_m` (never finer than the raster), so GDAL serves it from the
    matching overview, then samples that small array at the points (nearest neighbour: the layers are classed).
    The sampling is what `rasterio.warp.reproject` with nearest does, in a fifth of the time."""
    ds, nodata = h.ds, h.ds.nodatavals[band - 1]
    factor = max(1.0, pixel_m / ds.res[0])
    out_w, out_h = max(1, int(np.ceil(win.width / factor))), max(1, int(np.ceil(win.height / factor)))
    with h.lock:
        src = ds.read(band, window=win, out_shape=(out_h, out_w))
    t = ds.transform
    col = np.floor((east - (t.c + win.col_off * t.a)) / (t.a * win.width / out_w)).astype(np.intp)
    row = np.floor((north - (t.f + win.row_off * t.e)) / (t.e * win.height / out_h)).astype(np.intp)
    inside = (col >= 0) & (col < out_w) & (row >= 0) & (row < out_h)
    values = src[np.clip(row, 0, out_h - 1), np.clip(col, 0, out_w - 1)]
    mask = ~inside
    if nodata is not None:
        mask |= np.isnan(values) if np.isnan(nodata) else values == nodata
    return np.ma.MaskedArray(values, mask=mask)


def read_grid(path: str | os.PathLike, bounds: tuple[float, float, float, float], size_px: tuple[int, int], *,
              band: int = 1) -> np.ma.MaskedArray | None:
    """Raw stored values on a north-up grid of size_px (width, height) pixels over `bounds` in EPSG:3006 (a map
    image); masked where no-data or off the raster, None when the raster does not reach the box. The same
    windowed, overview-aware read as `read_tile`."""
    h = _handle(path)
    x0, y0, x1, y1 = bounds
    if x0 >= h.bounds[2] or x1 <= h.bounds[0] or y0 >= h.bounds[3] or y1 <= h.bounds[1]:
        return None
    win = _window(h, x0, y0, x1, y1)
    if win.width == 0 or win.height == 0:
        return None
    width, height = size_px
    pixel_m = (x1 - x0) / width
    east = x0 + (np.arange(width) + 0.5) * pixel_m
    north = y1 - (np.arange(height) + 0.5) * ((y1 - y0) / height)
    return _sample(h, band, win, east[None, :], north[:, None], pixel_m)


def point_value(path: str | os.PathLike, x: float, y: float, band: int = 1) -> float | None:
    """The stored value of the pixel holding the 3006 point (x, y), or None for no-data or outside the raster."""
    h = _handle(path)
    t = h.ds.transform
    col, row = int(np.floor((x - t.c) / t.a)), int(np.floor((y - t.f) / t.e))
    if not (0 <= col < h.ds.width and 0 <= row < h.ds.height):
        return None
    with h.lock:
        value = h.ds.read(band, window=Window(col, row, 1, 1))[0, 0]
    nodata = h.ds.nodatavals[band - 1]
    if nodata is not None and (value == nodata or (np.isnan(nodata) and np.isnan(value))):
        return None
    return float(value)


def zonal_stats(path: str | os.PathLike, geom: BaseGeometry, band: int = 1) -> ZonalStats:
    """Stored values of the pixels whose centres lie in a 3006 polygon, reading only its bounding window.

    A polygon too small to hold any pixel centre takes the pixels it touches instead, so a small site still
    gets an answer. Pixels of the polygon outside the raster count as no-data.
    """
    h = _handle(path)
    ds, nodata = h.ds, h.ds.nodatavals[band - 1]
    full = _window(h, *geom.bounds, clip=False)
    shape = (int(full.height), int(full.width))
    if geom.is_empty or 0 in shape:
        return ZonalStats(0, 0, None, None, None, np.empty(0, dtype=ds.dtypes[band - 1]))
    data = np.zeros(shape, dtype=ds.dtypes[band - 1])
    valid = np.zeros(shape, dtype=bool)
    inner = _window(h, *geom.bounds)
    if inner.width and inner.height:
        r0, c0 = int(inner.row_off - full.row_off), int(inner.col_off - full.col_off)
        sl = (slice(r0, r0 + int(inner.height)), slice(c0, c0 + int(inner.width)))
        with h.lock:
            data[sl] = ds.read(band, window=inner)
        valid[sl] = True if nodata is None else ~(np.isnan(data[sl]) if np.isnan(nodata) else data[sl] == nodata)
    t = ds.transform
    transform = Affine(t.a, 0, t.c + full.col_off * t.a, 0, t.e, t.f + full.row_off * t.e)
    inside = geometry_mask([geom], out_shape=shape, transform=transform, invert=True)
    if not inside.any():
        inside = geometry_mask([geom], out_shape=shape, transform=transform, invert=True, all_touched=True)
    values = data[inside & valid]
    nodata_count = int((inside & ~valid).sum())
    if values.size == 0:
        return ZonalStats(0, nodata_count, None, None, None, values)
    return ZonalStats(int(values.size), nodata_count, float(values.min()), float(values.max()),
                      float(values.mean(dtype=np.float64)), values)



def sample_values(path: str | os.PathLike, geom: BaseGeometry, *, band: int = 1,
                  max_cells: int = 1_000_000) -> np.ndarray:
    """Stored values of the raster inside a large 3006 polygon (a whole city), no-data left out, read at the
    coarsest resolution that still gives about `max_cells` cells (GDAL serves an overview): a distribution to
    take percentiles from, not exact zonal statistics."""
    h = _handle(path)
    ds, nodata = h.ds, h.ds.nodatavals[band - 1]
    win = _window(h, *geom.bounds)
    if geom.is_empty or win.width == 0 or win.height == 0:
        return np.empty(0, dtype=ds.dtypes[band - 1])
    factor = max(1.0, math.sqrt(win.width * win.height / max_cells))
    out_w, out_h = max(1, int(win.width / factor)), max(1, int(win.height / factor))
    with h.lock:
        data = ds.read(band, window=win, out_shape=(out_h, out_w))
    t = ds.transform
    transform = Affine(t.a * win.width / out_w, 0, t.c + win.col_off * t.a,
                       0, t.e * win.height / out_h, t.f + win.row_off * t.e)
    inside = geometry_mask([geom], out_shape=data.shape, transform=transform, invert=True)
    if nodata is not None:
        inside &= ~(np.isnan(data) if np.isnan(nodata) else data == nodata)
    return data[inside]
