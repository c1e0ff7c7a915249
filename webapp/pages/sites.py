"""The planner's site-check pages: the form (click, draw, paste or upload a site), the report and its PDF."""
from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, render_template, request, url_for

from geo.crs import SWEREF99TM, WGS84, transform_bounds
from layers import registry
from layers.rules import LAND_USE_GROUPS, VULNERABLE
from webapp import ratelimit
from webapp.auth import current_role
from webapp.db import get_session
from webapp.i18n import N_, current_language, gettext_in, texts, translate_tree
from webapp.pages import bp
from webapp.pages.maps import DISTRICT_STYLE, add_districts, base_map, map_layer, render
from webapp.reports import format as fmt
from webapp.reports import rows as report_rows
from webapp.reports.pictures import TOPIC_NAMES
from webapp.services import catalog, districts, hazards
from webapp.services import site_check as service

# The report map shows the site ~300 m around, with the layers a planner reads the verdicts against.
MARGIN_M = 300.0
# Leaflet.draw's own texts (its L.drawLocal), for the tools the site form offers; translated into the page's language.
DRAW_TEXTS = {
    "draw": {
        "toolbar": {
            "actions": {"title": N_("Cancel drawing"), "text": N_("Cancel")},
            "finish": {"title": N_("Finish drawing"), "text": N_("Finish")},
            "undo": {"title": N_("Delete the last point drawn"), "text": N_("Delete the last point")},
            "buttons": {"polygon": N_("Draw an area"), "rectangle": N_("Draw a rectangle")}},
        "handlers": {
            "polygon": {"tooltip": {"start": N_("Click to start drawing the area."), "cont": N_("Click to continue."),
                                    "end": N_("Click the first point to close the area.")}},
            "rectangle": {"tooltip": {"start": N_("Click and drag to draw a rectangle.")}},
            "simpleshape": {"tooltip": {"end": N_("Release the mouse button when you are done.")}},
            "polyline": {"error": N_("Error: the area's edges must not cross.")}}},
    "edit": {
        "toolbar": {
            "actions": {"save": {"title": N_("Save the changes"), "text": N_("Save")},
                        "cancel": {"title": N_("Undo the changes"), "text": N_("Cancel")},
                        "clearAll": {"title": N_("Remove the area"), "text": N_("Remove everything")}},
            "buttons": {"edit": N_("Change the area"), "editDisabled": N_("No area to change"),
                        "remove": N_("Remove the area"), "removeDisabled": N_("No area to remove")}},
        "handlers": {
            "edit": {"tooltip": {"text": N_("Drag the corners to change the area."),
                                 "subtext": N_("Click Cancel to undo.")}},
            "remove": {"tooltip": {"text": N_("Click the area to remove it.")}}}},
}


SITE_STYLE = {"color": "#000000", "weight": 3, "fill": True, "fillColor": "#000000", "fillOpacity": 0.04}


def _settings():
    return current_app.extensions["riskkarta.settings"]


@bp.get("/sites")
def sites():
    """The check form over a map of the districts, and the saved checks below it."""
    import folium

    session = get_session()
    lang = current_language()
    t = texts(lang)
    bounds = districts.bounds_lonlat(session)
    parts = None
    if bounds is not None:
        m = base_map(_settings(), bounds, t.base_map, lang)
        add_districts(m, districts.map_geojson(session), t.districts, [t.district, t.committee])
        # The hazard layers, off at first: the planner switches on what helps to pick the site.
        for info in catalog.visible_layers(session, current_role()):
            if info.has_data:
                map_layer(info, lang, t, show=False).add_to(m)
        folium.LayerControl(collapsed=True).add_to(m)
        parts = render(m)
    limits = current_app.extensions["riskkarta.rules"].limits
    groups = {key: gettext_in(lang, text) for key, text in LAND_USE_GROUPS.items()}
    vulnerable = {key: gettext_in(lang, text) for key, text in VULNERABLE.items()}
    return render_template("sites.html", map=parts, groups=groups, vulnerable=vulnerable,
                           draw_texts=translate_tree(DRAW_TEXTS, lang),
                           limits=limits, saved=_saved_page(session),
                           urls={"checks": url_for("site_checks.create_check"),
                                 "measure": url_for("site_checks.measure"),
                                 "read": url_for("coordinates.read")})


PER_PAGE = 25


