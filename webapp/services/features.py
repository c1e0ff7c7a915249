"""OGC API Features: the collections a role may see and their items, as GeoJSON built by PostGIS.

No Flask here. Every FeatureCollection page is one SQL statement: PostgreSQL builds the features array with
json_agg over a LIMIT/OFFSET subquery and counts the page; the caller only wraps it with links. Identifiers
in SQL come from the fixed `_SOURCES` table below; every value is bound.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import CRS84_URI, SWEREF99TM, SWEREF99TM_AREA_LONLAT, WGS84, crs_uri
from layers import registry
from layers.base import LEVEL, may_see, may_see_incident_points
from webapp.errors import ProblemError, not_found

CRS_LIST = (CRS84_URI, crs_uri(SWEREF99TM))
STORAGE_CRS = crs_uri(SWEREF99TM)
# EPSG:3006 is defined with axes (northing, easting). OGC API Features Part 2 follows the CRS's axis order
# (editor's answer in opengeospatial/ogcapi-features#321; QGIS ≥ 3.28.7 flips axes accordingly), so an
# EPSG:3006 response and an EPSG:3006 bbox are northing first; CRS84 is longitude first.
AXIS_NORTH_EAST = {SWEREF99TM}
DIGITS = {WGS84: 6, SWEREF99TM: 2}
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
# numberMatched is counted only when the page is full; a count that would pass this many rows is skipped
# (numberMatched omitted, as Part 1 allows) so a bbox-less page over 100k incidents stays cheap.
COUNT_CAP = 10_000
MAX_INT = 2**31 - 1  # PostgreSQL's integer; larger offsets mean nothing here anyway
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
DISTRICTS, CRIME = "districts", "crime"


class _Source:
    """How one kind of collection maps to SQL: fragments fixed in code, never built from a request."""

    def __init__(self, from_: str, where: str, key: str, id_: str, geom: str, props: str,
                 filters: dict[str, str], temporal: str | None = None) -> None:
        self.from_, self.where, self.key, self.id, self.geom = from_, where, key, id_, geom
        self.props, self.filters, self.temporal = props, filters, temporal


_SOURCES = {
    DISTRICTS: _Source(
        "district d", "TRUE", "d.id", "d.code", "d.geom",
        "json_build_object('code', d.code, 'name', d.name, 'committee', d.committee, 'source', d.source, "
        "'area_km2', round((ST_Area(d.geom) / 1e6)::numeric, 3), 'updated_at', d.updated_at)",
        {"code": "d.code", "name": "d.name", "committee": "d.committee"}),
    "layer": _Source(
        "layer_feature f",
        "f.layer_id = (SELECT id FROM layer WHERE slug = :slug AND kind = 'vector' "
        "AND confidentiality = ANY(:levels))",
        "f.id", "f.id", "f.geom", "(jsonb_build_object('class', f.class) || f.properties)::json",
        {"class": "f.class"}),
    CRIME: _Source(
        "incident i LEFT JOIN district d ON d.id = i.district_id", "TRUE", "i.id", "i.id", "i.geom",
        "json_build_object('category', i.category, 'occurred_at', i.occurred_at, 'district', d.code)",
        {"category": "i.category"}, temporal="i.occurred_at"),
}


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    queryables: tuple[str, ...]
    bbox: tuple[float, float, float, float] | None = None  # CRS84 (west, south, east, north)
    interval: tuple[str | None, str | None] | None = None
    temporal: bool = False
    crs: tuple[str, ...] = CRS_LIST
    storage_crs: str = STORAGE_CRS
    # Provenance, shown wherever the data is: the source, its licence, and whether it is demo data.
    attribution: str | None = None
    license: str | None = None
    demo: bool = False


@dataclass(frozen=True)
class ItemsQuery:
    """A validated items request; build it with `parse_items_query`."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    srid: int = WGS84
    bbox: tuple[float, float, float, float] | None = None
    bbox_srid: int = WGS84
    interval: tuple[datetime | None, datetime | None] | None = None
    filters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemsPage:
    features_json: str  # the GeoJSON array of features, as PostGIS wrote it
    number_returned: int
    number_matched: int | None


