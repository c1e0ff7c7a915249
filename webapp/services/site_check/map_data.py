"""What the site report's map image shows, read from the database and the rasters: the frame around the site, each
layer the role may see that its hazard draws on the report map, and the district boundaries and names."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import raster
from geo.crs import SWEREF99TM, WGS84, transform_geom
from geo.frame import MapFrame
from layers.base import LayerClass
from webapp.services import catalog, hazards
from webapp.services.site_check.result import CheckResult

MARGIN_M = 300.0  # what the planner needs around the site: the neighbouring blocks and the nearest routes

_FEATURES = text("""
    SELECT f.class, ST_AsBinary(ST_Intersection(
               CASE WHEN ST_Dimension(f.geom) = 2 THEN ST_Boundary(f.geom) ELSE f.geom END, e.g))
    FROM layer_feature AS f, (SELECT ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006) AS g) AS e
    WHERE f.layer_id = :layer AND f.geom && e.g
""")
# Boundaries, not polygons: clipping a polygon and drawing its outline would draw the map's frame too.
_DISTRICTS = text("""
    SELECT d.name, ST_AsBinary(ST_Intersection(ST_Boundary(d.geom), e.g)),
           ST_AsBinary(ST_Intersection(d.geom, e.g))
    FROM district AS d, (SELECT ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006) AS g) AS e
    WHERE d.geom && e.g
""")


@dataclass(frozen=True)
class MapLayer:
    """One layer as the map draws it: "fill" (raster classes on the grid) or "line"/"outline" (features)."""

    slug: str
    style: str
    classes: tuple[LayerClass, ...]
    grid: np.ma.MaskedArray | None = None  # stored raster values on the frame's pixels
    scale: float = 1.0
    offset: float = 0.0
    transparent_below: float | None = None
    features: list[tuple[str, shapely.Geometry]] = field(default_factory=list)


@dataclass(frozen=True)
class MapData:
    frame: MapFrame
    area: shapely.Geometry
    point: shapely.Geometry | None
    layers: list[MapLayer]
    districts: list[tuple[str, shapely.Geometry | None, shapely.Geometry | None]]  # name, boundary, part


def _site_geoms(result: CheckResult) -> tuple[shapely.Geometry, shapely.Geometry | None]:
    """The checked area in 3006 and, for a point site, the point itself (the check stores both in lon/lat)."""
    area = transform_geom(shape(result.site.geometry), WGS84, SWEREF99TM)
    point = None
    if result.site.kind == "point" and result.site.given:
        point = transform_geom(shape(result.site.given), WGS84, SWEREF99TM)
    return area, point


def _wkb(value: Any) -> shapely.Geometry | None:
    return None if value is None else shapely.from_wkb(bytes(value))


def map_data(session: Session, result: CheckResult, *, size_px: tuple[int, int] = (900, 600),
             role: str = "viewer") -> MapData:
    """The map's content for a check, with the layers `role` may see."""
    area, point = _site_geoms(result)
    frame = MapFrame(area.bounds, size_px, MARGIN_M)
    x0, y0, x1, y1 = frame.bounds
    box = {"x0": x0, "y0": y0, "x1": x1, "y1": y1}
    layers = []
    for info in catalog.visible_layers(session, role):
        style = hazards.evaluator(info.slug).report_map_style
        if style is None or not info.has_data:
            continue
        d = info.definition
        if style == "fill" and info.raster is not None:
            grid = raster.read_grid(info.raster.path, frame.bounds, size_px, band=info.raster.band)
            if grid is not None and not grid.mask.all():
                layers.append(MapLayer(info.slug, style, d.classes, grid=grid, scale=info.raster.scale,
                                       offset=info.raster.offset,
                                       transparent_below=d.raster.transparent_below if d.raster else None))
        elif style != "fill" and d.stores_features:
            rows = session.execute(_FEATURES, {"layer": info.id, **box}).all()
            features = [(cls, geom) for cls, wkb in rows if (geom := _wkb(wkb)) is not None and not geom.is_empty]
            layers.append(MapLayer(info.slug, style, d.classes, features=features))
    districts = [(name, _wkb(b), _wkb(p)) for name, b, p in session.execute(_DISTRICTS, box).all()]
    return MapData(frame, area, point, layers, districts)


# --- the printed map (/map/print.pdf): any extent and the layers the viewer shows ------------------------------

# Polygons whole (clipped, for a translucent fill) and their boundaries (clipped, so the frame is not outlined).
_FEATURES_WHOLE = text("""
    SELECT f.class, ST_AsBinary(ST_Intersection(f.geom, e.g)),
           ST_AsBinary(CASE WHEN ST_Dimension(f.geom) = 2 THEN ST_Intersection(ST_Boundary(f.geom), e.g) END)
    FROM layer_feature AS f, (SELECT ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006) AS g) AS e
    WHERE f.layer_id = :layer AND f.geom && e.g
""")
# The k-anonymous counts per grid cell the viewer's aggregated tiles show (never points): one kept cell size.
_CELLS = text("""
    SELECT c.n, ST_AsBinary(c.geom) FROM incident_cell AS c
    WHERE c.layer = :layer AND c.size_m = :cell AND c.n >= :k
      AND c.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006)
""")
MIN_CELL_PX = 4  # a cell drawn smaller than this reads as noise: take the next coarser kept size
MAX_CELLS = 40_000


