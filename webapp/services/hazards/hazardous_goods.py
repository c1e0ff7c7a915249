"""Hazardous goods in the site check: the distance from the site's edge to the nearest primary and secondary
route, against the county's 150 m risk-management distance and the land use's own distance."""
from __future__ import annotations

from sqlalchemy import text

from layers import registry
from webapp.services.hazards import Evaluator, Row, SiteContext
from webapp.services.hazards.common import no_data, verdict
from webapp.services.site_check.result import Verdict

NEAREST_ROUTES = text("""
    SELECT DISTINCT ON (f.class) f.class, f.properties->>'name', ST_Distance(f.geom, s.g)
    FROM layer_feature AS f, (SELECT ST_GeomFromWKB(:wkb, 3006) AS g) AS s
    WHERE f.layer_id = :layer AND ST_DWithin(f.geom, s.g, :search)
    ORDER BY f.class, ST_Distance(f.geom, s.g)
""")
SEARCH_M = 2000.0
UNITS = {"search_radius_m": "m", "risk_management_distance_m": "m", "required_distance_m": "m"}
ROUTE_CLASS = {"primary": {"sv": "Närmaste primära led", "en": "Nearest primary route"},
               "secondary": {"sv": "Närmaste sekundära led", "en": "Nearest secondary route"}}


class HazardousGoods(Evaluator):
    def evaluate(self, ctx: SiteContext) -> Verdict:
        r = ctx.rules
        info = ctx.layers.get(self.definition.slug)
        if info is None or not info.has_data:
            return no_data(self, info, "Inga transportleder för farligt gods ännu.", "No hazardous-goods routes yet.")
        rows = ctx.session.execute(NEAREST_ROUTES, {"wkb": ctx.area.wkb, "layer": info.id, "search": SEARCH_M}).all()
        nearest = {cls: {"route": name, "distance_m": round(float(d), 1)} for cls, name, d in rows}
        exact = {cls: float(d) for cls, _name, d in rows}  # verdicts use the unrounded distance
        key = "C_vulnerable" if ctx.vulnerable and ctx.group == "C" else ("C" if ctx.vulnerable else ctx.group)
        required = r.required_distance_m[key]
        values = {"nearest": nearest, "search_radius_m": SEARCH_M,
                  "risk_management_distance_m": r.risk_management_distance_m, "required_distance_m": required,
                  "land_use_key": key}
        if not nearest:
            level = "low"
            sv = f"Ingen primär eller sekundär transportled för farligt gods inom {SEARCH_M:.0f} m."
            en = f"No primary or secondary hazardous-goods route within {SEARCH_M:.0f} m."
        else:
            cls = min(exact, key=exact.get)
            near, d = nearest[cls], exact[cls]
            level = "very_high" if d < required else "high" if d < r.risk_management_distance_m else "low"
            kind_sv, kind_en = ("primär", "primary") if cls == "primary" else ("sekundär", "secondary")
            sv = f"Närmaste {kind_sv} led för farligt gods ({near['route']}) ligger {d:.0f} m från platsen. "
            en = f"The nearest {kind_en} hazardous-goods route ({near['route']}) is {d:.0f} m from the site. "
            if d < required:
                sv += f"Det är närmare än de {required:.0f} m som markanvändningen ({key}) ska hålla."
                en += f"That is closer than the {required:.0f} m the land use ({key}) must keep."
            elif d < r.risk_management_distance_m:
                sv += f"Inom riskhanteringsavståndet {r.risk_management_distance_m:.0f} m krävs en riskbedömning."
                en += (f"Within the {r.risk_management_distance_m:.0f} m risk-management distance a risk assessment "
                       "is needed.")
            else:
                sv += f"Utanför riskhanteringsavståndet {r.risk_management_distance_m:.0f} m."
                en += f"Outside the {r.risk_management_distance_m:.0f} m risk-management distance."
        rule = {"sv": f"Riskhanteringsavstånd {r.risk_management_distance_m:.0f} m; minsta avstånd för {key}: "
                      f"{required:.0f} m ({r.required_source.citation})",
                "en": f"Risk-management distance {r.risk_management_distance_m:.0f} m; minimum distance for {key}: "
                      f"{required:.0f} m ({r.required_source.citation})"}
        return verdict(self, level, values, UNITS, rule, r.source, info, {"sv": sv, "en": en},
                       verified=r.source.verified and r.required_source.verified)

    def rows(self, v: Verdict) -> list[Row]:
        if not v.measures:
            return []
        nearest = v.value("nearest") or {}
        rows = [Row(ROUTE_CLASS.get(cls, {"sv": cls, "en": cls}), "place",
                    ({"sv": near["route"], "en": near["route"]}, near["distance_m"])) for cls, near in nearest.items()]
        if not nearest:
            rows.append(Row({"sv": "Närmaste led", "en": "Nearest route"}, "none_within_m",
                            v.value("search_radius_m", 0)))
        return rows + [
            Row({"sv": "Minsta avstånd för markanvändningen", "en": "Minimum distance for the land use"},
                "distance_m", v.value("required_distance_m"),
                detail=(("text", v.value("land_use_key", "")),)),
            Row({"sv": "Riskhanteringsavstånd", "en": "Risk-management distance"}, "distance_m",
                v.value("risk_management_distance_m"))]


EVALUATOR = HazardousGoods(registry.LAYERS["hazardous-goods"])
