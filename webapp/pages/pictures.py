"""The committees' situation pictures as pages: the list of the pictures the user may see, filtered, and one picture
with its workflow state and what is drawn on it (a map and the same as a table). Drawing and editing go through the
JSON API (`/api/pictures`); the map editor comes beside this read view."""
from __future__ import annotations

import json

import folium
from flask import current_app, render_template, request
from shapely.geometry import shape

from webapp.auth import current_account, current_role
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.i18n import N_, current_language, gettext_in, texts
from webapp.pages import bp
from webapp.pages.maps import add_districts, base_map, render
from webapp.services import districts, pictures
from webapp.services.pictures import drawings

TOPIC_NAMES = {"accidents": N_("Accidents"), "crime": N_("Crime"), "threats": N_("Threats and violence against staff"),
               "extremism": N_("Violent extremism"), "other": N_("Other")}
STATUS_NAMES = {"draft": N_("Draft"), "submitted": N_("Submitted"), "returned": N_("Returned"),
                "accepted": N_("Accepted")}
KIND_NAMES = {"hotspot": N_("Hotspot"), "incident_area": N_("Incident area"), "measure": N_("Measure"),
              "risk_object": N_("Risk object"), "observation": N_("Observation")}
KIND_COLOURS = {"hotspot": "#b2182b", "incident_area": "#d6604d", "measure": "#2166ac", "risk_object": "#762a83",
                "observation": "#4d4d4d"}


def _filters(lang: str) -> tuple[dict, str | None]:
    """The list's filters from the query string, and what was wrong with them (in the page's language)."""
    found: dict = {}
    for name, allowed in (("topic", pictures.TOPICS), ("status", pictures.STATUSES)):
        value = request.args.get(name) or None
        if value is not None and value not in allowed:
            return {}, gettext_in(lang, "That filter value is unknown; showing every picture instead.")
        found[name] = value
    for name, low, high in (("year", 2000, 2100), ("tertial", 1, 3)):
        raw = request.args.get(name) or ""
        if raw and (not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high):
            return {}, gettext_in(lang, "That filter value is unknown; showing every picture instead.")
        found[name] = int(raw) if raw else None
    district = (request.args.get("district") or "").strip()[:20] or None
    found["district"] = district
    return found, None


@bp.get("/pictures")
def pictures_list():
    lang = current_language()
    session = get_session()
    user = current_account()
    filters, problem = _filters(lang)
    found = pictures.find(session, user, current_role(), **filters)
    names = {d.code: d.name for d in districts.refs(session)}
    rows = [{"p": p, "district": names.get(p.district_code, p.district_code),
             "topic": gettext_in(lang, TOPIC_NAMES[p.topic]), "status": gettext_in(lang, STATUS_NAMES[p.status])}
            for p in found]
    choices = {"topics": [(k, gettext_in(lang, v)) for k, v in TOPIC_NAMES.items()],
               "statuses": [(k, gettext_in(lang, v)) for k, v in STATUS_NAMES.items()],
               "districts": sorted(names.items(), key=lambda kv: kv[1])}
    page = render_template("pictures.html", rows=rows, filters=filters, problem=problem, choices=choices,
                           committee=bool(user and user.role == "committee"), signed_in=user is not None)
    return page, 400 if problem else 200


def _map(picture: pictures.Picture, collection: dict, lang: str):
    t = texts(lang)
    outline = json.loads(districts.feature_geojson(get_session(), picture.district_code))
    west, south, east, north = shape(outline["geometry"]).bounds
    m = base_map(current_app.extensions["riskkarta.settings"], (west, south, east, north), t.base_map, lang)
    m.fit_bounds([[south, west], [north, east]], padding=(24, 24))
    add_districts(m, json.dumps({"type": "FeatureCollection", "features": [outline]}), t.district,
                  [t.district, t.committee])
    if collection["features"]:
        # Shapes only: the annotations' own texts are in the table beside the map, never in map HTML.
        shapes = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": f["geometry"], "properties": {"kind": f["properties"]["kind"]}}
            for f in collection["features"]]}
        folium.GeoJson(shapes, name=gettext_in(lang, "Annotations"),
                       style_function=lambda f: {"color": KIND_COLOURS[f["properties"]["kind"]], "weight": 3,
                                                 "fillOpacity": 0.25},
                       marker=folium.CircleMarker(radius=7, fill=True)).add_to(m)
    return render(m)


@bp.get("/pictures/<int:picture_id>")
def picture_page(picture_id: int):
    lang = current_language()
    session = get_session()
    user, role = current_account(), current_role()
    picture = pictures.get(session, picture_id, user, role)
    collection = drawings.listing(session, picture_id, user, role)
    try:
        pictures.assert_editable(user, picture)
        editable = True
    except ProblemError:
        editable = False
    names = {d.code: d.name for d in districts.refs(session)}
    rows = [{"f": f, "kind": gettext_in(lang, KIND_NAMES[f["properties"]["kind"]])} for f in collection["features"]]
    return render_template("picture.html", picture=picture, district=names.get(picture.district_code),
                           topic=gettext_in(lang, TOPIC_NAMES[picture.topic]),
                           status=gettext_in(lang, STATUS_NAMES[picture.status]), rows=rows, editable=editable,
                           map=_map(picture, collection, lang))
