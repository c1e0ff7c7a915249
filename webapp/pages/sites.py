"""The planner's site-check pages: the form (click, draw, paste or upload a site), the report and its PDF."""
from __future__ import annotations

import json
from typing import Any

import folium
from flask import Response, current_app, render_template, url_for

from geo.crs import SWEREF99TM, WGS84, transform_bounds
from layers import registry
from layers.rules import LAND_USE_GROUPS, VULNERABLE
from webapp.api.site_checks import check_json
from webapp.auth import current_role
from webapp.db import get_session
from webapp.i18n import current_language, texts
from webapp.pages import bp
from webapp.pages.maps import add_districts, base_map, render
from webapp.pages.viewer import map_layer
from webapp.services import districts
from webapp.services import layers as catalog
from webapp.services import site_check as service
from webapp.services.site_proximity import ZONE_NAMES

# The report map shows the site ~300 m around, with the layers a planner reads the verdicts against.
MARGIN_M = 300.0
REPORT_LAYERS = {"flood": True, "heat": False, "hazardous-goods": True, "drinking-water": True}
SITE_STYLE = {"color": "#000000", "weight": 3, "fill": True, "fillColor": "#000000", "fillOpacity": 0.04}


def _settings():
    return current_app.extensions["riskkarta.settings"]


@bp.get("/sites")
def sites():
    """The check form over a map of the districts, and the saved checks below it."""
    session = get_session()
    lang = current_language()
    t = texts(lang)
    bounds = districts.bounds_lonlat(session)
    parts = None
    if bounds is not None:
        m = base_map(_settings(), bounds, t.base_map)
        add_districts(m, districts.map_geojson(session), t.districts, [t.district, t.committee])
        parts = render(m)
    limits = current_app.extensions["riskkarta.rules"].limits
    return render_template("sites.html", map=parts, groups=LAND_USE_GROUPS, vulnerable=VULNERABLE,
                           limits=limits, saved=service.recent(session),
                           urls={"checks": url_for("site_checks.create_check"),
                                 "read": url_for("coordinates.read")})


@bp.get("/sites/<int:check_id>")
def site_report(check_id: int):
    """One saved check: the site on a map among the layers, a verdict per hazard with its grounds."""
    session = get_session()
    lang = current_language()
    saved = service.load(session, check_id)
    check = check_json(saved, service.outdated(session, saved, current_role()))
    titles = {d.slug: d.title(lang) for d in registry.LAYERS.values()}
    hazards = [{**h, "rows": value_rows(h, lang), "rule_text": h["rule"][lang]}
               for h in check["hazards"]]
    return render_template("site_report.html", check=check, hazards=hazards, map=_report_map(session, check, lang),
                           layer_titles=titles, given=check["site"].get("how", {}),
                           heading=check["title"] or check["reference"] or f"{texts(lang).check_no} #{check_id}")


@bp.get("/sites/<int:check_id>.pdf")
def site_report_pdf(check_id: int):
    """The report as a PDF for the planning file."""
    from webapp.services.site_map import site_map_png
    from webapp.services.site_report_pdf import render_pdf

    session = get_session()
    saved = service.load(session, check_id)
    check = check_json(saved, service.outdated(session, saved, current_role()))
    pdf = render_pdf(check, lang=current_language(), map_png=site_map_png(session, check))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="riskkontroll-{check_id}.pdf"'})


