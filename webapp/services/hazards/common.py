"""What the hazard evaluators share: the layer reference, the verdict and "no data" builders, and a raster's
values under the site in physical units."""
from __future__ import annotations

from typing import Any

import numpy as np

from geo import raster
from layers.rules import NO_DATA, Source
from webapp.i18n import LANGUAGES, both, format_number
from webapp.services.catalog import LayerInfo
from webapp.services.site_check.result import LayerRef, Measure, SourceNote, Verdict


def layer_ref(info: LayerInfo | None) -> LayerRef | None:
    if info is None:
        return None
    return LayerRef(info.slug, info.version, info.updated_at.isoformat(), info.source, info.is_demo)


def measures(values: dict[str, Any], units: dict[str, str]) -> tuple[Measure, ...]:
    return tuple(Measure(key, value, units.get(key)) for key, value in values.items())


def verdict(evaluator, level: str, values: dict[str, Any], units: dict[str, str], rule: dict[str, str],
            sources: tuple[Source, ...] | Source, info: LayerInfo | None, sentence: dict[str, str],
            advice: dict[str, str] | None = None) -> Verdict:
    """A verdict of `evaluator`'s hazard. `sources` (layers.rules.Source, one or several) back the rule's values one
    by one; the verdict is verified only when every one of them is. `advice`: what to do next, at this level."""
    if isinstance(sources, Source):
        sources = (sources,)
    notes = tuple(SourceNote(both(s.what) if s.what else {}, s.citation, s.verified) for s in sources)
    return Verdict(evaluator.key, evaluator.title(), level, measures(values, units), rule,
                   "; ".join(s.citation for s in sources), all(s.verified for s in sources), layer_ref(info),
                   sentence, notes, advice or {})


def no_data(evaluator, info: LayerInfo | None, why: dict[str, str], source: str = "") -> Verdict:
    """The verdict when the layer has no data (yet) under the site; `why` in both languages."""
    return Verdict(evaluator.key, evaluator.title(), NO_DATA, (), why, source, False, layer_ref(info), why)


def zonal_values(info: LayerInfo, site) -> tuple[np.ndarray, int]:
    """The raster's physical values under the site and the number of cells it covers (no-data included)."""
    stats = raster.zonal_stats(info.raster.path, site, band=info.raster.band)
    values = np.asarray(stats.values, dtype="float64") * info.raster.scale + info.raster.offset
    return values, stats.count + stats.nodata_count


def decimals(value: float, digits: int = 1, min_digits: int | None = None) -> dict[str, str]:
    """A number inside a stored sentence, in each language, by the reports' one number formatter: `digits` decimals,
    fixed unless `min_digits` says fewer may show ({"sv": "37,0", "en": "37.0"}); a parameter for `i18n.both`."""
    return {lang: format_number(value, lang, digits, digits if min_digits is None else min_digits)
            for lang in LANGUAGES}
