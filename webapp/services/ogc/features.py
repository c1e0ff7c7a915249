"""OGC API Features: a collection's items, as GeoJSON built by PostGIS. No Flask here.

Every FeatureCollection page is one SQL statement: PostgreSQL builds the features array with json_agg over a
LIMIT/OFFSET subquery and counts the page; the caller only wraps it with links. The SQL fragments come from the
collection's `Source` (webapp.services.ogc.collections); every value is bound.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import SWEREF99TM, SWEREF99TM_AREA_LONLAT, WGS84, transformer
from layers import registry
from webapp.errors import ProblemError, not_found
from webapp.services.ogc.collections import ANNOTATIONS, SOURCES, Source, levels, may_see_annotations, own_collections
from webapp.services.ogc.query import ItemsQuery

DIGITS = {WGS84: 6, SWEREF99TM: 2}
# numberMatched is counted only when the page is full, and only up to this many features past the page's start; a
# count that would pass it is skipped (numberMatched omitted, as Part 1 allows: the next link still pages on). The
# count reads every row it counts, so this bounds its cost to ten pages of 100: a 1 km² box in the inner city holds
# over 20,000 incidents, and counting 10,000 of them took 22 ms beside the page's 0.7 ms (EXPLAIN ANALYZE); 1,000
# take 1.7 ms.
COUNT_AHEAD = 1_000


@dataclass(frozen=True)
class ItemsPage:
    features_json: str  # the GeoJSON array of features, as PostGIS wrote it
    number_returned: int
    number_matched: int | None


def _source_of(collection_id: str, role: str) -> Source:
    """The SQL source of a collection; 404 for a hazard's own collection the role may not see."""
    own = own_collections().get(collection_id)
    if own is not None:
        if not own.visible(role):
            raise not_found("Collection", f"There is no collection {collection_id!r}.")
        return own.source
    if collection_id == ANNOTATIONS and not may_see_annotations(role):
        raise not_found("Collection", f"There is no collection {collection_id!r}.")
    definition = registry.get(collection_id)
    if definition is not None and definition.kind == "raster":
        raise not_found("Items", f"Collection {collection_id!r} is a coverage: its data are at /coverage, not items.")
    return SOURCES.get(collection_id, SOURCES["layer"])


def _geometry_sql(source: Source, srid: int) -> str:
    if srid == SWEREF99TM:
        return f"ST_AsGeoJSON(ST_FlipCoordinates({source.geom}), {DIGITS[srid]})::json"
    return f"ST_AsGeoJSON(ST_Transform({source.geom}, 4326), {DIGITS[WGS84]})::json"


def _where(source: Source, collection_id: str, query: ItemsQuery, role: str) -> tuple[str, dict]:
    clauses, params = [source.where], {"slug": collection_id, "levels": levels(role), **query.options}
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


# The page of a bbox query over a dense source (Source.outward: the incident points) runs outward from the box's
# centre (nearest first, ties by key). PostgreSQL's GiST index gives that order directly (a KNN scan reads about as
# many rows as the page needs), where the key order had to read and sort every feature in the box: 2,600 incidents
# for a page of 100 in an inner-city square kilometre. A layer's few lines or areas in a box sort by key for less.
CENTRE = "ST_SetSRID(ST_MakePoint(:cx, :cy), 3006)"


def _order(source: Source, query: ItemsQuery) -> tuple[list[str], dict[str, float]]:
    """A page's sort keys and their parameters: outward from the bbox's centre for a dense source with a bbox, else
    the source's key."""
    if query.bbox is None or not source.outward:
        return [source.key], {}
    west, south, east, north = query.bbox
    x, y = (west + east) / 2, (south + north) / 2
    if query.bbox_srid == WGS84:
        x, y = transformer(WGS84, SWEREF99TM).transform(x, y)
    return [f"{source.geom} <-> {CENTRE}", source.key], {"cx": x, "cy": y}


