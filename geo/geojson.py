"""The one geometry gate: every endpoint and import turns GeoJSON into SWEREF 99 TM shapely geometry here.

``parse_geometry`` refuses anything doubtful with a ``GeometryError`` that says what is wrong and where
(an RFC 6901 pointer into the input, and a position in the input CRS for geometry problems), so that a
person can fix their data. ``to_geojson`` is the way back out.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo import crs as gcrs

GEOMETRY_TYPES: frozenset[str] = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
)
_KNOWN_TYPES = GEOMETRY_TYPES | {"GeometryCollection"}

# How many array levels sit above a position, and how the coordinates should look, per type.
_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
_SHAPE = {
    "Point": "[x, y]",
    "MultiPoint": "[[x, y], ...]",
    "LineString": "[[x, y], [x, y], ...]",
    "MultiLineString": "[[[x, y], [x, y], ...], ...]",
    "Polygon": "[[[x, y], ..., [x, y]], ...] (a list of closed rings)",
    "MultiPolygon": "[[[[x, y], ..., [x, y]], ...], ...] (a list of polygons)",
}
_REASON_AT = re.compile(r"^(?P<reason>.*?)\s*\[(?P<x>\S+) (?P<y>\S+)\]$")


class GeometryError(ValueError):
    """Input that is not an acceptable geometry; carries a JSON pointer and/or location when known."""

    def __init__(
        self, message: str, pointer: str | None = None, location: tuple[float, float] | None = None
    ) -> None:
        self.message = message
        self.pointer = pointer
        self.location = location
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.message[:1].upper() + self.message[1:]
        if self.pointer is not None:
            text += f" (at {self.pointer or '/'} in the input)"
        return text if text.endswith(".") else text + "."


@dataclass(frozen=True)
class GeometryLimits:
    """Size and type limits applied by ``parse_geometry``."""

    max_vertices: int = 10_000
    max_bytes: int = 2_000_000
    allowed_types: frozenset[str] = GEOMETRY_TYPES


DEFAULT_LIMITS = GeometryLimits()


def _kind(value: Any) -> str:
    """Name a JSON value's type the way a person reading the input would."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _num(value: float) -> str:
    return f"{value:.10g}"


def _where(x: float, y: float, epsg: int) -> str:
    """Describe a position in words, in the CRS the caller used."""
    if epsg == gcrs.WGS84:
        return f"lon {x:.6f}, lat {y:.6f}"
    if epsg == gcrs.WEB_MERCATOR:
        return f"x {x:.2f}, y {y:.2f}"
    return f"E {x:.2f}, N {y:.2f}"


def _decode(data: str | bytes, limits: GeometryLimits) -> Any:
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise GeometryError(f"the GeoJSON is {size:,} bytes, over the limit of {limits.max_bytes:,} bytes")

    def refuse_constant(name: str) -> float:
        raise GeometryError(f"the JSON contains the non-finite number {name}; use finite numbers only")

    try:
        return json.loads(data, parse_constant=refuse_constant)
    except json.JSONDecodeError as exc:
        raise GeometryError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except UnicodeDecodeError:
        raise GeometryError("not valid JSON: the text is not UTF-8") from None
    except RecursionError:
        raise GeometryError("not valid JSON: arrays or objects are nested too deeply") from None


def _position(value: Any, ptr: str, gtype: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple):
        raise GeometryError(
            f"expected a position (an array of 2 or 3 numbers) but found {_kind(value)}; "
            f"{gtype} coordinates look like {_SHAPE[gtype]}",
            ptr,
        )
    # Element types before the count, so that over-nested coordinates get a message about nesting.
    for i, number in enumerate(value[:4]):
        if isinstance(number, bool) or not isinstance(number, int | float):
            hint = f"; {gtype} coordinates look like {_SHAPE[gtype]}" if isinstance(number, list) else ""
            raise GeometryError(f"expected a number but found {_kind(number)}{hint}", f"{ptr}/{i}")
    if len(value) not in (2, 3):
        raise GeometryError(f"a position must have 2 or 3 numbers, this one has {len(value)}", ptr)
    out = []
    for i, number in enumerate(value[:2]):
        try:
            number = float(number)
        except OverflowError:  # an integer too large for a float
            number = math.inf
        if not math.isfinite(number):
            raise GeometryError("coordinates must be finite numbers, found a non-finite number", f"{ptr}/{i}")
        out.append(number)
    return out[0], out[1]


