"""Imports into the hazard layers: vector files, GeoTIFFs and incident CSVs. Each import runs in the caller's
transaction and replaces the layer's data as a whole; on any failure the previous version stays."""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import raster
from geo.crs import SWEREF99TM, WGS84, transform_bounds
from layers.base import LayerDefinition
from webapp.i18n import both
from webapp.services import catalog
from webapp.services.imports import checked_geometry, read_features, refused

GEOMETRY_DIMENSIONS = {"point": frozenset({0}), "line": frozenset({1}), "polygon": frozenset({2}),
                       "mixed": frozenset({0, 1, 2})}
Progress = Callable[[int], None]


@dataclass(frozen=True)
class RasterGrid:
    """A raster's cells: how many across and down, the cell size and the ground covered, in metres."""

    width: int
    height: int
    cell_m: float
    width_m: float
    height_m: float


@dataclass(frozen=True)
class LayerImport:
    """What an import did, for the summary line: `count` things of kind `unit`."""

    slug: str
    version: int
    count: int
    unit: str  # what `count` counts, singular: "feature", "incident", "cell"
    bounds_lonlat: tuple[float, float, float, float] | None
    seconds: float
    repaired: int | None = None  # None where the import repairs nothing
    grid: RasterGrid | None = None  # a raster's cells
    notes: tuple[str, ...] = ()


def bounds_lonlat(bounds: tuple[float, float, float, float] | None):
    if bounds is None:
        return None
    return tuple(round(v, 5) for v in transform_bounds(bounds, SWEREF99TM, WGS84))


def replace_features(session: Session, slug: str, rows: Iterable[tuple[str, dict[str, Any], shapely.Geometry]], *,
                     source: str, licence: str, is_demo: bool, metadata: dict | None = None) -> tuple[int, int]:
    """Swap a vector layer's features for `rows` (class, properties, geometry in 3006); returns (version, count)."""
    layer_id = catalog.layer_id(session, slug)
    session.execute(text("DELETE FROM layer_feature WHERE layer_id = :id"), {"id": layer_id})
    params = [{"layer": layer_id, "cls": cls, "props": json.dumps(props, default=str, ensure_ascii=False),
               "wkb": geom.wkb} for cls, props, geom in rows]
    if params:
        session.execute(text(
            "INSERT INTO layer_feature (layer_id, class, properties, geom) "
            "VALUES (:layer, :cls, CAST(:props AS jsonb), ST_GeomFromWKB(:wkb, 3006))"), params)
    version = catalog.bump(session, slug, source=source, licence=licence, is_demo=is_demo,
                           feature_count=len(params), metadata=metadata)
    return version, len(params)


def _class_key(definition: LayerDefinition, props: dict[str, Any], class_field: str | None,
               default_class: str | None) -> str | None:
    keys = {c.key.lower(): c.key for c in definition.classes}
    labels = {label.lower(): c.key for c in definition.classes for label in both(c.label).values()}
    fields = (class_field,) if class_field else definition.class_fields
    lowered = {k.lower(): v for k, v in props.items()}
    for name in fields:
        value = lowered.get(name.lower())
        if value is not None and str(value).strip():
            text_value = str(value).strip().lower()
            return keys.get(text_value) or labels.get(text_value) or f"?{value}"
    return default_class


def import_vector(session: Session, slug: str, path: Path, *, layer: str | None = None, class_field: str | None = None,
                  default_class: str | None = None, encoding: str | None = None, source: str | None = None,
                  licence: str = "", repair: bool = False, progress: Progress | None = None) -> LayerImport:
    """Replace a vector layer's features with those of a GeoJSON, GeoPackage or zipped Shapefile."""
    started = time.perf_counter()
    definition = catalog.definition_or_404(slug)
    if definition.kind != "vector" or not definition.stores_features:
        raise refused(f"{slug} is not a vector feature layer; see `riskkarta import layer --help`.")
    if default_class is not None and definition.class_of(default_class) is None:
        raise refused(f"--default-class {default_class!r} is not a class of {slug}; use one of "
                      f"{', '.join(c.key for c in definition.classes)}.")
    data = read_features(path, layer=layer, encoding=encoding)
    dimensions = GEOMETRY_DIMENSIONS[definition.geometry or "mixed"]
    rows, repaired = [], 0
    for number, props, geom in data.rows():
        cls = _class_key(definition, props, class_field, default_class)
        if cls is None:
            raise refused(f"Feature {number} has no class: the file has none of the fields "
                          f"{', '.join((class_field,) if class_field else definition.class_fields)}; name one with "
                          "--class-field, or give --default-class.")
        if cls.startswith("?"):
            raise refused(f"Feature {number} has the class {cls[1:]!r}, which {slug} does not know; its classes are "
                          f"{', '.join(c.key for c in definition.classes)}.")
        geom, was_repaired = checked_geometry(f"Feature {number}", geom, dimensions=dimensions, repair=repair)
        repaired += was_repaired
        rows.append((cls, {k: v for k, v in props.items() if v is not None}, geom))
        if progress and number % 500 == 0:
            progress(500)
    source = source or f"Imported from {path.name} ({data.source_crs})"
    version, count = replace_features(session, slug, rows, source=source, licence=licence, is_demo=False)
    if progress:
        progress(len(rows) % 500)
    bounds = shapely.total_bounds([g for _, _, g in rows])
    return LayerImport(slug=slug, version=version, count=count, unit="feature", repaired=repaired,
                       bounds_lonlat=bounds_lonlat(tuple(bounds)), seconds=round(time.perf_counter() - started, 2))


