"""What changed in a district's picture of one topic between two periods: annotations added, removed, moved (the
shape changed by more than a tolerance, as the Hausdorff distance in metres in EPSG:3006) or re-rated (severity or
measure status changed). An annotation of the later period is matched to the earlier one it descends from through
copy-forward links (`origin`), across any periods in between; one without such an ancestor was added, an earlier
one no later annotation descends from was removed. Only pictures the user may read are compared."""
from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp.errors import ProblemError, not_found
from webapp.services import pictures
from webapp.services.accounts import User

DEFAULT_TOLERANCE_M = 10.0
CHANGES = ("added", "removed", "moved", "rerated", "unchanged")
_PERIOD = re.compile(r"([0-9]{4})-([123])")
_PROPS = ("kind", "severity", "title", "body", "measure_type", "responsible", "measure_status", "valid_from",
          "valid_to")

# Each annotation of the later picture with its ancestor in the earlier one (if any), following `origin` up.
_MATCH = text("""
    WITH RECURSIVE chain (start_id, cur_id, origin_id, picture_id, depth) AS (
        SELECT a.id, a.id, a.origin_id, a.picture_id, 0 FROM annotation a WHERE a.picture_id = :later
        UNION ALL
        SELECT c.start_id, o.id, o.origin_id, o.picture_id, c.depth + 1
        FROM chain c JOIN annotation o ON o.id = c.origin_id
        WHERE c.picture_id <> :earlier AND c.depth < 100
    )
    SELECT start_id, cur_id FROM chain WHERE picture_id = :earlier AND depth > 0
""")
_ROWS = text(f"""
    SELECT a.id, {', '.join('a.' + p for p in _PROPS)}, a.origin_id,
           ST_AsGeoJSON(ST_Transform(a.geom, 4326), 6) FROM annotation a WHERE a.picture_id = :p ORDER BY a.id
""")
_DISTANCES = text("""
    SELECT u.y, ST_HausdorffDistance(a.geom, b.geom)
    FROM unnest(CAST(:a AS bigint[]), CAST(:b AS bigint[])) AS u(x, y)
    JOIN annotation a ON a.id = u.x JOIN annotation b ON b.id = u.y
""")


def parse_period(name: str, raw: str | None) -> tuple[int, int]:
    match = _PERIOD.fullmatch(raw or "")
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ProblemError(400, "invalid-parameter", f"Invalid {name}",
                           f"{name} is a period as YEAR-TERTIAL, e.g. 2026-2, not {(raw or '')[:40]!r}.")
    return int(match.group(1)), int(match.group(2))


def _picture(session: Session, user: User | None, role: str, district: str, topic: str,
             period: tuple[int, int]) -> pictures.Picture:
    found = pictures.find(session, user, role, district=district, topic=topic, year=period[0], tertial=period[1])
    if not found:
        raise not_found("Situation picture", f"There is no situation picture of {topic} for district {district} in "
                                             f"{period[0]}-{period[1]} that you may read.")
    return found[0]


def _features(session: Session, picture_id: int) -> dict[int, dict[str, Any]]:
    found = {}
    for row in session.execute(_ROWS, {"p": picture_id}).all():
        props = dict(zip(_PROPS, row[1:1 + len(_PROPS)], strict=True))
        for key in ("valid_from", "valid_to"):
            props[key] = props[key].isoformat() if props[key] else None
        found[row[0]] = {"type": "Feature", "id": row[0], "geometry": json.loads(row[-1]),
                         "properties": props | {"origin": row[-2]}}
    return found


def compare(session: Session, user: User | None, role: str, *, district: str, topic: str,
            earlier: tuple[int, int], later: tuple[int, int],
            tolerance_m: float = DEFAULT_TOLERANCE_M) -> dict[str, Any]:
    if topic not in pictures.TOPICS:
        raise ProblemError(400, "invalid-parameter", "Invalid topic", f"topic is one of {', '.join(pictures.TOPICS)}.")
    if later <= earlier:
        raise ProblemError(400, "invalid-parameter", "Invalid periods", "`to` is a later period than `from`.")
    before = _picture(session, user, role, district, topic, earlier)
    after = _picture(session, user, role, district, topic, later)
    old, new = _features(session, before.id), _features(session, after.id)
    pairs = dict(session.execute(_MATCH, {"earlier": before.id, "later": after.id}).all())  # later id → earlier id
    distances = dict(session.execute(_DISTANCES, {"a": list(pairs.values()), "b": list(pairs)}).all()) \
        if pairs else {}
    features = []
    for aid, feature in new.items():
        if aid not in pairs:
            features.append(_change(feature, ["added"], None, None))
            continue
        was = old[pairs[aid]]
        changes, distance = [], round(float(distances.get(aid, 0.0)), 1)
        if distance > tolerance_m:
            changes.append("moved")
        p, q = was["properties"], feature["properties"]
        if p["severity"] != q["severity"] or p["measure_status"] != q["measure_status"]:
            changes.append("rerated")
        features.append(_change(feature, changes or ["unchanged"], was, distance))
    kept = set(pairs.values())
    features += [_change(f, ["removed"], f, None) for aid, f in old.items() if aid not in kept]
    summary = {name: sum(name in f["properties"]["changes"] for f in features) for name in CHANGES}
    return {"district": district, "topic": topic, "tolerance_m": tolerance_m,
            "from": {"year": earlier[0], "tertial": earlier[1], "picture": before.id, "status": before.status},
            "to": {"year": later[0], "tertial": later[1], "picture": after.id, "status": after.status},
            "summary": summary, "type": "FeatureCollection", "features": features}


def _change(feature: dict, changes: list[str], was: dict | None, distance: float | None) -> dict[str, Any]:
    """One change as a GeoJSON Feature: the later shape (the earlier one when removed), what changed, and the
    earlier state beside it."""
    props = dict(feature["properties"]) | {"changes": changes, "annotation": feature["id"] if changes != ["removed"]
                                           else None}
    if was is not None and changes != ["removed"]:
        props |= {"before": {"annotation": was["id"], **{k: was["properties"][k] for k in _PROPS}},
                  "before_geometry": was["geometry"], "distance_m": distance}
    elif changes == ["removed"]:
        props |= {"before": {"annotation": was["id"], **{k: was["properties"][k] for k in _PROPS}}}
    return {"type": "Feature", "geometry": feature["geometry"], "properties": props}
