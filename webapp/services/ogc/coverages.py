"""OGC API Coverages for the raster layers: a subset of the COG as a GeoTIFF of physical values (float32, NaN where
there is no data), its domain set and range type (CIS 1.1 JSON, as GDAL's OGCAPI driver reads them). No Flask here.

The subset is `bbox` (CRS84 lon/lat, or `bbox-crs` EPSG:3006 in its axis order: northing, easting) or `subset`
(`E(low:high),N(low:high)` in EPSG:3006), optionally `scale-size` (`E(width),N(height)`; GDAL says `scaleSize`).
Without a size the answer is at the COG's resolution, or at the finest overview that keeps both sides within
MAX_PX pixels."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from geo import coverage, raster
from geo.crs import SWEREF99TM, SWEREF99TM_AREA_LONLAT, WGS84, crs_uri, transform_bounds
from webapp.errors import not_found
from webapp.i18n import gettext_in
from webapp.services import catalog
from webapp.services.catalog import LayerInfo
from webapp.services.ogc import collections
from webapp.services.ogc.query import bad, parse_bbox, parse_crs_uri
from webapp.services.tiles import TileCache

MEDIA_TYPE = "image/tiff; application=geotiff"
MAX_PX = 4096  # the largest side of a coverage response, in pixels
STORAGE_CRS = crs_uri(SWEREF99TM)
AXES = ("E", "N")  # EPSG:3006's axes by their abbreviations: easting, northing
UCUM = {"°C": "Cel"}  # units whose UCUM code differs from how the layer writes them
_AXIS_ARG = re.compile(r"\s*([A-Za-z]+)\(([^()]*)\)\s*")
PARAMETERS = ("bbox", "bbox-crs", "subset", "scale-size", "scaleSize", "f", "lang")
# The GeoTIFFs answered last, per worker: a client reading the URL in ranges (GDAL's /vsicurl/, QGIS) asks for the
# same coverage several times, and each range must come from the same file. Bounded by RISKKARTA_COVERAGE_CACHE_MB.
_recent = TileCache(16 * 1024 * 1024)


def set_cache_size(megabytes: int) -> None:
    """Keep at most this many MB of recent coverage GeoTIFFs per worker (0: none); the ones kept so far are dropped."""
    global _recent
    _recent = TileCache(max(0, megabytes) * 1024 * 1024)


@dataclass(frozen=True)
class CoverageQuery:
    box: tuple[float, float, float, float] | None = None  # EPSG:3006 (west, south, east, north)
    size: tuple[int, int] | None = None  # (width, height)


def coverage_layer(session: Session, role: str, collection_id: str) -> LayerInfo:
    """The raster layer behind a coverage collection; 404 when there is none the role may see."""
    found = collections.collection(session, role, collection_id)
    if found.kind != "coverage":
        raise not_found("Coverage", f"Collection {collection_id!r} is not a coverage; its data are its items.")
    info = catalog.get_layer(session, found.layer, role)
    if info.raster is None:
        raise not_found("Coverage", f"Layer {collection_id!r} has no raster data yet.")
    return info


def _axes(name: str, raw: str) -> dict[str, str]:
    """`E(a:b),N(c:d)` → {"E": "a:b", "N": "c:d"} (axis names E and N, any case)."""
    found: dict[str, str] = {}
    for part in re.split(r",(?![^()]*\))", raw):
        match = _AXIS_ARG.fullmatch(part)
        axis = match.group(1).upper() if match else None
        if axis not in AXES or axis in found:
            raise bad(f"Invalid {name}", f"{name} is axis(value) for the axes E and N of EPSG:3006, each once, e.g. "
                      f"{name}={'E(674000:676000),N(6579000:6581000)' if name == 'subset' else 'E(512),N(512)'}; "
                      f"got {raw!r}.")
        found[axis] = match.group(2)
    return found


def _number(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise bad(f"Invalid {name}", f"{name} needs finite numbers, not {raw!r}.")
    return value


def _subset(raws: list[str], whole: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    ranges = {"E": (whole[0], whole[2]), "N": (whole[1], whole[3])}
    for raw in raws:
        for axis, interval in _axes("subset", raw).items():
            low, sep, high = interval.partition(":")
            if not sep:
                raise bad("Invalid subset", f"subset takes an interval low:high per axis ('*' for open), not {raw!r}.")
            lo = ranges[axis][0] if low.strip() == "*" else _number("subset", low)
            hi = ranges[axis][1] if high.strip() == "*" else _number("subset", high)
            if lo >= hi:
                raise bad("Invalid subset", f"subset {axis}({interval}) must have its low end below its high end.")
            ranges[axis] = (lo, hi)
    return ranges["E"][0], ranges["N"][0], ranges["E"][1], ranges["N"][1]


def _size(raw: str) -> tuple[int, int]:
    axes = _axes("scale-size", raw)
    if set(axes) != set(AXES) or not all(v.strip().isascii() and v.strip().isdigit() for v in axes.values()):
        raise bad("Invalid scale-size", f"scale-size gives both axes a whole number of pixels, e.g. E(512),N(512); "
                  f"got {raw!r}.")
    width, height = int(axes["E"]), int(axes["N"])
    if not (0 < width <= MAX_PX and 0 < height <= MAX_PX):
        raise bad("Invalid scale-size", f"scale-size must be 1 … {MAX_PX} pixels per axis, not {width} × {height}.")
    return width, height


def _lonlat_box(box: tuple[float, float, float, float]) -> tuple[float, float, float, float] | None:
    """A CRS84 box in EPSG:3006, clipped to the CRS's area of use first (None when it lies outside it)."""
    west, south, east, north = SWEREF99TM_AREA_LONLAT
    clipped = (max(box[0], west), max(box[1], south), min(box[2], east), min(box[3], north))
    if clipped[0] >= clipped[2] or clipped[1] >= clipped[3]:
        return None
    return transform_bounds(clipped, WGS84, SWEREF99TM)


