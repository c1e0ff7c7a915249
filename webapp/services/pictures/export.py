"""A situation picture's annotations as a GeoPackage (EPSG:3006, one layer, with the picture's district, period,
topic and status on every row and the kinds and statuses also in words of the asked language), for GIS users."""
from __future__ import annotations

import tempfile
from pathlib import Path

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.vector_io import write_gpkg
from webapp.services import pictures
from webapp.services.accounts import User

COLUMNS = ("id", "kind", "severity", "title", "body", "measure_type", "responsible", "measure_status", "valid_from",
           "valid_to", "origin_id", "version", "created_by", "created_at", "updated_by", "updated_at")


def layer_name(picture: pictures.Picture) -> str:
    return f"situation_picture_{picture.district_code}_{picture.year}_t{picture.tertial}_{picture.topic}"


def geopackage(session: Session, picture_id: int, user: User | None, role: str, *,
               kind_names: dict[str, str]) -> tuple[pictures.Picture, bytes]:
    """The picture (for its name) and the GeoPackage's bytes."""
    picture = pictures.get(session, picture_id, user, role)
    rows = session.execute(text(
        f"SELECT {', '.join('a.' + c for c in COLUMNS)}, ST_AsBinary(a.geom) FROM annotation a "
        "WHERE a.picture_id = :p ORDER BY a.id"), {"p": picture_id}).all()
    fields: dict[str, list] = {name: [] for name in ("district", "year", "tertial", "topic", "picture_status",
                                                     *COLUMNS[:2], "kind_name", *COLUMNS[2:])}
    geometries = []
    for row in rows:
        values = dict(zip(COLUMNS, row[:-1], strict=True))
        for name, value in (("district", picture.district_code), ("year", picture.year),
                            ("tertial", picture.tertial), ("topic", picture.topic),
                            ("picture_status", picture.status), ("kind_name", kind_names.get(values["kind"]))):
            fields[name].append(value)
        for name in COLUMNS:
            value = values[name]
            fields[name].append(value.isoformat() if hasattr(value, "isoformat") else value)
        geometries.append(shapely.from_wkb(bytes(row[-1])))
    with tempfile.TemporaryDirectory(prefix="riskkarta-export-") as folder:
        path = Path(folder) / "picture.gpkg"
        write_gpkg(path, layer_name(picture), fields, geometries,
                   description=f"Situation picture {picture.id}: district {picture.district_code}, "
                               f"{picture.year} T{picture.tertial}, {picture.topic} ({picture.status})")
        return picture, path.read_bytes()


def reported_geopackage(found: list, year: int, tertial: int) -> bytes:
    """The city view's annotations (`city.annotations`) as a GeoPackage in EPSG:3006."""
    from webapp.services.pictures.city import _FIELDS

    fields = {name: [r.fields[name] for r in found] for name in _FIELDS}
    geometries = [shapely.from_wkb(r.wkb) for r in found]
    with tempfile.TemporaryDirectory(prefix="riskkarta-export-") as folder:
        path = Path(folder) / "city.gpkg"
        write_gpkg(path, f"situation_pictures_{year}_t{tertial}", fields, geometries,
                   description=f"Annotations of the submitted and accepted situation pictures, {year} T{tertial}")
        return path.read_bytes()
