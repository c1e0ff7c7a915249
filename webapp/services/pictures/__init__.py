"""Situation pictures (lägesbilder): a district committee's picture of one topic for one tertial, and its workflow
draft → submitted → returned → submitted … → accepted. Who may do what is decided here, for every endpoint:

| action | public | viewer | committee | city | admin |
|---|---|---|---|---|---|
| read accepted pictures | – | all | all | all | all |
| read drafts, submitted and returned pictures | – | – | own | all | all |
| create, edit (while draft or returned), delete a draft, submit | – | – | own | – | – |
| return (with a comment) or accept a submitted picture | – | – | – | all | – |

A picture the user may not read does not exist for them (404); one they may read but not change answers 403.
Every change bumps the picture's version (its ETag) and is written to the audit log in the same transaction."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp import errors
from webapp.errors import ProblemError, not_found
from webapp.services.accounts import User, audit

TOPICS = ("accidents", "crime", "threats", "extremism", "other")
STATUSES = ("draft", "submitted", "returned", "accepted")
READERS = frozenset({"viewer", "committee", "city", "admin"})
EDITABLE = frozenset({"draft", "returned"})


@dataclass(frozen=True)
class Picture:
    id: int
    district_code: str
    year: int
    tertial: int
    topic: str
    summary: str
    status: str
    comment: str | None
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["district"] = body.pop("district_code")
        body["created_at"], body["updated_at"] = self.created_at.isoformat(), self.updated_at.isoformat()
        return body


_COLUMNS = ("id, district_code, year, tertial, topic, summary, status, comment, version, created_by, created_at, "
            "updated_by, updated_at")


def current_period(today: date | None = None) -> tuple[int, int]:
    """The year and tertial (January–April, May–August, September–December) of `today`, in Stockholm."""
    today = today or datetime.now(ZoneInfo("Europe/Stockholm")).date()
    return today.year, (today.month - 1) // 4 + 1


def bad(detail: str, pointer: str | None = None) -> ProblemError:
    extra = {"pointer": pointer} if pointer else {}
    return ProblemError(422, "invalid-picture", "Invalid situation picture", detail, **extra)


def forbidden(detail: str) -> ProblemError:
    return ProblemError(403, "forbidden", "Not allowed", detail)


def needs_sign_in() -> ProblemError:
    return errors.needs_sign_in("Changing situation pictures needs a signed-in user.")


def may_read(user: User | None, role: str, picture: Picture) -> bool:
    if picture.status == "accepted":
        return role in READERS
    return may_read_work(user, picture.district_code)


def may_read_work(user: User | None, district_code: str) -> bool:
    """Whether `user` reads a district's pictures in the making (drafts, submitted, returned) and their history."""
    if user is None or not user.active:
        return False
    return user.role in ("city", "admin") or (user.role == "committee" and district_code in user.districts)


def assert_editable(user: User | None, picture: Picture) -> None:
    """401/403 unless `user` may change this picture (and what is drawn on it) now."""
    _may_edit(user, picture)


def allowed(user: User | None, picture: Picture) -> frozenset[str]:
    """What `user` may do with `picture` now, by the table above: `edit` (its summary and drawings), `submit`,
    `delete` (a draft), `copy_forward`, `decide` (accept or return). Pages offer only these; every endpoint checks
    again."""
    found: set[str] = set()
    if user is not None and user.may_edit(picture.district_code):
        found.add("copy_forward")
        if picture.status in EDITABLE:
            found |= {"edit", "submit"} | ({"delete"} if picture.status == "draft" else set())
    if user is not None and user.active and user.role == "city" and picture.status == "submitted":
        found.add("decide")
    return frozenset(found)


def _may_edit(user: User | None, picture: Picture) -> None:
    if user is None:
        raise needs_sign_in()
    if not user.may_edit(picture.district_code):
        raise forbidden(f"Only committee members of district {picture.district_code} change its pictures.")
    if picture.status not in EDITABLE:
        raise forbidden(f"The picture is {picture.status}: it can be changed again only if the city returns it.")