def _coords(value: Any, depth: int, ptr: str, gtype: str) -> Any:
    """Validate coordinates nested ``depth`` arrays above the positions; return them as 2D tuples."""
    if depth == 0:
        return _position(value, ptr, gtype)
    if not isinstance(value, list | tuple):
        raise GeometryError(
            f"expected an array but found {_kind(value)}; {gtype} coordinates look like {_SHAPE[gtype]}", ptr
        )
    items = [_coords(item, depth - 1, f"{ptr}/{i}", gtype) for i, item in enumerate(value)]
    is_ring = gtype.endswith("Polygon") and depth == 1
    is_line = gtype.endswith("LineString") and depth == 1
    if is_ring:
        if len(items) < 4:
            raise GeometryError(f"a polygon ring needs at least 4 positions, this one has {len(items)}", ptr)
        if items[0] != items[-1]:
            ring = ptr.rsplit("/", 1)[-1]
            raise GeometryError(
                f"polygon ring {ring} is not closed: its first position {list(items[0])} differs from "
                f"its last {list(items[-1])}",
                ptr,
            )
    elif is_line and len(items) < 2:
        raise GeometryError(f"a line needs at least 2 positions, this one has {len(items)}", ptr)
    elif not items:  # only nested parts get here: an empty top level is refused before
        raise GeometryError("this polygon has no rings", ptr)
    return items


def _positions(coords: Any, depth: int, ptr: str) -> Iterator[tuple[str, tuple[float, float]]]:
    if depth == 0:
        yield ptr, coords
        return
    for i, item in enumerate(coords):
        yield from _positions(item, depth - 1, f"{ptr}/{i}")


def _check_position(ptr: str, x: float, y: float, epsg: int) -> None:
    """Refuse a position outside its CRS's range or outside the area where SWEREF 99 TM is valid."""
    where = _where(x, y, epsg)
    if epsg == gcrs.WGS84:
        metres = "; these look like projected metres, not degrees: send longitude/latitude or declare the CRS"
        swapped = "; it looks like latitude and longitude are swapped: GeoJSON order is [longitude, latitude]"
        if not -90 <= y <= 90:
            hint = metres if max(abs(x), abs(y)) > 1000 else swapped if abs(x) <= 90 and abs(y) <= 180 else ""
            raise GeometryError(f"latitude {_num(y)} is out of range [-90, 90]{hint}", ptr, (x, y))
        if not -180 <= x <= 180:
            hint = metres if abs(x) > 1000 else ""
            raise GeometryError(f"longitude {_num(x)} is out of range [-180, 180]{hint}", ptr, (x, y))
        minx, miny, maxx, maxy = gcrs.SWEREF99TM_AREA_LONLAT
        area = f"lon {minx} to {maxx}, lat {miny} to {maxy}"
        inside = minx <= x <= maxx and miny <= y <= maxy
        swap_fits = minx <= y <= maxx and miny <= x <= maxy
    else:
        bounds = gcrs.SWEREF99TM_BOUNDS if epsg == gcrs.SWEREF99TM else _area_bounds(epsg)
        minx, miny, maxx, maxy = bounds
        area = f"x {minx:.0f} to {maxx:.0f}, y {miny:.0f} to {maxy:.0f} in EPSG:{epsg}"
        inside = minx <= x <= maxx and miny <= y <= maxy
        swap_fits = minx <= y <= maxx and miny <= x <= maxy
    if inside:
        return
    message = f"the position at {where} is outside the area where SWEREF 99 TM is valid ({area})"
    if swap_fits:
        message += "; it looks like the two coordinates are swapped (x/easting/longitude comes first)"
    elif epsg != gcrs.WGS84 and abs(x) <= 180 and abs(y) <= 90:
        message += f"; these look like longitude/latitude degrees, not EPSG:{epsg} metres"
    raise GeometryError(message, ptr, (x, y))


@lru_cache(maxsize=8)
def _area_bounds(epsg: int) -> tuple[float, float, float, float]:
    return gcrs.transform_bounds(gcrs.SWEREF99TM_AREA_LONLAT, gcrs.WGS84, epsg)


