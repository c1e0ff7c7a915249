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