def _bad(title: str, detail: str, type_: str = "invalid-parameter") -> ProblemError:
    return ProblemError(400, type_, title, detail)


def _levels(role: str) -> list[str]:
    return [level for level in LEVEL if may_see(role, level)]


def _text(lang: str, sv: str, en: str) -> str:
    return en if lang == "en" else sv


# --- collections ---------------------------------------------------------------------------------------

_LAYERS_SQL = """
    SELECT l.slug, l.title_sv, l.title_en, l.source, l.licence, l.is_demo,
           ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
    FROM layer l
    LEFT JOIN LATERAL (
        SELECT ST_Transform(ST_Segmentize(ST_SetSRID(ST_Extent(f.geom)::geometry, 3006), 500), 4326) AS b
        FROM layer_feature f WHERE f.layer_id = l.id) AS e ON TRUE
    WHERE l.kind = 'vector' AND l.confidentiality = ANY(:levels) AND l.slug <> ALL(:reserved)
      AND (CAST(:slug AS text) IS NULL OR l.slug = :slug)
    ORDER BY l.slug
"""
_DISTRICTS_EXTENT = """
    SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), sources, demo FROM (SELECT ST_Transform(ST_Segmentize(
        ST_SetSRID(ST_Extent(geom)::geometry, 3006), 500), 4326) AS b, string_agg(DISTINCT source, '; ') AS sources,
        bool_or(source ILIKE '%demo%') AS demo FROM district) AS e
"""
_CRIME_PROVENANCE = "SELECT source, licence, is_demo FROM layer WHERE slug = 'crime'"
DEMO_NOTE = {"sv": " Demonstrationsdata: genererade, inte verkliga.", "en": " Demo data: generated, not real."}


def _described(text_: str, demo: bool, lang: str) -> str:
    return text_ + DEMO_NOTE["en" if lang == "en" else "sv"] if demo else text_
_CRIME_EXTENT = """
    SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), t0, t1 FROM (SELECT ST_Transform(ST_Segmentize(
        ST_SetSRID(ST_Extent(geom)::geometry, 3006), 500), 4326) AS b, min(occurred_at) AS t0,
        max(occurred_at) AS t1 FROM incident) AS e
"""


def _bbox(row) -> tuple[float, float, float, float] | None:
    return None if row[0] is None else tuple(round(float(v), 6) for v in row[:4])


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _queryables(slug: str) -> tuple[str, ...]:
    definition = registry.get(slug)
    return definition.queryables if definition else ("class",)


def queryables_of(collection_id: str) -> tuple[str, ...]:
    """A collection's filterable properties, known without the database (items checks visibility itself)."""
    if collection_id in (DISTRICTS, CRIME):
        return tuple(_SOURCES[collection_id].filters)
    return _queryables(collection_id)


def _layer_description(slug: str, title: str, lang: str) -> str:
    definition = registry.get(slug)
    return definition.description(lang) if definition else title