def _parse_object(obj: Any, ptr: str, limits: GeometryLimits, nested: bool = False) -> tuple[dict, int]:
    """Check one GeoJSON object; return a clean geometry mapping (2D tuples) and its number of positions."""
    if not isinstance(obj, dict):
        where = "the top level" if not ptr else "this value"
        message = f"{where} must be a JSON object (a GeoJSON geometry or Feature), not {_kind(obj)}"
        raise GeometryError(message, ptr or None)
    gtype = obj.get("type")
    if gtype is None:
        raise GeometryError('the object has no "type" member', ptr or None)
    if gtype == "FeatureCollection" and not ptr:
        raise GeometryError("send one geometry or one Feature, not a FeatureCollection")
    if gtype == "Feature" and not ptr:
        geometry = obj.get("geometry")
        if geometry is None:
            raise GeometryError("the Feature has no geometry (it is missing or null)", "/geometry")
        return _parse_object(geometry, "/geometry", limits)
    if not isinstance(gtype, str):
        raise GeometryError(f'"type" must be a string naming a geometry, not {_kind(gtype)}', f"{ptr}/type")
    if gtype not in _KNOWN_TYPES:
        raise GeometryError(f"{json.dumps(gtype)} is not a GeoJSON geometry type", f"{ptr}/type")
    if gtype not in limits.allowed_types:
        allowed = ", ".join(sorted(limits.allowed_types))
        message = f"geometry type {gtype} is not accepted here; allowed types: {allowed}"
        raise GeometryError(message, f"{ptr}/type")
    if gtype == "GeometryCollection":
        if nested:
            raise GeometryError("nested GeometryCollections are not accepted", f"{ptr}/type")
        members = obj.get("geometries")
        if not isinstance(members, list | tuple):
            raise GeometryError(f'"geometries" must be an array, not {_kind(members)}', f"{ptr}/geometries")
        if not members:
            message = "empty geometry: the GeometryCollection has no geometries"
            raise GeometryError(message, f"{ptr}/geometries")
        parsed = [_parse_object(m, f"{ptr}/geometries/{i}", limits, True) for i, m in enumerate(members)]
        return {"type": gtype, "geometries": [p[0] for p in parsed]}, sum(p[1] for p in parsed)
    if "coordinates" not in obj:
        raise GeometryError(f'the {gtype} has no "coordinates" member', ptr or None)
    value = obj["coordinates"]
    if isinstance(value, list | tuple) and not value:
        raise GeometryError(f"empty geometry: the {gtype} has no coordinates", f"{ptr}/coordinates")
    coords = _coords(value, _DEPTH[gtype], f"{ptr}/coordinates", gtype)
    return {"type": gtype, "coordinates": coords}, sum(1 for _ in _positions(coords, _DEPTH[gtype], ""))


def _check_all_positions(clean: dict, ptr: str, epsg: int) -> None:
    if clean["type"] == "GeometryCollection":
        for i, member in enumerate(clean["geometries"]):
            _check_all_positions(member, f"{ptr}/geometries/{i}", epsg)
        return
    for pos_ptr, (x, y) in _positions(clean["coordinates"], _DEPTH[clean["type"]], f"{ptr}/coordinates"):
        _check_position(pos_ptr, x, y, epsg)


def _repair(geom: BaseGeometry) -> BaseGeometry | None:
    """make_valid, keeping only parts of the input's dimension; None when no such part is left."""
    if geom.geom_type == "GeometryCollection":
        members = [_repair(part) for part in shapely.get_parts(geom)]
        return None if any(m is None for m in members) else shapely.geometrycollections(members)
    dim = shapely.get_dimensions(geom)
    # For polygons the "structure" method unions overlapping parts and keeps both lobes of a bowtie; the
    # default "linework" method would turn overlaps into holes (an even-odd reading nobody means).
    fixed = (
        shapely.make_valid(geom, method="structure", keep_collapsed=False)
        if dim == 2
        else shapely.make_valid(geom)
    )
    parts = [p for p in shapely.get_parts(shapely.get_parts(fixed)) if shapely.get_dimensions(p) == dim]
    parts = [p for p in parts if not p.is_empty]
    if not parts:
        return None
    if len(parts) == 1:
        result = parts[0]
    else:
        result = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}[dim](parts)
    return result if result.is_valid else None


