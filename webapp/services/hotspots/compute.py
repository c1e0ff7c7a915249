"""Recompute the hotspots of an incident layer: count the incidents per grid cell in PostGIS (one grouped query for
the periods, one for the time bands), then Gi* with a distance band, p-values and the Benjamini–Hochberg
correction per run in numpy (`geo.hotspots`), and store every run with its parameters, input counts and the
layer's version (`hotspot_run`, `hotspot_cell`, the cells' shapes in `grid_cell`).

A run is one category (or all) × one period (the last 12 months, a year, a tertial) × one time band (all day, a
time of day, weekdays or weekends). The runs of the same kind computed before stop being current and lose their
cells; their rows stay, so a hotspot quoted in a situation picture can still be traced to its parameters."""
from __future__ import annotations

import io
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np
import shapely
from shapely import wkb as shapely_wkb
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.hotspots import LEVELS, Grid, gi_star
from webapp.errors import ProblemError
from webapp.services import catalog

LOCAL_TZ = "Europe/Stockholm"
# Time-of-day bands (local hours, [from, to)) and the weekday bands, each over the last 12 months.
TIME_BANDS: dict[str, tuple[int, int]] = {"night": (0, 6), "morning": (6, 12), "afternoon": (12, 18),
                                          "evening": (18, 24)}
DAY_BANDS = ("weekday", "weekend")
BANDS = ("all", *TIME_BANDS, *DAY_BANDS)
LAST_12_MONTHS = "12m"


@dataclass(frozen=True)
class Parameters:
    """What a run depends on besides the data; stored with every run. The defaults are documented in README:
    hexagons of 250 m × 250 m's area (edge 155 m; squares with `shape="square"`), a fixed distance band of 500 m
    between cell centres (the cell and its 12 nearest neighbours), binary weights with the cell itself (Gi*), the
    study area the cells whose centres lie in a district, two-sided p-values, Benjamini–Hochberg over the study
    area, classes at 90/95/99 % on the corrected p-value."""

    shape: str = "hex"
    cell_m: float = 250.0
    band_m: float = 500.0
    method: str = "Getis-Ord Gi* (Ord & Getis 1995), binary distance band, self included"
    correction: str = "Benjamini-Hochberg false discovery rate over the study area"
    confidence: tuple[float, ...] = field(default=tuple(1 - threshold for threshold, _ in LEVELS))

    @property
    def grid(self) -> Grid:
        return Grid(self.shape, self.cell_m)

    @property
    def grid_key(self) -> str:
        return f"{self.shape}-{self.cell_m:g}"


@dataclass(frozen=True)
class Period:
    key: str            # "12m", "2026", "2026-2"
    start: date
    end: date           # exclusive


@dataclass(frozen=True)
class RunSummary:
    id: int
    category: str | None
    period: str
    band: str
    incidents: int
    hot: int
    cold: int


@dataclass(frozen=True)
class Outcome:
    runs: tuple[RunSummary, ...]
    incidents: int              # in the layer
    outside: int                # outside the study area
    cells: int                  # in the study area
    sql_seconds: float
    python_seconds: float
    store_seconds: float

    def summary(self) -> str:
        if not self.runs:
            return "hotspots: no incidents to compute from"
        main = next((r for r in self.runs if r.category is None and r.period == LAST_12_MONTHS and r.band == "all"),
                    self.runs[0])
        what = "last 12 months" if main.period == LAST_12_MONTHS else main.period
        what += f", {main.category or 'all categories'}" + ("" if main.band == "all" else f", {main.band}")
        return (f"hotspots: {len(self.runs)} run{'s' if len(self.runs) > 1 else ''} over {self.cells:,} cells; "
                f"{what}: {main.hot} hot and {main.cold} cold cells from {main.incidents:,} incidents "
                f"({self.sql_seconds:.2f} s SQL, {self.python_seconds:.2f} s Python, {self.store_seconds:.2f} s "
                "storing)")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def bad(title: str, detail: str) -> ProblemError:
    return ProblemError(400, "invalid-parameter", title, detail)


def checked_parameters(shape: str, cell_m: float, band_m: float) -> Parameters:
    """Parameters from a command line or a request, or a 400 problem that says what is wrong."""
    if not 50 <= cell_m <= 5000:
        raise bad("Invalid cell size", f"The cell size is between 50 and 5,000 m, not {cell_m:g}.")
    parameters = Parameters(shape=shape, cell_m=cell_m, band_m=band_m)
    if not parameters.grid.spacing <= band_m <= 20 * parameters.grid.spacing:
        raise bad("Invalid distance band", f"The distance band reaches at least the next cell "
                  f"({parameters.grid.spacing:.0f} m between centres) and at most 20 cells, not {band_m:g} m.")
    return parameters


