"""A district's page: its facts, the layers that touch it with their hazard's summary, and the saved site checks
that touch it. Frozen dataclasses out; the page (webapp/pages/districts.py) formats them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp.errors import not_found
from webapp.services import catalog, hazards
from webapp.services.catalog import LayerInfo
from webapp.services.districts import feature_geojson
from webapp.services.hazards import Row
from webapp.services.site_check.result import CheckResult, SavedCheck

# The page lists this many of the newest checks and counts the rest.
CHECKS_SHOWN = 20

_DISTRICT = text("""
    SELECT code, name, committee, source, is_demo, ST_Area(geom), updated_at, ST_AsBinary(geom),
           ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
    FROM district, LATERAL (SELECT ST_Transform(ST_Envelope(geom), 4326) AS b) AS t
    WHERE code = :code
""")
# A saved check touches the district when the area it checked does: a point site with its buffer (a hair's breadth
# at 0 m, as SiteInput.area has it), a polygon as drawn.
_CHECKS = text("""
    SELECT s.id, s.created_at, s.reference, s.title, s.inputs, s.result, s.rerun_of, count(*) OVER () AS total
    FROM site_check AS s JOIN district AS d ON d.code = :code
    WHERE ST_DWithin(s.geom, d.geom, CASE WHEN ST_GeometryType(s.geom) = 'ST_Point'
                                     THEN greatest(COALESCE((s.inputs ->> 'buffer_m')::float8, 0), 0.01) ELSE 0 END)
    ORDER BY s.created_at DESC, s.id DESC
    LIMIT :limit
""")


@dataclass(frozen=True)
class District:
    """A district as its page shows it; the area measured in EPSG:3006."""

    code: str
    name: str
    committee: str
    source: str
    is_demo: bool
    area_m2: float
    updated_at: datetime
    bounds_lonlat: tuple[float, float, float, float]


@dataclass(frozen=True)
class LayerSummary:
    """A layer that touches the district, and its hazard's summary there."""

    info: LayerInfo
    measure: dict[str, str]  # what the values are, {sv, en}: the heading of their column
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class DistrictPage:
    district: District
    geojson: str  # the district as a one-feature FeatureCollection (WGS 84), for its map
    layers: tuple[LayerSummary, ...]  # the layers the role may see that touch the district
    elsewhere: tuple[LayerInfo, ...]  # the role's layers with data, none of it in the district
    without_data: tuple[LayerInfo, ...]  # the role's layers with no data yet
    checks: tuple[SavedCheck, ...]  # the newest saved checks touching the district
    checks_total: int

    @property
    def more_checks(self) -> int:
        return self.checks_total - len(self.checks)


def district(session: Session, code: str) -> tuple[District, shapely.Geometry]:
    """The district and its geometry (EPSG:3006); 404 problem when the code is unknown."""
    row = session.execute(_DISTRICT, {"code": code}).first()
    if row is None:
        raise not_found("District", f"There is no district with code {code!r}.")
    code, name, committee, source, demo, area, updated_at, wkb, *bounds = row
    found = District(code, name, committee, source, bool(demo), float(area), updated_at,
                     tuple(float(v) for v in bounds))
    return found, shapely.from_wkb(bytes(wkb))


def _bounds_meet(info: LayerInfo, geom: shapely.Geometry) -> bool:
    if info.bounds_3006 is None:
        return True
    x0, y0, x1, y1 = info.bounds_3006
    gx0, gy0, gx1, gy1 = geom.bounds
    return x0 <= gx1 and gx0 <= x1 and y0 <= gy1 and gy0 <= y1


def layer_summaries(session: Session, role: str, geom: shapely.Geometry):
    """Per layer the role may see: its hazard's summary inside the district, or where it stands when it has none."""
    touching, elsewhere, without_data = [], [], []
    for info in catalog.visible_layers(session, role):
        if not info.has_data:
            without_data.append(info)
            continue
        hook = hazards.evaluator(info.slug)
        rows = hook.district_summary(session, info, geom) if _bounds_meet(info, geom) else []
        if rows:
            touching.append(LayerSummary(info, hook.district_measure(info), tuple(rows)))
        else:
            elsewhere.append(info)
    return tuple(touching), tuple(elsewhere), tuple(without_data)


def checks_touching(session: Session, code: str, limit: int | None = None) -> tuple[tuple[SavedCheck, ...], int]:
    """The newest saved checks (CHECKS_SHOWN unless told) whose checked area touches the district, and how many
    touch it in all."""
    rows = session.execute(_CHECKS, {"code": code, "limit": limit or CHECKS_SHOWN}).all()
    checks = tuple(SavedCheck(r.id, r.created_at, r.reference, r.title, r.inputs, CheckResult.from_json(r.result),
                              r.rerun_of) for r in rows)
    return checks, (rows[0].total if rows else 0)


def page(session: Session, code: str, role: str) -> DistrictPage:
    """Everything the district's page shows, for `role`."""
    found, geom = district(session, code)
    layers, elsewhere, without_data = layer_summaries(session, role, geom)
    checks, total = checks_touching(session, code)
    collection = '{"type": "FeatureCollection", "features": [' + feature_geojson(session, code) + "]}"
    return DistrictPage(found, collection, layers, elsewhere, without_data, checks, total)
