"""What an import did, in the words the CLI prints and the web upload shows: one summary per finished import."""
from __future__ import annotations

from typing import Any


def layer_lines(slug: str, result) -> list[str]:
    """A layer import's summary: "hazardous-goods: version 4; 17 features, 0 repaired; lon …; 0.4 s", then its
    notes (the incident categories, a raster's file)."""
    bounds = "no bounds" if result.bounds_lonlat is None else "lon {0}–{2}, lat {1}–{3}".format(*result.bounds_lonlat)
    return [f"{slug}: version {result.version}; {counted(result)}; {bounds}; {result.seconds} s",
            *(f"{slug}: {note}" for note in result.notes)]


def districts_lines(filename: str, result) -> list[str]:
    """A district import's summary: what was read, new, updated, removed and repaired, and the bounds."""
    west, south, east, north = result.bounds_lonlat
    demo = f"{result.demo_replaced} demo districts replaced; " if result.demo_replaced else ""
    moved = f"{result.incidents_reassigned} incidents re-assigned; " if result.incidents_reassigned else ""
    return [f"districts: {result.features} read from {filename} ({result.source_crs}); "
            f"{result.inserted} new, {result.updated} updated, {result.removed} removed, "
            f"{result.repaired} repaired; {demo}{moved}lon {west}–{east}, lat {south}–{north}; {result.seconds} s"]


def lines(job: str, result: Any, *, slug: str | None = None, filename: str = "") -> list[str]:
    """The summary of worker job `job` ("layer", "districts", "survey")."""
    if job == "layer":
        return layer_lines(slug or "", result)
    if job == "districts":
        return districts_lines(filename, result)
    return [result.summary()]


def counted(result) -> str:
    """What an import holds, as its result says: "1,204 features, 3 repaired", "100,000 incidents", or a
    raster's "12,212 × 12,212 cells of 2 m (24.4 × 24.4 km)"."""
    if result.grid is not None:
        g = result.grid
        return f"{g.width:,} × {g.height:,} cells of {round(g.cell_m, 2):g} m ({extent(g.width_m, g.height_m)})"
    counted = f"{result.count:,} {result.unit}{'' if result.count == 1 else 's'}"
    return counted if result.repaired is None else f"{counted}, {result.repaired:,} repaired"


def extent(width_m: float, height_m: float) -> str:
    """The ground a raster covers: "24.4 × 24.4 km", or "840 × 560 m" below a kilometre."""
    if max(width_m, height_m) >= 1000:
        return f"{width_m / 1000:,.1f} × {height_m / 1000:,.1f} km"
    return f"{width_m:,.0f} × {height_m:,.0f} m"
