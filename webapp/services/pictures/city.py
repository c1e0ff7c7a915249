"""The city's picture of one period: every district with the status of each topic's situation picture, who submitted
it and when, and what the reported pictures hold (annotations by kind and by severity). The city office sees every
district's work; anyone else who reads pictures sees what the city has published (accepted pictures) and, for a
committee member, their own districts' work — for the rest a picture's status is "not published", never guessed.

Counts are of reported pictures (submitted or accepted) the user may read: a draft is the committee's own until it
is submitted."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp.services import districts, pictures
from webapp.services.accounts import User
from webapp.services.pictures.drawings import KINDS

REPORTED = frozenset({"submitted", "accepted"})
SEVERITIES = (1, 2, 3, 4)


@dataclass(frozen=True)
class Cell:
    """One district's picture of one topic, as far as the user may know it."""
    status: str                      # missing, draft, submitted, returned, accepted, or not_published
    picture: pictures.Picture | None = None
    submitted_by: str | None = None
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class DistrictRow:
    code: str
    name: str
    cells: dict[str, Cell]
    by_kind: dict[str, int] = field(default_factory=dict)
    by_severity: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


@dataclass(frozen=True)
class CityPeriod:
    year: int
    tertial: int
    rows: list[DistrictRow]

    def status_counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in self.rows:
            for cell in row.cells.values():
                found[cell.status] = found.get(cell.status, 0) + 1
        return found


def may_view(role: str) -> bool:
    return role in pictures.READERS


def period(session: Session, year: int, tertial: int, user: User | None, role: str) -> CityPeriod:
    """Every district × topic for the period, and the reported pictures' annotation counts per district."""
    if not may_view(role):
        raise pictures.needs_sign_in()
    found = pictures.find(session, user, role, year=year, tertial=tertial)
    by_key = {(p.district_code, p.topic): p for p in found}
    submitted = _submissions(session, [p.id for p in found])
    counts = _counts(session, [p.id for p in found if p.status in REPORTED])
    rows = []
    for ref in districts.refs(session):
        work = pictures.may_read_work(user, ref.code)
        cells = {}
        for topic in pictures.TOPICS:
            p = by_key.get((ref.code, topic))
            if p is not None:
                by, at = submitted.get(p.id, (None, None))
                cells[topic] = Cell(p.status, p, by, at)
            else:
                cells[topic] = Cell("missing" if work else "not_published")
        kinds, severities = counts.get(ref.code, ({}, {}))
        rows.append(DistrictRow(ref.code, ref.name, cells, {k: kinds.get(k, 0) for k in KINDS},
                                {s: severities.get(s, 0) for s in SEVERITIES}))
    return CityPeriod(year, tertial, rows)


def _submissions(session: Session, ids: list[int]) -> dict[int, tuple[str, datetime]]:
    """Who last submitted each picture, and when (from the audit log)."""
    if not ids:
        return {}
    rows = session.execute(text(
        "SELECT DISTINCT ON (entity_id) entity_id, actor, at FROM audit_event "
        "WHERE entity = 'situation_picture' AND action = 'submit' AND entity_id = ANY(:ids) "
        "ORDER BY entity_id, id DESC"), {"ids": [str(i) for i in ids]}).all()
    return {int(r[0]): (r[1], r[2]) for r in rows}


def _counts(session: Session, ids: list[int]) -> dict[str, tuple[dict[str, int], dict[int, int]]]:
    if not ids:
        return {}
    rows = session.execute(text(
        "SELECT p.district_code, a.kind, a.severity, count(*) FROM annotation a "
        "JOIN situation_picture p ON p.id = a.picture_id WHERE a.picture_id = ANY(:ids) "
        "GROUP BY 1, 2, 3"), {"ids": ids}).all()
    found: dict[str, tuple[dict[str, int], dict[int, int]]] = {}
    for code, kind, severity, n in rows:
        kinds, severities = found.setdefault(code, ({}, {}))
        kinds[kind] = kinds.get(kind, 0) + n
        severities[severity] = severities.get(severity, 0) + n
    return found


def to_json(city: CityPeriod, link: Any) -> dict[str, Any]:
    """The period as JSON; `link(picture_id)` gives a picture's links."""
    def cell(c: Cell) -> dict[str, Any]:
        body: dict[str, Any] = {"status": c.status}
        if c.picture is not None:
            body |= {"id": c.picture.id, "updated_at": c.picture.updated_at.isoformat(),
                     "submitted_by": c.submitted_by,
                     "submitted_at": c.submitted_at.isoformat() if c.submitted_at else None,
                     "comment": c.picture.comment, "links": link(c.picture.id)}
        return body

    return {"year": city.year, "tertial": city.tertial, "topics": list(pictures.TOPICS),
            "statuses": city.status_counts(),
            "districts": [{"code": r.code, "name": r.name, "pictures": {t: cell(c) for t, c in r.cells.items()},
                           "annotations": {"total": r.total, "by_kind": r.by_kind,
                                           "by_severity": {str(k): v for k, v in r.by_severity.items()}}}
                          for r in city.rows]}


_ANNOTATIONS = text("""
    SELECT a.id, p.id, p.district_code, p.topic, p.status, a.kind, a.severity, a.title, a.body, a.measure_type,
           a.responsible, a.measure_status, a.valid_from, a.valid_to, ST_AsGeoJSON(ST_Transform(a.geom, 4326), 6),
           ST_AsBinary(a.geom)
    FROM annotation a JOIN situation_picture p ON p.id = a.picture_id
    WHERE a.picture_id = ANY(:ids) AND (CAST(:topic AS text) IS NULL OR p.topic = :topic)
      AND (CAST(:kind AS text) IS NULL OR a.kind = :kind) AND a.severity >= :severity
    ORDER BY p.district_code, p.topic, a.id
""")
_FIELDS = ("annotation", "picture", "district", "topic", "picture_status", "kind", "severity", "title", "body",
           "measure_type", "responsible", "measure_status", "valid_from", "valid_to")


@dataclass(frozen=True)
class Reported:
    """One annotation of a reported picture: its fields (`_FIELDS`), its GeoJSON (WGS 84) and WKB (EPSG:3006)."""
    fields: dict[str, Any]
    geojson: str
    wkb: bytes


def annotations(session: Session, year: int, tertial: int, user: User | None, role: str, *, topic: str | None = None,
                kind: str | None = None, min_severity: int = 1) -> list[Reported]:
    """The annotations of the period's reported pictures (submitted or accepted) the user may read, filtered."""
    if not may_view(role):
        raise pictures.needs_sign_in()
    ids = [p.id for p in pictures.find(session, user, role, year=year, tertial=tertial) if p.status in REPORTED]
    if not ids:
        return []
    rows = session.execute(_ANNOTATIONS, {"ids": ids, "topic": topic, "kind": kind, "severity": min_severity}).all()
    found = []
    for row in rows:
        values = dict(zip(_FIELDS, row[:len(_FIELDS)], strict=True))
        for key in ("valid_from", "valid_to"):
            values[key] = values[key].isoformat() if values[key] else None
        found.append(Reported(values, row[-2], bytes(row[-1])))
    return found


def feature_collection(found: list[Reported]) -> str:
    """The annotations as GeoJSON text (built from the database's GeoJSON, not re-encoded)."""
    parts = [f'{{"type": "Feature", "id": {r.fields["annotation"]}, "geometry": {r.geojson}, '
             f'"properties": {json.dumps(r.fields, ensure_ascii=False)}}}' for r in found]
    return '{"type": "FeatureCollection", "features": [' + ", ".join(parts) + "]}"
