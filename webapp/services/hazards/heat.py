"""Heat in the site check. A surface-temperature layer (the demo, MSB's heat map) has no official classes: the site's
mean is placed in the city's distribution on the same raster. An air-temperature layer uses SMHI's warning levels.
The layer's metadata says which it holds ("temperature": "surface" or "air"). Stricter for vulnerable occupants."""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from geo import raster
from layers import registry
from layers.heat import AIR, SURFACE
from layers.rules import level_at, thresholds_text
from webapp.i18n import LANGUAGES, both, format_number
from webapp.services import districts
from webapp.services.hazards import Evaluator, ImportOptions, Row, SiteContext
from webapp.services.hazards.common import decimals, no_data, verdict, zonal_values
from webapp.services.imports import refused
from webapp.services.site_check.result import Verdict

UNITS = {"max_c": "°C", "mean_c": "°C", "stricter_for_vulnerable_c": "°C", "city_median_c": "°C",
         "warmer_than_share": "share"}
# The city's temperatures per raster, layer version and set of districts: computed once (an overview read).
_cities: dict[tuple, np.ndarray] = {}
_lock = threading.Lock()


def city_temperatures(ctx: SiteContext, info) -> np.ndarray:
    """The physical temperatures of the raster's cells inside the city, sorted (cached)."""
    key = (info.raster.path, info.version, districts.fingerprint(ctx.session))
    with _lock:
        found = _cities.get(key)
    if found is None:
        city = districts.city_area(ctx.session)
        stored = raster.sample_values(info.raster.path, city, band=info.raster.band) if city is not None else []
        found = np.sort(np.asarray(stored, dtype="float64") * info.raster.scale + info.raster.offset)
        with _lock:
            if len(_cities) > 8:
                _cities.clear()
            _cities[key] = found
    return found


class Heat(Evaluator):
    shown_in_viewer = False
    shown_on_report_map = False
    report_map_style = None  # the surface temperatures would hide the flood depths under them

    def import_metadata(self, options: ImportOptions) -> dict[str, Any]:
        """Which temperature the imported raster holds: surface unless told (`--temperature air`). Always stored, so
        that a surface import after an air one does not keep "air" (the metadata is merged)."""
        kind = options.temperature or SURFACE
        if kind not in (SURFACE, AIR):
            raise refused(f"--temperature {kind!r}: use {SURFACE} or {AIR}.")
        return {"temperature": kind}

    def evaluate(self, ctx: SiteContext) -> Verdict:
        r = ctx.rules
        info = ctx.layers.get(self.definition.slug)
        if info is None or info.raster is None:
            return no_data(self, info, both("No heat data yet."))
        kind = AIR if info.metadata.get("temperature") == AIR else SURFACE
        temp, _cells = zonal_values(info, ctx.area)
        if temp.size == 0:
            return no_data(self, info, both("The heat map has no values under the site."),
                           "; ".join(s.citation for s in r.sources_for(kind)))
        offset = r.vulnerable_offset_c if ctx.vulnerable else 0.0
        mean, highest = float(temp.mean()), float(temp.max())
        values = {"temperature": kind, "max_c": round(highest, 1), "mean_c": round(mean, 1),
                  "stricter_for_vulnerable_c": offset}
        t = {"max": decimals(highest), "mean": decimals(mean)}
        if kind == AIR:
            levels = tuple((c - offset, lv) for c, lv in r.levels)
            level = level_at(highest, levels)
            found = both("The highest air temperature at the site on a hot day is %(max)s °C (mean %(mean)s °C).", **t)
            rule = both("Highest air temperature: %(thresholds)s",
                        thresholds={lang: thresholds_text(levels, " °C", lang) for lang in LANGUAGES})
        else:
            city = city_temperatures(ctx, info)
            if city.size == 0:
                return no_data(self, info, both("The heat map has no values in the city to compare with."))
            levels = tuple((float(np.percentile(city, p)) - offset, lv) for p, lv in r.relative_levels)
            level = level_at(mean, levels)
            warmer = float(np.searchsorted(city, mean, side="left")) / city.size
            median = float(np.median(city))
            values |= {"city_median_c": round(median, 1), "warmer_than_share": round(warmer, 3)}
            found = both("The site's mean surface temperature on a hot day is %(mean)s °C (highest %(max)s °C), "
                         "warmer than %(share)s %% of the city (the city's median is %(median)s °C).",
                         share=decimals(warmer * 100, 0), median=decimals(median), **t)
            rule = both("The site's mean against the city's %(percentiles)s percentiles: %(thresholds)s",
                        percentiles={lang: "/".join(format_number(p, lang) for p, _ in r.relative_levels)
                                     for lang in LANGUAGES},
                        thresholds={lang: thresholds_text(tuple((round(c, 1), lv) for c, lv in levels), " °C", lang)
                                    for lang in LANGUAGES})
        parts = [found]
        if offset:
            parts.append(both("Stricter for vulnerable occupants: every limit %(offset)s °C lower.",
                              offset=decimals(offset)))
        parts.append(both("SMHI's heat warnings are about the air temperature: a notice at 26 °C three days running, "
                          "warnings at 30 °C and 33 °C."))
        sentence = {lang: " ".join(p[lang] for p in parts) for lang in LANGUAGES}
        advice = both("Plan shade, trees and greenery and cool indoor spaces; for vulnerable occupants, keep outdoor "
                      "areas and rooms where people rest out of the heat.") if level in ("high", "very_high") else {}
        return verdict(self, level, values, UNITS, rule, r.sources_for(kind), info, sentence, advice)

    def rows(self, v: Verdict) -> list[Row]:
        if not v.measures:
            return []
        air = v.value("temperature") == AIR
        rows = [Row(both("Mean temperature"), "temperature_c", v.value("mean_c")),
                Row(both("Highest air temperature") if air else both("Highest surface temperature"), "temperature_c",
                    v.value("max_c"))]
        if v.value("city_median_c") is not None:
            rows += [Row(both("The city's median"), "temperature_c", v.value("city_median_c")),
                     Row(both("Warmer than this share of the city"), "share", v.value("warmer_than_share"))]
        if v.value("stricter_for_vulnerable_c"):
            rows.append(Row(both("Stricter for vulnerable occupants"), "temperature_c",
                            v.value("stricter_for_vulnerable_c")))
        return rows


EVALUATOR = Heat(registry.LAYERS["heat"])