def _site_bounds(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """The site's lon/lat box widened by MARGIN_M, measured in metres (EPSG:3006)."""
    coords = list(_positions(geometry["coordinates"]))
    lons, lats = [c[0] for c in coords], [c[1] for c in coords]
    west, south, east, north = transform_bounds((min(lons), min(lats), max(lons), max(lats)), WGS84, SWEREF99TM)
    return transform_bounds((west - MARGIN_M, south - MARGIN_M, east + MARGIN_M, north + MARGIN_M),
                            SWEREF99TM, WGS84)


def _positions(coords):
    if coords and isinstance(coords[0], int | float):
        yield coords
        return
    for part in coords:
        yield from _positions(part)


def _report_map(session, check: dict[str, Any], lang: str):
    t = texts(lang)
    site = check["site"]
    m = base_map(_settings(), _site_bounds(site["geometry"]), t.base_map)
    add_districts(m, districts.map_geojson(session), t.districts, [t.district, t.committee])
    for info in catalog.visible_layers(session, current_role()):
        if info.slug not in REPORT_LAYERS or not info.has_data:
            continue
        map_layer(info, lang, t, show=REPORT_LAYERS[info.slug]).add_to(m)
    folium.GeoJson(json.dumps(site["geometry"]), name=t.site_layer, style_function=lambda _f: SITE_STYLE,
                   tooltip=t.site_layer).add_to(m)
    if site["kind"] == "point" and site.get("given"):
        lon, lat = site["given"]["coordinates"][:2]
        folium.CircleMarker([lat, lon], radius=4, color="#000000", fill=True, fill_color="#000000",
                            fill_opacity=1, weight=1).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return render(m)


# Readable labels of the measured values, per hazard: key → (Swedish, English).
VALUE_LABELS = {
    "max_depth_m": ("Största vattendjup", "Deepest water"),
    "mean_depth_m": ("Medeldjup", "Mean depth"),
    "effective_depth_m": ("Djup på minst 1 % av ytan", "Depth on at least 1 % of the area"),
    "share_at_least_m": ("Andel av ytan med minst", "Share of the area with at least"),
    "no_data_share": ("Andel utan data", "Share without data"),
    "max_c": ("Högsta yttemperatur", "Highest surface temperature"),
    "mean_c": ("Medeltemperatur", "Mean temperature"),
    "stricter_for_vulnerable_c": ("Skärpning för känsliga verksamheter", "Stricter for vulnerable occupants"),
    "risk_management_distance_m": ("Riskhanteringsavstånd", "Risk-management distance"),
    "required_distance_m": ("Minsta avstånd för markanvändningen", "Minimum distance for the land use"),
    "zones": ("Vattenskyddszoner", "Water-protection zones"),
    "nearest_facility": ("Närmaste vattenverk eller intag", "Nearest waterworks or intake"),
    "routes_in_zone_nearby": ("Farligt gods i skyddszon i närheten", "Hazardous goods in a zone nearby"),
    "incidents_within_radius": ("Anmälda händelser", "Reported incidents"),
    "city_average_expected": ("Väntat vid stadens genomsnitt", "Expected at the city's average"),
    "ratio_to_city_average": ("Jämfört med stadens genomsnitt", "Compared with the city's average"),
    "computed_hotspots": ("Beräknade brottsområden", "Computed hotspots"),
    "drawn_hotspots": ("Ritade områden i lägesbilder", "Drawn hotspots in situation pictures"),
}
VALUE_ORDER = {key: n for n, key in enumerate(("max_depth_m", "mean_depth_m", "effective_depth_m", "share_at_least_m",
                                              "no_data_share", "max_c", "mean_c", "stricter_for_vulnerable_c",
                                              "nearest", "required_distance_m", "risk_management_distance_m", "zones",
                                              "nearest_facility", "routes_in_zone_nearby", "incidents_within_radius",
                                              "city_average_expected", "ratio_to_city_average", "computed_hotspots",
                                              "drawn_hotspots"))}
# Values that only explain others (shown inside them) or are bookkeeping.
HIDDEN_VALUES = {"cells", "search_radius_m", "land_use_key", "route_radius_m", "radius_m", "months"}
ROUTE_CLASS = {"primary": ("Närmaste primära led", "Nearest primary route"),
               "secondary": ("Närmaste sekundära led", "Nearest secondary route")}


def _num(value: float, lang: str, digits: int = 2) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return text.replace(".", ",") if lang == "sv" else text


def _metres(value: float, lang: str) -> str:
    if value >= 1000:
        return f"{_num(value / 1000, lang, 1)} km"
    return f"{_num(value, lang, 0)} m"


def _percent(share: float, lang: str) -> str:
    return f"{_num(share * 100, lang, 1)} %"


def value_rows(hazard: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The measured values of one hazard as (label, readable value) rows in the page language."""
    i = 0 if lang == "sv" else 1
    values = hazard.get("values") or {}
    none = ("inga", "none")[i]
    rows: list[tuple[str, str]] = []
    # PostgreSQL's jsonb does not keep key order: show the values in a reading order.
    for key, value in sorted(values.items(), key=lambda item: VALUE_ORDER.get(item[0], len(VALUE_ORDER))):
        if key in HIDDEN_VALUES or value is None:
            continue
        label = VALUE_LABELS.get(key, (key.replace("_", " "),) * 2)[i]
        if key == "nearest":
            if not value:
                rows.append((("Närmaste led", "Nearest route")[i],
                             ("ingen inom ", "none within ")[i] + _metres(values.get("search_radius_m", 0), lang)))
            for cls, near in value.items():
                name = ROUTE_CLASS.get(cls, (cls, cls))[i]
                rows.append((name, f"{near['route']}, {_metres(near['distance_m'], lang)}"))
            continue
        if key == "required_distance_m":
            label += f" ({values.get('land_use_key', '')})"
            text = _metres(value, lang)
        elif key == "share_at_least_m":
            text = ", ".join(f"{_num(float(band), lang)} m: {_percent(share, lang)}"
                             for band, share in sorted(value.items(), key=lambda item: float(item[0])))
        elif key.endswith("_share"):
            text = _percent(value, lang)
        elif key.endswith("_depth_m"):
            text = f"{_num(value, lang)} m"
        elif key.endswith("_c"):
            if key.startswith("stricter") and not value:
                continue
            text = f"{_num(value, lang, 1)} °C"
        elif key.endswith("_distance_m"):
            text = _metres(value, lang)
        elif key == "zones":
            text = ", ".join(f"{_zone(z['class'], i)} ({z['name']})" if z.get("name") else _zone(z["class"], i)
                             for z in value) or none
        elif key == "nearest_facility":
            kind = _zone(value["class"], i)
            name = value["name"] if kind.lower() in (value["name"] or "").lower() else f"{value['name']} ({kind})"
            text = f"{name}, {_metres(value['distance_m'], lang)}"
        elif key == "routes_in_zone_nearby":
            radius = _metres(values.get("route_radius_m", 0), lang)
            label += f" ({('inom', 'within')[i]} {radius})"
            text = ", ".join(value) or none
        elif key == "incidents_within_radius":
            label += (f" ({('inom', 'within')[i]} {_metres(values.get('radius_m', 0), lang)}, "
                      f"{values.get('months', '')} {('mån', 'months')[i]})")
            text = str(value)
        elif key == "ratio_to_city_average":
            text = f"{_num(value, lang, 1)} ×"
        elif value == "no data yet":
            text = ("inga data ännu", "no data yet")[i]
        else:
            text = _plain(value, lang)
        rows.append((label, text))
    return rows


def _zone(cls: str, i: int) -> str:
    name = ZONE_NAMES.get(cls, {"sv": cls, "en": cls})[("sv", "en")[i]]
    return name.removeprefix("the ")


def _plain(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return ("ja", "nej")[not value] if lang == "sv" else ("yes" if value else "no")
    if isinstance(value, int | float):
        return _num(value, lang)
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')}: {_plain(v, lang)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v, lang) for v in value)
    return str(value)
