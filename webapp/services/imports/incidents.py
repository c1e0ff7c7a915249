"""Incidents of the incident layers (crime, accidents): bulk loading (COPY) and the CSV import from the incident
system. Each layer's incidents are replaced on their own. Points are sensitive."""
from __future__ import annotations

import csv
import hashlib
import io
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import SWEREF99TM, SWEREF99TM_BOUNDS, WGS84, CRSError, parse_crs, transformer
from layers.base import LayerDefinition
from layers.crime import CELL_SIZES_M
from layers.crime import DEFINITION as CRIME
from webapp.errors import ProblemError
from webapp.services import catalog, districts
from webapp.services.hotspots import compute as hotspot_compute
from webapp.services.imports import csv_dialect, refused
from webapp.services.imports.categories import Categories, read_map
from webapp.services.imports.layers import LayerImport, bounds_lonlat

LOCAL_TIME = ZoneInfo("Europe/Stockholm")
TIME_FIELDS = ("occurred_at", "time", "tid", "datetime", "datum", "date", "tidpunkt")
CATEGORY_FIELDS = ("category", "kategori", "brottstyp", "brottskategori", "olyckstyp", "händelsetyp", "handelsetyp",
                   "type", "typ")
LON_FIELDS, LAT_FIELDS = ("lon", "longitude", "lng", "long"), ("lat", "latitude")
ID_FIELDS = ("id", "source_id", "incident_id", "händelse_id", "handelse_id", "ärendenummer", "arendenummer",
             "diarienummer", "löpnummer")
# How many refused rows a refusal lists (the problem's `refused_rows`; the message names the first few).
REFUSED_LISTED = 100
X_FIELDS, Y_FIELDS = ("x", "e", "easting", "east", "x_sweref"), ("y", "n", "northing", "north", "y_sweref")
# How far outside every district an incident may lie and still be imported. The district boundaries are generalised
# (a shoreline or a boundary street drawn a few tens of metres off) and the incident system places an incident at a
# geocoded address or a rounded position, so a report on a quay, a bridge or the city's edge lands just outside; a
# point further out is in another municipality or has a wrong CRS. 100 m keeps the first and refuses the second.
CITY_TOLERANCE_M = 100.0


def replace_all(session: Session, rows: Iterable[tuple], *, source: str, is_demo: bool,
                layer: LayerDefinition = CRIME) -> tuple[int, int]:
    """Replace every incident of `layer` with `rows` (ISO time, class key, x, y in 3006, optionally a source id)
    by COPY, recount its cells and recompute its hotspots (`last_hotspots` says how that went); returns (version,
    count).
    The incidents are stored in spatial order (a Z-order curve: their geohash; their ids stay in the order given),
    each with its district: a 1 km² box or a tile then reads a few dozen table pages instead of one page per
    incident (a box of 2,600 incidents: 1,649 pages in import order, 127 in spatial order), which was most of an
    items page's time in the database."""
    catalog.layer_id(session, layer.slug)  # locks the layer row: one import at a time
    session.execute(text("DELETE FROM incident WHERE layer = :layer"), {"layer": layer.slug})
    # Ids are drawn in the rows' own order, as they arrive, and only the storage follows space: were the ids in
    # spatial order too, PostgreSQL's plan for a dense box's first page (walk the ids, keep those in the box, which
    # assumes the box's incidents spread evenly over the ids) would read most of the table before it found them.
    session.execute(text("CREATE TEMPORARY TABLE incident_load (id bigint NOT NULL DEFAULT nextval('incident_id_seq'), "
                         "layer text, occurred_at timestamptz, category text, source text, geom geometry(Point, 3006), "
                         "source_id text) ON COMMIT DROP"))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    count = 0
    for occurred_at, category, x, y, *source_id in rows:
        writer.writerow((layer.slug, occurred_at, category, source, f"SRID=3006;POINT({x:.2f} {y:.2f})",
                         source_id[0] if source_id else None))
        count += 1
    buffer.seek(0)
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.copy_expert("COPY incident_load (layer, occurred_at, category, source, geom, source_id) FROM STDIN WITH "
                       "(FORMAT csv)", buffer)
    session.execute(text(f"""
        INSERT INTO incident (id, layer, occurred_at, category, source, geom, source_id, district_id)
        SELECT l.id, l.layer, l.occurred_at, l.category, l.source, l.geom, l.source_id, {_district_of("l.geom")}
        FROM incident_load AS l ORDER BY ST_GeoHash(ST_Transform(l.geom, 4326), 12)
    """))
    session.execute(text("DROP TABLE incident_load"))
    rebuild_cells(session, layer.slug)
    session.execute(text("ANALYZE incident"))
    bounds = f"(SELECT ST_SetSRID(ST_Expand(ST_Extent(geom), 1)::geometry, 3006) FROM incident " \
             f"WHERE layer = '{layer.slug}')"
    version = catalog.bump(session, layer.slug, source=source, licence="" if not is_demo else layer.demo_licence,
                           is_demo=is_demo, feature_count=count, bounds_sql=bounds)
    session.info["hotspots"] = hotspot_compute.compute(session, layer=layer.slug)
    return version, count


