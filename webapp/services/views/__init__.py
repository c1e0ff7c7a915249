"""Saved views of the layer viewer: a named state (the query of /map that says which layers are on, their opacity,
the extent and the hotspots shown) that a signed-in user saves for their team and everyone who may see the viewer
can open. The state is the same query a shared address carries, so a saved view is a link."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp.errors import ProblemError, needs_sign_in, not_found
from webapp.services.accounts import User, audit

MAX_NAME = 80
MAX_VALUE = 2000  # characters of one state value: far more than every layer of the registry needs
STATE_KEYS = ("layers", "opacity", "bbox", "hotspots")
_SLUG = r"[a-z0-9][a-z0-9_-]{0,63}"
_WORD = r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}"
_LAYERS = re.compile(rf"(?:{_SLUG}(?:,{_SLUG})*)?")
_OPACITY = re.compile(rf"{_SLUG}:(?:0(?:\.\d{{1,3}})?|1(?:\.0{{1,3}})?)")
_HOTSPOT = re.compile(rf"{_SLUG}:{_WORD}:{_WORD}:{_WORD}")
_NUMBER = re.compile(r"-?\d{1,3}(?:\.\d{1,8})?")
# Control, bidirectional-override and unpaired surrogate characters (as webapp/gate.py refuses them in any text),
# plus line and paragraph separators, which have no place in a one-line name.
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@dataclass(frozen=True)
class SavedView:
    """A saved view as the viewer lists it."""

    id: int
    name: str
    state: dict[str, str]
    created_by: int | None
    created_by_email: str | None
    created_at: datetime

    @property
    def query(self) -> str:
        """The state as the viewer's query string (without `?`)."""
        return urlencode([(k, self.state[k]) for k in STATE_KEYS if k in self.state])

    def to_json(self, *, show_creator: bool) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "state": self.state, "query": self.query,
                "created_by": self.created_by_email if show_creator else None,
                "created_at": self.created_at.isoformat()}


def _invalid(detail: str, pointer: str) -> ProblemError:
    return ProblemError(422, "invalid-view", "Invalid view", detail, pointer=pointer)


def check_name(name: Any) -> str:
    """A view's name, trimmed: 1–80 characters of one line of plain text; 422 otherwise."""
    if not isinstance(name, str):
        raise _invalid("`name` must be a string.", "/name")
    if _FORBIDDEN.search(name):
        raise _invalid("`name` holds a control or bidirectional-override character.", "/name")
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise _invalid(f"`name` must be 1 to {MAX_NAME} characters long (it is {len(name)}).", "/name")
    return name


def _check_bbox(value: str) -> None:
    parts = value.split(",")
    if len(parts) != 4 or not all(_NUMBER.fullmatch(p) for p in parts):
        raise _invalid("`bbox` must be minlon,minlat,maxlon,maxlat in WGS 84 degrees.", "/state/bbox")
    west, south, east, north = (float(p) for p in parts)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise _invalid("`bbox` must have min < max, longitudes within ±180 and latitudes within ±90.", "/state/bbox")


def check_state(state: Any) -> dict[str, str]:
    """A viewer state as the query of /map holds it; 422 for anything else. Strict where the viewer is lenient: the
    viewer ignores what it cannot read in an address, but a saved view is stored only when every part is right."""
    if not isinstance(state, dict) or not state:
        raise _invalid(f"`state` must be an object with some of {', '.join(STATE_KEYS)}.", "/state")
    unknown = [k for k in state if k not in STATE_KEYS]
    if unknown:
        raise _invalid(f"`state` has unknown keys {', '.join(map(repr, unknown))}; the keys are "
                       f"{', '.join(STATE_KEYS)}.", f"/state/{unknown[0]}")
    for key, value in state.items():
        if not isinstance(value, str) or len(value) > MAX_VALUE:
            raise _invalid(f"`state.{key}` must be a string of at most {MAX_VALUE} characters.", f"/state/{key}")
    if "layers" in state and not _LAYERS.fullmatch(state["layers"]):
        raise _invalid("`layers` must be layer slugs separated by commas.", "/state/layers")
    for key, pattern, shape in (("opacity", _OPACITY, "slug:0.65"),
                                ("hotspots", _HOTSPOT, "slug:period:category:band")):
        if state.get(key) and not all(pattern.fullmatch(part) for part in state[key].split(",")):
            raise _invalid(f"`{key}` must be {shape} items separated by commas.", f"/state/{key}")
    if state.get("bbox"):
        _check_bbox(state["bbox"])
    return {k: state[k] for k in STATE_KEYS if k in state}


_SELECT = """SELECT v.id, v.name, v.state, v.created_by, u.email, v.created_at
             FROM saved_view v LEFT JOIN app_user u ON u.id = v.created_by"""


def _view(row) -> SavedView:
    return SavedView(id=row[0], name=row[1], state=dict(row[2]), created_by=row[3], created_by_email=row[4],
                     created_at=row[5])


def latest(session: Session, limit: int = 100) -> list[SavedView]:
    """The saved views, newest first."""
    rows = session.execute(text(_SELECT + " ORDER BY v.created_at DESC, v.id DESC LIMIT :limit"), {"limit": limit})
    return [_view(r) for r in rows]


def signed_in(user: User | None) -> User:
    """The user who saves or deletes a view; 401 without one (checked before a body is read)."""
    if user is None:
        raise needs_sign_in("Saving or deleting a view needs a signed-in user.")
    return user


def create(session: Session, user: User | None, name: Any, state: Any) -> SavedView:
    """Save a named view for the team; 401 without a user, 422 for a bad name or state."""
    user = signed_in(user)
    name, state = check_name(name), check_state(state)
    view_id = session.execute(text(
        "INSERT INTO saved_view (name, state, created_by) VALUES (:name, CAST(:state AS jsonb), :user) RETURNING id"),
        {"name": name, "state": json.dumps(state), "user": user.id}).scalar_one()
    audit.record(session, user.email, "create", "saved_view", view_id, None, {"name": name, "state": state})
    session.commit()
    return get(session, view_id)


def get(session: Session, view_id: int) -> SavedView:
    row = session.execute(text(_SELECT + " WHERE v.id = :id"), {"id": view_id}).first()
    if row is None:
        raise not_found("View", f"There is no saved view {view_id}.")
    return _view(row)


def may_delete(user: User | None, view: SavedView) -> bool:
    return user is not None and user.active and (user.role == "admin" or user.id == view.created_by)


def delete(session: Session, user: User | None, view_id: int) -> None:
    """Delete a saved view: its creator or an administrator; 401 / 403 / 404 otherwise."""
    user = signed_in(user)
    view = get(session, view_id)
    if not may_delete(user, view):
        raise ProblemError(403, "forbidden", "Not allowed", "Only the view's creator or an administrator deletes it.")
    session.execute(text("DELETE FROM saved_view WHERE id = :id"), {"id": view_id})
    audit.record(session, user.email, "delete", "saved_view", view_id, {"name": view.name, "state": view.state})
    session.commit()