def periods_of(first: date, last: date) -> list[Period]:
    """The last 12 months up to the end of the latest incident's month, every calendar year and every tertial
    (January–April, May–August, September–December) the incidents reach into."""
    end = _add_months(date(last.year, last.month, 1), 1)
    found = [Period(LAST_12_MONTHS, _add_months(end, -12), end)]
    for year in range(first.year, last.year + 1):
        found.append(Period(str(year), date(year, 1, 1), date(year + 1, 1, 1)))
    for year in range(first.year, last.year + 1):
        for tertial in (1, 2, 3):
            start = date(year, 4 * tertial - 3, 1)
            stop = _add_months(start, 4)
            if stop > date(first.year, first.month, 1) and start <= last:
                found.append(Period(f"{year}-{tertial}", start, stop))
    return found


def _cells_sql(grid: Grid, points: str, rest: str) -> str:
    """SQL that puts each row of `points` (columns x, y in metres and the columns `rest`) in its cell (i, j): the
    same arithmetic as Grid.index. Each step is fenced (OFFSET 0) so that PostgreSQL computes ST_X and the
    rounding once per row instead of inlining them into every later expression (half the time on 1M rows)."""
    if grid.shape == "square":
        return (f"SELECT {rest}, floor(x / {grid.cell_m!r})::int AS i, floor(y / {grid.cell_m!r})::int AS j "
                f"FROM ({points} OFFSET 0) AS a")
    edge = repr(grid.edge)
    return f"""
        SELECT {rest}, (CASE WHEN dq > dr AND dq > ds THEN -r - s ELSE q END)::int AS i,
               (CASE WHEN NOT (dq > dr AND dq > ds) AND dr > ds THEN -q - s ELSE r END)::int AS j
        FROM (SELECT {rest}, q, r, s, abs(q - qf) AS dq, abs(r - rf) AS dr, abs(s + qf + rf) AS ds
              FROM (SELECT {rest}, qf, rf, round(qf) AS q, round(rf) AS r, round(-qf - rf) AS s
                    FROM (SELECT {rest}, (2.0 / 3.0) * x / {edge} AS qf,
                                 (-x / 3.0 + sqrt(3.0) / 3.0 * y) / {edge} AS rf
                          FROM ({points} OFFSET 0) AS a OFFSET 0) AS b OFFSET 0) AS c OFFSET 0) AS d"""


# A band's number: the time of day's index × 2 + 1 at weekends.
_HOURS = " ".join(f"WHEN extract(hour FROM t) < {stop} THEN {k}" for k, (_, stop) in enumerate(TIME_BANDS.values()))
_POINTS = f"""
    SELECT x, y, c, extract(year FROM t)::int * 12 + extract(month FROM t)::int - 1 AS month,
           CASE WHEN occurred_at >= %(start)s AND occurred_at < %(end)s
                THEN (CASE {_HOURS} END) * 2 + (extract(isodow FROM t) >= 6)::int END AS band
    FROM (SELECT ST_X(geom) AS x, ST_Y(geom) AS y, occurred_at, occurred_at AT TIME ZONE '{LOCAL_TZ}' AS t,
                 COALESCE(array_position(%(categories)s, category), 0) AS c
          FROM incident WHERE layer = %(layer)s OFFSET 0) AS p
"""


def counts_sql(grid: Grid) -> str:
    """Incidents per cell, category (1-based in the list) and month (year × 12 + month − 1), and per cell, category
    and band over the last 12 months (band: time of day × 2 + 1 at weekends), in one scan: rows of i, j,
    category, month or −1, band or −1, count."""
    return f"""
        SELECT i, j, c, COALESCE(month, -1), COALESCE(band, -1), count(*)::int
        FROM ({_cells_sql(grid, _POINTS, "c, month, band")}) AS cells
        GROUP BY GROUPING SETS ((i, j, c, month), (i, j, c, band))
        HAVING GROUPING(band) = 1 OR band IS NOT NULL
    """


