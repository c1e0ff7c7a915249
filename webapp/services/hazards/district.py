"""The district page's default summaries of a layer, by its kind (Evaluator.district_summary): a vector layer's
features by class inside the district, a raster layer's share of the district's mapped area per class."""
from __future__ import annotations

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import raster
from layers.base import LayerClass
from webapp.i18n import both
from webapp.services.catalog import LayerInfo
from webapp.services.hazards import Row

# The raster is read at the resolution that gives about this many cells over the district's box (GDAL serves an
# overview): a 2 m flood raster over a 5 km district is read at about 10 m, enough for shares to a tenth of a per
# cent, and never the whole raster at full resolution.
MAX_CELLS = 250_000
# Class limits are compared with this much slack: stored integers times a scale (cm × 0.01) miss 0.1 by a hair.
_EPS = 1e-9

_FEATURES = text("""
    SELECT class, count(*) FROM layer_feature
    WHERE layer_id = :layer AND ST_Intersects(geom, ST_GeomFromWKB(:wkb, 3006))
    GROUP BY class
""")


def _label(cls: LayerClass | None, key: str) -> dict[str, str]:
    return both(cls.label) if cls is not None else {"sv": key, "en": key}


def features_by_class(session: Session, info: LayerInfo, district: shapely.Geometry) -> list[Row]:
    """The layer's features touching the district, counted per class in the definition's order."""
    counts = dict(session.execute(_FEATURES, {"layer": info.id, "wkb": district.wkb}).all())
    order = [c.key for c in info.definition.classes]
    keys = sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [Row(_label(info.definition.class_of(k), k), "number", counts[k]) for k in keys]


def raster_shares(info: LayerInfo, district: shapely.Geometry) -> list[Row]:
    """Each class's share of the district's cells that have data, read at about MAX_CELLS cells."""
    if info.raster is None:
        return []
    stored = raster.sample_values(info.raster.path, district, band=info.raster.band, max_cells=MAX_CELLS)
    if stored.size == 0:
        return []
    values = stored.astype("float64") * info.raster.scale + info.raster.offset
    rows = []
    for c in info.definition.classes:
        inside = np.ones(values.shape, dtype=bool)
        if c.min is not None:
            inside &= values >= c.min - _EPS
        if c.max is not None:
            inside &= values < c.max - _EPS
        rows.append(Row(_label(c, c.key), "share", round(float(inside.sum()) / values.size, 4)))
    return rows
