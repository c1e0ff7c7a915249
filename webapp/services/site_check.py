"""The planner's site check: one site and an intended land use in, a sourced verdict per hazard out, saved.

`evaluate` is the one function behind the JSON API, the report page and the PDF.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import Point, Polygon
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.coordinates import read_coordinates
from geo.crs import SWEREF99TM, WGS84, transform_geom
from geo.geojson import GeometryError, GeometryLimits, parse_geometry, to_geojson
from layers.rules import LAND_USE_GROUPS, LEVELS, NO_DATA, VULNERABLE, SiteRules
from webapp.errors import ProblemError, not_found
from webapp.services import districts
from webapp.services import layers as catalog
from webapp.services.site_hazards import flood, heat
from webapp.services.site_proximity import crime, drinking_water, hazardous_goods

SITE_TYPES = frozenset({"Point", "Polygon", "MultiPolygon"})
GIVEN_AS = frozenset({"map", "drawn", "upload", "geojson"})  # how the page got the geometry


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


def site_input(body: Any, rules: SiteRules, *, crs: int = WGS84, area_lonlat=None) -> SiteInput:
    """Read a request body: a GeoJSON Feature whose properties hold land_use, vulnerable, buffer_m, reference and
    title; its geometry may be null when properties.coordinates holds pasted coordinates."""
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise bad_input("Send a GeoJSON Feature: the site as its geometry (Point, Polygon or MultiPolygon) and "
                        "the intended land use in properties.land_use (A, B or C).")
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise bad_input("properties must be an object.", pointer="/properties")
    limits = rules.limits
    land_use = props.get("land_use")
    if land_use not in LAND_USE_GROUPS:
        raise bad_input("properties.land_use must be A, B or C: " +
                        "; ".join(v["en"] for v in LAND_USE_GROUPS.values()) + ".", pointer="/properties/land_use")
    vulnerable = props.get("vulnerable") or []
    if not isinstance(vulnerable, list) or any(v not in VULNERABLE for v in vulnerable):
        raise bad_input(f"properties.vulnerable must be a list of {', '.join(VULNERABLE)}.",
                        pointer="/properties/vulnerable")
    buffer_m = props.get("buffer_m", limits.default_buffer_m)
    if isinstance(buffer_m, bool) or not isinstance(buffer_m, int | float) or not 0 <= buffer_m <= limits.max_buffer_m:
        raise bad_input(f"properties.buffer_m must be a number of metres from 0 to {limits.max_buffer_m:g}.",
                        pointer="/properties/buffer_m")
    how: dict[str, Any]
    if body.get("geometry") is None and isinstance(props.get("coordinates"), str):
        kwargs = {"area_lonlat": area_lonlat} if area_lonlat else {}
        reading = read_coordinates(props["coordinates"], max_points=limits.max_vertices, **kwargs)
        points = [Point(p) for p in reading.points_3006]
        geom = points[0] if len(points) == 1 else Polygon(reading.points_3006)
        how = {"given_as": "coordinates", "epsg": reading.epsg, "order": reading.order,
               "reading": {"sv": reading.description_sv, "en": reading.description_en},
               "alternatives": list(reading.alternatives)}
    else:
        gate = GeometryLimits(max_vertices=limits.max_vertices, allowed_types=SITE_TYPES)
        geom = parse_geometry(body, limits=gate, crs=crs)
        given_as = props.get("given_as")
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


def overall(levels: list[str]) -> str:
    known = [lv for lv in levels if lv in LEVELS]
    return max(known, key=LEVELS.index) if known else NO_DATA


def evaluate(session: Session, site: SiteInput, rules: SiteRules, role: str) -> dict[str, Any]:
    """Check a site against every hazard the role may see; refuses a site outside the city."""
    area = site.area()
    touched = districts.touching(session, area)
    if not touched:
        raise bad_input("The site lies outside the city's districts; Riskkarta checks sites within the city.")
    layers = {info.slug: info for info in catalog.visible_layers(session, role)}
    group, vulnerable = site.land_use, bool(site.vulnerable)
    timings: dict[str, float] = {}

    def timed(name, func, *args):
        started = time.perf_counter()
        result = func(*args)
        timings[name] = round((time.perf_counter() - started) * 1000, 2)
        return result

    hazards = [
        timed("flood", flood, layers.get("flood"), area, group, vulnerable, rules),
        timed("heat", heat, layers.get("heat"), area, vulnerable, rules),
        timed("hazardous_goods", hazardous_goods, session, layers.get("hazardous-goods"), area, group, vulnerable,
              rules),
        timed("drinking_water", drinking_water, session, layers.get("drinking-water"), layers.get("hazardous-goods"),
              area, rules),
        timed("crime", crime, session, layers.get("crime"), area, rules),
    ]
    centroid = transform_geom(area.centroid, SWEREF99TM, WGS84)
    return {
        "site": {"kind": "point" if site.is_point else "polygon", "buffer_m": site.buffer_m if site.is_point else None,
                 "area_m2": round(area.area, 1), "geometry": to_geojson(area), "given": to_geojson(site.geom),
                 "centroid": [round(centroid.x, 6), round(centroid.y, 6)], "how": site.how},
        "land_use": {"group": group, "label": LAND_USE_GROUPS[group], "vulnerable": list(site.vulnerable),
                     "vulnerable_labels": [VULNERABLE[v] for v in site.vulnerable]},
        "districts": [{"code": d.code, "name": d.name, "committee": d.committee} for d in touched],
        "situation_pictures": {"status": NO_DATA, "note": {"sv": "Lägesbilder finns inte i Riskkarta ännu.",
                                                          "en": "Situation pictures are not in Riskkarta yet."}},
        "hazards": [h.as_dict() for h in hazards],
        "overall": overall([h.level for h in hazards]),
        "layer_versions": {slug: info.version for slug, info in layers.items()},
        "timings_ms": timings,
    }


def save(session: Session, site: SiteInput, result: dict[str, Any], *, rerun_of: int | None = None,
         created_by: str | None = None) -> int:
    """Store a check; returns its id."""
    return session.execute(text(
        "INSERT INTO site_check (created_by, reference, title, land_use, vulnerable, inputs, result, layer_versions, "
        "rerun_of, geom) VALUES (:by, :ref, :title, :land_use, :vulnerable, CAST(:inputs AS jsonb), "
        "CAST(:result AS jsonb), CAST(:versions AS jsonb), :rerun_of, ST_GeomFromWKB(:wkb, 3006)) RETURNING id"),
        {"by": created_by, "ref": site.reference, "title": site.title, "land_use": site.land_use,
         "vulnerable": list(site.vulnerable), "inputs": json.dumps(site.as_inputs(), ensure_ascii=False),
         "result": json.dumps(result, ensure_ascii=False), "versions": json.dumps(result["layer_versions"]),
         "rerun_of": rerun_of, "wkb": site.geom.wkb}).scalar_one()


@dataclass(frozen=True)
class SavedCheck:
    id: int
    created_at: Any
    reference: str | None
    title: str | None
    inputs: dict[str, Any]
    result: dict[str, Any]
    rerun_of: int | None


def load(session: Session, check_id: int) -> SavedCheck:
    row = session.execute(text(
        "SELECT id, created_at, reference, title, inputs, result, rerun_of FROM site_check WHERE id = :id"),
        {"id": check_id}).first()
    if row is None:
        raise not_found("Site check", f"There is no saved site check {check_id}.")
    return SavedCheck(*row)


def recent(session: Session, limit: int = 50) -> list[SavedCheck]:
    rows = session.execute(text(
        "SELECT id, created_at, reference, title, inputs, result, rerun_of FROM site_check "
        "ORDER BY created_at DESC, id DESC LIMIT :limit"), {"limit": limit}).all()
    return [SavedCheck(*row) for row in rows]


def stored_site(saved: SavedCheck) -> SiteInput:
    """The site input a saved check was made from, to run it again."""
    inputs = saved.inputs
    try:
        geom = parse_geometry(inputs["geometry"], crs=SWEREF99TM, limits=GeometryLimits(
            max_vertices=100_000, allowed_types=SITE_TYPES))
    except GeometryError as exc:  # a check saved under looser rules than today's
        raise bad_input(f"The saved site can no longer be read: {exc}") from None
    return SiteInput(geom=geom, land_use=inputs["land_use"], vulnerable=tuple(inputs["vulnerable"]),
                     buffer_m=inputs["buffer_m"], how=inputs.get("how", {}), reference=inputs.get("reference"),
                     title=inputs.get("title"))


def rerun(session: Session, check_id: int, rules: SiteRules, role: str) -> int:
    """Check a saved site again against the current layers; the new check records what changed. Returns its id."""
    saved = load(session, check_id)
    site = stored_site(saved)
    result = evaluate(session, site, rules, role)
    result["changes"] = changes(saved.result, result)
    return save(session, site, result, rerun_of=saved.id)


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What a re-run changed, per hazard: the level, the layer version and the measured values."""
    old = {h["hazard"]: h for h in before["hazards"]}
    found = []
    for new in after["hazards"]:
        was = old.get(new["hazard"])
        if was is None:
            continue
        old_version = (was.get("layer") or {}).get("version")
        new_version = (new.get("layer") or {}).get("version")
        if was["level"] != new["level"] or old_version != new_version or was["values"] != new["values"]:
            found.append({"hazard": new["hazard"], "title": new["title"], "level_before": was["level"],
                          "level_after": new["level"], "version_before": old_version, "version_after": new_version,
                          "sentence_before": was["sentence"], "sentence_after": new["sentence"]})
    return found


def outdated(session: Session, saved: SavedCheck, role: str) -> list[str]:
    """The layers whose version has moved on since the check was made."""
    current = {info.slug: info.version for info in catalog.visible_layers(session, role)}
    used = saved.result.get("layer_versions", {})
    return sorted(slug for slug, version in used.items() if current.get(slug, version) != version)

