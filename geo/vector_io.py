"""Read vector files (GeoJSON, GeoPackage, zipped Shapefile) into shapely geometries in EPSG:3006."""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo import safe_files
from geo.crs import SWEREF99TM

SUPPORTED_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")


def _pyogrio():
    """pyogrio, loaded on first use: it brings pandas and geopandas (about 80 MB), which a web worker that never
    reads or writes a vector file should not carry (imports run in their own process)."""
    import pyogrio
    import pyogrio.raw

    return pyogrio


class VectorFileError(ValueError):
    """The file cannot be used as it is; the message says why in words a person understands."""


@dataclass(frozen=True)
class VectorFile:
    """The features of one layer of a file, reprojected to EPSG:3006 (2D)."""

    path: Path
    layer: str | None
    source_crs: str
    fields: tuple[str, ...]
    properties: list[dict[str, Any]]
    geometries: list[shapely.Geometry | None]

    def __len__(self) -> int:
        return len(self.geometries)

    def rows(self) -> Iterator[tuple[int, dict[str, Any], shapely.Geometry | None]]:
        """(1-based feature number, properties, geometry) for each feature."""
        for i, (props, geom) in enumerate(zip(self.properties, self.geometries, strict=True), start=1):
            yield i, props, geom


def list_layers(path: Path | str) -> list[str]:
    return [str(name) for name, _kind in _pyogrio().list_layers(path)]


def read(path: str | Path, layer: str | None = None, encoding: str | None = None,
         max_bytes: int = 200_000_000) -> VectorFile:
    """Read one layer of a vector file and reproject it to EPSG:3006; refuse a file without a CRS."""
    try:
        path = safe_files.check_name(path)
    except safe_files.UnsafeFileError as exc:
        raise VectorFileError(str(exc)) from None
    if not path.exists():
        raise VectorFileError(f"{path} does not exist.")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise VectorFileError(f"{path.name}: unsupported file type; use GeoJSON, GeoPackage or a zipped "
                              "Shapefile (.zip with .shp, .shx, .dbf and .prj).")
    gdal_path = _checked_source(path, max_bytes)
    pyogrio = _pyogrio()
    with warnings.catch_warnings():
        # Z and M values are dropped below (force_2d); GDAL's note about M types is noise here.
        warnings.filterwarnings("ignore", message="Measured \\(M\\) geometry types")
        try:
            return _read(path, gdal_path, layer, encoding)
        except VectorFileError:
            raise
        except UnicodeError as exc:
            raise VectorFileError(f"{path.name}: the attributes are not in the encoding the file declares or was "
                                  f"given ({exc}); give the right one with --encoding (e.g. cp1252).") from None
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
                pyogrio.errors.GeometryError, pyogrio.errors.FeatureError, pyogrio.errors.CRSError, CRSError,
                MemoryError) as exc:
            raise VectorFileError(f"{path.name} cannot be read: {str(exc)[:300] or type(exc).__name__}") from None


def _checked_source(path: Path, max_bytes: int) -> str:
    """What GDAL opens: the file itself once its bytes prove its kind, or the one dataset inside a checked zip."""
    try:
        if path.suffix.lower() == ".zip":
            return safe_files.open_zip(path, max_bytes=max_bytes).gdal_path
        kind = safe_files.sniff(path, expected=("json", "gpkg", "shp"))
    except safe_files.UnsafeFileError as exc:
        raise VectorFileError(str(exc)) from None
    if kind == "json" and path.stat().st_size > max_bytes:
        raise VectorFileError(f"{path.name} is {path.stat().st_size:,} bytes; the limit is {max_bytes:,}.")
    return str(path)


def _read(path: Path, gdal_path: str, layer: str | None, encoding: str | None) -> VectorFile:
    pyogrio = _pyogrio()
    try:
        layers = list_layers(gdal_path)
    except pyogrio.errors.DataSourceError as exc:
        raise VectorFileError(f"{path.name} cannot be read as a vector file: {exc}") from None
    if not layers:
        raise VectorFileError(f"{path.name} holds no vector layer.")
    if layer is None:
        if len(layers) > 1:
            raise VectorFileError(f"{path.name} holds {len(layers)} layers ({', '.join(layers)}); "
                                  "name the one to import.")
        layer = layers[0]
    elif layer not in layers:
        raise VectorFileError(f"{path.name} has no layer {layer!r}; it has {', '.join(layers)}.")
    try:
        meta, _fids, wkb, field_data = pyogrio.raw.read(gdal_path, layer=layer, encoding=encoding)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise VectorFileError(f"{path.name} cannot be read: {exc}") from None
    if meta.get("crs") is None:
        raise VectorFileError(f"{path.name} declares no coordinate reference system (a Shapefile needs its "
                              ".prj); add it, or convert the file to GeoPackage with the CRS set.")
    source = CRS.from_user_input(meta["crs"])
    if not (source.is_projected or source.is_geographic) or source.type_name.startswith("Engineering"):
        raise VectorFileError(f"{path.name} is in a local (engineering) coordinate system, which cannot be placed "
                              "on the map; give it a real CRS such as EPSG:3006.")
    geoms = shapely.from_wkb(wkb) if wkb is not None else np.array([None] * len(field_data[0]))
    geoms = _to_sweref(geoms, source)
    fields = tuple(str(f) for f in meta["fields"])
    columns = [_plain(col) for col in field_data]
    properties = [dict(zip(fields, values, strict=True)) for values in zip(*columns, strict=True)] \
        if columns else [{} for _ in range(len(geoms))]
    return VectorFile(path=path, layer=layer, source_crs=_crs_name(source), fields=fields,
                      properties=properties, geometries=list(geoms))


def _to_sweref(geoms: np.ndarray, source: CRS) -> np.ndarray:
    geoms = shapely.force_2d(geoms)
    if source.to_epsg() == SWEREF99TM:
        return geoms
    transformer = Transformer.from_crs(source, SWEREF99TM, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _plain(column: np.ndarray) -> list[Any]:
    """Attribute values as plain Python values (JSON-serialisable): NaN as None, text without NUL characters
    (which PostgreSQL cannot store; fixed-width DBF fields are padded with them)."""
    return [_clean(v) for v in column.tolist()]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "")
    return value


def _crs_name(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def write_gpkg(path: str | Path, layer: str, fields: dict[str, list[Any]], geometries: list[shapely.Geometry],
               *, description: str | None = None) -> None:
    """One layer of features in EPSG:3006 as a GeoPackage: `fields` are columns of equal length (text, whole
    numbers, dates as ISO text; None is null), one geometry per row, any geometry type."""
    pyogrio = _pyogrio()
    names = list(fields)
    columns = []
    for name in names:
        values = fields[name]
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            columns.append(np.asarray([0 if v is None else v for v in values], dtype=np.int64))
        else:
            columns.append(np.asarray(["" if v is None else str(v) for v in values], dtype=object))
    mask = [np.asarray([v is None for v in fields[name]], dtype=bool) for name in names]
    wkb = np.asarray(shapely.to_wkb(np.asarray(geometries, dtype=object)), dtype=object) if geometries \
        else np.asarray([], dtype=object)
    pyogrio.raw.write(str(path), wkb, columns, names, field_mask=mask, layer=layer, driver="GPKG",
                      geometry_type="Unknown", crs=f"EPSG:{SWEREF99TM}", encoding="UTF-8",
                      promote_to_multi=False, dataset_options={"VERSION": "1.2"},  # what GDAL 3.6 and QGIS read
                      layer_metadata={"DESCRIPTION": description} if description else None)
