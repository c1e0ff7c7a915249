"""Files from outside, checked before GDAL reads them: what a file is comes from its bytes and its name together,
never from GDAL's guess, and nothing in it may make GDAL read another file or reach the network.

- `check_name`: a plain local file: no `/vsi…` prefix, no URL, no control characters.
- `sniff`: the kind a file's first bytes prove (GeoTIFF, GeoPackage, GeoJSON, zip, Shapefile, text); it must match
  the name's suffix. A VRT (raster or OGR, XML) is refused by any name.
- `open_zip`: a zip's members checked before anything is extracted or opened: no absolute or `..` paths, no links,
  at most `MAX_ZIP_MEMBERS` members, at most `max_bytes` uncompressed and no member compressed more than
  `MAX_RATIO` to one (zip bombs); exactly one dataset (a Shapefile with its parts, a GeoPackage or a GeoJSON), which is
  what GDAL then opens — by its own /vsizip/ path, never the whole archive.
- `check_raster`: size, bands, data type and CRS from the header, before a pixel is read.
- `GDAL_CONFIG`: settings under which GDAL cannot fetch a URL or run embedded code; `RASTER_DRIVERS` /
  `VECTOR_DRIVERS`: the drivers an import may use (`GDAL_SKIP` in the import worker turns the others off)."""
from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np


class UnsafeFileError(ValueError):
    """The file is refused before it is read; the message says why."""


MAX_ZIP_MEMBERS = 64
MAX_RATIO = 100
MAX_PIXELS = 1_500_000_000
MAX_SIDE = 200_000
MAX_BLOCKS = 4_000_000
MAX_BANDS = 16
RASTER_TYPES = frozenset({"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"})
RASTER_DRIVERS = ("GTiff", "COG")
VECTOR_DRIVERS = ("GeoJSON", "GPKG", "ESRI Shapefile")
# Every driver that reads other files or URLs named inside a file, or is a network client: off in the import worker.
# The raster VRT driver stays registered (rasterio warps through it in memory); an import never opens a VRT file,
# since rasters are opened with RASTER_DRIVERS only and a file's bytes must prove it a GeoTIFF first.
SKIPPED_DRIVERS = ("OGR_VRT", "GTI", "STACTA", "STACIT", "WMS", "WMTS", "WCS", "WFS", "OAPIF", "OGCAPI",
                   "ESRIC", "PLMosaic", "DAAS", "NGW", "EEDA", "EEDAI", "Elasticsearch", "CouchDB", "AmigoCloud",
                   "Carto", "CSW", "GPSBabel", "HTTP", "MapML", "PDS", "PDS4", "VICAR", "ISIS3", "GNMFile",
                   "GNMDatabase", "OSM", "XLS", "SQLite", "PostgreSQL", "PGDUMP", "MySQL", "ODBC", "MSSQLSpatial",
                   "OCI", "LIBKML", "KML", "GML", "NAS", "GMLAS", "ILI1", "ILI2", "SVG", "JML", "GPX", "XLSX", "ODS",
                   "CAD", "DXF", "DGN", "MBTiles", "PMTiles", "MVT", "OpenFileGDB", "FileGDB", "Zarr", "netCDF",
                   "HDF5", "HDF4", "ECW", "JP2OpenJPEG", "DAAS", "Rasterlite", "PCIDSK", "AVCBin", "ADRG", "SRP")
GDAL_CONFIG = {
    # No network: /vsicurl/ only reads files with a suffix no real file has, every HTTP request goes to a closed
    # loopback port and gives up at once.
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".riskkarta-no-network",
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTPS_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "CPL_VSIL_CURL_USE_HEAD": "NO",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "GDAL_VRT_ENABLE_RAWRASTERBAND": "NO",
    "OGR_SQLITE_ALLOW_VIRTUALOGR": "NO",
    "GDAL_ENABLE_WMS_CACHE": "NO",
    # A Shapefile's .cpg is read, but a lie in it ends as a refusal (vector_io), not a crash.
    "GDAL_SKIP": " ".join(sorted(set(SKIPPED_DRIVERS))),
}
SHAPEFILE_PARTS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd"})
HARMLESS = frozenset({".txt", ".pdf", ".md", ".html", ".htm", ".qml", ".sld", ".lyr", ".lyrx", ".png", ".jpg",
                      ".jpeg", ".shp.xml", ".aux.xml"})
