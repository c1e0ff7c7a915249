"""Computed hotspots in a situation picture: the hot cells of the current run in the picture's district, grouped
into clusters of touching cells, and a cluster taken into the picture as a hotspot annotation that keeps the
run's statistics (z, p, p after the FDR correction, class, period, parameters). Only those who may edit the
picture take hotspots into it; a cell's count below k is never copied."""
from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp.services import hotspots, pictures
from webapp.services.accounts import User, audit
from webapp.services.pictures import drawings

_CELL_ID = re.compile(r"(\d{1,9})_(-?\d{1,9})_(-?\d{1,9})")
_HOT_IN_DISTRICT = """
    SELECT h.i, h.j, h.n, h.z, h.p, h.p_fdr, h."class", g.geom
    FROM hotspot_cell AS h JOIN grid_cell AS g ON g.grid = :grid AND g.i = h.i AND g.j = h.j
    WHERE h.run_id = :run AND h."class" > 0
      AND ST_Intersects(g.geom, (SELECT ST_Union(geom) FROM district WHERE code = :district))
"""


def layer_for(topic: str) -> str | None:
    """The incident layer whose hotspots a picture of this topic takes: the accidents layer for an accidents
    picture, the crime layer for every other topic."""
    return "accidents" if topic == "accidents" else "crime"


def _run(session: Session, picture: pictures.Picture, run_id: int | None = None) -> hotspots.Run | None:
    layer = layer_for(picture.topic)
    if layer is None:
        return None
    if run_id is None:
        return hotspots.find(session, layer, **hotspots.DEFAULT)
    found = hotspots.run(session, run_id)
    if found.layer != layer or not found.current:
        raise drawings.bad(f"Run {run_id} is not a current hotspot run of the {layer} layer; take the cells of a "
                           "current run (GET the picture's hotspots).", "/run")
    return found


def _cell(i: int, j: int, n: int, z: float, p: float, p_fdr: float, cls: int, run_id: int) -> dict[str, Any]:
    return {"id": f"{run_id}_{i}_{j}", "n": hotspots.shown_count(n), "z": round(z, 2), "p": p,
            "p_fdr": p_fdr, "class": cls, "confidence": hotspots.CONFIDENCE[cls]}


def clusters(session: Session, picture_id: int, user: User | None, role: str) -> dict[str, Any]:
    """The hot cells of the current run (last 12 months, all categories, all day) in the picture's district, in
    clusters of touching cells, strongest first."""
    picture = pictures.get(session, picture_id, user, role)
    run = _run(session, picture)
    if run is None:
        return {"run": None, "clusters": [], "layer": layer_for(picture.topic)}
    rows = session.execute(text(f"""
        SELECT c.cluster, json_agg(json_build_array(c.i, c.j, c.n, c.z, c.p, c.p_fdr, c."class") ORDER BY c.z DESC),
               ST_AsGeoJSON(ST_Transform(ST_UnaryUnion(ST_Collect(c.geom)), 4326), 6)
        FROM (SELECT *, ST_ClusterDBSCAN(geom, eps := 1, minpoints := 1) OVER () AS cluster
              FROM ({_HOT_IN_DISTRICT}) AS hot) AS c
        GROUP BY c.cluster ORDER BY max(c.z) DESC
    """), {"grid": run.grid, "run": run.id, "district": picture.district_code}).all()
    found = []
    for number, (_, cells, geometry) in enumerate(rows, start=1):
        cells = [_cell(*cell, run.id) for cell in cells]
        found.append({"number": number, "cells": cells, "z_max": max(c["z"] for c in cells),
                      "p_fdr_min": min(c["p_fdr"] for c in cells), "class": max(c["class"] for c in cells),
                      "geometry": json.loads(geometry)})
    return {"run": run.to_json(), "layer": run.layer, "clusters": found}


