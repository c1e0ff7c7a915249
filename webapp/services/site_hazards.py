"""The raster hazards of the site check (flooding, heat): measure under the site, apply the rule, say it plainly.

Each takes the site polygon (EPSG:3006), the layer as the catalog knows it and the rules, and returns a
HazardResult with the measured values, the level, the rule and its source, the layer version, and a sentence in
Swedish and English a planner can paste into the planning file.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from geo import raster
from layers.rules import NO_DATA, SiteRules, level_at, thresholds_text
from webapp.services.layers import LayerInfo

TITLES = {
    "flood": {"sv": "Översvämning vid skyfall", "en": "Cloudburst flooding"},
    "heat": {"sv": "Värme", "en": "Heat"},
    "hazardous_goods": {"sv": "Farligt gods", "en": "Hazardous goods"},
    "drinking_water": {"sv": "Dricksvatten", "en": "Drinking water"},
    "crime": {"sv": "Brott och otrygghet", "en": "Crime and insecurity"},
}


@dataclass(frozen=True)
class HazardResult:
    hazard: str
    level: str
    values: dict[str, Any]
    rule: dict[str, str]
    source: str
    verified: bool
    layer: dict[str, Any] | None
    sentence: dict[str, str]

    @property
    def title(self) -> dict[str, str]:
        return TITLES[self.hazard]

    def as_dict(self) -> dict[str, Any]:
        return {"hazard": self.hazard, "title": self.title, "level": self.level, "values": self.values,
                "rule": self.rule, "source": self.source, "source_verified": self.verified, "layer": self.layer,
                "sentence": self.sentence}


def layer_ref(info: LayerInfo | None) -> dict[str, Any] | None:
    if info is None:
        return None
    return {"slug": info.slug, "version": info.version, "updated": info.updated_at.isoformat(),
            "source": info.source, "demo": info.is_demo}


def no_data(hazard: str, info: LayerInfo | None, why_sv: str, why_en: str, source: str = "") -> HazardResult:
    return HazardResult(hazard, NO_DATA, {}, {"sv": why_sv, "en": why_en}, source, False, layer_ref(info),
                        {"sv": why_sv, "en": why_en})


def _m(value: float) -> str:
    """Metres the Swedish way: a decimal comma."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") if value % 1 else f"{value:.0f}"


def _c(value: float) -> str:
    return dec(value, 1)


def dec(value: float, digits: int) -> str:
    """A number with a Swedish decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")


def _physical(stats: raster.ZonalStats, info: LayerInfo) -> np.ndarray:
    return np.asarray(stats.values, dtype="float64") * info.raster.scale + info.raster.offset


def flood(info: LayerInfo | None, site: shapely.Geometry, group: str, vulnerable: bool,
          rules: SiteRules) -> HazardResult:
    r = rules.flood
    if info is None or info.raster is None:
        return no_data("flood", info, "Inga skyfallsdata ännu.", "No cloudburst data yet.")
    stats = raster.zonal_stats(info.raster.path, site, band=info.raster.band)
    cells = stats.count + stats.nodata_count
    if stats.count == 0:
        return no_data("flood", info, "Skyfallskarteringen har inga värden under platsen.",
                       "The cloudburst mapping has no values under the site.", r.source.citation)
    depth = _physical(stats, info)
    shares = {f"{band:g}": round(float((depth >= band - 1e-9).sum()) / cells, 4) for band in r.bands_m}
    # The depth reached on at least `min_share` of the site: a single deep cell is a puddle, not a verdict.
    effective = float(np.quantile(depth, 1 - r.min_share)) if depth.size > 1 else float(depth[0])
    key = "C" if vulnerable else group
    level = level_at(effective, r.levels_by_group[key])
    values = {"max_depth_m": round(float(depth.max()), 2), "mean_depth_m": round(float(depth.mean()), 3),
              "effective_depth_m": round(effective, 2), "share_at_least_m": shares,
              "no_data_share": round(stats.nodata_count / cells, 4), "cells": cells}
    levels_here = r.levels_by_group[key]
    first = shares[f"{r.bands_m[0]:g}"] * 100
    deepest, mean = values["max_depth_m"], values["mean_depth_m"]
    sv = (f"Största vattendjup vid 100-årsregn är {_m(deepest)} m (medel {_m(mean)} m); "
          f"{first:.0f} % av ytan får minst {_m(r.bands_m[0])} m vatten.")
    en = (f"The deepest water in a 100-year rain is {deepest:.2f} m (mean {mean:.2f} m); "
          f"{first:.0f} % of the area gets at least {r.bands_m[0]:g} m of water.")
    return HazardResult("flood", level, values,
                        {"sv": f"Djup som nås på minst {r.min_share:.0%} av ytan, grupp {key}: "
                               f"{thresholds_text(levels_here, ' m', 'sv', 2)}",
                         "en": f"Depth reached on at least {r.min_share:.0%} of the area, group {key}: "
                               f"{thresholds_text(levels_here, ' m', 'en', 2)}"},
                        r.source.citation, r.source.verified, layer_ref(info), {"sv": sv, "en": en})


def heat(info: LayerInfo | None, site: shapely.Geometry, vulnerable: bool, rules: SiteRules) -> HazardResult:
    r = rules.heat
    if info is None or info.raster is None:
        return no_data("heat", info, "Inga värmedata ännu.", "No heat data yet.")
    stats = raster.zonal_stats(info.raster.path, site, band=info.raster.band)
    if stats.count == 0:
        return no_data("heat", info, "Värmekartan har inga värden under platsen.",
                       "The heat map has no values under the site.", r.source.citation)
    temp = _physical(stats, info)
    offset = r.vulnerable_offset_c if vulnerable else 0.0
    levels = tuple((t - offset, lv) for t, lv in r.levels)
    values = {"max_c": round(float(temp.max()), 1), "mean_c": round(float(temp.mean()), 1),
              "stricter_for_vulnerable_c": offset}
    level = level_at(values["max_c"], levels)
    warn_sv = "SMHI varnar för värmebölja från 26 °C tre dagar i följd (meddelande) och 30/33 °C (klass 1/2)."
    warn_en = "SMHI warns of heatwaves from 26 °C three days running (notice) and 30/33 °C (class 1/2)."
    sv = (f"Högsta yttemperatur en varm dag är {_c(values['max_c'])} °C (medel {_c(values['mean_c'])} °C)"
          f"{' – skärpta gränser för känsliga verksamheter' if vulnerable else ''}. {warn_sv}")
    en = (f"The highest surface temperature on a hot day is {values['max_c']:.1f} °C (mean {values['mean_c']:.1f} °C)"
          f"{' – stricter limits for vulnerable occupants' if vulnerable else ''}. {warn_en}")
    return HazardResult("heat", level, values,
                        {"sv": f"Högsta temperatur: {thresholds_text(levels, ' °C', 'sv')}",
                         "en": f"Highest temperature: {thresholds_text(levels, ' °C', 'en')}"},
                        r.source.citation, r.source.verified, layer_ref(info), {"sv": sv, "en": en})