def _row(session: Session, picture_id: int, lock: bool = False) -> Picture | None:
    row = session.execute(text(f"SELECT {_COLUMNS} FROM situation_picture WHERE id = :id"
                               + (" FOR UPDATE" if lock else "")), {"id": picture_id}).first()
    return Picture(*row) if row else None


def get(session: Session, picture_id: int, user: User | None, role: str, *, lock: bool = False) -> Picture:
    found = _row(session, picture_id, lock)
    if found is None or not may_read(user, role, found):
        raise not_found("Situation picture", f"There is no situation picture {picture_id}.")
    return found


def require_version(what: str, version: int, current: dict[str, Any], if_match: int | None, *,
                    required: bool = True) -> None:
    """Optimistic locking, for a picture or an annotation: a change names the version it was made from (If-Match);
    without one 428 (when `required`), a stale one 412 with the current state, so that no change is lost."""
    if if_match is None:
        if required:
            raise ProblemError(428, "precondition-required", "If-Match required",
                               f"Send the {what}'s ETag in If-Match, so that no one else's change is overwritten.")
        return
    if if_match != version:
        raise ProblemError(412, "stale-version", f"The {what} has changed",
                           f"Version {if_match} is not the current version {version}; reload and try again.",
                           current=current)


def check_version(picture: Picture, if_match: int | None, *, required: bool) -> None:
    require_version("picture", picture.version, picture.to_json(), if_match, required=required)


