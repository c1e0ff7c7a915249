"""Saved site checks: store one, read it back typed, list them, re-run one against today's layers."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import SWEREF99TM
from geo.geojson import GeometryError, GeometryLimits, parse_geometry
from layers.site_rules import SiteRules
from webapp.errors import not_found
from webapp.services import catalog
from webapp.services.site_check.check import evaluate
from webapp.services.site_check.inputs import SITE_TYPES, SiteInput, bad_input
from webapp.services.site_check.result import Change, CheckResult, SavedCheck

_COLUMNS = "id, created_at, reference, title, inputs, result, rerun_of"


def save(session: Session, site: SiteInput, result: CheckResult, *, rerun_of: int | None = None,
         created_by: str | None = None) -> int:
    """Store a check; returns its id."""
    body = result.to_json()
    return session.execute(text(
        "INSERT INTO site_check (created_by, reference, title, land_use, vulnerable, inputs, result, layer_versions, "
        "rerun_of, geom) VALUES (:by, :ref, :title, :land_use, :vulnerable, CAST(:inputs AS jsonb), "
        "CAST(:result AS jsonb), CAST(:versions AS jsonb), :rerun_of, ST_GeomFromWKB(:wkb, 3006)) RETURNING id"),
        {"by": created_by, "ref": site.reference, "title": site.title, "land_use": site.land_use,
         "vulnerable": list(site.vulnerable), "inputs": json.dumps(site.as_inputs(), ensure_ascii=False),
         "result": json.dumps(body, ensure_ascii=False), "versions": json.dumps(body["layer_versions"]),
         "rerun_of": rerun_of, "wkb": site.geom.wkb}).scalar_one()


def _saved(row) -> SavedCheck:
    check_id, created_at, reference, title, inputs, result, rerun_of = row
    return SavedCheck(check_id, created_at, reference, title, inputs, CheckResult.from_json(result), rerun_of)


def load(session: Session, check_id: int, role: str | None = None) -> SavedCheck:
    """A saved check; with `role`, marked with the layers whose version has moved on since it was made."""
    row = session.execute(text(f"SELECT {_COLUMNS} FROM site_check WHERE id = :id"), {"id": check_id}).first()
    if row is None:
        raise not_found("Site check", f"There is no saved site check {check_id}.")
    saved = _saved(row)
    if role is not None:
        saved = dataclasses.replace(saved, outdated_layers=tuple(outdated(session, saved, role)))
    return saved


@dataclass(frozen=True)
class CheckPage:
    """One page of saved checks, newest first, and how many match in all."""

    checks: tuple[SavedCheck, ...]
    total: int
    offset: int
    limit: int
    query: str | None

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


MAX_PAGE = 200


def recent(session: Session, limit: int = 25, offset: int = 0, query: str | None = None) -> CheckPage:
    """Saved checks newest first, `limit` from `offset`; `query` finds text in the reference or the title."""
    limit, offset = max(1, min(int(limit), MAX_PAGE)), max(0, int(offset))
    where, params = "TRUE", {"limit": limit, "offset": offset}
    if query:
        # The planner's words, not a pattern: % and _ match themselves.
        like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where, params["like"] = "(reference ILIKE :like OR title ILIKE :like)", like
    total = session.execute(text(f"SELECT count(*) FROM site_check WHERE {where}"), params).scalar_one()
    rows = session.execute(text(f"SELECT {_COLUMNS} FROM site_check WHERE {where} "
                                "ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset"), params).all()
    return CheckPage(tuple(_saved(row) for row in rows), total, offset, limit, query or None)


def stored_site(session: Session, saved: SavedCheck) -> SiteInput:
    """The site input a saved check was made from, to run it again: the exact geometry stored with it (the inputs'
    GeoJSON is rounded to centimetres, enough to move a polygon's edge across a raster cell and invent a change)."""
    inputs = saved.inputs
    wkb = session.execute(text("SELECT ST_AsBinary(geom) FROM site_check WHERE id = :id"), {"id": saved.id}).scalar()
    try:
        if wkb is not None:
            geom = shapely.from_wkb(bytes(wkb))
        else:
            geom = parse_geometry(inputs["geometry"], crs=SWEREF99TM, limits=GeometryLimits(
                max_vertices=100_000, allowed_types=SITE_TYPES))
    except GeometryError as exc:  # a check saved under looser rules than today's
        raise bad_input(f"The saved site can no longer be read: {exc}") from None
    return SiteInput(geom=geom, land_use=inputs["land_use"], vulnerable=tuple(inputs["vulnerable"]),
                     buffer_m=inputs["buffer_m"], how=inputs.get("how", {}), reference=inputs.get("reference"),
                     title=inputs.get("title"))


def rerun(session: Session, check_id: int, rules: SiteRules, role: str, *, created_by: str | None = None) -> int:
    """Check a saved site again against the current layers; the new check records what changed. Returns its id."""
    saved = load(session, check_id)
    site = stored_site(session, saved)
    result = evaluate(session, site, rules, role)
    result = dataclasses.replace(result, changes=tuple(changes(saved.result, result)))
    return save(session, site, result, rerun_of=saved.id, created_by=created_by)


def changes(before: CheckResult, after: CheckResult) -> list[Change]:
    """What a re-run changed, per hazard: the level, the layer version and the measured values."""
    found = []
    for new in after.verdicts:
        was = before.verdict(new.hazard)
        if was is None:
            continue
        old_version = was.layer.version if was.layer else None
        new_version = new.layer.version if new.layer else None
        if was.level != new.level or old_version != new_version or was.values != new.values:
            found.append(Change(new.hazard, new.title, was.level, new.level, old_version, new_version, was.sentence,
                                new.sentence))
    return found


def outdated(session: Session, saved: SavedCheck, role: str) -> list[str]:
    """The layers whose version has moved on since the check was made."""
    current = {info.slug: info.version for info in catalog.visible_layers(session, role)}
    used = saved.result.layer_versions
    return sorted(slug for slug, version in used.items() if current.get(slug, version) != version)
