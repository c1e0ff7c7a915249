"""Heat in the site check: the hottest surface under the site, with stricter limits for vulnerable occupants."""
from __future__ import annotations

from layers import registry
from layers.rules import level_at, thresholds_text
from webapp.i18n import LANGUAGES, both
from webapp.services.hazards import Evaluator, Row, SiteContext
from webapp.services.hazards.common import no_data, verdict, zonal_values
from webapp.services.site_check.result import Verdict

UNITS = {"max_c": "°C", "mean_c": "°C", "stricter_for_vulnerable_c": "°C"}


def _c(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


class Heat(Evaluator):
    shown_in_viewer = False
    shown_on_report_map = False
    report_map_style = None  # the surface temperatures would hide the flood depths under them

    def evaluate(self, ctx: SiteContext) -> Verdict:
        r = ctx.rules
        info = ctx.layers.get(self.definition.slug)
        if info is None or info.raster is None:
            return no_data(self, info, both("No heat data yet."))
        temp, _cells = zonal_values(info, ctx.area)
        if temp.size == 0:
            return no_data(self, info, both("The heat map has no values under the site."), r.source.citation)
        offset = r.vulnerable_offset_c if ctx.vulnerable else 0.0
        levels = tuple((t - offset, lv) for t, lv in r.levels)
        values = {"max_c": round(float(temp.max()), 1), "mean_c": round(float(temp.mean()), 1),
                  "stricter_for_vulnerable_c": offset}
        temperatures = {"max": {"sv": _c(values["max_c"]), "en": f"{values['max_c']:.1f}"},
                        "mean": {"sv": _c(values["mean_c"]), "en": f"{values['mean_c']:.1f}"}}
        if ctx.vulnerable:
            found = both("The highest surface temperature on a hot day is %(max)s °C (mean %(mean)s °C) – stricter "
                         "limits for vulnerable occupants.", **temperatures)
        else:
            found = both("The highest surface temperature on a hot day is %(max)s °C (mean %(mean)s °C).",
                         **temperatures)
        warning = both("SMHI warns of heatwaves from 26 °C three days running (notice) and 30/33 °C (class 1/2).")
        sentence = {lang: f"{found[lang]} {warning[lang]}" for lang in LANGUAGES}
        rule = both("Highest temperature: %(thresholds)s",
                    thresholds={lang: thresholds_text(levels, " °C", lang) for lang in LANGUAGES})
        return verdict(self, level_at(values["max_c"], levels), values, UNITS, rule, r.source, info, sentence)

    def rows(self, v: Verdict) -> list[Row]:
        if not v.measures:
            return []
        rows = [Row(both("Highest surface temperature"), "temperature_c", v.value("max_c")),
                Row(both("Mean temperature"), "temperature_c", v.value("mean_c"))]
        if v.value("stricter_for_vulnerable_c"):
            rows.append(Row(both("Stricter for vulnerable occupants"), "temperature_c",
                            v.value("stricter_for_vulnerable_c")))
        return rows


EVALUATOR = Heat(registry.LAYERS["heat"])
