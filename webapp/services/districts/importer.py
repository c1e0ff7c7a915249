"""Import district areas from a file: all or nothing, upserted by code, reprojected to EPSG:3006."""
from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import SWEREF99TM, WGS84, transform_geom
from webapp.services.imports import checked_geometry, incidents, read_features, refused

# Field names tried, in order, when the caller does not name them (case-insensitive).
NAME_FIELDS = ("name", "namn", "sdn_namn", "sdn_omarde", "stadsdelsomrade", "district")
CODE_FIELDS = ("code", "kod", "adm_id", "id")
COMMITTEE_FIELDS = ("committee", "namnd", "stadsdelsnamnd")
POLYGONS = frozenset({2})


@dataclass(frozen=True)
class DistrictImport:
    """What an import did."""

    features: int
    inserted: int
    updated: int
    removed: int  # real districts removed with `replace`
    repaired: int
    demo_replaced: int  # demo districts replaced (every one there was)
    incidents_reassigned: int  # incidents now in another district (or in none)
    source_crs: str
    bounds_lonlat: tuple[float, float, float, float]
    seconds: float


def _pick(fields: tuple[str, ...], wanted: str | None, candidates: tuple[str, ...], what: str) -> str | None:
    by_lower = {f.lower(): f for f in fields}
    if wanted is not None:
        if wanted in fields:
            return wanted
        if wanted.lower() in by_lower:
            return by_lower[wanted.lower()]
        raise refused(f"The file has no field {wanted!r} for the {what}; its fields are {', '.join(fields)}.")
    return next((by_lower[c] for c in candidates if c in by_lower), None)


def code_text(value) -> str:
    """A code as text; DBF files store integer ids as floats (1.0), which must read as "1"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:32]


def _polygonal(number: int, label: str, geom, repair: bool) -> tuple[MultiPolygon, bool]:
    """The feature's geometry as a valid MultiPolygon; refuse what cannot be used."""
    geom, repaired = checked_geometry(f"Feature {number} ({label})", geom, dimensions=POLYGONS, repair=repair)
    return (geom if isinstance(geom, MultiPolygon) else MultiPolygon(list(shapely.get_parts(geom)))), repaired


def upsert(session: Session, rows: list[dict], *, is_demo: bool = False) -> int:
    """Insert or update districts by code (rows: code, name, committee, source, wkb in 3006), marked as demo
    districts or not; returns the number inserted."""
    existing = set(session.execute(text("SELECT code FROM district")).scalars())
    session.execute(text(
        "INSERT INTO district (code, name, committee, source, is_demo, geom) "
        "VALUES (:code, :name, :committee, :source, :is_demo, ST_GeomFromWKB(:wkb, 3006)) "
        "ON CONFLICT (code) DO UPDATE SET name = excluded.name, committee = excluded.committee, "
        "source = excluded.source, is_demo = excluded.is_demo, geom = excluded.geom, updated_at = now()"),
        [{**row, "is_demo": is_demo} for row in rows])
    return len({r["code"] for r in rows} - existing)


def import_districts(session: Session, path: Path, *, layer: str | None = None, name_field: str | None = None,
                     code_field: str | None = None, committee_field: str | None = None,
                     encoding: str | None = None, source: str | None = None, replace: bool = False,
                     repair: bool = False) -> DistrictImport:
    """Upsert the districts of a file by code within the caller's transaction; refuse the whole file on
    the first problem. Every demo district is replaced; with `replace`, real districts missing from the file
    are removed too. Incidents are re-assigned to the districts they now lie in."""
    started = time.perf_counter()
    data = read_features(path, layer=layer, encoding=encoding)
    name_key = _pick(data.fields, name_field, NAME_FIELDS, "name")
    if name_key is None:
        raise refused(f"No name field found among {', '.join(data.fields) or 'no fields'}; "
                      "name it with --name-field.")
    code_key = _pick(data.fields, code_field, CODE_FIELDS, "code")
    committee_key = _pick(data.fields, committee_field, COMMITTEE_FIELDS, "committee")
    source = source or f"Imported from {path.name} ({data.source_crs})"

    rows, seen, repaired = [], {}, 0
    for number, props, geom in data.rows():
        name = str(props.get(name_key) or "").strip()
        if not name:
            raise refused(f"Feature {number} has an empty name in field {name_key!r}.")
        code = code_text(props[code_key]) if code_key and props.get(code_key) is not None else slug(name)
        if code in seen:
            raise refused(f"Features {seen[code]} and {number} share the code {code!r}; codes must be unique.")
        seen[code] = number
        multi, was_repaired = _polygonal(number, name, geom, repair)
        repaired += was_repaired
        committee = str(props.get(committee_key) or "").strip() if committee_key else ""
        rows.append({"code": code, "name": name, "committee": committee or f"{name} stadsdelsnämnd",
                     "source": source, "wkb": multi.wkb})

    # A real city replaces the whole demo city, whatever the codes: demo and real districts never mix.
    demo_replaced = session.execute(text("DELETE FROM district WHERE is_demo")).rowcount
    inserted = upsert(session, rows)
    removed = 0
    if replace:
        removed = session.execute(text("DELETE FROM district WHERE NOT (code = ANY(:codes))"),
                                  {"codes": list(seen)}).rowcount
    reassigned = incidents.assign_districts(session)
    union = shapely.union_all([shapely.from_wkb(r["wkb"]) for r in rows])
    west, south, east, north = transform_geom(shapely.box(*union.bounds), SWEREF99TM, WGS84).bounds
    return DistrictImport(features=len(rows), inserted=inserted, updated=len(rows) - inserted, removed=removed,
                          repaired=repaired, demo_replaced=demo_replaced, incidents_reassigned=reassigned,
                          source_crs=data.source_crs,
                          bounds_lonlat=(round(west, 5), round(south, 5), round(east, 5), round(north, 5)),
                          seconds=round(time.perf_counter() - started, 2))