def _fetch(session: Session, sql: str, params: dict) -> np.ndarray:
    """The rows of the counting query as one int64 array, read through COPY (a million incidents group to a few
    hundred thousand rows)."""
    cursor = session.connection().connection.driver_connection.cursor()
    buffer = io.StringIO()
    cursor.copy_expert(cursor.mogrify(f"COPY ({sql}) TO STDOUT", params).decode(), buffer)
    values = np.array(buffer.getvalue().split(), dtype=np.int64)
    return values.reshape(-1, 6)


def _study_area(session: Session, grid: Grid, bounds: tuple[float, float, float, float]):
    """The grid's index window over the districts (or the incidents when there are none) and the mask of cells
    whose centre lies in a district."""
    union = session.execute(text("SELECT ST_AsBinary(ST_Union(geom)) FROM district")).scalar()
    shape = shapely_wkb.loads(bytes(union)) if union is not None else None
    x0, y0, x1, y1 = shape.bounds if shape is not None else bounds
    pad = grid.edge * 2
    ii, jj = grid.index(np.array([x0 - pad, x1 + pad, x0 - pad, x1 + pad]),
                        np.array([y0 - pad, y0 - pad, y1 + pad, y1 + pad]))
    i0, i1, j0, j1 = int(ii.min()) - 1, int(ii.max()) + 1, int(jj.min()) - 1, int(jj.max()) + 1
    if grid.shape == "hex":  # axial rows slant: widen the window so that it covers the box
        j0 -= (i1 - i0) // 2 + 1
        j1 += (i1 - i0) // 2 + 1
    jg, ig = np.mgrid[j0:j1 + 1, i0:i1 + 1]
    cx, cy = grid.centre(ig, jg)
    if shape is None:
        area = (cx >= x0 - grid.edge) & (cx <= x1 + grid.edge) & (cy >= y0 - grid.edge) & (cy <= y1 + grid.edge)
    else:
        shapely.prepare(shape)
        area = shapely.contains_xy(shape, cx, cy)
    return i0, j0, area