def last_hotspots(session: Session) -> hotspot_compute.Outcome | None:
    """The hotspot recompute of the last `replace_all` in this session."""
    return session.info.get("hotspots")


def _district_of(geom: str) -> str:
    """The district of an incident's point `geom`: the lowest id where districts overlap, NULL outside them all."""
    return f"(SELECT d.id FROM district AS d WHERE ST_Intersects(d.geom, {geom}) ORDER BY d.id LIMIT 1)"


def assign_districts(session: Session, layer: str | None = None) -> int:
    """Point every incident (of `layer`, or of every layer) at the district it lies in (the lowest id where
    districts overlap, NULL outside every district), after incidents or districts changed; returns the number of
    incidents whose district changed."""
    return session.execute(text(f"""
        UPDATE incident AS i SET district_id = m.district_id
        FROM (SELECT i2.id, {_district_of("i2.geom")} AS district_id
              FROM incident AS i2 WHERE CAST(:layer AS text) IS NULL OR i2.layer = :layer) AS m
        WHERE i.id = m.id AND i.district_id IS DISTINCT FROM m.district_id
    """), {"layer": layer}).rowcount


def rebuild_cells(session: Session, layer: str) -> None:
    """Recount the incidents of `layer` per grid cell for every kept cell size (its aggregated tiles read these)."""
    session.execute(text("DELETE FROM incident_cell WHERE layer = :layer"), {"layer": layer})
    session.execute(text("""
        INSERT INTO incident_cell (layer, size_m, gx, gy, n, top, geom)
        SELECT :layer, s.size, c.gx, c.gy, c.n, c.top,
               ST_MakeEnvelope(c.gx, c.gy, c.gx + s.size, c.gy + s.size, 3006)
        FROM unnest(CAST(:sizes AS integer[])) AS s(size),
        LATERAL (SELECT (floor(ST_X(geom) / s.size) * s.size)::int AS gx,
                        (floor(ST_Y(geom) / s.size) * s.size)::int AS gy,
                        count(*) AS n, mode() WITHIN GROUP (ORDER BY category) AS top
                 FROM incident WHERE layer = :layer GROUP BY 1, 2) AS c
    """), {"sizes": list(CELL_SIZES_M), "layer": layer})