DATASETS = frozenset({".shp", ".gpkg", ".geojson", ".json"})
SUFFIX_KINDS = {".tif": "gtiff", ".tiff": "gtiff", ".gpkg": "gpkg", ".geojson": "json", ".json": "json",
                ".zip": "zip", ".shp": "shp", ".csv": "text", ".txt": "text"}
_NAME_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f]")


def check_name(path: str | Path) -> Path:
    """A plain local path: refuse GDAL's virtual file systems and URLs."""
    text = str(path)
    if text.startswith("/vsi") or "://" in text or _NAME_FORBIDDEN.search(text):
        raise UnsafeFileError(f"{text[:80]!r} is not a local file name; give the path of a file on this machine.")
    return Path(text)


def _suffix(name: str) -> str:
    lower = name.lower()
    for double in (".shp.xml", ".aux.xml"):
        if lower.endswith(double):
            return double
    return PurePosixPath(lower).suffix


def kind_of(head: bytes) -> str:
    """What the first bytes of a file prove it is."""
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "gtiff"
    if head[:16] == b"SQLite format 3\x00":
        return "gpkg" if head[68:72] in (b"GPKG", b"GP10", b"GP11") else "sqlite"
    if head[:4] == b"PK\x03\x04" or head[:4] == b"PK\x05\x06":
        return "zip"
    if head[:4] == b"\x00\x00\x27\x0a":
        return "shp"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:1] in (b"{", b"["):
        return "json"
    if text[:1] == b"<":
        return "xml"
    return "text"


def sniff(path: Path, *, expected: tuple[str, ...]) -> str:
    """The file's kind, from its bytes, which must agree with its suffix and be one of `expected`."""
    path = check_name(path)
    if not path.is_file():
        raise UnsafeFileError(f"{path.name} is not a file.")
    with path.open("rb") as f:
        head = f.read(100)
    found = kind_of(head)
    by_name = SUFFIX_KINDS.get(path.suffix.lower())
    if found == "xml":
        raise UnsafeFileError(f"{path.name} is an XML file (such as a GDAL VRT, which points at other files), not a "
                              "file this import reads, whatever its name says.")
    if by_name is None or found not in expected or (by_name != found and not (by_name == "text" and found == "json")):
        names = {"gtiff": "GeoTIFF", "gpkg": "GeoPackage", "json": "GeoJSON", "zip": "zip", "shp": "Shapefile",
                 "text": "text", "sqlite": "SQLite database (not a GeoPackage)"}
        raise UnsafeFileError(f"{path.name} holds a {names.get(found, found)} file, which is not what its name says "
                              f"or not what this import reads ({', '.join(names[e] for e in expected)}).")
    return found


@dataclass(frozen=True)
class ZipDataset:
    gdal_path: str  # /vsizip/… of the one dataset inside
    member: str
    uncompressed_bytes: int


