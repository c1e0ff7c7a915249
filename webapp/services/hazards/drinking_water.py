"""Drinking water in the site check: the protection zones the site touches, the nearest waterworks or intake, and
hazardous-goods routes running through a zone near the site."""
from __future__ import annotations

from sqlalchemy import text

from layers import registry
from layers.rules import LEVEL_WORDS, LEVELS, raise_level
from webapp.i18n import LANGUAGES, N_, both
from webapp.services.hazards import Evaluator, Row, SiteContext
from webapp.services.hazards.common import decimals, no_data, verdict
from webapp.services.site_check.result import Verdict

ZONES = text("""
    SELECT f.class, f.properties->>'name' FROM layer_feature AS f
    WHERE f.layer_id = :layer AND f.class LIKE 'zone-%' AND ST_Intersects(f.geom, ST_GeomFromWKB(:wkb, 3006))
    ORDER BY f.class
""")
NEAREST_FACILITY = text("""
    SELECT f.class, f.properties->>'name', ST_Distance(f.geom, s.g)
    FROM layer_feature AS f, (SELECT ST_GeomFromWKB(:wkb, 3006) AS g) AS s
    WHERE f.layer_id = :layer AND f.class IN ('waterworks', 'intake')
    ORDER BY f.geom <-> s.g LIMIT 1
""")
# A stretch of a hazardous-goods route that runs inside a protection zone, near the site.
ROUTE_IN_ZONE = text("""
    SELECT r.properties->>'name' FROM layer_feature AS r
    JOIN layer_feature AS z ON z.layer_id = :water AND z.class LIKE 'zone-%' AND ST_Intersects(r.geom, z.geom)
    WHERE r.layer_id = :routes AND ST_DWithin(r.geom, ST_GeomFromWKB(:wkb, 3006), :radius)
      AND ST_DWithin(ST_Intersection(r.geom, z.geom), ST_GeomFromWKB(:wkb, 3006), :radius)
    GROUP BY 1 ORDER BY 1
""")
ROUTES_SLUG = "hazardous-goods"  # the layer whose routes through a zone raise the verdict
UNITS = {"route_radius_m": "m"}
# How a sentence names each class (English with its article; the report rows drop it).
ZONE_NAMES = {
    "zone-primary": N_("the primary protection zone"), "zone-secondary": N_("the secondary protection zone"),
    "zone-tertiary": N_("the tertiary protection zone"), "waterworks": N_("waterworks"),
    "intake": N_("raw-water intake"),
}


def named(cls: str) -> dict[str, str]:
    """A class as a sentence names it, in both languages."""
    return both(ZONE_NAMES.get(cls, cls))


def zone_name(cls: str, lang: str) -> str:
    return named(cls)[lang].removeprefix("the ")


class DrinkingWater(Evaluator):
    def evaluate(self, ctx: SiteContext) -> Verdict:
        r = ctx.rules
        info = ctx.layers.get(self.definition.slug)
        routes = ctx.layers.get(ROUTES_SLUG)
        if info is None or not info.has_data:
            return no_data(self, info, both("No water-protection data yet (or not for your role)."))
        session, wkb = ctx.session, ctx.area.wkb
        zones = session.execute(ZONES, {"layer": info.id, "wkb": wkb}).all()
        facility = session.execute(NEAREST_FACILITY, {"layer": info.id, "wkb": wkb}).first()
        in_zone = []
        if routes is not None and routes.has_data:
            in_zone = list(session.execute(ROUTE_IN_ZONE, {"water": info.id, "routes": routes.id, "wkb": wkb,
                                                            "radius": r.route_in_zone_radius_m}).scalars())
        level = "low"
        for cls, _name in zones:
            candidate = r.zone_levels.get(cls, "moderate")
            if LEVELS.index(candidate) > LEVELS.index(level):
                level = candidate
        if in_zone:
            level = raise_level(level)
        values = {"zones": [{"class": cls, "name": name} for cls, name in zones],
                  "nearest_facility": None if facility is None else
                  {"class": facility[0], "name": facility[1], "distance_m": round(float(facility[2]), 1)},
                  "routes_in_zone_nearby": in_zone, "route_radius_m": r.route_in_zone_radius_m}
        names = [named(c) for c, _ in zones]
        touched = {lang: ", ".join(n[lang] for n in names) for lang in LANGUAGES} if names else \
            both("no water-protection area")
        parts = [both("The site touches %(zones)s.", zones=touched)]
        if facility is not None:
            km = float(facility[2]) / 1000
            parts.append(both("The nearest %(kind)s (%(name)s) is %(km)s km away.", kind=named(facility[0]),
                              name=facility[1], km=decimals(km)))
        if in_zone:
            parts.append(both("Note: a hazardous-goods route (%(routes)s) runs through the protection zone within "
                              "%(radius)s m of the site.", routes=", ".join(in_zone),
                              radius=f"{r.route_in_zone_radius_m:.0f}"))
        sentence = {lang: " ".join(p[lang] for p in parts) for lang in LANGUAGES}
        levels = {lang: ", ".join(f"{named(c)[lang]}: {LEVEL_WORDS[lang][lv]}" for c, lv in r.zone_levels.items())
                  for lang in LANGUAGES}
        rule = both("%(levels)s; a hazardous-goods route in a zone within %(radius)s m raises one level",
                    levels=levels, radius=f"{r.route_in_zone_radius_m:.0f}")
        advice = both("The site lies in a water-protection area: follow its protection rules (fuel, chemicals, "
                      "earthworks) and consult the county board and the water utility early.") if zones else {}
        return verdict(self, level, values, UNITS, rule, r.sources, info, sentence, advice)

    def rows(self, v: Verdict) -> list[Row]:
        if not v.measures:
            return []
        zones = [{lang: f"{zone_name(z['class'], lang)} ({z['name']})" if z.get("name") else
                  zone_name(z["class"], lang) for lang in LANGUAGES} for z in v.value("zones") or []]
        rows = [Row(both("Water-protection zones"), "names", zones)]
        facility = v.value("nearest_facility")
        if facility:
            name = facility["name"] or ""
            shown = {lang: name if zone_name(facility["class"], lang).lower() in name.lower()
                     else f"{name} ({zone_name(facility['class'], lang)})" for lang in LANGUAGES}
            rows.append(Row(both("Nearest waterworks or intake"), "place", (shown, facility["distance_m"])))
        rows.append(Row(both("Hazardous goods in a zone nearby"), "list", v.value("routes_in_zone_nearby") or [],
                        detail=(both("within"), ("distance_m", v.value("route_radius_m", 0)))))
        return rows


EVALUATOR = DrinkingWater(registry.LAYERS["drinking-water"])
