"""Copy forward: a committee starts the next period's picture from an earlier one — the same district and topic,
its summary, and every annotation copied and linked to the one it came from (`origin`), so that the next period
follows up the measures and comparing two periods can tell what moved, changed or went. The copy is a new draft;
the earlier picture is not touched."""
from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp.services import pictures
from webapp.services.accounts import User, audit
from webapp.services.pictures import drawings


def next_period(year: int, tertial: int) -> tuple[int, int]:
    return (year + 1, 1) if tertial == 3 else (year, tertial + 1)


def _target(body: Any, source: pictures.Picture) -> tuple[int, int]:
    if body is None:
        body = {}
    if not isinstance(body, dict) or set(body) - {"year", "tertial"}:
        raise pictures.bad("Send nothing (the next period) or a JSON object with the period's year and tertial.")
    year, tertial = next_period(source.year, source.tertial)
    if body:
        fields = pictures.parse_fields({"district": source.district_code, "topic": source.topic, "year": year,
                                        "tertial": tertial} | body, partial=True)
        year, tertial = fields["year"], fields["tertial"]
    if (year, tertial) <= (source.year, source.tertial):
        raise pictures.bad(f"Copy forward goes to a later period than {source.year}-{source.tertial}.", "/tertial")
    return year, tertial


def copy_forward(session: Session, picture_id: int, body: Any, user: User | None, role: str) -> pictures.Picture:
    """The new period's picture (a draft), with the source picture's summary and copies of its annotations."""
    source = pictures.get(session, picture_id, user, role)
    if user is None:
        raise pictures.needs_sign_in()
    if not user.may_edit(source.district_code):
        raise pictures.forbidden(f"Only committee members of district {source.district_code} make its pictures.")
    year, tertial = _target(body, source)
    picture = pictures.create(session, {"district": source.district_code, "year": year, "tertial": tertial,
                                        "topic": source.topic, "summary": source.summary}, user,
                              action="copy_forward", origin=source.id)
    session.execute(text(
        "INSERT INTO annotation (picture_id, kind, severity, title, body, measure_type, responsible, measure_status, "
        "valid_from, valid_to, origin_id, statistics, created_by, updated_by, geom) "
        "SELECT :new, kind, severity, title, body, measure_type, responsible, measure_status, valid_from, valid_to, "
        "id, statistics, :by, :by, geom FROM annotation WHERE picture_id = :old ORDER BY id"),
        {"new": picture.id, "old": source.id, "by": user.email})
    for feature in drawings.listing(session, picture.id, user, role)["features"]:
        audit.record(session, user.email, "copy_forward", "annotation", feature["id"], None, feature)
    return picture
