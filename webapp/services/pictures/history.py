"""A situation picture's history, read from the audit log: every write to the picture and to what is drawn on it
(who, when, what changed, the state before and after), and the picture as it was at a past time — its fields and
its annotations rebuilt from the last state each had at or before that time.

The history is the working record of the committee and the city: those who may read the district's drafts read it
(committee members of the district, the city office, administrators); a viewer sees accepted pictures as they are."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp.errors import not_found
from webapp.services import pictures
from webapp.services.accounts import User

# What bookkeeping every write changes: left out of an event's list of changed fields.
_BOOKKEEPING = frozenset({"version", "updated_by", "updated_at"})
_FOR_PICTURE = ("(entity = 'situation_picture' AND entity_id = :key) OR (entity = 'annotation' AND "
                "COALESCE(after, before) -> 'properties' ->> 'picture' = :key)")


def _readable(session: Session, picture_id: int, user: User | None, role: str) -> pictures.Picture:
    picture = pictures.get(session, picture_id, user, role)
    if not pictures.may_read_work(user, picture.district_code):
        raise pictures.forbidden("A picture's history is read by the district's committee and the city office.")
    return picture


def _changed(before: dict | None, after: dict | None) -> list[str]:
    """The fields a write changed: a picture's fields, or an annotation's properties and `geometry`."""
    if before is None or after is None:
        return []
    if before.get("type") == "Feature":
        names = [k for k in after["properties"] if before["properties"].get(k) != after["properties"][k]]
        return (["geometry"] if before.get("geometry") != after.get("geometry") else []) + \
            [k for k in names if k not in _BOOKKEEPING]
    return [k for k in after if k not in _BOOKKEEPING and before.get(k) != after[k]]


def events(session: Session, picture_id: int, user: User | None, role: str, *, limit: int = 200,
           before_id: int | None = None) -> tuple[list[dict[str, Any]], int | None]:
    """The picture's events, newest first, `limit` at a time (before event `before_id`); and the id to page on from,
    when there are older ones."""
    _readable(session, picture_id, user, role)
    rows = session.execute(text(
        "SELECT id, at, actor, action, entity, entity_id, before, after FROM audit_event "
        f"WHERE ({_FOR_PICTURE}) AND (CAST(:before_id AS bigint) IS NULL OR id < :before_id) "
        "ORDER BY id DESC LIMIT :limit"), {"key": str(picture_id), "before_id": before_id, "limit": limit + 1}).all()
    found = [{"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "action": r.action,
              "entity": "picture" if r.entity == "situation_picture" else "annotation",
              "entity_id": int(r.entity_id), "changed": _changed(r.before, r.after), "before": r.before,
              "after": r.after} for r in rows[:limit]]
    return found, (found[-1]["id"] if len(rows) > limit else None)


def as_at(session: Session, picture_id: int, at: datetime, user: User | None, role: str) -> dict[str, Any]:
    """The picture as it was at `at`: its fields then and its annotations then (a FeatureCollection)."""
    _readable(session, picture_id, user, role)
    then = session.execute(text(
        "SELECT after FROM audit_event WHERE entity = 'situation_picture' AND entity_id = :key AND at <= :at "
        "ORDER BY id DESC LIMIT 1"), {"key": str(picture_id), "at": at}).scalar()
    if then is None:
        raise not_found("Situation picture", f"Situation picture {picture_id} did not exist at {at.isoformat()}.")
    rows = session.execute(text(
        "SELECT DISTINCT ON (entity_id) after FROM audit_event WHERE entity = 'annotation' "
        "AND COALESCE(after, before) -> 'properties' ->> 'picture' = :key AND at <= :at "
        "ORDER BY entity_id, id DESC"), {"key": str(picture_id), "at": at}).scalars().all()
    features = sorted((f for f in rows if f is not None), key=lambda f: f["id"])
    then.pop("origin", None)  # the audit log's note of where a copied picture came from
    return then | {"as_of": at.isoformat(), "annotations": {"type": "FeatureCollection", "features": features}}

