"""The proximity hazards of the site check: hazardous-goods routes, drinking-water protection, crime nearby.

Distances are measured in EPSG:3006 from the site's edge, with indexed SQL (ST_DWithin) in PostGIS.
"""
from __future__ import annotations

from datetime import date

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.rules import LEVEL_WORDS, LEVELS, SiteRules, level_at, raise_level, thresholds_text
from webapp.services.layers import LayerInfo
from webapp.services.site_hazards import HazardResult, dec, layer_ref, no_data

NEAREST_ROUTES = text("""
    SELECT DISTINCT ON (f.class) f.class, f.properties->>'name', ST_Distance(f.geom, s.g)
    FROM layer_feature AS f, (SELECT ST_GeomFromWKB(:wkb, 3006) AS g) AS s
    WHERE f.layer_id = :layer AND ST_DWithin(f.geom, s.g, :search)
    ORDER BY f.class, ST_Distance(f.geom, s.g)
""")
SEARCH_M = 2000.0


def hazardous_goods(session: Session, info: LayerInfo | None, site: shapely.Geometry, group: str, vulnerable: bool,
                    rules: SiteRules) -> HazardResult:
    r = rules.hazardous_goods
    if info is None or not info.has_data:
        return no_data("hazardous_goods", info, "Inga transportleder för farligt gods ännu.",
                       "No hazardous-goods routes yet.")
    rows = session.execute(NEAREST_ROUTES, {"wkb": site.wkb, "layer": info.id, "search": SEARCH_M}).all()
    nearest = {cls: {"route": name, "distance_m": round(float(d), 1)} for cls, name, d in rows}
    exact = {cls: float(d) for cls, _name, d in rows}  # verdicts use the unrounded distance
    key = "C_vulnerable" if vulnerable and group == "C" else ("C" if vulnerable else group)
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
    return HazardResult("hazardous_goods", level, values, rule, r.source.citation,
                        r.source.verified and r.required_source.verified, layer_ref(info), {"sv": sv, "en": en})


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


