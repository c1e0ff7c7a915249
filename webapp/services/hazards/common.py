"""What the hazard evaluators share: the layer reference, the verdict and "no data" builders, and a raster's
values under the site in physical units."""
from __future__ import annotations

from typing import Any

import numpy as np

from geo import raster
from layers.rules import NO_DATA
from webapp.services.catalog import LayerInfo
from webapp.services.site_check.result import LayerRef, Measure, Verdict


def layer_ref(info: LayerInfo | None) -> LayerRef | None:
    if info is None:
        return None
    return LayerRef(info.slug, info.version, info.updated_at.isoformat(), info.source, info.is_demo)


def measures(values: dict[str, Any], units: dict[str, str]) -> tuple[Measure, ...]:
    return tuple(Measure(key, value, units.get(key)) for key, value in values.items())


def verdict(evaluator, level: str, values: dict[str, Any], units: dict[str, str], rule: dict[str, str], source,
            info: LayerInfo | None, sentence: dict[str, str], *, verified: bool | None = None) -> Verdict:
    """A verdict of `evaluator`'s hazard; `source` is a layers.rules.Source (its citation and verified mark)."""
    return Verdict(evaluator.key, evaluator.title(), level, measures(values, units), rule, source.citation,
                   source.verified if verified is None else verified, layer_ref(info), sentence)


def no_data(evaluator, info: LayerInfo | None, why: dict[str, str], source: str = "") -> Verdict:
    """The verdict when the layer has no data (yet) under the site; `why` in both languages."""
    return Verdict(evaluator.key, evaluator.title(), NO_DATA, (), why, source, False, layer_ref(info), why)


def zonal_values(info: LayerInfo, site) -> tuple[np.ndarray, int]:
    """The raster's physical values under the site and the number of cells it covers (no-data included)."""
    stats = raster.zonal_stats(info.raster.path, site, band=info.raster.band)
    values = np.asarray(stats.values, dtype="float64") * info.raster.scale + info.raster.offset
    return values, stats.count + stats.nodata_count