def in_city(city: shapely.Geometry, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Which of the points (EPSG:3006) lie within CITY_TOLERANCE_M of the city (the districts together), for a
    million points at once: one buffer of the city, prepared, tested against the coordinate arrays."""
    area = shapely.buffer(city, CITY_TOLERANCE_M)
    shapely.prepare(area)
    return shapely.intersects_xy(area, xs, ys)


def _field(header: list[str], wanted: str | None, candidates: tuple[str, ...]) -> str | None:
    lowered = {h.lower().strip(): h for h in header}
    if wanted:
        if wanted.lower() not in lowered:
            raise refused(f"The CSV has no column {wanted!r}; its columns are {', '.join(header)}.")
        return lowered[wanted.lower()]
    return next((lowered[c] for c in candidates if c in lowered), None)


def _parse_time(value: str, line: int) -> str:
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T", 1) if "T" not in value else value.strip())
    except ValueError:
        raise refused(f"Line {line}: {value!r} is not a date and time (use ISO 8601, e.g. 2026-05-01 22:30).") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TIME)  # the incident system's times are local
    return moment.isoformat()


class _Refusals:
    """The rows an import refuses, each with its line and why; the whole file is refused when there is one."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, str]] = []   # (line, kind, detail)

    def add(self, line: int, kind: str, detail: str) -> None:
        self.rows.append((line, kind, detail))

    def raise_if_any(self, path: Path) -> None:
        if not self.rows:
            return
        self.rows.sort()
        kinds = Counter(kind for _, kind, _ in self.rows)
        first = " ".join(detail for _, _, detail in self.rows[:3])
        summary = ", ".join(f"{kind} {n:,}" for kind, n in kinds.most_common())
        raise ProblemError(
            422, "import-refused", "Import refused",
            f"{len(self.rows):,} row{'s' if len(self.rows) > 1 else ''} of {path.name} refused ({summary}); nothing "
            f"was imported. {first}",
            refused_rows=[{"line": line, "reason": kind, "detail": detail}
                          for line, kind, detail in self.rows[:REFUSED_LISTED]])


def import_csv(session: Session, path: Path, *, source: str | None = None, crs: str | None = None,
               time_field: str | None = None, category_field: str | None = None, category_map: Path | None = None,
               encoding: str | None = None, progress: Callable[[int], None] | None = None,
               layer: LayerDefinition = CRIME) -> LayerImport:
    """Replace the incidents with those of a CSV: time, category, and lon/lat or x/y (SWEREF 99 TM unless `crs`).
    Categories go to classes through `category_map` (the city's own values) first. The CSV is UTF-8 unless
    `encoding`. Any bad row refuses the whole file, naming the line: among them positions outside SWEREF 99 TM's
    area and, once there are districts, more than CITY_TOLERANCE_M outside every district."""
    started = time.perf_counter()
    categorise = Categories(read_map(category_map, layer) if category_map is not None else None, layer)
    try:
        handle = open(path, newline="", encoding=encoding or "utf-8-sig")  # noqa: SIM115 (closed below)
    except LookupError:
        raise refused(f"--encoding {encoding!r} is not an encoding Python knows (e.g. utf-8, cp1252).") from None
    except OSError as exc:
        raise refused(f"{path} cannot be read: {exc.strerror}.") from None
    line = 1
    try:
        with handle:
            sample = handle.read(4096)
            handle.seek(0)
            reader = csv.DictReader(handle, dialect=csv_dialect(sample))
            header = reader.fieldnames or []
            when = _field(header, time_field, TIME_FIELDS)
            what = _field(header, category_field, CATEGORY_FIELDS)
            lon, lat = _field(header, None, LON_FIELDS), _field(header, None, LAT_FIELDS)
            x, y = _field(header, None, X_FIELDS), _field(header, None, Y_FIELDS)
            if when is None or what is None or not ((lon and lat) or (x and y)):
                raise refused("The CSV needs a time column (e.g. occurred_at), a category column and lon/lat or "
                              f"x/y columns; it has {', '.join(header) or 'no header'}.")
            use_lonlat = bool(lon and lat)
            source_crs = WGS84 if use_lonlat else parse_crs(crs, SWEREF99TM)
            ident = _field(header, None, ID_FIELDS)
            refusals = _Refusals()
            times, categories, xs, ys, ids, lines = [], [], [], [], [], []
            first_line: dict[str, int] = {}
            for line, row in enumerate(reader, start=2):
                try:
                    moment = _parse_time(row[when] or "", line)
                except ProblemError as exc:
                    refusals.add(line, "bad date", exc.detail)
                    continue
                try:
                    px, py = float(row[lon if use_lonlat else x]), float(row[lat if use_lonlat else y])
                except (TypeError, ValueError):
                    refusals.add(line, "bad coordinates", f"Line {line}: the coordinates are not numbers.")
                    continue
                raw_id = (row[ident] or "").strip() if ident else \
                    hashlib.sha1(f"{moment}|{row[what]}|{px!r}|{py!r}".encode()).hexdigest()[:20]
                if not raw_id:
                    refusals.add(line, "no id", f"Line {line}: the {ident} column is empty.")
                    continue
                if raw_id in first_line:
                    refusals.add(line, "duplicate", f"Line {line}: the same incident as line {first_line[raw_id]}"
                                 + (f" (id {raw_id})." if ident else "."))
                    continue
                first_line[raw_id] = line
                times.append(moment)
                categories.append(categorise(row[what] or ""))
                xs.append(px)
                ys.append(py)
                ids.append(raw_id)
                lines.append(line)
                if progress and line % 5000 == 0:
                    progress(5000)
    except UnicodeDecodeError:
        raise refused(f"{path.name} is not {encoding or 'UTF-8'} text (after line {line}); give its encoding "
                      "with --encoding, e.g. cp1252.") from None
    except csv.Error as exc:
        raise refused(f"Line {line + 1}: {exc}.") from None
    except CRSError as exc:
        raise refused(f"--crs: {exc}") from None
    if not times and not refusals.rows:
        raise refused(f"{path.name} has no incidents.")
    ex, ny = transformer(source_crs, SWEREF99TM).transform(np.array(xs), np.array(ys))
    x0, y0, x1, y1 = SWEREF99TM_BOUNDS
    outside = ~np.isfinite(ex) | (ex < x0) | (ex > x1) | (ny < y0) | (ny > y1)
    if use_lonlat and outside.any():
        sx, sy = transformer(WGS84, SWEREF99TM).transform(np.array(ys), np.array(xs))
        swapped = outside & np.isfinite(sx) & (sx >= x0) & (sx <= x1) & (sy >= y0) & (sy <= y1)
    else:
        swapped = np.zeros(len(xs), dtype=bool)
    for k in np.flatnonzero(outside):
        if swapped[k]:
            refusals.add(lines[k], "lon and lat swapped", f"Line {lines[k]}: the position lies outside SWEREF 99 "
                         "TM's area; are lon and lat swapped? Swapped it would lie in Sweden.")
        else:
            refusals.add(lines[k], "outside the area", f"Line {lines[k]}: the position lies outside SWEREF 99 TM's "
                         f"area; {'are lon and lat swapped?' if use_lonlat else 'is the CRS right (--crs)?'}")
    city = districts.city_area(session)   # None before the districts are imported: nothing to check against
    unchecked = "" if city is not None else "no districts yet: positions checked against SWEREF 99 TM's area only"
    beyond = ~outside & ~in_city(city, ex, ny) if city is not None else np.zeros(len(xs), dtype=bool)
    for k in np.flatnonzero(beyond):
        refusals.add(lines[k], "outside the city", f"Line {lines[k]}: the position lies more than "
                     f"{CITY_TOLERANCE_M:.0f} m outside every district; is it in this city"
                     f"{'?' if use_lonlat else ', and is the CRS right (--crs)?'}")
    refusals.raise_if_any(path)
    version, count = replace_all(session, zip(times, categories, ex.tolist(), ny.tolist(), ids, strict=True),
                                 source=source or f"Imported from {path.name}", is_demo=False, layer=layer)
    mapped = ", ".join(f"{k} {v:,}" for k, v in Counter(categories).most_common())
    return LayerImport(slug=layer.slug, version=version, count=count, unit="incident",
                       bounds_lonlat=bounds_lonlat((float(ex.min()), float(ny.min()), float(ex.max()),
                                                     float(ny.max()))),
                       seconds=round(time.perf_counter() - started, 2),
                       notes=tuple(note for note in (mapped, categorise.other_summary(),
                                                     last_hotspots(session).summary(), unchecked) if note))
