"""Districts: read them as GeoJSON built by PostGIS, and find the ones a geometry touches."""
from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely import Geometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import SWEREF99TM, WGS84
from webapp.errors import not_found

# Coordinates out: 6 decimals in degrees (~0.1 m), 2 in metres (1 cm).
DIGITS = {WGS84: 6, SWEREF99TM: 2}

_FEATURE = """
    json_build_object(
        'type', 'Feature', 'id', code,
        'geometry', ST_AsGeoJSON(ST_Transform({geom}, CAST(:srid AS integer)), :digits)::json,
        'properties', json_build_object(
            'code', code, 'name', name, 'committee', committee, 'source', source,
            'area_km2', round((ST_Area(geom) / 1e6)::numeric, 3), 'updated_at', updated_at))
"""
_COLLECTION = f"""
    SELECT json_build_object('type', 'FeatureCollection',
                             'features', COALESCE(json_agg(f.feature ORDER BY f.sort), '[]'::json))::text
    FROM (SELECT {_FEATURE.format(geom="geom")} AS feature,
                 lpad(code, 8, '0') AS sort
          FROM district) AS f
"""
_ONE = f"SELECT ({_FEATURE.format(geom='geom')})::text FROM district WHERE code = :code"
# For the overview map: simplified by a tolerance well below what a city-wide map can show.
_MAP = f"""
    SELECT json_build_object('type', 'FeatureCollection',
                             'features', COALESCE(json_agg(f.feature ORDER BY f.sort), '[]'::json))::text
    FROM (SELECT {_FEATURE.format(geom="ST_SimplifyPreserveTopology(geom, :tolerance)")} AS feature,
                 lpad(code, 8, '0') AS sort
          FROM district) AS f
"""


@dataclass(frozen=True)
class DistrictRef:
    code: str
    name: str
    committee: str


def _digits(srid: int) -> int:
    return DIGITS.get(srid, 6 if srid == WGS84 else 2)


def collection_geojson(session: Session, srid: int = WGS84) -> str:
    """All districts as an RFC 7946 FeatureCollection (or in `srid` when asked), built by PostGIS."""
    return session.execute(text(_COLLECTION), {"srid": srid, "digits": _digits(srid)}).scalar_one()


def feature_geojson(session: Session, code: str, srid: int = WGS84) -> str:
    """One district as a GeoJSON Feature; 404 problem when the code is unknown."""
    row = session.execute(text(_ONE), {"code": code, "srid": srid, "digits": _digits(srid)}).scalar()
    if row is None:
        raise not_found("District", f"There is no district with code {code!r}.")
    return row


def map_geojson(session: Session, tolerance_m: float = 2.0) -> str:
    """Districts in WGS 84, simplified for a city-wide map."""
    return session.execute(text(_MAP), {"srid": WGS84, "digits": 6, "tolerance": tolerance_m}).scalar_one()


def refs(session: Session) -> list[DistrictRef]:
    """Every district's code, name and committee, by name."""
    rows = session.execute(text("SELECT code, name, committee FROM district ORDER BY name")).all()
    return [DistrictRef(*row) for row in rows]


def is_demo(session: Session) -> bool:
    """True when any district is the generated demo city (marked so by the demo loader)."""
    return bool(session.execute(text("SELECT bool_or(is_demo) FROM district")).scalar())


def count(session: Session) -> int:
    return session.execute(text("SELECT count(*) FROM district")).scalar_one()


def count_real(session: Session) -> int:
    """Districts that are not the demo city's (imported from a real file)."""
    return session.execute(text("SELECT count(*) FROM district WHERE NOT is_demo")).scalar_one()


def bounds_lonlat(session: Session) -> tuple[float, float, float, float] | None:
    """The districts' extent in lon/lat (west, south, east, north), or None when there are none."""
    row = session.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
        "FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom), 3006), 4326) AS e FROM district) AS x"
    )).one()
    return None if row[0] is None else tuple(float(v) for v in row)


def touching(session: Session, geom: Geometry) -> list[DistrictRef]:
    """The districts a geometry (EPSG:3006) touches, largest overlap first."""
    rows = session.execute(text(
        "SELECT code, name, committee FROM district "
        "WHERE ST_Intersects(geom, ST_GeomFromWKB(:wkb, 3006)) "
        "ORDER BY ST_Area(ST_Intersection(geom, ST_GeomFromWKB(:wkb, 3006))) DESC, "
        "ST_Distance(geom, ST_GeomFromWKB(:wkb, 3006)), code"
    ), {"wkb": geom.wkb}).all()
    return [DistrictRef(*row) for row in rows]



def fingerprint(session: Session) -> tuple:
    """Something that changes whenever the districts do (a cache key for what is computed over the city)."""
    return tuple(session.execute(text("SELECT count(*), max(updated_at), sum(ST_NPoints(geom)) FROM district")).one())


def city_area(session: Session) -> Geometry | None:
    """The city (every district together) in EPSG:3006."""
    wkb = session.execute(text("SELECT ST_AsBinary(ST_Union(geom)) FROM district")).scalar()
    return None if wkb is None else shapely.from_wkb(bytes(wkb))