def collections(session: Session, role: str, lang: str = "sv", only: str | None = None) -> list[Collection]:
    """The collections `role` may see (or just `only`): districts, visible vector layers, and raw incident
    points for the roles allowed them. Extents are computed from the data."""
    found: list[Collection] = []
    if only in (None, DISTRICTS):
        *bounds, sources, demo = session.execute(text(_DISTRICTS_EXTENT)).one()
        found.append(Collection(
            DISTRICTS, _text(lang, "Stadsdelsområden", "District areas"),
            _described(_text(lang, "Stadens stadsdelsområden och de nämnder som ansvarar för dem.",
                             "The city's district areas and the committees responsible for them."), bool(demo), lang),
            tuple(_SOURCES[DISTRICTS].filters), bbox=_bbox(bounds), attribution=sources, demo=bool(demo)))
    if only in (None, CRIME) and may_see_incident_points(role):
        row = session.execute(text(_CRIME_EXTENT)).one()
        source, licence, demo = session.execute(text(_CRIME_PROVENANCE)).one_or_none() or (None, None, False)
        found.append(Collection(
            CRIME, _text(lang, "Brott: anmälda händelser (punkter)", "Crime: reported incidents (points)"),
            _described(_text(lang, "Anmälda händelser som punkter; endast för stadsledningskontoret och "
                                   "administratörer.",
                             "Reported incidents as points; for the city office and administrators only."),
                       bool(demo), lang),
            tuple(_SOURCES[CRIME].filters), bbox=_bbox(row),
            interval=None if row[4] is None else (_iso(row[4]), _iso(row[5])), temporal=True,
            attribution=source, license=licence or None, demo=bool(demo)))
    if only not in (DISTRICTS, CRIME):
        rows = session.execute(text(_LAYERS_SQL), {"levels": _levels(role), "reserved": [DISTRICTS, CRIME],
                                                   "slug": only}).all()
        for slug, title_sv, title_en, source, licence, demo, *bounds in rows:
            title = _text(lang, title_sv, title_en)
            found.append(Collection(slug, title, _described(_layer_description(slug, title, lang), demo, lang),
                                    _queryables(slug), bbox=_bbox(bounds), attribution=source,
                                    license=licence or None, demo=demo))
    return found


def collection(session: Session, role: str, collection_id: str, lang: str = "sv") -> Collection:
    """One collection; 404 problem when it does not exist or the role may not see it."""
    found = collections(session, role, lang, only=collection_id)
    if not found:
        raise not_found("Collection", f"There is no collection {collection_id!r}.")
    return found[0]


# --- query parameters ----------------------------------------------------------------------------------

def parse_crs_uri(value: str | None, name: str = "crs") -> int:
    """One of the offered CRS URIs (CRS84 or EPSG:3006; short forms accepted) → EPSG code."""
    if value is None or value == "":
        return WGS84
    compact = value.strip().lower().replace("https://", "http://")
    if compact in {CRS84_URI.lower(), "crs84", "ogc:crs84", "urn:ogc:def:crs:ogc:1.3:crs84"}:
        return WGS84
    if compact in {STORAGE_CRS.lower(), "epsg:3006", "urn:ogc:def:crs:epsg::3006"}:
        return SWEREF99TM
    raise _bad("Unsupported coordinate reference system",
               f"{name}={value!r} is not offered; use one of {', '.join(CRS_LIST)}.", "unsupported-crs")


