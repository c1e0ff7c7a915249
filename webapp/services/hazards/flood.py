"""Flooding in the site check: the depth a 100-year cloudburst reaches under the site, judged per land-use group."""
from __future__ import annotations

import numpy as np

from layers import registry
from layers.rules import level_at, thresholds_text
from webapp.services.hazards import Evaluator, Row, SiteContext
from webapp.services.hazards.common import no_data, verdict, zonal_values
from webapp.services.site_check.result import Verdict

UNITS = {"max_depth_m": "m", "mean_depth_m": "m", "effective_depth_m": "m", "share_at_least_m": "share",
         "no_data_share": "share", "cells": "count"}


def _m(value: float) -> str:
    """Metres the Swedish way in a sentence: a decimal comma, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") if value % 1 else f"{value:.0f}"


class Flood(Evaluator):

    def evaluate(self, ctx: SiteContext) -> Verdict:
        r = ctx.rules
        info = ctx.layers.get(self.definition.slug)
        if info is None or info.raster is None:
            return no_data(self, info, "Inga skyfallsdata ännu.", "No cloudburst data yet.")
        depth, cells = zonal_values(info, ctx.area)
        if depth.size == 0:
            return no_data(self, info, "Skyfallskarteringen har inga värden under platsen.",
                           "The cloudburst mapping has no values under the site.", r.source.citation)
        shares = {f"{band:g}": round(float((depth >= band - 1e-9).sum()) / cells, 4) for band in r.bands_m}
        # The depth reached on at least `min_share` of the site: a single deep cell is a puddle, not a verdict.
        effective = float(np.quantile(depth, 1 - r.min_share)) if depth.size > 1 else float(depth[0])
        key = "C" if ctx.vulnerable else ctx.group
        levels_here = r.levels_by_group[key]
        values = {"max_depth_m": round(float(depth.max()), 2), "mean_depth_m": round(float(depth.mean()), 3),
                  "effective_depth_m": round(effective, 2), "share_at_least_m": shares,
                  "no_data_share": round((cells - depth.size) / cells, 4), "cells": cells}
        first = shares[f"{r.bands_m[0]:g}"] * 100
        deepest, mean = values["max_depth_m"], values["mean_depth_m"]
        sv = (f"Största vattendjup vid 100-årsregn är {_m(deepest)} m (medel {_m(mean)} m); "
              f"{first:.0f} % av ytan får minst {_m(r.bands_m[0])} m vatten.")
        en = (f"The deepest water in a 100-year rain is {deepest:.2f} m (mean {mean:.2f} m); "
              f"{first:.0f} % of the area gets at least {r.bands_m[0]:g} m of water.")
        rule = {"sv": f"Djup som nås på minst {r.min_share:.0%} av ytan, grupp {key}: "
                      f"{thresholds_text(levels_here, ' m', 'sv', 2)}",
                "en": f"Depth reached on at least {r.min_share:.0%} of the area, group {key}: "
                      f"{thresholds_text(levels_here, ' m', 'en', 2)}"}
        return verdict(self, level_at(effective, levels_here), values, UNITS, rule, r.source, info,
                       {"sv": sv, "en": en})

    def rows(self, v: Verdict) -> list[Row]:
        if not v.measures:
            return []
        return [Row({"sv": "Största vattendjup", "en": "Deepest water"}, "depth_m", v.value("max_depth_m")),
                Row({"sv": "Medeldjup", "en": "Mean depth"}, "depth_m", v.value("mean_depth_m")),
                Row({"sv": "Djup på minst 1 % av ytan", "en": "Depth on at least 1 % of the area"}, "depth_m",
                    v.value("effective_depth_m")),
                Row({"sv": "Andel av ytan med minst", "en": "Share of the area with at least"}, "shares_m",
                    v.value("share_at_least_m")),
                Row({"sv": "Andel utan data", "en": "Share without data"}, "share", v.value("no_data_share"))]


EVALUATOR = Flood(registry.LAYERS["flood"])
