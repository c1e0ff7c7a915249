"""Annotations on a situation picture: points, lines and areas (EPSG:3006, through the geometry gate) with a kind,
a severity and text; a measure also has its type, who is responsible and its status. Each carries a version (its
ETag): a change names the version it was made from, a stale one gets 412 with the current annotation. Only those
who may edit the picture, while it is a draft or returned, change its annotations."""
from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import WGS84
from geo.geojson import GeometryLimits, parse_geometry
from webapp.errors import ProblemError, not_found
from webapp.services import pictures
from webapp.services.accounts import User, audit

KINDS = ("hotspot", "incident_area", "measure", "risk_object", "observation")
MEASURE_TYPES = ("situational", "social")
MEASURE_STATUSES = ("planned", "started", "done")
TYPES = frozenset({"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"})
# The members a Feature sent to PUT or PATCH may have (the id and bbox a client read back are ignored).
_FEATURE_MEMBERS = frozenset({"type", "id", "bbox", "geometry", "properties"})
_PROPS = ("kind", "severity", "title", "body", "measure_type", "responsible", "measure_status", "valid_from",
          "valid_to")
_SELECT = ("SELECT a.id, a.picture_id, a.kind, a.severity, a.title, a.body, a.measure_type, a.responsible, "
           "a.measure_status, a.valid_from, a.valid_to, a.origin_id, a.version, a.created_by, a.created_at, "
           "a.updated_by, a.updated_at, ST_AsGeoJSON(ST_Transform(a.geom, 4326), 6), a.statistics FROM annotation a")


def bad(detail: str, pointer: str | None = None) -> ProblemError:
    return ProblemError(422, "invalid-annotation", "Invalid annotation", detail,
                        **({"pointer": pointer} if pointer else {}))


def _feature(row) -> dict[str, Any]:
    (aid, picture_id, kind, severity, title, body, mtype, responsible, mstatus, vfrom, vto, origin, version,
     created_by, created_at, updated_by, updated_at, geojson, statistics) = row
    return {"type": "Feature", "id": aid, "geometry": json.loads(geojson), "properties": {
        "picture": picture_id, "kind": kind, "severity": severity, "title": title, "body": body,
        "measure_type": mtype, "responsible": responsible, "measure_status": mstatus,
        "valid_from": vfrom.isoformat() if vfrom else None, "valid_to": vto.isoformat() if vto else None,
        "origin": origin, "version": version, "created_by": created_by, "created_at": created_at.isoformat(),
        "updated_by": updated_by, "updated_at": updated_at.isoformat(), "statistics": statistics}}


def _text(props: dict, name: str, limit: int, *, required: bool = False) -> str | None:
    value = props.get(name)
    if value is None or value == "":
        if required:
            raise bad(f"properties.{name} is required.", f"/properties/{name}")
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise bad(f"properties.{name} is text of at most {limit:,} characters.", f"/properties/{name}")
    return value.strip()


def _date(props: dict, name: str) -> date | None:
    value = props.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        pass
    raise bad(f"properties.{name} is a date (YYYY-MM-DD).", f"/properties/{name}")


def _values(props: Any) -> dict[str, Any]:
    if not isinstance(props, dict):
        raise bad("properties must be an object.", "/properties")
    unknown = sorted(set(props) - set(_PROPS))
    if unknown:
        raise bad(f"Unknown properties {', '.join(unknown)}; an annotation has {', '.join(_PROPS)}.", "/properties")
    if props.get("kind") not in KINDS:
        raise bad(f"properties.kind is one of {', '.join(KINDS)}.", "/properties/kind")
    severity = props.get("severity")
    if isinstance(severity, bool) or severity not in (1, 2, 3, 4):
        raise bad("properties.severity is 1, 2, 3 or 4.", "/properties/severity")
    values = {"kind": props["kind"], "severity": severity, "title": _text(props, "title", 200, required=True),
              "body": _text(props, "body", 5000) or "", "responsible": _text(props, "responsible", 200),
              "valid_from": _date(props, "valid_from"), "valid_to": _date(props, "valid_to"),
              "measure_type": props.get("measure_type"), "measure_status": props.get("measure_status")}
    if values["kind"] == "measure":
        if values["measure_type"] not in MEASURE_TYPES:
            raise bad(f"A measure's measure_type is {' or '.join(MEASURE_TYPES)} prevention.",
                      "/properties/measure_type")
        if values["measure_status"] not in MEASURE_STATUSES:
            raise bad(f"A measure's measure_status is one of {', '.join(MEASURE_STATUSES)}.",
                      "/properties/measure_status")
    elif values["measure_type"] or values["measure_status"] or values["responsible"]:
        raise bad("measure_type, measure_status and responsible belong to measures only.", "/properties")
    if values["valid_from"] and values["valid_to"] and values["valid_to"] < values["valid_from"]:
        raise bad("valid_to is on or after valid_from.", "/properties/valid_to")
    return values


def _geometry(feature: Any, *, max_vertices: int, crs: int):
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise bad("Send a GeoJSON Feature: the annotation's geometry and its properties.")
    return parse_geometry(feature, limits=GeometryLimits(max_vertices=max_vertices, allowed_types=TYPES), crs=crs)


