"""Coordinate reference systems: the few we support, cached transformers, and CRS identifier parsing.

Everything is stored in SWEREF 99 TM (EPSG:3006). Transformers are built with ``always_xy=True`` so that
WGS 84 is always (longitude, latitude) and SWEREF 99 TM is always (easting, northing), whatever axis order
the EPSG definitions declare.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TypeVar

import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

SWEREF99TM = 3006
SWEREF99_1800 = 3011
WGS84 = 4326
WEB_MERCATOR = 3857

SUPPORTED_CRS: frozenset[int] = frozenset({WGS84, SWEREF99TM, SWEREF99_1800, WEB_MERCATOR})

# EPSG:3006 area of use (lon/lat) and the matching projected bounds, as published by EPSG.
SWEREF99TM_AREA_LONLAT: tuple[float, float, float, float] = (10.03, 54.96, 24.17, 69.07)
SWEREF99TM_BOUNDS: tuple[float, float, float, float] = (181896.33, 6101648.07, 864416.0, 7689478.3)

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

# The canonical URI for each supported CRS. 4326 is advertised as CRS84 because we use lon/lat order.
CRS_URIS: dict[int, str] = {
    WGS84: CRS84_URI,
    SWEREF99TM: "http://www.opengis.net/def/crs/EPSG/0/3006",
    SWEREF99_1800: "http://www.opengis.net/def/crs/EPSG/0/3011",
    WEB_MERCATOR: "http://www.opengis.net/def/crs/EPSG/0/3857",
}

_CRS84_FORMS = frozenset(
    {
        "crs84",
        "ogc:crs84",
        "http://www.opengis.net/def/crs/ogc/1.3/crs84",
        "https://www.opengis.net/def/crs/ogc/1.3/crs84",
        "urn:ogc:def:crs:ogc:1.3:crs84",
        "urn:ogc:def:crs:ogc::crs84",
    }
)
_EPSG_PATTERNS = (
    re.compile(r"(?:epsg:)?(\d+)"),
    re.compile(r"https?://www\.opengis\.net/def/crs/epsg/0/(\d+)"),
    # The version part of an OGC URN is usually empty ("EPSG::3006") but may be e.g. "EPSG:9.8.15:3006".
    re.compile(r"urn:ogc:def:crs:epsg:[\d.]*:(\d+)"),
)

G = TypeVar("G", bound=BaseGeometry)


class CRSError(ValueError):
    """A CRS identifier we cannot parse or do not support."""


def _supported_list() -> str:
    return ", ".join(f"EPSG:{code}" for code in sorted(SUPPORTED_CRS))


def _new_transformer(src: int, dst: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


# Building a transformer costs milliseconds (a PROJ database lookup), using one microseconds: keep the last few.
_transformers = lru_cache(maxsize=32)(_new_transformer)


def set_transformer_cache_size(size: int) -> None:
    """Keep at most `size` transformers (at least 1); the ones kept so far are dropped."""
    global _transformers
    _transformers = lru_cache(maxsize=max(1, size))(_new_transformer)


def transformer(src: int, dst: int) -> pyproj.Transformer:
    """Return a cached x/y-ordered transformer from EPSG ``src`` to EPSG ``dst``."""
    return _transformers(src, dst)


def transform_geom(geom: G, src: int, dst: int) -> G:
    """Reproject a shapely geometry from EPSG ``src`` to EPSG ``dst`` (2D output)."""
    if src == dst:
        return geom
    t = transformer(src, dst)
    # One vectorised call over all coordinates instead of a Python call per vertex.
    return shapely.transform(geom, lambda x, y: t.transform(x, y), interleaved=False)


def transform_bounds(
    bounds: tuple[float, float, float, float], src: int, dst: int
) -> tuple[float, float, float, float]:
    """Reproject a (minx, miny, maxx, maxy) box, densifying its edges so curved edges are covered."""
    if src == dst:
        return bounds
    minx, miny, maxx, maxy = transformer(src, dst).transform_bounds(*bounds, densify_pts=21)
    return (minx, miny, maxx, maxy)


def parse_crs(value: str | None, default: int = WGS84) -> int:
    """Parse an EPSG code, "EPSG:n", OGC URI or URN (CRS84 means 4326) into a supported EPSG code."""
    if value is None or not value.strip():
        return default
    text = value.strip().lower()
    if text in _CRS84_FORMS:
        return WGS84
    for pattern in _EPSG_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            code = int(match.group(1))
            if code not in SUPPORTED_CRS:
                raise CRSError(f"CRS EPSG:{code} is not supported; use one of {_supported_list()}.")
            return code
    raise CRSError(
        f"Could not understand the CRS {value!r}; give an EPSG code such as 'EPSG:3006' or an OGC CRS URI, "
        f"for one of {_supported_list()}."
    )


def crs_uri(epsg: int) -> str:
    """Return the OGC URI for an EPSG code (CRS84 for 4326, since our 4326 is lon/lat)."""
    return CRS_URIS.get(epsg, f"http://www.opengis.net/def/crs/EPSG/0/{epsg}")