@dataclass(frozen=True)
class ViewLayer:
    """A layer of the printed map: what the report map draws of it ("fill", "line", "polygon" or "cells"), and
    the classes its legend shows (count classes for cells)."""

    info: Any  # catalog.LayerInfo
    style: str
    classes: tuple[LayerClass, ...]
    layer: MapLayer | None  # None: nothing of it in the extent
    polygons: list[tuple[str, shapely.Geometry]] = field(default_factory=list)  # class key (or colour), fill


def _cell_classes(bounds: list[tuple[int, str]]) -> tuple[LayerClass, ...]:
    lows = [low for low, _ in bounds]
    labels = [f"{low}–{high - 1}" for low, high in zip(lows, lows[1:], strict=False)] + [f"{lows[-1]}+"]
    return tuple(LayerClass(color, label, color, low, high) for (low, color), label, high
                 in zip(bounds, labels, [*lows[1:], None], strict=True))


def _cells(session: Session, info, frame: MapFrame, cell_classes, sizes_m, k: int) -> ViewLayer:
    x0, y0, x1, y1 = frame.bounds
    size = next((s for s in sizes_m if s / frame.res >= MIN_CELL_PX
                 and ((x1 - x0) / s) * ((y1 - y0) / s) <= MAX_CELLS), sizes_m[-1])
    classes = _cell_classes(cell_classes)
    rows = session.execute(_CELLS, {"layer": info.slug, "cell": size, "k": k, "x0": x0, "y0": y0, "x1": x1,
                                    "y1": y1}).all()
    polygons = []
    for n, wkb in rows:
        cls = next((c for c in reversed(classes) if n >= c.min), None)
        if cls is not None:
            polygons.append((cls.key, _wkb(wkb)))
    return ViewLayer(info, "cells", classes, MapLayer(info.slug, "cells", classes), polygons)


def view_data(session: Session, bounds_3006: tuple[float, float, float, float], size_px: tuple[int, int],
              infos: list) -> tuple[MapFrame, list[ViewLayer], list]:
    """The printed map's frame over `bounds_3006` (no margin; widened to the image's aspect), each layer of
    `infos` (already filtered to what the role may see) as the viewer draws it, and the districts in the frame.

    Rasters: their classes read windowed and overview-aware (`raster.read_grid`); vector layers: their features
    clipped to the frame; incident layers (drawn as counts per cell in the viewer): the same k-anonymous cells."""
    from layers.crime import CELL_SIZES_M, K_ANONYMITY

    frame = MapFrame(bounds_3006, size_px, 0.0)
    x0, y0, x1, y1 = frame.bounds
    box = {"x0": x0, "y0": y0, "x1": x1, "y1": y1}
    out = []
    for info in infos:
        d = info.definition
        cell_classes = hazards.evaluator(info.slug).viewer_config(info, "sv").get("cellClasses")
        if cell_classes:
            out.append(_cells(session, info, frame, list(cell_classes), CELL_SIZES_M, K_ANONYMITY))
        elif d.kind == "raster":
            layer = None
            if info.raster is not None:
                grid = raster.read_grid(info.raster.path, frame.bounds, size_px, band=info.raster.band)
                if grid is not None and not grid.mask.all():
                    layer = MapLayer(info.slug, "fill", d.classes, grid=grid, scale=info.raster.scale,
                                     offset=info.raster.offset,
                                     transparent_below=d.raster.transparent_below if d.raster else None)
            out.append(ViewLayer(info, "fill", d.classes, layer))
        elif d.stores_features:
            rows = session.execute(_FEATURES_WHOLE, {"layer": info.id, **box}).all()
            lines, polygons = [], []
            for cls, whole, boundary in rows:
                geom = _wkb(whole)
                if geom is None or geom.is_empty:
                    continue
                if boundary is not None:
                    polygons.append((cls, geom))
                    geom = _wkb(boundary)
                lines.append((cls, geom))
            style = "line" if d.geometry == "line" else "polygon"
            out.append(ViewLayer(info, style, d.classes,
                                 MapLayer(info.slug, "line" if style == "line" else "outline", d.classes,
                                          features=lines), polygons))
    districts = [(name, _wkb(b), _wkb(p)) for name, b, p in session.execute(_DISTRICTS, box).all()]
    return frame, out, districts


def district_sources(session: Session) -> list[str]:
    """Where the district areas come from (the printed map's sources)."""
    return [s for (s,) in session.execute(text("SELECT DISTINCT source FROM district ORDER BY source")).all() if s]