def _editable(session: Session, picture_id: int, user: User | None, role: str) -> pictures.Picture:
    """The picture, locked (FOR UPDATE) until the transaction ends, if `user` may change what is drawn on it now:
    a submit, return or accept of the same picture waits for this write to commit, and this write waits for
    theirs and then sees the new status, so no annotation changes on a picture that is no longer editable."""
    picture = pictures.get(session, picture_id, user, role, lock=True)
    pictures.assert_editable(user, picture)
    return picture


def listing(session: Session, picture_id: int, user: User | None, role: str) -> dict[str, Any]:
    pictures.get(session, picture_id, user, role)
    rows = session.execute(text(_SELECT + " WHERE a.picture_id = :p ORDER BY a.id"), {"p": picture_id}).all()
    return {"type": "FeatureCollection", "features": [_feature(r) for r in rows]}


def get(session: Session, picture_id: int, annotation_id: int, user: User | None, role: str, *,
        lock: bool = False) -> dict[str, Any]:
    pictures.get(session, picture_id, user, role)
    row = session.execute(text(_SELECT + " WHERE a.id = :a AND a.picture_id = :p" + (" FOR UPDATE" if lock else "")),
                          {"a": annotation_id, "p": picture_id}).first()
    if row is None:
        raise not_found("Annotation", f"Picture {picture_id} has no annotation {annotation_id}.")
    return _feature(row)


def create(session: Session, picture_id: int, feature: Any, user: User | None, role: str, *, max_vertices: int,
           crs: int = WGS84) -> dict[str, Any]:
    _editable(session, picture_id, user, role)
    geom = _geometry(feature, max_vertices=max_vertices, crs=crs)
    values = _values(feature.get("properties") or {})
    annotation_id = session.execute(text(
        "INSERT INTO annotation (picture_id, kind, severity, title, body, measure_type, responsible, measure_status, "
        "valid_from, valid_to, created_by, updated_by, geom) VALUES (:p, :kind, :severity, :title, :body, "
        ":measure_type, :responsible, :measure_status, :valid_from, :valid_to, :by, :by, "
        "ST_GeomFromWKB(:wkb, 3006)) RETURNING id"),
        {**values, "p": picture_id, "by": user.email, "wkb": geom.wkb}).scalar_one()
    created = get(session, picture_id, annotation_id, user, role)
    audit.record(session, user.email, "create", "annotation", annotation_id, None, created)
    return created


def _check(current: dict[str, Any], if_match: int | None) -> None:
    pictures.require_version("annotation", current["properties"]["version"], current, if_match)


def update(session: Session, picture_id: int, annotation_id: int, feature: Any, user: User | None, role: str,
           if_match: int | None, *, partial: bool, max_vertices: int, crs: int = WGS84) -> dict[str, Any]:
    """PUT replaces the geometry and the properties; PATCH changes what it names (geometry and/or properties)."""
    _editable(session, picture_id, user, role)
    current = get(session, picture_id, annotation_id, user, role, lock=True)
    _check(current, if_match)
    if not isinstance(feature, dict):
        raise bad("Send a GeoJSON Feature (PUT) or the members to change (PATCH).")
    stray = sorted(set(feature) - _FEATURE_MEMBERS)
    if stray:  # e.g. {"severity": 4}: never a silent no-op that still bumps the version
        raise bad(f"Unknown members {', '.join(stray)}: a change names geometry and/or properties "
                  f'(e.g. {{"properties": {{"{stray[0]}": …}}}}).', f"/{stray[0]}")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise bad("properties must be an object.", "/properties")
    if partial:
        props = {k: v for k, v in current["properties"].items() if k in _PROPS} | props
    values = _values(props)
    wkb = None
    if not partial or feature.get("geometry") is not None:
        wkb = _geometry(feature | {"type": "Feature"}, max_vertices=max_vertices, crs=crs).wkb
    session.execute(text(
        "UPDATE annotation SET kind = :kind, severity = :severity, title = :title, body = :body, "
        "measure_type = :measure_type, responsible = :responsible, measure_status = :measure_status, "
        "valid_from = :valid_from, valid_to = :valid_to, version = version + 1, updated_by = :by, updated_at = now(), "
        "geom = COALESCE(ST_GeomFromWKB(CAST(:wkb AS bytea), 3006), geom) WHERE id = :id"),
        {**values, "by": user.email, "wkb": wkb, "id": annotation_id})
    after = get(session, picture_id, annotation_id, user, role)
    audit.record(session, user.email, "update", "annotation", annotation_id, current, after)
    return after


def delete(session: Session, picture_id: int, annotation_id: int, user: User | None, role: str,
           if_match: int | None) -> None:
    _editable(session, picture_id, user, role)
    current = get(session, picture_id, annotation_id, user, role, lock=True)
    _check(current, if_match)
    session.execute(text("DELETE FROM annotation WHERE id = :id"), {"id": annotation_id})
    audit.record(session, user.email, "delete", "annotation", annotation_id, current, None)
