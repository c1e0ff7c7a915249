"""Drinking water in the site check: the protection zones the site touches, the nearest waterworks or intake, and
hazardous-goods routes running through a zone near the site."""
from __future__ import annotations

from sqlalchemy import text

from layers import registry
from layers.rules import LEVEL_WORDS, LEVELS, raise_level
from webapp.services.hazards import Evaluator, Row, SiteContext
from webapp.services.hazards.common import no_data, verdict
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
ZONE_NAMES = {
    "zone-primary": {"sv": "primär skyddszon", "en": "the primary protection zone"},
    "zone-secondary": {"sv": "sekundär skyddszon", "en": "the secondary protection zone"},
    "zone-tertiary": {"sv": "tertiär skyddszon", "en": "the tertiary protection zone"},
    "waterworks": {"sv": "vattenverk", "en": "waterworks"},
    "intake": {"sv": "råvattenintag", "en": "raw-water intake"},
}


def zone_name(cls: str, lang: str) -> str:
    return ZONE_NAMES.get(cls, {"sv": cls, "en": cls})[lang].removeprefix("the ")


class DrinkingWater(Evaluator):
    def evaluate(self, ctx: SiteContext) -> Verdict:
        r = ctx.rules
        info = ctx.layers.get(self.definition.slug)
        routes = ctx.layers.get(ROUTES_SLUG)
        if info is None or not info.has_data:
            return no_data(self, info, "Inga data om vattenskydd ännu (eller inte för din roll).",
                           "No water-protection data yet (or not for your role).")
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
        zone_sv = ", ".join(ZONE_NAMES[c]["sv"] for c, _ in zones) or "inget vattenskyddsområde"
        zone_en = ", ".join(ZONE_NAMES[c]["en"] for c, _ in zones) or "no water-protection area"
        sv, en = f"Platsen berör {zone_sv}.", f"The site touches {zone_en}."
        if facility is not None:
            kind = ZONE_NAMES[facility[0]]
            km = float(facility[2]) / 1000
            km_sv = f"{km:.1f}".replace(".", ",")
            sv += f" Närmaste {kind['sv']} ({facility[1]}) ligger {km_sv} km bort."
            en += f" The nearest {kind['en']} ({facility[1]}) is {km:.1f} km away."
        if in_zone:
            sv += (f" Obs: transportled för farligt gods ({', '.join(in_zone)}) går genom skyddsområdet inom "
                   f"{r.route_in_zone_radius_m:.0f} m från platsen.")
            en += (f" Note: a hazardous-goods route ({', '.join(in_zone)}) runs through the protection zone within "
                   f"{r.route_in_zone_radius_m:.0f} m of the site.")
        levels_sv = ", ".join(f"{ZONE_NAMES[c]['sv']}: {LEVEL_WORDS['sv'][lv]}" for c, lv in r.zone_levels.items())
        levels_en = ", ".join(f"{ZONE_NAMES[c]['en']}: {LEVEL_WORDS['en'][lv]}" for c, lv in r.zone_levels.items())
        rule = {"sv": f"{levels_sv}; farligt gods i zon inom {r.route_in_zone_radius_m:.0f} m höjer en nivå",
                "en": f"{levels_en}; a hazardous-goods route in a zone within {r.route_in_zone_radius_m:.0f} m raises "
                      "one level"}
        return verdict(self, level, values, UNITS, rule, r.source, info, {"sv": sv, "en": en})

    def rows(self, v: Verdict) -> list[Row]:
        if not v.measures:
            return []
        zones = [{lang: f"{zone_name(z['class'], lang)} ({z['name']})" if z.get("name") else
                  zone_name(z["class"], lang) for lang in ("sv", "en")} for z in v.value("zones") or []]
        rows = [Row({"sv": "Vattenskyddszoner", "en": "Water-protection zones"}, "names", zones)]
        facility = v.value("nearest_facility")
        if facility:
            name = facility["name"] or ""
            named = {lang: name if zone_name(facility["class"], lang).lower() in name.lower()
                     else f"{name} ({zone_name(facility['class'], lang)})" for lang in ("sv", "en")}
            rows.append(Row({"sv": "Närmaste vattenverk eller intag", "en": "Nearest waterworks or intake"},
                            "place", (named, facility["distance_m"])))
        rows.append(Row({"sv": "Farligt gods i skyddszon i närheten", "en": "Hazardous goods in a zone nearby"},
                        "list", v.value("routes_in_zone_nearby") or [],
                        detail=({"sv": "inom", "en": "within"}, ("distance_m", v.value("route_radius_m", 0)))))
        return rows


EVALUATOR = DrinkingWater(registry.LAYERS["drinking-water"])
