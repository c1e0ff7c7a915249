"""The situation pictures that cover a site: the accepted (published) pictures with annotations touching it, for the
planner's site check. Drafts, submitted and returned pictures never count; titles and texts stay in the pictures
(the check names the pictures and counts what touches the site), since a saved check outlives who ran it."""
from __future__ import annotations

from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp.i18n import both
from webapp.services.pictures.hotspots import layer_for

LIMIT = 20
_TOUCHING = text("""
    SELECT p.id, p.district_code, p.year, p.tertial, p.topic, a.kind, count(*)
    FROM annotation a JOIN situation_picture p ON p.id = a.picture_id
    WHERE p.status = 'accepted' AND ST_Intersects(a.geom, ST_GeomFromWKB(:wkb, 3006))
    GROUP BY 1, 2, 3, 4, 5, 6
""")


def covering(session: Session, area: BaseGeometry) -> dict[str, Any]:
    """What the site check says about situation pictures: each accepted picture with annotations touching `area`
    (EPSG:3006), newest period first, and the number of drawn hotspots among them (all, and per incident layer:
    accidents pictures for the accidents layer, the other topics for crime)."""
    found: dict[int, dict[str, Any]] = {}
    for pid, district, year, tertial, topic, kind, n in session.execute(_TOUCHING, {"wkb": area.wkb}).all():
        entry = found.setdefault(pid, {"id": pid, "district": district, "year": year, "tertial": tertial,
                                       "topic": topic, "annotations": 0, "by_kind": {}})
        entry["annotations"] += n
        entry["by_kind"][kind] = n
    pictures = sorted(found.values(), key=lambda p: (-p["year"], -p["tertial"], p["district"], p["topic"]))
    hotspots = sum(p["by_kind"].get("hotspot", 0) for p in pictures)
    by_layer: dict[str, int] = {}  # an incident layer's verdict counts the hotspots of the pictures it serves
    for p in pictures:
        layer = layer_for(p["topic"])
        by_layer[layer] = by_layer.get(layer, 0) + p["by_kind"].get("hotspot", 0)
    total = sum(p["annotations"] for p in pictures)
    if not pictures:
        note = both("No accepted situation picture has an annotation at the site.")
    else:
        note = both("%(count)s annotations of %(pictures)s accepted situation pictures touch the site, "
                    "%(hotspots)s of them hotspots.", count=total, pictures=len(pictures), hotspots=hotspots)
    return {"status": "found" if pictures else "none", "pictures": pictures[:LIMIT], "annotations": total,
            "hotspots": hotspots, "hotspots_by_layer": by_layer, "note": note}

