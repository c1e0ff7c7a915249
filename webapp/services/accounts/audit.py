"""The audit log: one row per write, appended in the write's own transaction (the table refuses updates)."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session


def record(session: Session, actor: str | None, action: str, entity: str, entity_id: Any = None,
           before: dict | None = None, after: dict | None = None) -> None:
    """Append who did what to which thing, with the state before and after (no secrets in either)."""
    session.execute(text(
        "INSERT INTO audit_event (actor, action, entity, entity_id, before, after) "
        "VALUES (:actor, :action, :entity, :entity_id, CAST(:before AS jsonb), CAST(:after AS jsonb))"),
        {"actor": actor, "action": action, "entity": entity, "entity_id": None if entity_id is None else str(entity_id),
         "before": None if before is None else json.dumps(before, default=str),
         "after": None if after is None else json.dumps(after, default=str)})


def events(session: Session, entity: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    rows = session.execute(text(
        "SELECT at, actor, action, entity, entity_id, before, after FROM audit_event "
        "WHERE CAST(:entity AS text) IS NULL OR entity = :entity ORDER BY id DESC LIMIT :limit"),
        {"entity": entity, "limit": limit}).mappings().all()
    return [dict(r) for r in rows]
