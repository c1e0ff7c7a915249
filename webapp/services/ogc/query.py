"""The items request of OGC API Features: its query parameters, checked and turned into an ItemsQuery.

Everything a client sends is validated here with a message a person can act on; nothing unchecked reaches SQL.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from geo.crs import CRS84_URI, SWEREF99TM, WGS84, crs_uri
from webapp.errors import ProblemError

CRS_LIST = (CRS84_URI, crs_uri(SWEREF99TM))
STORAGE_CRS = crs_uri(SWEREF99TM)
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
MAX_INT = 2**31 - 1  # PostgreSQL's integer; larger offsets mean nothing here anyway
# EPSG:3006 is defined with axes (northing, easting). OGC API Features Part 2 follows the CRS's axis order
# (editor's answer in opengeospatial/ogcapi-features#321; QGIS ≥ 3.28.7 flips axes accordingly), so an
# EPSG:3006 response and an EPSG:3006 bbox are northing first; CRS84 is longitude first.
AXIS_NORTH_EAST = {SWEREF99TM}


def bad(title: str, detail: str, type_: str = "invalid-parameter") -> ProblemError:
    return ProblemError(400, type_, title, detail)


@dataclass(frozen=True)
class ItemsQuery:
    """A validated items request; build it with `parse_items_query`."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    srid: int = WGS84
    bbox: tuple[float, float, float, float] | None = None
    bbox_srid: int = WGS84
    interval: tuple[datetime | None, datetime | None] | None = None
    filters: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # the collection's own parameters, by bind name


@dataclass(frozen=True)
class Parameter:
    """A query parameter of one collection beyond bbox, datetime and the queryables (e.g. a cell size): the values
    it accepts and its default. Its converted value is bound into the collection's SQL as `:bind`."""

    name: str
    description: str  # English, for the API definition
    choices: tuple[str, ...]
    default: str
    bind: str
    convert: Callable[[str], Any] = str
    # A regular expression the value must match instead of `choices` (with `example` for the message).
    pattern: str | None = None

    def value(self, args: dict[str, str]) -> Any:
        raw = args.get(self.name, self.default)
        if self.pattern is not None:
            if not isinstance(raw, str) or re.fullmatch(self.pattern, raw) is None:
                raise bad(f"Invalid {self.name}", f"{self.name} must be {self.description[0].lower()}"
                          f"{self.description[1:].rstrip('.')}, not {raw!r}.")
        elif raw not in self.choices:
            raise bad(f"Invalid {self.name}", f"{self.name} must be one of {', '.join(self.choices)}, not {raw!r}.")
        return self.convert(raw)


def parse_crs_uri(value: str | None, name: str = "crs") -> int:
    """One of the offered CRS URIs (CRS84 or EPSG:3006; short forms accepted) → EPSG code."""
    if value is None or value == "":
        return WGS84
    compact = value.strip().lower().replace("https://", "http://")
    if compact in {CRS84_URI.lower(), "crs84", "ogc:crs84", "urn:ogc:def:crs:ogc:1.3:crs84"}:
        return WGS84
    if compact in {STORAGE_CRS.lower(), "epsg:3006", "urn:ogc:def:crs:epsg::3006"}:
        return SWEREF99TM
    raise bad("Unsupported coordinate reference system",
               f"{name}={value!r} is not offered; use one of {', '.join(CRS_LIST)}.", "unsupported-crs")


def _int(name: str, raw: str, minimum: int) -> int:
    try:
        if not (raw.isascii() and raw.strip().lstrip("+-").isdigit()):
            raise ValueError(raw)
        value = int(raw)
    except ValueError:
        raise bad(f"Invalid {name}", f"{name} must be a whole number, not {raw[:40]!r}.") from None
    if value < minimum:
        raise bad(f"Invalid {name}", f"{name} must be at least {minimum}, not {value}.")
    if value > MAX_INT:
        raise bad(f"Invalid {name}", f"{name} must be at most {MAX_INT}, not {value}.")
    return value


