"""OGC API Features: the collections a role may see and their items, as GeoJSON built by PostGIS.

No Flask here. Every FeatureCollection page is one SQL statement: PostgreSQL builds the features array with
json_agg over a LIMIT/OFFSET subquery and counts the page; the caller only wraps it with links. Identifiers
in SQL come from the fixed `_SOURCES` table below; every value is bound.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import SWEREF99TM, SWEREF99TM_AREA_LONLAT, WGS84
from layers import registry
from layers.base import LEVEL, may_see
from webapp.errors import ProblemError, not_found
from webapp.i18n import N_, gettext_in
from webapp.services import districts
from webapp.services.ogc.query import CRS_LIST, STORAGE_CRS, ItemsQuery

DIGITS = {WGS84: 6, SWEREF99TM: 2}
# numberMatched is counted only when the page is full; a count that would pass this many rows is skipped
# (numberMatched omitted, as Part 1 allows) so a bbox-less page over 100k incidents stays cheap.
COUNT_CAP = 10_000
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
DISTRICTS = "districts"


class Source:
    """How one kind of collection maps to SQL: fragments fixed in code, never built from a request."""

    def __init__(self, from_: str, where: str, key: str, id_: str, geom: str, props: str,
                 filters: dict[str, str], temporal: str | None = None) -> None:
        self.from_, self.where, self.key, self.id, self.geom = from_, where, key, id_, geom
        self.props, self.filters, self.temporal = props, filters, temporal


_SOURCES = {
    DISTRICTS: Source(
        "district d", "TRUE", "d.id", "d.code", "d.geom",
        "json_build_object('code', d.code, 'name', d.name, 'committee', d.committee, 'source', d.source, "
        "'area_km2', round((ST_Area(d.geom) / 1e6)::numeric, 3), 'updated_at', d.updated_at)",
        {"code": "d.code", "name": "d.name", "committee": "d.committee"}),
    "layer": Source(
        "layer_feature f",
        "f.layer_id = (SELECT id FROM layer WHERE slug = :slug AND kind = 'vector' "
        "AND confidentiality = ANY(:levels))",
        "f.id", "f.id", "f.geom", "(jsonb_build_object('class', f.class) || f.properties)::json",
        {"class": "f.class"}),
}


@dataclass(frozen=True)
class OwnCollection:
    """A collection a hazard serves from a table of its own (its evaluator's `ogc_collection`): its SQL source,
    texts, extent and who may see it."""

    id: str
    title: str  # English msgids, translated where shown
    description: str
    source: Source
    extent_sql: str  # xmin, ymin, xmax, ymax (4326) and the first and last time, or NULLs
    provenance_sql: str  # source, licence, is_demo
    visible: Callable[[str], bool]


def _own() -> dict[str, OwnCollection]:
    from webapp.services import hazards

    return {c.id: c for c in (e.ogc_collection() for e in hazards.evaluators()) if c is not None}


def is_temporal(collection_id: str) -> bool:
    own = _own().get(collection_id)
    return own is not None and own.source.temporal is not None


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
class ItemsPage:
    features_json: str  # the GeoJSON array of features, as PostGIS wrote it
    number_returned: int
    number_matched: int | None


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
    SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), sources FROM (SELECT ST_Transform(ST_Segmentize(
        ST_SetSRID(ST_Extent(geom)::geometry, 3006), 500), 4326) AS b, string_agg(DISTINCT source, '; ') AS sources
        FROM district) AS e
"""
DEMO_NOTE = N_("Demo data: generated, not real.")


def _described(text_: str, demo: bool, lang: str) -> str:
    return f"{text_} {gettext_in(lang, DEMO_NOTE)}" if demo else text_


def _bbox(row) -> tuple[float, float, float, float] | None:
    return None if row[0] is None else tuple(round(float(v), 6) for v in row[:4])


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _queryables(slug: str) -> tuple[str, ...]:
    definition = registry.get(slug)
    return definition.queryables if definition else ("class",)


def queryables_of(collection_id: str) -> tuple[str, ...]:
    """A collection's filterable properties, known without the database (items checks visibility itself)."""
    if collection_id == DISTRICTS:
        return tuple(_SOURCES[collection_id].filters)
    own = _own().get(collection_id)
    if own is not None:
        return tuple(own.source.filters)
    return _queryables(collection_id)


def _layer_texts(slug: str, title_sv: str, title_en: str, lang: str) -> tuple[str, str]:
    """A layer's title and description in `lang`: its definition's, through the catalogues; a row the registry does
    not define keeps its stored title, which also describes it."""
    definition = registry.get(slug)
    if definition is None:
        title = _text(lang, title_sv, title_en)
        return title, title
    return gettext_in(lang, definition.title), gettext_in(lang, definition.description)


def collections(session: Session, role: str, lang: str = "sv", only: str | None = None) -> list[Collection]:
    """The collections `role` may see (or just `only`): districts, visible vector layers, and raw incident
    points for the roles allowed them. Extents are computed from the data."""
    found: list[Collection] = []
    if only in (None, DISTRICTS):
        *bounds, sources = session.execute(text(_DISTRICTS_EXTENT)).one()
        demo = districts.is_demo(session)
        found.append(Collection(
            DISTRICTS, gettext_in(lang, "District areas"),
            _described(gettext_in(lang, "The city's district areas and the committees responsible for them."),
                       bool(demo), lang),
            tuple(_SOURCES[DISTRICTS].filters), bbox=_bbox(bounds), attribution=sources, demo=bool(demo)))
    own = _own()
    for c in own.values():
        if only not in (None, c.id) or not c.visible(role):
            continue
        row = session.execute(text(c.extent_sql)).one()
        source, licence, demo = session.execute(text(c.provenance_sql)).one_or_none() or (None, None, False)
        found.append(Collection(
            c.id, gettext_in(lang, c.title), _described(gettext_in(lang, c.description), bool(demo), lang),
            tuple(c.source.filters), bbox=_bbox(row), interval=None if row[4] is None else (_iso(row[4]), _iso(row[5])),
            temporal=c.source.temporal is not None, attribution=source, license=licence or None, demo=bool(demo)))
    if only is None or (only != DISTRICTS and only not in own):
        rows = session.execute(text(_LAYERS_SQL), {"levels": _levels(role), "reserved": [DISTRICTS, *own],
                                                   "slug": only}).all()
        for slug, title_sv, title_en, source, licence, demo, *bounds in rows:
            title, description = _layer_texts(slug, title_sv, title_en, lang)
            found.append(Collection(slug, title, _described(description, demo, lang),
                                    _queryables(slug), bbox=_bbox(bounds), attribution=source,
                                    license=licence or None, demo=demo))
    return found


def collection(session: Session, role: str, collection_id: str, lang: str = "sv") -> Collection:
    """One collection; 404 problem when it does not exist or the role may not see it."""
    found = collections(session, role, lang, only=collection_id)
    if not found:
        raise not_found("Collection", f"There is no collection {collection_id!r}.")
    return found[0]


# --- items -----------------------------------------------------------------------------------------------

def _source_of(collection_id: str, role: str) -> Source:
    """The SQL source of a collection; 404 for a hazard's own collection the role may not see."""
    own = _own().get(collection_id)
    if own is not None:
        if not own.visible(role):
            raise not_found("Collection", f"There is no collection {collection_id!r}.")
        return own.source
    return _SOURCES.get(collection_id, _SOURCES["layer"])


def _geometry_sql(source: Source, srid: int) -> str:
    if srid == SWEREF99TM:
        return f"ST_AsGeoJSON(ST_FlipCoordinates({source.geom}), {DIGITS[srid]})::json"
    return f"ST_AsGeoJSON(ST_Transform({source.geom}, 4326), {DIGITS[WGS84]})::json"


def _where(source: Source, collection_id: str, query: ItemsQuery, role: str) -> tuple[str, dict]:
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


def _feature_sql(source: Source, srid: int) -> str:
    return (f"json_build_object('type', 'Feature', 'id', {source.id}, 'geometry', {_geometry_sql(source, srid)}, "
            f"'properties', {source.props})")


def items(session: Session, role: str, collection_id: str, query: ItemsQuery) -> ItemsPage:
    """One page of a collection's features, built and counted by PostgreSQL in a single statement.
    numberMatched is derived from the page when it is not full, counted (up to COUNT_CAP) otherwise; the
    count is an InitPlan that PostgreSQL runs only when the CASE reaches it."""
    source = _source_of(collection_id, role)
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
    missing = not_found("Feature", f"Collection {collection_id!r} has no feature {feature_id!r}.")
    try:
        source = _source_of(collection_id, role)
    except ProblemError:
        raise missing from None
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