def _int(name: str, raw: str, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise _bad(f"Invalid {name}", f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise _bad(f"Invalid {name}", f"{name} must be at least {minimum}, not {value}.")
    if value > MAX_INT:
        raise _bad(f"Invalid {name}", f"{name} must be at most {MAX_INT}, not {value}.")
    return value


def _parse_bbox(raw: str, srid: int) -> tuple[float, float, float, float]:
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) != 4:
        raise _bad("Invalid bbox", f"bbox needs 4 comma-separated numbers (minx,miny,maxx,maxy in the axis order "
                   f"of bbox-crs), got {len(parts)}.")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise _bad("Invalid bbox", f"bbox must hold numbers only: {raw!r}.") from None
    if not all(math.isfinite(v) for v in values):
        raise _bad("Invalid bbox", "bbox numbers must be finite.")
    lo1, lo2, hi1, hi2 = values
    if lo1 >= hi1 or lo2 >= hi2:
        raise _bad("Invalid bbox", "bbox must be min1,min2,max1,max2 with each minimum below its maximum; "
                   f"got {raw!r}.")
    if srid == WGS84 and not (lo1 >= -180 and hi1 <= 180 and lo2 >= -90 and hi2 <= 90):
        raise _bad("Invalid bbox", "A CRS84 bbox is lon_min,lat_min,lon_max,lat_max with longitudes in "
                   "[-180, 180] and latitudes in [-90, 90].")
    if srid in AXIS_NORTH_EAST:  # northing, easting → easting, northing for SQL
        return (lo2, lo1, hi2, hi1)
    return (lo1, lo2, hi1, hi2)


def _instant(raw: str, end: bool) -> datetime | None:
    if raw in ("", ".."):
        return None
    try:
        if len(raw) == 10:  # a date: the whole day (UTC)
            day = datetime.combine(date.fromisoformat(raw), time(), UTC)
            return day + timedelta(days=1) - timedelta(microseconds=1) if end else day
        value = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise _bad("Invalid datetime", f"{raw!r} is not an RFC 3339 date-time with a time zone "
                   "(e.g. 2024-05-01T12:00:00Z) or a date (2024-05-01).")
    return value


def _parse_datetime(raw: str) -> tuple[datetime | None, datetime | None]:
    if "/" in raw:
        start_raw, _, end_raw = raw.partition("/")
        start, end = _instant(start_raw, False), _instant(end_raw, True)
        if start and end and start > end:
            raise _bad("Invalid datetime", f"The interval {raw!r} ends before it starts.")
        return start, end
    if raw == "..":
        raise _bad("Invalid datetime", "An instant cannot be '..'; use an interval such as '../2024-01-01'.")
    return _instant(raw, False), _instant(raw, True)


def parse_items_query(args: dict[str, str], queryables: tuple[str, ...], temporal: bool,
                      extra_allowed: tuple[str, ...] = ("f", "lang")) -> ItemsQuery:
    """Validate an items request's parameters; anything unknown is a 400 naming what is allowed."""
    known = {"bbox", "bbox-crs", "limit", "offset", "crs", "datetime", *extra_allowed}
    unknown = sorted(set(args) - known - set(queryables))
    if unknown:
        allowed = ", ".join(sorted(known | set(queryables)))
        raise _bad("Unknown query parameter", f"Unknown parameter(s) {', '.join(unknown)}; this collection "
                   f"accepts {allowed}.", "unknown-parameter")
    limit = min(_int("limit", args["limit"], 1), MAX_LIMIT) if "limit" in args else DEFAULT_LIMIT
    offset = _int("offset", args["offset"], 0) if "offset" in args else 0
    srid = parse_crs_uri(args.get("crs"))
    if "bbox-crs" in args and "bbox" not in args:
        raise _bad("Invalid bbox-crs", "bbox-crs only makes sense together with bbox.")
    bbox_srid = parse_crs_uri(args.get("bbox-crs"), "bbox-crs")
    bbox = _parse_bbox(args["bbox"], bbox_srid) if "bbox" in args else None
    # datetime is validated everywhere; collections without time (temporal=False) have nothing to filter.
    interval = _parse_datetime(args["datetime"]) if "datetime" in args else None
    return ItemsQuery(limit=limit, offset=offset, srid=srid, bbox=bbox, bbox_srid=bbox_srid,
                      interval=interval if temporal else None,
                      filters={name: args[name] for name in queryables if name in args})


# --- items -----------------------------------------------------------------------------------------------

def _source_of(collection_id: str) -> _Source:
    return _SOURCES.get(collection_id, _SOURCES["layer"])


def _geometry_sql(source: _Source, srid: int) -> str:
    if srid == SWEREF99TM:
        return f"ST_AsGeoJSON(ST_FlipCoordinates({source.geom}), {DIGITS[srid]})::json"
    return f"ST_AsGeoJSON(ST_Transform({source.geom}, 4326), {DIGITS[WGS84]})::json"


def _where(source: _Source, collection_id: str, query: ItemsQuery, role: str) -> tuple[str, dict]:
    clauses, params = [source.where], {"slug": collection_id, "levels": _levels(role)}
    if query.bbox is not None:
        box = query.bbox
        if query.bbox_srid == WGS84:
            west, south, east, north = SWEREF99TM_AREA_LONLAT  # clip: outside EPSG:3006's area there is no data
            box = (max(box[0], west), max(box[1], south), min(box[2], east), min(box[3], north))
            if box[0] >= box[2] or box[1] >= box[3]:
                clauses.append("FALSE")
            else:
                clauses.append(f"ST_Intersects({source.geom}, ST_Transform(ST_Segmentize(ST_MakeEnvelope("
                               ":bx0, :by0, :bx1, :by1, 4326), 0.01), 3006))")
        else:
            clauses.append(f"ST_Intersects({source.geom}, ST_MakeEnvelope(:bx0, :by0, :bx1, :by1, 3006))")
        params.update(bx0=box[0], by0=box[1], bx1=box[2], by1=box[3])
    for i, (name, value) in enumerate(sorted(query.filters.items())):
        column = source.filters.get(name)
        if column is None:  # a layer's queryable kept in its JSONB properties
            clauses.append(f"f.properties ->> :qk{i} = :qv{i}")
            params[f"qk{i}"] = name
        else:
            clauses.append(f"{column} = :qv{i}")
        params[f"qv{i}"] = value
    if source.temporal and query.interval is not None:
        start, end = query.interval
        if start is not None:
            clauses.append(f"{source.temporal} >= :t0")
            params["t0"] = start
        if end is not None:
            clauses.append(f"{source.temporal} <= :t1")
            params["t1"] = end
    return " AND ".join(clauses), params


def _feature_sql(source: _Source, srid: int) -> str:
    return (f"json_build_object('type', 'Feature', 'id', {source.id}, 'geometry', {_geometry_sql(source, srid)}, "
            f"'properties', {source.props})")


def items(session: Session, role: str, collection_id: str, query: ItemsQuery) -> ItemsPage:
    """One page of a collection's features, built and counted by PostgreSQL in a single statement.
    numberMatched is derived from the page when it is not full, counted (up to COUNT_CAP) otherwise; the
    count is an InitPlan that PostgreSQL runs only when the CASE reaches it."""
    if collection_id == CRIME and not may_see_incident_points(role):
        raise not_found("Collection", f"There is no collection {collection_id!r}.")
    source = _source_of(collection_id)
    where, params = _where(source, collection_id, query, role)
    sql = f"""
        SELECT p.features, p.returned,
               CASE WHEN p.returned < :limit AND (p.returned > 0 OR :offset = 0) THEN :offset + p.returned
                    ELSE (SELECT NULLIF(LEAST(count(*), :cap + 1), :cap + 1)
                          FROM (SELECT 1 FROM {source.from_} WHERE {where} LIMIT :cap + 1) AS c) END
        FROM (SELECT COALESCE(json_agg(page.feature ORDER BY page.k), '[]'::json)::text AS features,
                     count(*)::int AS returned
              FROM (SELECT {source.key} AS k, {_feature_sql(source, query.srid)} AS feature
                    FROM {source.from_} WHERE {where}
                    ORDER BY {source.key} LIMIT :limit OFFSET :offset) AS page) AS p
    """
    params.update(limit=query.limit, offset=query.offset, cap=COUNT_CAP)
    features, returned, matched = session.execute(text(sql), params).one()
    return ItemsPage(features, returned, matched)


def item(session: Session, role: str, collection_id: str, feature_id: str, srid: int = WGS84) -> str:
    """One feature as GeoJSON text; 404 problem when missing or not visible to the role."""
    source = _source_of(collection_id)
    missing = not_found("Feature", f"Collection {collection_id!r} has no feature {feature_id!r}.")
    if collection_id == CRIME and not may_see_incident_points(role):
        raise missing
    if source is not _SOURCES[DISTRICTS]:
        if not feature_id.isdigit() or len(feature_id) > 18:
            raise missing
        key: int | str = int(feature_id)
    else:
        key = feature_id
    where, params = _where(source, collection_id, ItemsQuery(), role)
    sql = f"SELECT ({_feature_sql(source, srid)})::text FROM {source.from_} WHERE {where} AND {source.id} = :fid"
    row = session.execute(text(sql), {**params, "fid": key}).scalar()
    if row is None:
        raise missing
    return row
