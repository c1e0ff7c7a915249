"""The OGC API collections a role may see: districts, the layers' defaults (a vector layer's features) and the
collections hazards serve from tables of their own (`Evaluator.ogc_collections`). No Flask here.

Identifiers in SQL come from the fixed `SOURCES` table and the hazards' own `Source`s, never from a request."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers import registry
from layers.base import LEVEL, may_see
from webapp.errors import not_found
from webapp.i18n import N_, gettext_in
from webapp.services import districts
from webapp.services.ogc.query import CRS_LIST, STORAGE_CRS, Parameter

GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
DISTRICTS = "districts"
# The committees' accepted (published) annotations: never a draft, a submitted or a returned picture's.
ANNOTATIONS = "annotations"


class Source:
    """How one kind of collection maps to SQL: fragments fixed in code, never built from a request."""

    def __init__(self, from_: str, where: str, key: str, id_: str, geom: str, props: str,
                 filters: dict[str, str], temporal: str | None = None, parameters: tuple[Parameter, ...] = (),
                 int_ids: bool = True, joins: str = "", outward: bool = False) -> None:
        self.from_, self.where, self.key, self.id, self.geom = from_, where, key, id_, geom
        self.props, self.filters, self.temporal = props, filters, temporal
        # `joins`: tables only the properties name (never `where`, `key`, `geom` or a filter), joined to a page's
        # rows after PostgreSQL has chosen them, so a dense box sorts its incidents alone and looks up 100 rows'
        # district, not thousands. `from_` is then one table with its alias ("incident i").
        self.joins = joins
        # `outward`: a bbox's page runs outward from the box's centre (webapp.services.ogc.features), for sources
        # dense enough that sorting every feature in a box by key costs more than the page: the incident points.
        self.outward = outward
        # `parameters` are bound into `where` (as NULL when one feature is asked for by its id); `int_ids`: the
        # feature ids are integers (a string id is refused before SQL), otherwise text.
        self.parameters, self.int_ids = parameters, int_ids


SOURCES = {
    DISTRICTS: Source(
        "district d", "TRUE", "d.id", "d.code", "d.geom",
        "json_build_object('code', d.code, 'name', d.name, 'committee', d.committee, 'source', d.source, "
        "'area_km2', round((ST_Area(d.geom) / 1e6)::numeric, 3), 'updated_at', d.updated_at)",
        {"code": "d.code", "name": "d.name", "committee": "d.committee"}, int_ids=False),
    ANNOTATIONS: Source(
        "annotation a JOIN situation_picture p ON p.id = a.picture_id", "p.status = 'accepted'", "a.id", "a.id",
        "a.geom",
        "json_build_object('picture', p.id, 'district', p.district_code, 'year', p.year, 'tertial', p.tertial, "
        "'topic', p.topic, 'kind', a.kind, 'severity', a.severity, 'title', a.title, 'body', a.body, "
        "'measure_type', a.measure_type, 'responsible', a.responsible, 'measure_status', a.measure_status, "
        "'valid_from', a.valid_from, 'valid_to', a.valid_to, 'origin', a.origin_id, 'updated_at', a.updated_at, "
        "'accepted_at', p.updated_at)",
        {"district": "p.district_code", "year": "p.year::text", "tertial": "p.tertial::text", "topic": "p.topic",
         "kind": "a.kind", "severity": "a.severity::text"}),
    "layer": Source(
        "layer_feature f",
        "f.layer_id = (SELECT id FROM layer WHERE slug = :slug AND kind = 'vector' "
        "AND confidentiality = ANY(:levels))",
        "f.id", "f.id", "f.geom", "(jsonb_build_object('class', f.class) || f.properties)::json",
        {"class": "f.class"}),
}


@dataclass(frozen=True)
class OwnCollection:
    """A collection a hazard serves from a table of its own (its evaluator's `ogc_collections`): its SQL source,
    texts, extent and who may see it."""

    id: str
    title: str  # English msgids, translated where shown
    description: str
    source: Source
    extent_sql: str  # xmin, ymin, xmax, ymax (4326) and the first and last time, or NULLs
    provenance_sql: str  # source, licence, is_demo
    visible: Callable[[str], bool]
    # The tiles it offers (OGC API Tiles): those of this layer where its evaluator's tile_variant is this one.
    tiles: tuple[str, str] | None = None


_own: tuple[tuple, dict[str, OwnCollection]] = ((), {})


def own_collections() -> dict[str, OwnCollection]:
    """Every hazard's own collections, by id: built once per set of registered evaluators (an items request asks
    for them several times, and building the crime hazard's alone took 0.1 ms)."""
    from webapp.services import hazards

    global _own
    found = tuple(hazards.evaluators())
    if len(found) != len(_own[0]) or any(a is not b for a, b in zip(found, _own[0], strict=True)):
        _own = (found, {c.id: c for e in found for c in e.ogc_collections()})
    return _own[1]


def _reserved(own: dict[str, OwnCollection]) -> list[str]:
    """Ids no layer's default collection may take: districts, the hazards' own collections, and the layers of the
    hazards that serve collections of their own (those replace the default)."""
    from webapp.services import hazards

    with_own = [e.definition.slug for e in hazards.evaluators() if e.ogc_collections()]
    return [DISTRICTS, ANNOTATIONS, *own, *with_own]


def parameters_of(collection_id: str) -> tuple[Parameter, ...]:
    """A collection's own query parameters (a hazard's own collection may have some)."""
    own = own_collections().get(collection_id)
    return own.source.parameters if own is not None else ()


def is_temporal(collection_id: str) -> bool:
    own = own_collections().get(collection_id)
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
    parameters: tuple[Parameter, ...] = ()
    kind: str = "feature"  # "feature": items (OGC API Features); "coverage": a raster (OGC API Coverages)
    layer: str | None = None  # the layer it serves, when it is a layer's default collection
    # Its tiles (OGC API Tiles): the layer's, at the zooms of this tile variant (None: all), as "vector" or "map".
    tiles_layer: str | None = None
    tiles_variant: str | None = None
    tiles_type: str | None = None


def levels(role: str) -> list[str]:
    """The confidentiality classes `role` may see."""
    return [level for level in LEVEL if may_see(role, level)]


def _text(lang: str, sv: str, en: str) -> str:
    return en if lang == "en" else sv


# Every layer with a default collection: a vector layer's features (extent from them), a raster layer with data as
# a coverage (extent from its raster).
_LAYERS_SQL = """
    SELECT l.slug, l.kind, l.title_sv, l.title_en, l.source, l.licence, l.is_demo,
           ST_XMin(e.b), ST_YMin(e.b), ST_XMax(e.b), ST_YMax(e.b)
    FROM layer l
    LEFT JOIN raster_asset r ON r.layer_id = l.id
    LEFT JOIN LATERAL (
        SELECT CASE WHEN l.kind = 'raster' THEN ST_Transform(ST_Segmentize(r.bounds, 500), 4326)
                    ELSE (SELECT ST_Transform(ST_Segmentize(ST_SetSRID(ST_Extent(f.geom)::geometry, 3006), 500), 4326)
                          FROM layer_feature f WHERE f.layer_id = l.id) END AS b) AS e ON TRUE
    WHERE (l.kind = 'vector' OR r.id IS NOT NULL) AND l.confidentiality = ANY(:levels) AND l.slug <> ALL(:reserved)
      AND (CAST(:slug AS text) IS NULL OR l.slug = :slug)
    ORDER BY l.slug
"""
_DISTRICTS_EXTENT = """
    SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), sources FROM (SELECT ST_Transform(ST_Segmentize(
        ST_SetSRID(ST_Extent(geom)::geometry, 3006), 500), 4326) AS b, string_agg(DISTINCT source, '; ') AS sources
        FROM district) AS e
"""
_ANNOTATIONS_EXTENT = """
    SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT ST_Transform(ST_Segmentize(
        ST_SetSRID(ST_Extent(a.geom)::geometry, 3006), 500), 4326) AS b
        FROM annotation a JOIN situation_picture p ON p.id = a.picture_id WHERE p.status = 'accepted') AS e
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
    if collection_id in (DISTRICTS, ANNOTATIONS):
        return tuple(SOURCES[collection_id].filters)
    own = own_collections().get(collection_id)
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


def _districts(session: Session, lang: str) -> Collection:
    *bounds, sources = session.execute(text(_DISTRICTS_EXTENT)).one()
    demo = bool(districts.is_demo(session))
    return Collection(
        DISTRICTS, gettext_in(lang, "District areas"),
        _described(gettext_in(lang, "The city's district areas and the committees responsible for them."), demo, lang),
        tuple(SOURCES[DISTRICTS].filters), bbox=_bbox(bounds), attribution=sources, demo=demo)


def may_see_annotations(role: str) -> bool:
    from webapp.services import pictures

    return role in pictures.READERS


def _annotations(session: Session, lang: str) -> Collection:
    bounds = session.execute(text(_ANNOTATIONS_EXTENT)).one()
    return Collection(
        ANNOTATIONS, gettext_in(lang, "Situation pictures: accepted annotations"),
        gettext_in(lang, "Hotspots, incident areas, measures, risk objects and observations that the district "
                         "committees drew in their situation pictures, once the city office accepted them. Filter "
                         "by district, year, tertial, topic, kind and severity."),
        tuple(SOURCES[ANNOTATIONS].filters), bbox=_bbox(bounds), attribution=gettext_in(lang, "District committees"))


def _own_collection(session: Session, c: OwnCollection, lang: str) -> Collection:
    row = session.execute(text(c.extent_sql)).one()
    source, licence, demo = session.execute(text(c.provenance_sql)).one_or_none() or (None, None, False)
    return Collection(
        c.id, gettext_in(lang, c.title), _described(gettext_in(lang, c.description), bool(demo), lang),
        tuple(c.source.filters), bbox=_bbox(row), interval=None if row[4] is None else (_iso(row[4]), _iso(row[5])),
        temporal=c.source.temporal is not None, attribution=source, license=licence or None, demo=bool(demo),
        parameters=c.source.parameters, **_tiles(*(c.tiles or (None, None))))


def _tiles(slug: str | None, variant: str | None = None) -> dict:
    definition = registry.get(slug) if slug else None
    if definition is None:
        return {}
    return {"tiles_layer": slug, "tiles_variant": variant,
            "tiles_type": "map" if definition.kind == "raster" else "vector"}


def collections(session: Session, role: str, lang: str = "sv", only: str | None = None) -> list[Collection]:
    """The collections `role` may see (or just `only`): districts, the hazards' own collections the role may see,
    the visible vector layers, and the visible raster layers with data as coverages. Extents are computed from the
    data."""
    found: list[Collection] = []
    if only in (None, DISTRICTS):
        found.append(_districts(session, lang))
    if only in (None, ANNOTATIONS) and may_see_annotations(role):
        found.append(_annotations(session, lang))
    own = own_collections()
    found += [_own_collection(session, c, lang) for c in own.values()
              if only in (None, c.id) and c.visible(role)]
    if only is None or (only not in (DISTRICTS, ANNOTATIONS) and only not in own):
        rows = session.execute(text(_LAYERS_SQL), {"levels": levels(role), "reserved": _reserved(own),
                                                   "slug": only}).all()
        for slug, kind, title_sv, title_en, source, licence, demo, *bounds in rows:
            title, description = _layer_texts(slug, title_sv, title_en, lang)
            coverage = kind == "raster"
            found.append(Collection(slug, title, _described(description, demo, lang),
                                    () if coverage else _queryables(slug), bbox=_bbox(bounds), attribution=source,
                                    license=licence or None, demo=demo, kind="coverage" if coverage else "feature",
                                    layer=slug, crs=(STORAGE_CRS,) if coverage else CRS_LIST, **_tiles(slug)))
    return found


def collection(session: Session, role: str, collection_id: str, lang: str = "sv") -> Collection:
    """One collection; 404 problem when it does not exist or the role may not see it."""
    found = collections(session, role, lang, only=collection_id)
    if not found:
        raise not_found("Collection", f"There is no collection {collection_id!r}.")
    return found[0]
