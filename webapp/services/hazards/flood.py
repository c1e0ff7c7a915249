"""Flooding in the site check: the depth a 100-year cloudburst reaches under the site, judged per land-use group."""
from __future__ import annotations

import numpy as np

from layers import registry
from layers.rules import level_at, thresholds_text
from webapp.i18n import LANGUAGES, both, format_number, format_percent
from webapp.services.hazards import Evaluator, Row, SiteContext
from webapp.services.hazards.common import decimals, no_data, verdict, zonal_values
from webapp.services.site_check.result import Verdict

UNITS = {"max_depth_m": "m", "mean_depth_m": "m", "effective_depth_m": "m", "share_at_least_m": "share",
         "no_data_share": "share", "cells": "count"}


def _depth(value: float) -> dict[str, str]:
    """A depth in the sentence, to the centimetre: the English one keeps both decimals ("0.60"), the Swedish drops
    trailing zeros ("0,6"), as the stored sentences always have."""
    return {"sv": format_number(value, "sv", 2), "en": format_number(value, "en", 2, min_digits=2)}


class Flood(Evaluator):

    def evaluate(self, ctx: SiteContext) -> Verdict:
        r = ctx.rules
        info = ctx.layers.get(self.definition.slug)
        if info is None or info.raster is None:
            return no_data(self, info, both("No cloudburst data yet."))
        depth, cells = zonal_values(info, ctx.area)
        if depth.size == 0:
            return no_data(self, info, both("The cloudburst mapping has no values under the site."),
                           r.source.citation)
        shares = {f"{band:g}": round(float((depth >= band - 1e-9).sum()) / cells, 4) for band in r.bands_m}
        # The depth reached on at least `min_share` of the site: a single deep cell is a puddle, not a verdict.
        effective = float(np.quantile(depth, 1 - r.min_share)) if depth.size > 1 else float(depth[0])
        key = "C" if ctx.vulnerable else ctx.group
        levels_here = r.levels_by_group[key]
        values = {"max_depth_m": round(float(depth.max()), 2), "mean_depth_m": round(float(depth.mean()), 3),
                  "effective_depth_m": round(effective, 2), "share_at_least_m": shares,
                  "no_data_share": round((cells - depth.size) / cells, 4), "cells": cells}
        first = shares[f"{r.bands_m[0]:g}"] * 100
        deepest, mean, band = values["max_depth_m"], values["mean_depth_m"], r.bands_m[0]
        sentence = both("The deepest water in a 100-year rain is %(deepest)s m (mean %(mean)s m); %(share)s %% of "
                        "the area gets at least %(band)s m of water.",
                        deepest=_depth(deepest), mean=_depth(mean), share=decimals(first, 0),
                        band=decimals(band, 2, min_digits=0))
        rule = both("Depth reached on at least %(share)s of the area, group %(group)s: %(thresholds)s",
                    share={lang: format_percent(r.min_share, lang) for lang in LANGUAGES}, group=key,
                    thresholds={lang: thresholds_text(levels_here, " m", lang, 2) for lang in LANGUAGES})
        level = level_at(effective, levels_here)
        advice = both("Show in the plan how buildings are neither damaged by nor cause damage in a 100-year rain: "
                      "floor heights, surface-water paths and where the water can go.") if level != "low" else {}
        return verdict(self, level, values, UNITS, rule, r.sources, info, sentence, advice)

    def rows(self, v: Verdict) -> list[Row]:
        if not v.measures:
            return []
        return [Row(both("Deepest water"), "depth_m", v.value("max_depth_m")),
                Row(both("Mean depth"), "depth_m", v.value("mean_depth_m")),
                Row(both("Depth on at least %(share)s of the area", share="1 %"), "depth_m",
                    v.value("effective_depth_m")),
                Row(both("Share of the area with at least"), "shares_m", v.value("share_at_least_m")),
                Row(both("Share without data"), "share", v.value("no_data_share"))]


EVALUATOR = Flood(registry.LAYERS["flood"])