def open_zip(path: Path, *, max_bytes: int) -> ZipDataset:
    """Check a zip before anything in it is read; the GDAL path of its one dataset."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeFileError(f"{path.name} is not a readable zip file ({exc}).") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise UnsafeFileError(f"{path.name} holds {len(members):,} files; a layer's zip holds at most "
                                  f"{MAX_ZIP_MEMBERS} (one Shapefile and its parts).")
        total, datasets = 0, []
        for info in members:
            name = info.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name) or \
                    _NAME_FORBIDDEN.search(name):
                raise UnsafeFileError(f"{path.name} holds a file named {name[:80]!r}, outside the archive's own "
                                      "folder; it is refused.")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UnsafeFileError(f"{path.name} holds a link ({name[:80]}); links are refused.")
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise UnsafeFileError(f"{path.name} is encrypted; give the files unencrypted.")
            total += info.file_size
            if total > max_bytes:
                raise UnsafeFileError(f"{path.name} unpacks to more than {max_bytes:,} bytes; the limit is "
                                      f"{max_bytes:,} (RISKKARTA_MAX_UPLOAD_BYTES).")
            if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                raise UnsafeFileError(f"{path.name}: {name[:80]} is compressed {ratio:,} to one; more than "
                                      f"{MAX_RATIO} to one is refused as a zip bomb.")
            suffix = _suffix(name)
            if suffix in DATASETS:
                datasets.append(name)
            elif suffix not in SHAPEFILE_PARTS and suffix not in HARMLESS:
                raise UnsafeFileError(f"{path.name} holds {name[:80]}, a kind of file a layer's zip does not hold "
                                      "(one Shapefile with .shp, .shx, .dbf and .prj, or one GeoPackage or GeoJSON).")
        if len(datasets) != 1:
            raise UnsafeFileError(f"{path.name} holds {len(datasets)} datasets ({', '.join(datasets[:5]) or 'none'}); "
                                  "zip exactly one Shapefile (with its parts), GeoPackage or GeoJSON.")
        member = datasets[0]
        with archive.open(member) as f:
            head = f.read(100)
    expected = {".shp": "shp", ".gpkg": "gpkg", ".geojson": "json", ".json": "json"}[_suffix(member)]
    if kind_of(head) != expected:
        raise UnsafeFileError(f"{path.name}: {member[:80]} is not what its name says.")
    return ZipDataset(gdal_path=f"/vsizip/{path.resolve()}/{member}", member=member, uncompressed_bytes=total)


def check_raster(name: str, *, width: int, height: int, count: int, dtypes: tuple[str, ...],
                 block_shapes: list[tuple[int, int]], crs) -> None:
    """Refuse a raster by its header: absurd sizes or tilings, too many bands, complex or odd types, no usable CRS."""
    if width <= 0 or height <= 0 or width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise UnsafeFileError(f"{name} claims {width:,} × {height:,} pixels; an import takes at most "
                              f"{MAX_SIDE:,} on a side and {MAX_PIXELS:,} in all.")
    if count < 1 or count > MAX_BANDS:
        raise UnsafeFileError(f"{name} has {count} bands; a hazard raster has 1 (at most {MAX_BANDS} are read).")
    for dtype in set(dtypes):
        if dtype not in RASTER_TYPES:
            raise UnsafeFileError(f"{name} holds {dtype} values; a hazard raster holds whole or real numbers "
                                  f"({', '.join(sorted(RASTER_TYPES))}).")
    for bh, bw in block_shapes[:1]:
        blocks = int(np.ceil(height / max(bh, 1))) * int(np.ceil(width / max(bw, 1)))
        if bh <= 0 or bw <= 0 or blocks > MAX_BLOCKS:
            raise UnsafeFileError(f"{name} is cut into {blocks:,} tiles of {bw} × {bh} pixels; at most "
                                  f"{MAX_BLOCKS:,} are read.")
    if crs is None:
        raise UnsafeFileError(f"{name} has no coordinate reference system; georeference it (e.g. EPSG:3006).")
    wkt = crs.to_wkt() if hasattr(crs, "to_wkt") else str(crs)
    if wkt.startswith(("LOCAL_CS", "ENGCRS", "ENGINEERING")) or not (crs.is_projected or crs.is_geographic):
        raise UnsafeFileError(f"{name} is in a local (engineering) coordinate system, which cannot be placed on the "
                              "map; georeference it in a real CRS such as EPSG:3006.")