def _page_rows(source: Source, where: str, order: list[str]) -> str:
    """The FROM of a page's features: the page's rows of `from_`, then the source's `joins` for those rows only.
    Outward from a centre (order[0] a distance), the page is taken among the features no farther than the page's
    last one by distance alone (a KNN scan finds that distance): the index then bounds the rows to sort by (distance,
    key), and features at equal distance (incidents at one address) keep one order from page to page."""
    keys = ", ".join(order)
    if len(order) > 1:
        nearest = (f"(SELECT {order[0]} FROM {source.from_} WHERE {where} ORDER BY {order[0]} "
                   "OFFSET :offset + :limit - 1 LIMIT 1)")
        # ST_DWithin is inclusive; the margin keeps a feature at exactly that distance in despite rounding.
        where = f"{where} AND ST_DWithin({source.geom}, {CENTRE}, COALESCE({nearest} * (1 + 1e-9) + 1e-6, 1e12))"
    if not source.joins:
        return f"{source.from_} WHERE {where} ORDER BY {keys} LIMIT :limit OFFSET :offset"
    alias = source.from_.split()[-1]
    return (f"(SELECT {alias}.* FROM {source.from_} WHERE {where} ORDER BY {keys} LIMIT :limit OFFSET :offset)"
            f" AS {alias} {source.joins}")


def items(session: Session, role: str, collection_id: str, query: ItemsQuery, *, count: bool = True) -> ItemsPage:
    """One page of a collection's features, built (and counted) by PostgreSQL in a single statement.
    numberMatched is derived from the page when it is not full; otherwise, with `count`, counted up to offset +
    COUNT_AHEAD (an InitPlan that PostgreSQL runs only when the CASE reaches it), and without it omitted, as OGC API
    Features Part 1 allows: the count read up to 1,001 features, half an inner-city page's time in the database."""
    source = _source_of(collection_id, role)
    where, params = _where(source, collection_id, query, role)
    order, centre = _order(source, query)
    counted = (f"(SELECT NULLIF(LEAST(count(*), :cap + 1), :cap + 1) "
               f"FROM (SELECT 1 FROM {source.from_} WHERE {where} LIMIT :cap + 1) AS c)") if count else "NULL::bigint"
    sql = f"""
        SELECT p.features, p.returned,
               CASE WHEN p.returned < :limit AND (p.returned > 0 OR :offset = 0) THEN :offset + p.returned
                    ELSE {counted} END
        FROM (SELECT COALESCE(json_agg(page.feature ORDER BY {", ".join(f"page.o{i}" for i in range(len(order)))}),
                              '[]'::json)::text AS features,
                     count(*)::int AS returned
              FROM (SELECT {", ".join(f"{key} AS o{i}" for i, key in enumerate(order))},
                           {_feature_sql(source, query.srid)} AS feature
                    FROM {_page_rows(source, where, order)}) AS page) AS p
    """
    params.update(limit=query.limit, offset=query.offset, cap=query.offset + COUNT_AHEAD, **centre)
    features, returned, matched = session.execute(text(sql), params).one()
    return ItemsPage(features, returned, matched)


def item(session: Session, role: str, collection_id: str, feature_id: str, srid: int = WGS84) -> str:
    """One feature as GeoJSON text; 404 problem when missing or not visible to the role."""
    missing = not_found("Feature", f"Collection {collection_id!r} has no feature {feature_id!r}.")
    try:
        source = _source_of(collection_id, role)
    except ProblemError:
        raise missing from None
    if source.int_ids:
        if not (feature_id.isascii() and feature_id.isdigit()) or len(feature_id) > 18:
            raise missing
        key: int | str = int(feature_id)
    else:
        key = feature_id
    where, params = _where(source, collection_id, ItemsQuery(options={p.bind: None for p in source.parameters}), role)
    sql = (f"SELECT ({_feature_sql(source, srid)})::text FROM {source.from_} {source.joins} "
           f"WHERE {where} AND {source.id} = :fid")
    row = session.execute(text(sql), {**params, "fid": key}).scalar()
    if row is None:
        raise missing
    return row
