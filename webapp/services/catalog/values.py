"""Values of raster layers at a point, in physical units with their class."""
from __future__ import annotations

from dataclasses import dataclass

from geo import raster
from geo.crs import SWEREF99TM, WGS84, transformer
from layers.base import LayerClass
from webapp.services.catalog import LayerInfo


@dataclass(frozen=True)
class PointValue:
    value: float | None
    units: str | None
    cls: LayerClass | None


def value_at(info: LayerInfo, lon: float, lat: float) -> PointValue:
    """The layer's value at a WGS 84 point (None outside the raster or on no-data)."""
    if info.raster is None:
        return PointValue(None, None, None)
    x, y = transformer(WGS84, SWEREF99TM).transform(lon, lat)
    stored = raster.point_value(info.raster.path, x, y, band=info.raster.band)
    if stored is None:
        return PointValue(None, info.raster.units, None)
    value = round(stored * info.raster.scale + info.raster.offset, 3)
    return PointValue(value, info.raster.units, info.definition.class_for_value(value))