def parse_bbox(raw: str, srid: int) -> tuple[float, float, float, float]:
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) != 4:
        raise bad("Invalid bbox", f"bbox needs 4 comma-separated numbers (minx,miny,maxx,maxy in the axis order "
                   f"of bbox-crs), got {len(parts)}.")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise bad("Invalid bbox", f"bbox must hold numbers only: {raw!r}.") from None
    if not all(math.isfinite(v) for v in values):
        raise bad("Invalid bbox", "bbox numbers must be finite.")
    lo1, lo2, hi1, hi2 = values
    if lo1 >= hi1 or lo2 >= hi2:
        raise bad("Invalid bbox", "bbox must be min1,min2,max1,max2 with each minimum below its maximum; "
                   f"got {raw!r}.")
    if srid == WGS84 and not (lo1 >= -180 and hi1 <= 180 and lo2 >= -90 and hi2 <= 90):
        raise bad("Invalid bbox", "A CRS84 bbox is lon_min,lat_min,lon_max,lat_max with longitudes in "
                   "[-180, 180] and latitudes in [-90, 90].")
    if srid in AXIS_NORTH_EAST:  # northing, easting → easting, northing for SQL
        return (lo2, lo1, hi2, hi1)
    return (lo1, lo2, hi1, hi2)


def _instant(raw: str, end: bool) -> datetime | None:
    if raw in ("", ".."):
        return None
    try:
        if len(raw) == 10:  # a date: the whole day (UTC)
            day = datetime.combine(date.fromisoformat(raw), time(), UTC)
            return day + timedelta(days=1) - timedelta(microseconds=1) if end else day
        value = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise bad("Invalid datetime", f"{raw!r} is not an RFC 3339 date-time with a time zone "
                   "(e.g. 2024-05-01T12:00:00Z) or a date (2024-05-01).")
    return value


def _parse_datetime(raw: str) -> tuple[datetime | None, datetime | None]:
    if "/" in raw:
        start_raw, _, end_raw = raw.partition("/")
        start, end = _instant(start_raw, False), _instant(end_raw, True)
        if start and end and start > end:
            raise bad("Invalid datetime", f"The interval {raw!r} ends before it starts.")
        return start, end
    if raw == "..":
        raise bad("Invalid datetime", "An instant cannot be '..'; use an interval such as '../2024-01-01'.")
    return _instant(raw, False), _instant(raw, True)


def parse_items_query(args: dict[str, str], queryables: tuple[str, ...], temporal: bool,
                      extra_allowed: tuple[str, ...] = ("f", "lang"),
                      parameters: tuple[Parameter, ...] = ()) -> ItemsQuery:
    """Validate an items request's parameters (the collection's own `parameters` too, defaults filled in); anything
    unknown is a 400 naming what is allowed."""
    known = {"bbox", "bbox-crs", "limit", "offset", "crs", "datetime", *extra_allowed, *(p.name for p in parameters)}
    unknown = sorted(set(args) - known - set(queryables))
    if unknown:
        allowed = ", ".join(sorted(known | set(queryables)))
        raise bad("Unknown query parameter", f"Unknown parameter(s) {', '.join(unknown)}; this collection "
                   f"accepts {allowed}.", "unknown-parameter")
    limit = min(_int("limit", args["limit"], 1), MAX_LIMIT) if "limit" in args else DEFAULT_LIMIT
    offset = _int("offset", args["offset"], 0) if "offset" in args else 0
    srid = parse_crs_uri(args.get("crs"))
    if "bbox-crs" in args and "bbox" not in args:
        raise bad("Invalid bbox-crs", "bbox-crs only makes sense together with bbox.")
    bbox_srid = parse_crs_uri(args.get("bbox-crs"), "bbox-crs")
    bbox = parse_bbox(args["bbox"], bbox_srid) if "bbox" in args else None
    # datetime is validated everywhere; collections without time (temporal=False) have nothing to filter.
    interval = _parse_datetime(args["datetime"]) if "datetime" in args else None
    return ItemsQuery(limit=limit, offset=offset, srid=srid, bbox=bbox, bbox_srid=bbox_srid,
                      interval=interval if temporal else None,
                      filters={name: args[name] for name in queryables if name in args},
                      options={p.bind: p.value(args) for p in parameters})