def feature_count(path: Path, layer: str | None) -> int:
    """Features in a vector file, for a progress bar (0 when it cannot be told cheaply)."""
    import pyogrio

    try:
        return int(pyogrio.read_info(path, layer=layer)["features"])
    except Exception:  # the import itself reports unreadable files properly
        return 0


def register_raster(session: Session, slug: str, path: Path, *, source: str, licence: str, is_demo: bool,
                    scale: float, offset: float, nodata: float | None, units: str,
                    metadata: dict | None = None) -> tuple[int, raster.RasterInfo]:
    """Point a raster layer at a COG in EPSG:3006 and bump its version; returns (version, info)."""
    info = raster.info(path)
    layer_id = catalog.layer_id(session, slug)
    x0, y0, x1, y1 = info.bounds
    session.execute(text(
        'INSERT INTO raster_asset (layer_id, path, band, units, scale, "offset", nodata, resolution_m, width, height, '
        "bounds) VALUES (:layer, :path, 1, :units, :scale, :offset, :nodata, :res, :w, :h, "
        "ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006)) "
        'ON CONFLICT (layer_id) DO UPDATE SET path = excluded.path, units = excluded.units, scale = excluded.scale, '
        '"offset" = excluded."offset", nodata = excluded.nodata, resolution_m = excluded.resolution_m, '
        "width = excluded.width, height = excluded.height, bounds = excluded.bounds, created_at = now()"),
        {"layer": layer_id, "path": str(path), "units": units, "scale": scale, "offset": offset, "nodata": nodata,
         "res": info.resolution_m, "w": info.width, "h": info.height, "x0": x0, "y0": y0, "x1": x1, "y1": y1})
    version = catalog.bump(session, slug, source=source, licence=licence, is_demo=is_demo, feature_count=0,
                           metadata=metadata)
    return version, info


def new_raster_path(data_dir: Path, slug: str) -> Path:
    """A fresh file name per import: the previous COG stays in place until the new version is committed."""
    folder = Path(data_dir) / "rasters" / slug
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{slug}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.tif"


def import_raster(session: Session, slug: str, path: Path, data_dir: Path, *, source: str | None = None,
                  licence: str = "", units: str | None = None, metadata: dict | None = None) -> LayerImport:
    """Reproject a GeoTIFF to a COG in EPSG:3006 under the data directory and make it the layer's new version.
    The caller commits; if the transaction fails the new file is an orphan and the old one still serves."""
    started = time.perf_counter()
    definition = catalog.definition_or_404(slug)
    if definition.kind != "raster":
        raise refused(f"{slug} is a vector layer; import a GeoJSON, GeoPackage or zipped Shapefile into it.")
    target = new_raster_path(data_dir, slug)
    try:
        info = raster.to_cog(path, target)
    except raster.RasterFileError as exc:
        target.unlink(missing_ok=True)
        raise refused(str(exc)) from None
    source = source or f"Imported from {Path(path).name}"
    # Imported rasters hold physical values as they are (scale 1); no-data comes from the file.
    version, info = register_raster(session, slug, target, source=source, licence=licence, is_demo=False, scale=1.0,
                                    offset=0.0, nodata=info.nodata, units=units or definition.raster.units,
                                    metadata=metadata)
    x0, y0, x1, y1 = info.bounds
    grid = RasterGrid(info.width, info.height, info.resolution_m, x1 - x0, y1 - y0)
    return LayerImport(slug=slug, version=version, count=info.width * info.height, unit="cell", grid=grid,
                       bounds_lonlat=bounds_lonlat(info.bounds), seconds=round(time.perf_counter() - started, 2),
                       notes=(f"stored as {target}",))