def take(session: Session, picture_id: int, body: Any, user: User | None, role: str) -> dict[str, Any]:
    """A hotspot annotation from hot cells of a current run ({"run": id, "cells": ["<run>_<i>_<j>", …], optional
    "title", "severity"}): their shape, and the run's statistics attached."""
    picture = pictures.get(session, picture_id, user, role, lock=True)  # a submit waits until the drawing is in
    pictures.assert_editable(user, picture)
    if not isinstance(body, dict):
        raise drawings.bad('Send {"run": <id>, "cells": ["<run>_<i>_<j>", ...]}.')
    run_id, ids = body.get("run"), body.get("cells")
    if isinstance(run_id, bool) or not isinstance(run_id, int):
        raise drawings.bad("run is the id of a current hotspot run.", "/run")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 500 or not all(isinstance(c, str) for c in ids):
        raise drawings.bad("cells is a list of 1 to 500 cell ids such as 149_2850_23083.", "/cells")
    unknown = sorted(set(body) - {"run", "cells", "title", "severity"})
    if unknown:
        raise drawings.bad(f"Unknown members {', '.join(unknown)}; send run, cells and optionally title, severity.")
    run = _run(session, picture, run_id)
    if run is None:
        raise drawings.bad("Accident hotspots are not computed yet; this picture's topic takes no crime hotspots.")
    wanted = set()
    for pointer, value in enumerate(ids):
        match = _CELL_ID.fullmatch(value)
        if match is None or int(match[1]) != run.id:
            raise drawings.bad(f"{value!r} is not a cell of run {run.id} (ids look like {run.id}_2850_23083).",
                               f"/cells/{pointer}")
        wanted.add((int(match[2]), int(match[3])))
    rows = session.execute(text(f"""
        SELECT i, j, n, z, p, p_fdr, "class", ST_AsBinary(geom) FROM ({_HOT_IN_DISTRICT}) AS hot
        WHERE (i, j) IN (SELECT * FROM unnest(CAST(:is AS int[]), CAST(:js AS int[])))
    """), {"grid": run.grid, "run": run.id, "district": picture.district_code,
           "is": [i for i, _ in wanted], "js": [j for _, j in wanted]}).all()
    found = {(r[0], r[1]) for r in rows}
    missing = sorted(wanted - found)
    if missing:
        i, j = missing[0]
        raise drawings.bad(f"Cell {run.id}_{i}_{j} is not a hot cell of run {run.id} in district "
                           f"{picture.district_code}.", "/cells")
    cells = [_cell(*r[:7], run.id) for r in sorted(rows, key=lambda r: -r[3])]
    top = max(c["class"] for c in cells)
    severity = body.get("severity", top)
    if isinstance(severity, bool) or severity not in (1, 2, 3, 4):
        raise drawings.bad("severity is 1, 2, 3 or 4.", "/severity")
    title = body.get("title") or f"Hotspot (Gi*, {hotspots.CONFIDENCE[top]}, {run.period})"
    if not isinstance(title, str) or len(title) > 200:
        raise drawings.bad("title is text of at most 200 characters.", "/title")
    statistics = {"method": run.params.get("method"), "correction": run.params.get("correction"), "run": run.id,
                  "layer": run.layer, "layer_version": run.layer_version, "category": run.category or "all",
                  "period": run.period, "period_start": run.period_start.isoformat(),
                  "period_end": run.period_end.isoformat(), "band": run.band, "grid": run.grid,
                  "parameters": run.params, "computed_at": run.computed_at.isoformat(),
                  "z_max": max(c["z"] for c in cells), "p_fdr_min": min(c["p_fdr"] for c in cells),
                  "confidence": hotspots.CONFIDENCE[top], "cells": cells}
    summary = (f"Getis-Ord Gi*, run {run.id}: {len(cells)} hot cells, z up to {statistics['z_max']:.2f}, "
               f"p after the FDR correction from {statistics['p_fdr_min']:.2g}; {run.category or 'all categories'}, "
               f"{run.period_start.isoformat()}–{run.period_end.isoformat()}, {run.band}.")
    annotation_id = session.execute(text("""
        INSERT INTO annotation (picture_id, kind, severity, title, body, statistics, created_by, updated_by, geom)
        SELECT :p, 'hotspot', :severity, :title, :body, CAST(:statistics AS jsonb), :by, :by,
               ST_UnaryUnion(ST_Collect(ST_GeomFromWKB(w, 3006)))
        FROM unnest(CAST(:wkbs AS bytea[])) AS w RETURNING id
    """), {"p": picture.id, "severity": severity, "title": title.strip(), "body": summary,
           "statistics": json.dumps(statistics), "by": user.email, "wkbs": [bytes(r[7]) for r in rows]}).scalar_one()
    created = drawings.get(session, picture.id, annotation_id, user, role)
    audit.record(session, user.email, "create", "annotation", annotation_id, None, created)
    return created