def compute(session: Session, *, layer: str = "crime", parameters: Parameters | None = None,
            periods: list[str] | None = None, categories: list[str] | None = None,
            bands: list[str] | None = None) -> Outcome:
    """Recompute the hotspot runs of an incident layer (all periods, categories and bands unless narrowed) and
    store them; the caller commits."""
    parameters = parameters or Parameters()
    grid = parameters.grid
    kernel = grid.kernel(parameters.band_m)
    catalog.layer_id(session, layer)  # locks the layer row: one recompute (or import) at a time
    version = session.execute(text("SELECT version FROM layer WHERE slug = :slug"), {"slug": layer}).scalar_one()
    started = time.perf_counter()
    first, last, total, x0, y0, x1, y1, present = session.execute(text(f"""
        SELECT min(occurred_at AT TIME ZONE '{LOCAL_TZ}')::date, max(occurred_at AT TIME ZONE '{LOCAL_TZ}')::date,
               count(*), ST_XMin(ST_Extent(geom)), ST_YMin(ST_Extent(geom)), ST_XMax(ST_Extent(geom)),
               ST_YMax(ST_Extent(geom)), array_agg(DISTINCT category)
        FROM incident WHERE layer = :layer
    """), {"layer": layer}).one()
    if not total:
        _retire(session, layer, None)
        return Outcome((), 0, 0, 0, time.perf_counter() - started, 0.0, 0.0)
    present = sorted(present)
    known = periods_of(first, last)
    unknown = sorted(set(periods or ()) - {p.key for p in known})
    if unknown:
        raise bad("Unknown period", f"No incidents fall in {', '.join(unknown)}; the periods with incidents are "
                  f"{', '.join(p.key for p in known)}.")
    unknown = sorted(set(categories or ()) - {"all", *present})
    if unknown:
        raise bad("Unknown category", f"No incidents are of {', '.join(unknown)}; the categories are all, "
                  f"{', '.join(present)}.")
    wanted_periods = [p for p in known if periods is None or p.key in periods]
    twelve = known[0]
    rows = _fetch(session, counts_sql(grid), {"start": twelve.start, "end": twelve.end, "categories": present,
                                            "layer": layer})
    month_rows, band_rows = rows[rows[:, 4] < 0][:, [0, 1, 2, 3, 5]], rows[rows[:, 3] < 0][:, [0, 1, 2, 4, 5]]
    sql_seconds = time.perf_counter() - started

    started = time.perf_counter()
    i0, j0, area = _study_area(session, grid, (x0, y0, x1, y1))
    wanted_categories: list[str | None] = [None, *present] if categories is None else \
        [None if c == "all" else c for c in categories]

    def arrays(rows: np.ndarray):
        # array_position counts from 1: category index = column − 1.
        return rows[:, 0] - i0, rows[:, 1] - j0, rows[:, 2] - 1, rows[:, 3], rows[:, 4].astype(np.float64)

    height, width = area.shape
    months = arrays(month_rows)
    band_data = arrays(band_rows)

    def inside(i, j):
        ok = (i >= 0) & (i < width) & (j >= 0) & (j < height)
        ok[ok] = area[j[ok], i[ok]]
        return ok

    month_inside = inside(months[0], months[1])
    outside = int(months[4][~month_inside].sum())
    results = []
    for period in wanted_periods:
        lo = period.start.year * 12 + period.start.month - 1
        hi = period.end.year * 12 + period.end.month - 1
        in_period = month_inside & (months[3] >= lo) & (months[3] < hi)
        for category in wanted_categories:
            if bands is None or "all" in bands:
                mask = in_period if category is None else in_period & (months[2] == present.index(category)) \
                    if category in present else np.zeros_like(in_period)
                results.append((period, category, "all", _grid(months, mask, area)))
    if len(band_rows) and any(p.key == LAST_12_MONTHS for p in wanted_periods):
        band_inside = inside(band_data[0], band_data[1])
        for category in wanted_categories:
            in_category = band_inside if category is None else band_inside & (band_data[2] == present.index(category)) \
                if category in present else np.zeros_like(band_inside)
            for b, name in enumerate(TIME_BANDS):
                if bands is None or name in bands:
                    results.append((twelve, category, name, _grid(band_data, in_category & (band_data[3] // 2 == b),
                                                                  area)))
            for d, name in enumerate(DAY_BANDS):
                if bands is None or name in bands:
                    results.append((twelve, category, name, _grid(band_data, in_category & (band_data[3] % 2 == d),
                                                                  area)))
    scored = [(period, category, band, counts, gi_star(counts, kernel, area))
              for period, category, band, counts in results]
    python_seconds = time.perf_counter() - started

    started = time.perf_counter()
    everything = periods is None and categories is None and bands is None
    runs = _store(session, layer, version, parameters, grid, i0, j0, area, scored, retire_all=everything)
    return Outcome(tuple(runs), int(total), outside, int(area.sum()), sql_seconds, python_seconds,
                   time.perf_counter() - started)


def _grid(data, mask: np.ndarray, area: np.ndarray) -> np.ndarray:
    i, j, _, _, count = data
    height, width = area.shape
    flat = np.bincount(j[mask] * width + i[mask], weights=count[mask], minlength=height * width)
    return flat.reshape(height, width)


def _retire(session: Session, layer: str, kinds: list[dict] | None) -> None:
    """Earlier runs of these kinds (category, period, band; None: every run of the layer) stop being current and
    lose their cells; their rows stay."""
    old = session.execute(text("""
        UPDATE hotspot_run AS r SET current = false
        WHERE r.current AND r.layer = :layer AND (CAST(:kinds AS json) IS NULL OR EXISTS (
            SELECT 1 FROM json_to_recordset(CAST(:kinds AS json)) AS k(category text, period text, band text)
            WHERE COALESCE(r.category, '') = k.category AND r.period = k.period AND r.band = k.band))
        RETURNING r.id
    """), {"kinds": None if kinds is None else json.dumps(kinds), "layer": layer}).scalars().all()
    if old:
        session.execute(text("DELETE FROM hotspot_cell WHERE run_id = ANY(:ids)"), {"ids": list(old)})


# One row of hotspot_cell in PostgreSQL's binary COPY format: a field count, then each field's length and value,
# big-endian; built for all cells of a run at once by numpy.
_CELL_ROW_SIZES = {"run_id": 4, "i": 4, "j": 4, "n": 4, "z": 8, "p": 8, "p_fdr": 8, "class": 2}
_CELL_ROW = np.dtype([("fields", ">i2")] + [field for name, size in _CELL_ROW_SIZES.items() for field in (
    (f"{name}_size", ">i4"), (name, {4: ">i4", 8: ">f8", 2: ">i2"}[size]))])


def _store(session: Session, layer: str, version: int, parameters: Parameters, grid: Grid, i0: int, j0: int,
           area: np.ndarray, scored, retire_all: bool) -> list[RunSummary]:
    key = parameters.grid_key
    cursor = session.connection().connection.driver_connection.cursor()
    # The cells' shapes, once per grid: every study-area cell not stored yet.
    jj, ii = np.nonzero(area)
    cx, cy = grid.centre(ii + i0, jj + j0)
    ring = grid.outline()
    buffer = io.StringIO()
    for i, j, x, y in zip((ii + i0).tolist(), (jj + j0).tolist(), cx.tolist(), cy.tolist(), strict=True):
        corners = ", ".join(f"{x + dx:.2f} {y + dy:.2f}" for dx, dy in ring)
        buffer.write(f"{key}\t{i}\t{j}\tSRID=3006;POLYGON(({corners}))\n")
    buffer.seek(0)
    session.execute(text("CREATE TEMPORARY TABLE IF NOT EXISTS grid_cell_in (grid text, i int, j int, geom text) "
                         "ON COMMIT DROP"))
    session.execute(text("TRUNCATE grid_cell_in"))
    cursor.copy_expert("COPY grid_cell_in FROM STDIN", buffer)
    session.execute(text("""
        INSERT INTO grid_cell (grid, i, j, geom)
        SELECT n.grid, n.i, n.j, ST_GeomFromEWKT(n.geom) FROM grid_cell_in AS n
        WHERE NOT EXISTS (SELECT 1 FROM grid_cell AS g WHERE g.grid = n.grid AND g.i = n.i AND g.j = n.j)
    """))
    _retire(session, layer, None if retire_all else
            [{"category": category or "", "period": period.key, "band": band} for period, category, band, *_ in scored])
    params = json.dumps({**asdict(parameters), "grid": key, "edge_m": round(grid.edge, 3),
                         "neighbours": int(grid.kernel(parameters.band_m).sum())})
    rows = [{"category": category, "period": period.key, "start": period.start.isoformat(),
             "end": period.end.isoformat(), "band": band, "incidents": int(counts[area].sum()), "cells": result.n,
             "hot": int((result.classes > 0).sum()), "cold": int((result.classes < 0).sum())}
            for period, category, band, counts, result in scored]
    returned = session.execute(text("""
        INSERT INTO hotspot_run (layer, layer_version, category, period, period_start, period_end, band, grid,
                                 params, incidents, cells, hot, cold)
        SELECT :layer, :version, r.category, r.period, r.start, r."end", r.band, :grid, CAST(:params AS jsonb),
               r.incidents, r.cells, r.hot, r.cold
        FROM json_to_recordset(CAST(:rows AS json))
             AS r(category text, period text, start date, "end" date, band text, incidents int, cells int, hot int,
                  cold int)
        RETURNING id, category, period, band
    """), {"layer": layer, "version": version, "grid": key, "params": params, "rows": json.dumps(rows)}).all()
    by_kind = {(category, period, band): run_id for run_id, category, period, band in returned}
    ids = [by_kind[(row["category"], row["period"], row["band"])] for row in rows]
    runs = [RunSummary(run_id, row["category"], row["period"], row["band"], row["incidents"], row["hot"], row["cold"])
            for run_id, row in zip(ids, rows, strict=True)]
    parts = []
    for run_id, (_, _, _, counts, result) in zip(ids, scored, strict=True):
        keep = area & ((counts > 0) | (result.classes != 0))
        kj, ki = np.nonzero(keep)
        part = np.empty(len(ki), dtype=_CELL_ROW)
        part["fields"], part["run_id"] = 8, run_id
        part["i"], part["j"], part["n"] = ki + i0, kj + j0, counts[keep]
        part["z"], part["p"], part["p_fdr"], part["class"] = result.z[keep], result.p[keep], result.p_fdr[keep], \
            result.classes[keep]
        parts.append(part)
    for name, size in _CELL_ROW_SIZES.items():
        for part in parts:
            part[f"{name}_size"] = size
    body = b"".join(part.tobytes() for part in parts)
    # PostgreSQL's binary COPY: signature, flags, header extension, the rows, the trailer.
    payload = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") * 2 + body + (-1).to_bytes(2, "big", signed=True)
    cursor.copy_expert('COPY hotspot_cell (run_id, i, j, n, z, p, p_fdr, "class") FROM STDIN WITH (FORMAT binary)',
                       io.BytesIO(payload))
    session.execute(text("ANALYZE hotspot_cell"))
    return runs