def parse_geometry(
    data: str | bytes | dict,
    *,
    limits: GeometryLimits = DEFAULT_LIMITS,
    crs: int = gcrs.WGS84,
    repair: bool = False,
) -> BaseGeometry:
    """Parse GeoJSON (a geometry or one Feature) in EPSG ``crs`` into a valid 2D SWEREF 99 TM geometry."""
    if crs not in gcrs.SUPPORTED_CRS:
        raise gcrs.CRSError(f"CRS EPSG:{crs} is not supported")
    obj = _decode(data, limits) if isinstance(data, str | bytes) else data
    ptr = ""
    if isinstance(obj, dict) and obj.get("type") == "Feature":
        ptr = "/geometry"
    for member, where in ((obj, ""), (obj.get("geometry") if isinstance(obj, dict) else None, "/geometry")):
        if isinstance(member, dict) and "crs" in member:
            raise GeometryError('a "crs" member is not read: GeoJSON (RFC 7946) is WGS 84 longitude, latitude; to send '
                                "coordinates in another system, leave the member out and name it with ?crs= "
                                "(e.g. ?crs=EPSG:3006)", f"{where}/crs")
    clean, count = _parse_object(obj, "", limits)
    if count > limits.max_vertices:
        message = f"the geometry has {count:,} positions, more than the limit of {limits.max_vertices:,}"
        raise GeometryError(message)
    _check_all_positions(clean, ptr, crs)
    source = shape(clean)
    geom = gcrs.transform_geom(source, crs, gcrs.SWEREF99TM)
    # Judge validity in the input CRS first so the reported location is exactly where the person drew it,
    # then on the stored geometry, since reprojection can (rarely) make a barely valid geometry invalid.
    problem = _invalid(source, crs, crs) or _invalid(geom, gcrs.SWEREF99TM, crs)
    if problem is None:
        _refuse_slivers(geom, ptr)
        return geom
    if repair:
        fixed = _repair(geom)
        if fixed is not None:
            return fixed
    text, location = problem
    if repair:
        text = f"invalid geometry that could not be repaired unambiguously: {text}"
    else:
        text = f"invalid geometry: {text}"
    raise GeometryError(text, ptr or None, location)


# A polygon smaller than this, or thinner on average (twice its area over its perimeter), is a slip of the pen or a
# probe, not a site or an area: measured in EPSG:3006.
MIN_POLYGON_AREA_M2 = 1.0
MIN_POLYGON_WIDTH_M = 0.1


def _refuse_slivers(geom: BaseGeometry, ptr: str) -> None:
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type == "GeometryCollection":
            _refuse_slivers(part, ptr)
        if part.geom_type != "Polygon":
            continue
        area = part.area
        width = 2 * area / part.length if part.length else 0.0
        if area < MIN_POLYGON_AREA_M2 or width < MIN_POLYGON_WIDTH_M:
            raise GeometryError(f"a polygon has almost no area ({area:.3g} m², on average {width:.3g} m wide): draw "
                                f"an area of at least {MIN_POLYGON_AREA_M2:g} m² and {MIN_POLYGON_WIDTH_M:g} m across, "
                                "or send a Point", ptr or None)


def _invalid(
    geom: BaseGeometry, epsg: int, report_epsg: int
) -> tuple[str, tuple[float, float] | None] | None:
    """Return (reason, location in ``report_epsg``) when ``geom`` (in ``epsg``) is invalid, else None."""
    reason = shapely.is_valid_reason(geom)
    if reason == "Valid Geometry":
        return None
    match = _REASON_AT.match(reason or "")
    if not match:
        return reason or "unknown problem", None
    x, y = gcrs.transformer(epsg, report_epsg).transform(float(match.group("x")), float(match.group("y")))
    return f"{match.group('reason')} at {_where(x, y, report_epsg)}", (float(x), float(y))


def _plain(value: Any) -> Any:
    """mapping() gives nested tuples; JSON-shaped output uses lists."""
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    return [_plain(v) for v in value] if isinstance(value, list | tuple) else value


def to_geojson(geom: BaseGeometry, *, crs: int = gcrs.WGS84, precision: int | None = None) -> dict:
    """Turn a SWEREF 99 TM geometry into a GeoJSON geometry dict in EPSG ``crs``, rounded to ``precision``."""
    if precision is None:
        # About 10 cm either way: 6 decimals of a degree, 2 decimals of a metre (a little finer than needed).
        precision = 6 if crs == gcrs.WGS84 else 2
    out = gcrs.transform_geom(geom, gcrs.SWEREF99TM, crs)
    # Round the coordinates themselves: set_precision snaps to a grid and may change topology.
    out = shapely.transform(out, lambda c: np.round(c, precision))
    return _plain(mapping(out))