def drinking_water(session: Session, info: LayerInfo | None, routes: LayerInfo | None, site: shapely.Geometry,
                   rules: SiteRules) -> HazardResult:
    r = rules.drinking_water
    if info is None or not info.has_data:
        return no_data("drinking_water", info, "Inga data om vattenskydd ännu (eller inte för din roll).",
                       "No water-protection data yet (or not for your role).")
    zones = session.execute(ZONES, {"layer": info.id, "wkb": site.wkb}).all()
    facility = session.execute(NEAREST_FACILITY, {"layer": info.id, "wkb": site.wkb}).first()
    in_zone = []
    if routes is not None and routes.has_data:
        in_zone = list(session.execute(ROUTE_IN_ZONE, {"water": info.id, "routes": routes.id, "wkb": site.wkb,
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
        sv += f" Närmaste {kind['sv']} ({facility[1]}) ligger {dec(float(facility[2]) / 1000, 1)} km bort."
        en += f" The nearest {kind['en']} ({facility[1]}) is {float(facility[2]) / 1000:.1f} km away."
    if in_zone:
        sv += (f" Obs: transportled för farligt gods ({', '.join(in_zone)}) går genom skyddsområdet inom "
               f"{r.route_in_zone_radius_m:.0f} m från platsen.")
        en += (f" Note: a hazardous-goods route ({', '.join(in_zone)}) runs through the protection zone within "
               f"{r.route_in_zone_radius_m:.0f} m of the site.")
    levels = ", ".join(f"{ZONE_NAMES[c]['sv']}: {LEVEL_WORDS['sv'][lv]}" for c, lv in r.zone_levels.items())
    levels_en = ", ".join(f"{ZONE_NAMES[c]['en']}: {LEVEL_WORDS['en'][lv]}" for c, lv in r.zone_levels.items())
    return HazardResult("drinking_water", level, values,
                        {"sv": f"{levels}; farligt gods i zon inom {r.route_in_zone_radius_m:.0f} m höjer en nivå",
                         "en": f"{levels_en}; a hazardous-goods route in a zone within "
                               f"{r.route_in_zone_radius_m:.0f} m raises one level"},
                        r.source.citation, r.source.verified, layer_ref(info), {"sv": sv, "en": en})


ZONE_NAMES = {
    "zone-primary": {"sv": "primär skyddszon", "en": "the primary protection zone"},
    "zone-secondary": {"sv": "sekundär skyddszon", "en": "the secondary protection zone"},
    "zone-tertiary": {"sv": "tertiär skyddszon", "en": "the tertiary protection zone"},
    "waterworks": {"sv": "vattenverk", "en": "waterworks"},
    "intake": {"sv": "råvattenintag", "en": "raw-water intake"},
}

CRIME_NEAR = text("""
    SELECT count(*) FROM incident AS i
    WHERE ST_DWithin(i.geom, ST_GeomFromWKB(:wkb, 3006), :radius)
      AND i.occurred_at >= now() - make_interval(months => :months)
""")
CITY_BASELINE = text("""
    SELECT (SELECT count(*) FROM incident WHERE occurred_at >= now() - make_interval(months => :months)),
           (SELECT sum(ST_Area(geom)) FROM district)
""")
# The city-wide count and area change only with a new import (a new layer version) and, slowly, with the date.
_baselines: dict[tuple, tuple[int, float]] = {}


def city_baseline(session: Session, version: int, months: int) -> tuple[int, float]:
    """Incidents in the city over the period and the city's area, cached per layer version and day."""
    key = (version, months, date.today())
    if key not in _baselines:
        if len(_baselines) > 16:
            _baselines.clear()
        count, area = session.execute(CITY_BASELINE, {"months": months}).one()
        _baselines[key] = (int(count or 0), float(area or 0.0))
    return _baselines[key]


def crime(session: Session, info: LayerInfo | None, site: shapely.Geometry, rules: SiteRules) -> HazardResult:
    r = rules.crime
    if info is None or not info.has_data:
        return no_data("crime", info, "Inga händelsedata ännu.", "No incident data yet.")
    count = session.execute(CRIME_NEAR, {"wkb": site.wkb, "radius": r.radius_m, "months": r.months}).scalar_one()
    city_count, city_area = city_baseline(session, info.version, r.months)
    around_area = site.buffer(r.radius_m, quad_segs=16).area
    expected = city_count * around_area / city_area if city_area else 0.0
    ratio = count / expected if expected > 0 else 0.0
    level = level_at(ratio, r.ratio_levels)
    shown = count if count >= r.k_anonymity else f"< {r.k_anonymity}"
    values = {"incidents_within_radius": shown, "radius_m": r.radius_m, "months": r.months,
              "city_average_expected": round(expected, 1), "ratio_to_city_average": round(ratio, 2),
              "computed_hotspots": "no data yet", "drawn_hotspots": "no data yet"}
    sv = (f"{shown} anmälda händelser inom {r.radius_m:.0f} m de senaste {r.months} månaderna, "
          f"{dec(ratio, 1)} gånger stadens genomsnitt för en lika stor yta.")
    en = (f"{shown} reported incidents within {r.radius_m:.0f} m in the last {r.months} months, "
          f"{ratio:.1f} times the city's average for an area of that size.")
    sv += " Beräknade brottsområden (hotspots) och lägesbildernas ritade områden: inga data ännu."
    en += " Computed hotspots and the situation pictures' drawn hotspots: no data yet."
    return HazardResult("crime", level, values,
                        {"sv": f"Täthet relativt stadens genomsnitt: {thresholds_text(r.ratio_levels, '×', 'sv')}",
                         "en": f"Density relative to the city's average: {thresholds_text(r.ratio_levels, '×', 'en')}"},
                        r.source.citation, r.source.verified, layer_ref(info), {"sv": sv, "en": en})
