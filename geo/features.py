"""Checks on imported feature geometries (already in EPSG:3006): usable as they are, repaired, or refused."""
from __future__ import annotations

import re

import shapely

from geo.crs import SWEREF99TM, SWEREF99TM_BOUNDS, WGS84, transform_geom

DIMENSION_NAMES = {0: "points", 1: "lines", 2: "polygons"}


class FeatureGeometryError(ValueError):
    """Why a feature's geometry cannot be used, in words a person can act on."""


def lonlat_reason(reason: str) -> str:
    """Rewrite GEOS's '... [x y]' location (EPSG:3006) as lon/lat a person can look up."""
    match = re.search(r"\[(-?[\d.e+]+) (-?[\d.e+]+)\]", reason)
    if not match:
        return reason
    point = transform_geom(shapely.Point(float(match[1]), float(match[2])), SWEREF99TM, WGS84)
    return f"{reason[:match.start()].strip()} near lon {point.x:.5f}, lat {point.y:.5f}"


def _dimension(geom: shapely.Geometry) -> int:
    return int(shapely.get_dimensions(geom))


def usable(geom: shapely.Geometry | None, *, dimensions: frozenset[int], repair: bool) -> tuple[shapely.Geometry, bool]:
    """The geometry if it can be stored: non-empty, of an allowed dimension, valid (or repaired when `repair`
    and the repair keeps the dimension), inside SWEREF 99 TM. Returns (geometry, repaired)."""
    if geom is None or geom.is_empty:
        raise FeatureGeometryError("has no geometry")
    dim = _dimension(geom)
    if dim not in dimensions:
        wanted = " or ".join(DIMENSION_NAMES[d] for d in sorted(dimensions))
        raise FeatureGeometryError(f"is a {geom.geom_type}; this layer takes {wanted}")
    repaired = False
    if not geom.is_valid:
        reason = lonlat_reason(shapely.is_valid_reason(geom))
        if not repair:
            raise FeatureGeometryError(f"has an invalid geometry: {reason}")
        method = "structure" if dim == 2 else "linework"
        fixed = shapely.make_valid(geom, method=method, keep_collapsed=False)
        parts = [g for g in shapely.get_parts(fixed) if _dimension(g) == dim and not g.is_empty]
        if not parts:
            raise FeatureGeometryError(f"has an invalid geometry that cannot be repaired unambiguously: {reason}")
        geom, repaired = shapely.union_all(parts) if len(parts) > 1 else parts[0], True
    minx, miny, maxx, maxy = geom.bounds
    bx0, by0, bx1, by1 = SWEREF99TM_BOUNDS
    if minx < bx0 or miny < by0 or maxx > bx1 or maxy > by1:
        raise FeatureGeometryError("lies outside the area SWEREF 99 TM covers; is the file's declared coordinate "
                                   "system right?")
    return geom, repaired
