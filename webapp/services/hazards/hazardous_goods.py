"""Hazardous goods in the site check: the distance from the site's edge to the nearest primary and secondary
route, against the county's 150 m risk-management distance and the land use's own distance."""
from __future__ import annotations

from sqlalchemy import text

from layers import registry
from webapp.i18n import N_, both
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
ROUTE_CLASS = {"primary": N_("Nearest primary route"), "secondary": N_("Nearest secondary route")}


def group_name(key: str) -> dict[str, str]:
    """A land-use key as a reader says it: "group B", "group C with vulnerable occupants"."""
    if key == "C_vulnerable":
        return both("group C with vulnerable occupants")
    return both("group %(group)s", group=key)


class HazardousGoods(Evaluator):
    def evaluate(self, ctx: SiteContext) -> Verdict:
        r = ctx.rules
        info = ctx.layers.get(self.definition.slug)
        if info is None or not info.has_data:
            return no_data(self, info, both("No hazardous-goods routes yet."))
        rows = ctx.session.execute(NEAREST_ROUTES, {"wkb": ctx.area.wkb, "layer": info.id, "search": SEARCH_M}).all()
        nearest = {cls: {"route": name, "distance_m": round(float(d), 1)} for cls, name, d in rows}
        exact = {cls: float(d) for cls, _name, d in rows}  # verdicts use the unrounded distance
        key = "C_vulnerable" if ctx.vulnerable and ctx.group == "C" else ("C" if ctx.vulnerable else ctx.group)
        required = r.required_distance_m[key]
        values = {"nearest": nearest, "search_radius_m": SEARCH_M,
                  "risk_management_distance_m": r.risk_management_distance_m, "required_distance_m": required,
                  "land_use_key": key}
        limit = f"{r.risk_management_distance_m:.0f}"
        group = group_name(key)
        if not nearest:
            level = "low"
            sentence = both("No primary or secondary hazardous-goods route within %(search)s m.",
                            search=f"{SEARCH_M:.0f}")
        else:
            cls = min(exact, key=exact.get)
            near, d = nearest[cls], exact[cls]
            level = "very_high" if d < required else "high" if d < r.risk_management_distance_m else "low"
            where = {"route": near["route"], "distance": f"{d:.0f}"}
            if cls == "primary":
                found = both("The nearest primary hazardous-goods route (%(route)s) is %(distance)s m from the site.",
                             **where)
            else:
                found = both("The nearest secondary hazardous-goods route (%(route)s) is %(distance)s m from the "
                             "site.", **where)
            if d < required:
                then = both("That is closer than the %(required)s m the land use (%(key)s) must keep.",
                            required=f"{required:.0f}", key=group)
            elif d < r.risk_management_distance_m:
                then = both("Within the %(distance)s m risk-management distance a risk assessment is needed.",
                            distance=limit)
            else:
                then = both("Outside the %(distance)s m risk-management distance.", distance=limit)
            sentence = {lang: f"{found[lang]} {then[lang]}" for lang in found}
        rule = both("Risk-management distance %(distance)s m; minimum distance for %(key)s: %(required)s m "
                    "(%(citation)s)", distance=limit, key=group, required=f"{required:.0f}",
                    citation=r.required_source.citation)
        if level == "very_high":
            advice = both("Closer than the %(required)s m the land use must keep: move what is built further from the "
                          "route, choose a land use of a lower group, or show in a risk assessment that the risk is "
                          "acceptable, before the detailed plan.", required=f"{required:.0f}")
        elif level == "high":
            advice = both("Within %(distance)s m of a route for hazardous goods a risk assessment is required before "
                          "the detailed plan (the county boards' risk policy).", distance=limit)
        else:
            advice = {}
        return verdict(self, level, values, UNITS, rule, r.sources, info, sentence, advice)

    def rows(self, v: Verdict) -> list[Row]:
        if not v.measures:
            return []
        nearest = v.value("nearest") or {}
        rows = [Row(both(ROUTE_CLASS.get(cls, cls)), "place",
                    ({"sv": near["route"], "en": near["route"]}, near["distance_m"])) for cls, near in nearest.items()]
        if not nearest:
            rows.append(Row(both("Nearest route"), "none_within_m",
                            v.value("search_radius_m", 0)))
        return rows + [
            Row(both("Minimum distance for the land use"), "distance_m", v.value("required_distance_m"),
                detail=(group_name(v.value("land_use_key", "")),)),
            Row(both("Risk-management distance"), "distance_m",
                v.value("risk_management_distance_m"))]


EVALUATOR = HazardousGoods(registry.LAYERS["hazardous-goods"])