def parse_coverage_query(args: dict[str, list[str]], info: LayerInfo) -> CoverageQuery:
    """Validate a coverage request's parameters (400 problems naming what is wrong)."""
    unknown = sorted(set(args) - set(PARAMETERS))
    if unknown:
        raise bad("Unknown query parameter", f"Unknown parameter(s) {', '.join(unknown)}; a coverage accepts "
                  f"{', '.join(PARAMETERS)}.", "unknown-parameter")
    fmt = args.get("f", [None])[-1]
    if fmt not in (None, "tif", "tiff", "geotiff"):
        raise bad("Invalid f", f"A coverage is a GeoTIFF (f=tif), not {fmt!r}; its description is the collection's.")
    if "bbox" in args and "subset" in args:
        raise bad("Invalid subset", "Give bbox or subset, not both.")
    if "bbox-crs" in args and "bbox" not in args:
        raise bad("Invalid bbox-crs", "bbox-crs only makes sense together with bbox.")
    box = None
    if "bbox" in args:
        srid = parse_crs_uri(args.get("bbox-crs", [None])[-1], "bbox-crs")
        box = parse_bbox(args["bbox"][-1], srid)
        box = _lonlat_box(box) if srid == WGS84 else box
        if box is None:
            raise bad("bbox outside the layer", "The bbox lies outside the area of EPSG:3006, so outside the layer.",
                      "outside-extent")
    elif "subset" in args:
        box = _subset(args["subset"], raster.grid(info.raster.path, info.raster.band).bounds)
    sizes = args.get("scale-size", []) + args.get("scaleSize", [])
    return CoverageQuery(box=box, size=_size(sizes[-1]) if sizes else None)


def render(info: LayerInfo, query: CoverageQuery) -> bytes:
    """The GeoTIFF answering `query`: physical values (stored × scale + offset) as float32, NaN where no data."""
    key = (info.raster.path, info.version, query.box, query.size, MAX_PX)
    body = _recent.get(key)
    if body is None:
        body = _render(info, query)
        _recent.put(key, body)
    return body


def _render(info: LayerInfo, query: CoverageQuery) -> bytes:
    asset = info.raster
    grid = raster.grid(asset.path, asset.band)
    try:
        out = coverage.plan(grid, query.box, query.size, MAX_PX)
    except coverage.CoverageError:
        west, south, east, north = (round(v) for v in grid.bounds)
        raise bad("bbox outside the layer", f"The subset does not overlap the layer's raster, which covers E "
                  f"{west} … {east}, N {south} … {north} (EPSG:3006).", "outside-extent") from None
    stored = raster.read_grid(asset.path, out.bounds, (out.width, out.height), band=asset.band)
    values = np.full((out.height, out.width), np.nan, dtype=np.float32)
    if stored is not None:
        physical = stored.data.astype(np.float32) * np.float32(asset.scale) + np.float32(asset.offset)
        values = np.where(np.ma.getmaskarray(stored), np.float32(np.nan), physical).astype(np.float32)
    tags = {"LAYER": info.slug, "LAYER_VERSION": str(info.version), "SOURCE": info.source or "",
            "LICENCE": info.licence or "", "OVERVIEW_FACTOR": f"{out.factor:g}"}
    return coverage.encode_geotiff(values, out, units=asset.units, description=info.slug, tags=tags)


def domainset(info: LayerInfo) -> dict:
    """The coverage's grid as a CIS 1.1 domain set: EPSG:3006, its bounds and resolution per axis."""
    grid = raster.grid(info.raster.path, info.raster.band)
    west, south, east, north = grid.bounds
    axis = [{"type": "RegularAxisType", "axisLabel": "E", "lowerBound": west, "upperBound": east, "uomLabel": "m",
             "resolution": grid.res_x},
            {"type": "RegularAxisType", "axisLabel": "N", "lowerBound": south, "upperBound": north, "uomLabel": "m",
             "resolution": grid.res_y}]
    limits = [{"type": "IndexAxisType", "axisLabel": label, "lowerBound": 0, "upperBound": size - 1}
              for label, size in (("i", grid.width), ("j", grid.height))]
    # axisLabels follow the CRS (EPSG:3006 is northing, easting); each axis names its label, and the list is easting
    # first because GDAL's OGCAPI driver (3.6 and later) takes the first axis as x and, for a northing-first CRS,
    # swaps only the labels: so it asks for subset=E(…),N(…) over the right bounds.
    return {"type": "DomainSetType", "generalGrid": {
        "type": "GeneralGridCoverageType", "srsName": STORAGE_CRS, "axisLabels": ["N", "E"], "axis": axis,
        "gridLimits": {"type": "GridLimitsType", "srsName": "http://www.opengis.net/def/crs/OGC/0/Index2D",
                       "axisLabels": ["i", "j"], "axis": limits}}}


def rangetype(info: LayerInfo, lang: str) -> dict:
    """The coverage's one field as a CIS 1.1 range type: float32 physical values in the layer's unit, NaN no-data."""
    units = info.raster.units
    return {"type": "DataRecordType", "field": [{
        "type": "QuantityType", "id": info.slug, "name": info.slug,
        "definition": "http://www.opengis.net/def/dataType/OGC/0/float32",
        "description": gettext_in(lang, info.definition.description),
        "uom": {"type": "UnitReference", "code": UCUM.get(units, units), "label": units},
        "nilValues": [{"reason": "http://www.opengis.net/def/nil/OGC/0/missing", "value": "NaN"}]}]}
