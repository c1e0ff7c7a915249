"""Computed hotspots of the incident layers (Getis-Ord Gi* per grid cell, `compute`): the current runs, one run's
cells, and the significant cells a site touches. A cell with fewer than k incidents never shows its count."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.crime import K_ANONYMITY
from webapp.errors import not_found

# The run a site check and the viewer start from: the last 12 months of data, every category, all day.
DEFAULT = {"period": "12m", "category": None, "band": "all"}
# A site "touches a hotspot" when it meets a hot cell at 95 % (class 2) or 99 % (class 3) confidence.
SIGNIFICANT_CLASS = 2


@dataclass(frozen=True)
class Run:
    id: int
    layer: str
    layer_version: int
    category: str | None
    period: str
    period_start: date
    period_end: date
    band: str
    grid: str
    params: dict[str, Any]
    incidents: int
    cells: int
    hot: int
    cold: int
    computed_at: datetime
    current: bool

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "layer": self.layer, "layer_version": self.layer_version,
                "category": self.category or "all", "period": self.period,
                "period_start": self.period_start.isoformat(), "period_end": self.period_end.isoformat(),
                "band": self.band, "grid": self.grid, "parameters": self.params, "incidents": self.incidents,
                "cells": self.cells, "hot": self.hot, "cold": self.cold, "computed_at": self.computed_at.isoformat(),
                "current": self.current}


_RUN_COLUMNS = ("id, layer, layer_version, category, period, period_start, period_end, band, grid, params, incidents, "
                "cells, hot, cold, computed_at, current")


def runs(session: Session, layer: str = "crime") -> list[Run]:
    """The current runs of a layer: the last 12 months first, then years and tertials, newest first."""
    rows = session.execute(text(f"""
        SELECT {_RUN_COLUMNS} FROM hotspot_run WHERE layer = :layer AND current
        ORDER BY period <> '12m', period_start DESC, length(period), category NULLS FIRST, band <> 'all', band
    """), {"layer": layer}).all()
    return [Run(*row) for row in rows]


def run(session: Session, run_id: int) -> Run:
    row = session.execute(text(f"SELECT {_RUN_COLUMNS} FROM hotspot_run WHERE id = :id"), {"id": run_id}).first()
    if row is None:
        raise not_found("Hotspot run", f"There is no hotspot run {run_id}.")
    return Run(*row)


def find(session: Session, layer: str = "crime", period: str = "12m", category: str | None = None,
         band: str = "all") -> Run | None:
    """The current run of one kind, or None when none was computed."""
    row = session.execute(text(f"""
        SELECT {_RUN_COLUMNS} FROM hotspot_run
        WHERE current AND layer = :layer AND period = :period AND COALESCE(category, '') = :category AND band = :band
    """), {"layer": layer, "period": period, "category": category or "", "band": band}).first()
    return Run(*row) if row is not None else None


def shown_count(n: int, k: int = K_ANONYMITY) -> int | None:
    """A cell's count as anyone may see it: None below k."""
    return n if n >= k else None


# The confidence of a hot (or cold) cell's class, after the FDR correction.
CONFIDENCE = {1: "90 %", 2: "95 %", 3: "99 %"}


_AT_SITE = text("""
    SELECT count(*), max(h.class), max(h.z), min(h.p_fdr)
    FROM grid_cell AS g JOIN hotspot_cell AS h ON h.run_id = :run AND h.i = g.i AND h.j = g.j
    WHERE g.grid = :grid AND g.geom && ST_GeomFromWKB(:box, 3006) AND h.class >= :class
      AND ST_Intersects(g.geom, ST_GeomFromWKB(:wkb, 3006))
""")


def at_site(session: Session, site, layer: str = "crime") -> dict[str, Any] | None:
    """The significant hot cells (95 % or 99 %) of the default run that the site touches: their number, the
    highest class and z, the lowest corrected p, and the run; None when no run was computed."""
    found = find(session, layer, **DEFAULT)
    if found is None:
        return None
    count, top, z, p_fdr = session.execute(_AT_SITE, {
        "run": found.id, "grid": found.grid, "box": shapely.box(*site.bounds).wkb, "wkb": site.wkb,
        "class": SIGNIFICANT_CLASS}).one()
    return {"cells": int(count), "class": int(top or 0), "z": round(float(z), 2) if z is not None else None,
            "p_fdr": float(p_fdr) if p_fdr is not None else None, "run": found}