def parse_fields(body: Any, *, partial: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad("Send a JSON object.")
    known = {"district", "year", "tertial", "topic", "summary"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise bad(f"Unknown field(s) {', '.join(unknown)}; a picture has {', '.join(sorted(known))}.")
    fields: dict[str, Any] = {}
    if not partial or "district" in body:
        if not isinstance(body.get("district"), str) or not body["district"].strip():
            raise bad("district is the district's code (text).", "/district")
        fields["district_code"] = body["district"].strip()
    if not partial or "year" in body:
        year = body.get("year")
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            raise bad("year is a whole number from 2000 to 2100.", "/year")
        fields["year"] = year
    if not partial or "tertial" in body:
        tertial = body.get("tertial")
        if isinstance(tertial, bool) or tertial not in (1, 2, 3):
            raise bad("tertial is 1, 2 or 3.", "/tertial")
        fields["tertial"] = tertial
    if not partial or "topic" in body:
        if body.get("topic") not in TOPICS:
            raise bad(f"topic is one of {', '.join(TOPICS)}.", "/topic")
        fields["topic"] = body["topic"]
    if "summary" in body or not partial:
        summary = body.get("summary", "")
        if not isinstance(summary, str) or len(summary) > 20_000:
            raise bad("summary is text of at most 20,000 characters.", "/summary")
        fields["summary"] = summary
    return fields


def create(session: Session, body: Any, user: User | None, *, action: str = "create",
           origin: int | None = None) -> Picture:
    """A new draft; `action` and `origin` say in the audit log how it came about (e.g. copied forward from one)."""
    if user is None:
        raise needs_sign_in()
    fields = parse_fields(body, partial=False)
    if not session.execute(text("SELECT 1 FROM district WHERE code = :c"), {"c": fields["district_code"]}).first():
        raise bad(f"There is no district {fields['district_code']!r}.", "/district")
    if not user.may_edit(fields["district_code"]):
        raise forbidden(f"Only committee members of district {fields['district_code']} make its pictures.")
    taken = session.execute(text(
        "SELECT id FROM situation_picture WHERE district_code = :district_code AND year = :year AND "
        "tertial = :tertial AND topic = :topic"), fields).scalar()
    if taken is not None:
        raise ProblemError(409, "picture-exists", "The picture exists",
                           f"District {fields['district_code']} already has a {fields['topic']} picture for "
                           f"{fields['year']}-{fields['tertial']}: picture {taken}.", existing=taken)
    picture_id = session.execute(text(
        "INSERT INTO situation_picture (district_code, year, tertial, topic, summary, created_by, updated_by) "
        "VALUES (:district_code, :year, :tertial, :topic, :summary, :by, :by) RETURNING id"),
        {**fields, "by": user.email}).scalar_one()
    picture = _row(session, picture_id)
    after = picture.to_json() | ({"origin": origin} if origin is not None else {})
    audit.record(session, user.email, action, "situation_picture", picture_id, None, after)
    return picture


def find(session: Session, user: User | None, role: str, *, district: str | None = None, year: int | None = None,
         tertial: int | None = None, topic: str | None = None, status: str | None = None) -> list[Picture]:
    """The pictures the user may read, newest period first, filtered."""
    rows = session.execute(text(
        f"SELECT {_COLUMNS} FROM situation_picture "
        "WHERE (CAST(:district AS text) IS NULL OR district_code = :district) "
        "AND (CAST(:year AS int) IS NULL OR year = :year) AND (CAST(:tertial AS int) IS NULL OR tertial = :tertial) "
        "AND (CAST(:topic AS text) IS NULL OR topic = :topic) AND (CAST(:status AS text) IS NULL OR status = :status) "
        "ORDER BY year DESC, tertial DESC, district_code, topic"),
        {"district": district, "year": year, "tertial": tertial, "topic": topic, "status": status}).all()
    return [p for p in (Picture(*r) for r in rows) if may_read(user, role, p)]


def update(session: Session, picture_id: int, body: Any, user: User | None, role: str, if_match: int | None) -> Picture:
    """Change a draft's or a returned picture's summary (the period and district are fixed once made)."""
    picture = get(session, picture_id, user, role, lock=True)
    _may_edit(user, picture)
    check_version(picture, if_match, required=True)
    fields = parse_fields(body, partial=True)
    fixed = {"district_code", "year", "tertial", "topic"} & set(fields)
    if any(fields[k] != getattr(picture, k) for k in fixed):
        raise bad("A picture's district, year, tertial and topic are fixed once it is made; change its summary.")
    return _change(session, picture, user, "update", summary=fields.get("summary", picture.summary))


def _change(session: Session, picture: Picture, user: User, action: str, **changes: Any) -> Picture:
    sets = ", ".join(f"{k} = :{k}" for k in changes)
    session.execute(text(f"UPDATE situation_picture SET {sets}, version = version + 1, updated_by = :by, "
                         "updated_at = now() WHERE id = :id"), {**changes, "by": user.email, "id": picture.id})
    after = _row(session, picture.id)
    audit.record(session, user.email, action, "situation_picture", picture.id, picture.to_json(), after.to_json())
    return after


def delete(session: Session, picture_id: int, user: User | None, role: str, if_match: int | None) -> None:
    picture = get(session, picture_id, user, role, lock=True)
    _may_edit(user, picture)
    if picture.status != "draft":
        raise forbidden("Only a draft that was never submitted can be deleted.")
    check_version(picture, if_match, required=True)
    session.execute(text("DELETE FROM situation_picture WHERE id = :id"), {"id": picture.id})
    audit.record(session, user.email, "delete", "situation_picture", picture.id, picture.to_json(), None)


def submit(session: Session, picture_id: int, user: User | None, role: str, if_match: int | None) -> Picture:
    picture = get(session, picture_id, user, role, lock=True)
    _may_edit(user, picture)
    check_version(picture, if_match, required=False)
    return _change(session, picture, user, "submit", status="submitted")


def decide(session: Session, picture_id: int, user: User | None, role: str, if_match: int | None, *,
           accept: bool, comment: Any = None) -> Picture:
    """The city office accepts a submitted picture, or returns it with a comment."""
    picture = get(session, picture_id, user, role, lock=True)
    if user is None:
        raise needs_sign_in()
    if user.role != "city":
        raise forbidden("Only the city office accepts or returns situation pictures.")
    if picture.status != "submitted":
        raise forbidden(f"The picture is {picture.status}; only a submitted picture is accepted or returned.")
    check_version(picture, if_match, required=False)
    if accept:
        return _change(session, picture, user, "accept", status="accepted", comment=None)
    if not isinstance(comment, str) or not comment.strip() or len(comment) > 5000:
        raise bad("Returning a picture needs a comment (text, at most 5,000 characters) saying what to change.",
                  "/comment")
    return _change(session, picture, user, "return", status="returned", comment=comment.strip())