def _saved_page(session):
    """The page of saved checks the list shows: ?page=N (from 1) and ?q= (reference or title); bad values fall back
    to the first page, as a person would expect of a link."""
    raw, query = request.args.get("page", "1"), (request.args.get("q") or "").strip()[:200] or None
    number = int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10**6 else 1
    return service.recent(session, limit=PER_PAGE, offset=(number - 1) * PER_PAGE, query=query)


def _links(check_id: int) -> dict[str, str]:
    return {"self": url_for("site_checks.get_check", check_id=check_id),
            "pdf": url_for("pages.site_report_pdf", check_id=check_id),
            "rerun": url_for("site_checks.rerun_check", check_id=check_id)}


@bp.get("/sites/<int:check_id>")
def site_report(check_id: int):
    """One saved check: the site on a map among the layers, a verdict per hazard with its grounds."""
    session = get_session()
    lang = current_language()
    saved = service.load(session, check_id, current_role())
    check = {**saved.to_json(), "links": _links(check_id)}
    titles = {d.slug: gettext_in(lang, d.title) for d in registry.LAYERS.values()}
    hazards_ = [{**v.to_json(), "rows": report_rows.rows(v, lang), "rule_text": v.rule.get(lang, "")}
                for v in saved.result.verdicts]
    site = saved.result.site
    facts = {"created": fmt.date_time(saved.created_at), "area": fmt.area(site.area_m2, lang),
             "buffer": fmt.number(site.buffer_m or 0, lang, 0),
             "updated": {v.hazard: fmt.date(v.layer.updated) for v in saved.result.verdicts if v.layer}}
    result = saved.result
    why = {"drivers": ", ".join(v.title.get(lang, v.hazard) for v in result.drivers),
           "next": [{"title": v.title.get(lang, v.hazard), "level": v.level, "advice": v.advice.get(lang, "")}
                    for v in result.next_steps]}
    return render_template("site_report.html", check=check, hazards=hazards_, facts=facts, why=why,
                           map=_report_map(session, saved, lang), layer_titles=titles, given=site.how,
                           heading=saved.title or saved.reference or f"{texts(lang).check_no} #{check_id}",
                           picture_topics={k: gettext_in(lang, v) for k, v in TOPIC_NAMES.items()})


@bp.get("/sites/<int:check_id>.pdf")
@ratelimit.limited("reports")
def site_report_pdf(check_id: int):
    """The report as a PDF for the planning file."""
    from webapp.reports.site_map import site_map_png
    from webapp.reports.site_pdf import render_pdf
    from webapp.services.site_check.map_data import map_data

    session = get_session()
    lang = current_language()
    saved = service.load(session, check_id, current_role())
    png = site_map_png(map_data(session, saved.result, role=current_role()), lang=lang)
    pdf = render_pdf(saved, lang=lang, map_png=png)
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


def _report_map(session, saved: service.SavedCheck, lang: str):
    import folium

    from webapp.pages.map_elements import MapLegend

    t = texts(lang)
    site = saved.result.site
    m = base_map(_settings(), _site_bounds(site.geometry), t.base_map, lang)
    add_districts(m, districts.map_geojson(session), t.districts, [t.district, t.committee])
    legend = []
    for info in catalog.visible_layers(session, current_role()):
        hook = hazards.evaluator(info.slug)
        if not hook.on_report_map or not info.has_data:
            continue
        map_layer(info, lang, t, show=hook.shown_on_report_map).add_to(m)
        if hook.shown_on_report_map:
            kind = hook.report_map_style or "outline"
            legend += [{"kind": kind, "label": gettext_in(lang, c.label), "color": c.color[:7]}
                       for c in info.definition.classes if not (len(c.color) == 9 and c.color.endswith("00"))]
    folium.GeoJson(json.dumps(site.geometry), name=t.site_layer, style_function=lambda _f: SITE_STYLE,
                   tooltip=t.site_layer).add_to(m)
    if site.kind == "point" and site.given:
        lon, lat = site.given["coordinates"][:2]
        folium.CircleMarker([lat, lon], radius=4, color="#000000", fill=True, fill_color="#000000",
                            fill_opacity=1, weight=1).add_to(m)
    legend += [{"kind": "outline", "label": gettext_in(lang, "District boundary"), "color": DISTRICT_STYLE["color"]},
               {"kind": "site", "label": gettext_in(lang, "Site checked"), "color": "#000000"}]
    MapLegend(gettext_in(lang, "Legend"), legend).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return render(m)
