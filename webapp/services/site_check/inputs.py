"""The site check's input: a request body (a GeoJSON Feature, or pasted coordinates) read into a SiteInput."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import Point, Polygon

from geo.coordinates import read_coordinates
from geo.crs import SWEREF99TM, WGS84
from geo.geojson import GeometryLimits, parse_geometry, to_geojson
from layers.rules import LAND_USE_GROUPS, VULNERABLE
from layers.site_rules import SiteRules
from webapp.errors import ProblemError

SITE_TYPES = frozenset({"Point", "Polygon", "MultiPolygon"})
GIVEN_AS = frozenset({"map", "drawn", "upload", "geojson"})  # how the page got the geometry
SITE_PROPERTIES = frozenset({"land_use", "vulnerable", "buffer_m", "reference", "title", "given_as", "coordinates"})


def bad_input(detail: str, **extra) -> ProblemError:
    return ProblemError(422, "invalid-site-check", "Invalid site check", detail, **extra)


@dataclass(frozen=True)
class SiteInput:
    """What the planner asked: the site as given (EPSG:3006), how it was given, and the intended land use."""

    geom: shapely.Geometry
    land_use: str
    vulnerable: tuple[str, ...] = ()
    buffer_m: float = 50.0
    how: dict[str, Any] = field(default_factory=dict)
    reference: str | None = None
    title: str | None = None

    @property
    def is_point(self) -> bool:
        return isinstance(self.geom, Point)

    def area(self) -> shapely.Geometry:
        """The area checked: a point with its buffer (a hair's breadth at 0 m, so it still covers a cell)."""
        if self.is_point:
            return self.geom.buffer(max(self.buffer_m, 0.01), quad_segs=16)
        return self.geom

    def as_inputs(self) -> dict[str, Any]:
        return {"geometry": to_geojson(self.geom, crs=SWEREF99TM), "land_use": self.land_use,
                "vulnerable": list(self.vulnerable), "buffer_m": self.buffer_m, "how": self.how,
                "reference": self.reference, "title": self.title}


def site_input(body: Any, rules: SiteRules, *, max_vertices: int, crs: int = WGS84, area_lonlat=None) -> SiteInput:
    """Read a request body: a GeoJSON Feature whose properties hold land_use, vulnerable, buffer_m, reference and
    title; its geometry may be null when properties.coordinates holds pasted coordinates. `max_vertices` is the
    one vertex limit of the configuration (RISKKARTA_MAX_VERTICES)."""
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise bad_input("Send a GeoJSON Feature: the site as its geometry (Point, Polygon or MultiPolygon) and "
                        "the intended land use in properties.land_use (A, B or C).")
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise bad_input("properties must be an object.", pointer="/properties")
    unknown = sorted(set(props) - SITE_PROPERTIES)
    if unknown:
        raise bad_input(f"properties.{unknown[0][:40]} is not a member of a site; a site's properties are "
                        f"{', '.join(sorted(SITE_PROPERTIES))}.", pointer=f"/properties/{unknown[0][:40]}")
    given_as = props.get("given_as")
    if given_as is not None and (not isinstance(given_as, str) or given_as not in GIVEN_AS | {"coordinates"}):
        raise bad_input(f"properties.given_as is one of {', '.join(sorted(GIVEN_AS | {'coordinates'}))}.",
                        pointer="/properties/given_as")
    limits = rules.limits
    land_use = props.get("land_use")
    if not isinstance(land_use, str) or land_use not in LAND_USE_GROUPS:
        raise bad_input("properties.land_use must be A, B or C: " +
                        "; ".join(LAND_USE_GROUPS.values()) + ".", pointer="/properties/land_use")
    vulnerable = props.get("vulnerable") or []
    if not isinstance(vulnerable, list) or any(not isinstance(v, str) or v not in VULNERABLE for v in vulnerable):
        raise bad_input(f"properties.vulnerable must be a list of {', '.join(VULNERABLE)}.",
                        pointer="/properties/vulnerable")
    buffer_m = props.get("buffer_m", limits.default_buffer_m)
    if isinstance(buffer_m, bool) or not isinstance(buffer_m, int | float) or not 0 <= buffer_m <= limits.max_buffer_m:
        raise bad_input(f"properties.buffer_m must be a number of metres from 0 to {limits.max_buffer_m:g}.",
                        pointer="/properties/buffer_m")
    how: dict[str, Any]
    if body.get("geometry") is None and isinstance(props.get("coordinates"), str):
        kwargs = {"area_lonlat": area_lonlat} if area_lonlat else {}
        reading = read_coordinates(props["coordinates"], max_points=max_vertices, **kwargs)
        points = [Point(p) for p in reading.points_3006]
        geom = points[0] if len(points) == 1 else Polygon(reading.points_3006)
        how = {"given_as": "coordinates", "epsg": reading.epsg, "order": reading.order,
               "reading": {"sv": reading.description_sv, "en": reading.description_en},
               "alternatives": list(reading.alternatives)}
    else:
        gate = GeometryLimits(max_vertices=max_vertices, allowed_types=SITE_TYPES)
        geom = parse_geometry(body, limits=gate, crs=crs)
        how = {"given_as": given_as if given_as in GIVEN_AS else "geojson", "epsg": crs}
    site = SiteInput(geom=geom, land_use=land_use, vulnerable=tuple(vulnerable), buffer_m=float(buffer_m), how=how,
                     reference=_text(props.get("reference"), "reference"), title=_text(props.get("title"), "title"))
    area = site.area().area
    if area > limits.max_area_m2:
        raise bad_input(f"The site is {area / 10_000:.1f} ha; the check takes sites up to "
                        f"{limits.max_area_m2 / 10_000:.0f} ha (a detailed plan, not a district).")
    return site


def _text(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 200:
        raise bad_input(f"properties.{name} must be text of at most 200 characters.", pointer=f"/properties/{name}")
    return value.strip()


def measure(body: Any, *, max_vertices: int, crs: int = WGS84) -> float:
    """The area in m² (EPSG:3006) of a site geometry or Feature, through the same gate as a check."""
    gate = GeometryLimits(max_vertices=max_vertices, allowed_types=SITE_TYPES)
    return float(parse_geometry(body, limits=gate, crs=crs).area)
