"""The committees' situation pictures as pages: the list of the pictures the user may see, filtered (with "new
picture" and "copy forward" for committee members), and one picture with its workflow state and what is drawn on it,
a map over the risk layers and the same as a table. For those who may change it the page is the map editor
(`static/pictures.js`): drawing, the annotation's form and the workflow all go through the JSON API
(`/api/pictures`) with the annotation's ETag, so a stale change meets a 412 and the editor shows both versions."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from flask import Response, current_app, render_template, request, url_for
from shapely.geometry import shape

from geo.crs import SWEREF99TM, WGS84, transform_geom
from webapp import ratelimit
from webapp.auth import current_account, current_role
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.i18n import N_, current_language, gettext_in, texts, translate_tree
from webapp.pages import bp
from webapp.pages.maps import add_districts, base_map, map_layer, render
from webapp.reports import picture_pdf as picture_pdf_report
from webapp.reports.pictures import (
    KIND_COLOURS,
    KIND_NAMES,
    MEASURE_STATUS_NAMES,
    MEASURE_TYPE_NAMES,
    SEVERITY_NAMES,
    STATUS_NAMES,
    TOPIC_NAMES,
)
from webapp.services import catalog, districts, pictures
from webapp.services.pictures import compare, drawings, forward, history

if TYPE_CHECKING:
    import folium


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
             "topic": gettext_in(lang, TOPIC_NAMES[p.topic]), "status": gettext_in(lang, STATUS_NAMES[p.status]),
             "copy_url": url_for("pictures.copy_forward", picture_id=p.id)
             if "copy_forward" in pictures.allowed(user, p) else None,
             "next": "{} T{}".format(*forward.next_period(p.year, p.tertial))} for p in found]
    choices = {"topics": [(k, gettext_in(lang, v)) for k, v in TOPIC_NAMES.items()],
               "statuses": [(k, gettext_in(lang, v)) for k, v in STATUS_NAMES.items()],
               "districts": sorted(names.items(), key=lambda kv: kv[1])}
    committee = bool(user and user.role == "committee" and user.active)
    config = {"lang": lang, "create": url_for("pictures.create_picture"),
              "page": url_for("pages.picture_page", picture_id=0)[:-1], "texts": _names(EDITOR_TEXTS, lang)}
    page = render_template("pictures.html", rows=rows, filters=filters, problem=problem, choices=choices,
                           committee=committee, signed_in=user is not None, config=config,
                           own=[(c, names.get(c, c)) for c in sorted(user.districts)] if committee else [],
                           this_period=pictures.current_period())
    return page, 400 if problem else 200


# The editor's own words, passed to pictures.js in the page's language.
EDITOR_TEXTS = {
    "saved": N_("Saved"), "saving": N_("Saving…"), "unsaved": N_("Not saved"),
    "save": N_("Save"), "delete": N_("Delete the annotation"), "close": N_("Done"),
    "change": N_("Change"), "new_annotation": N_("New annotation (not saved yet)"),
    "editing": N_("Change the annotation"),
    "pick": N_("Draw a point, a line or an area on the map, or choose an annotation to change it."),
    "title_required": N_("Give the annotation a title."),
    "confirm_delete": N_("Delete this annotation from the picture?"),
    "could_not_save": N_("Could not save:"),
    "sign_in_again": N_("You are no longer signed in: sign in again in another tab, then save. Your changes stay on "
                        "this page until you leave it."),
    "forbidden": N_("You cannot change this picture now (it may have been submitted)."),
    "network": N_("No answer from the server. Nothing is lost: try to save again."),
    "conflict_heading": N_("Someone else changed this annotation"),
    "conflict_text": N_("Your version stays on the map (solid line); the saved version is shown dashed. Choose "
                        "which one to keep."),
    "conflict_deleted": N_("Someone else deleted this annotation. “Keep mine” saves your version again."),
    "keep_mine": N_("Keep mine (overwrite)"), "take_theirs": N_("Take the saved version"),
    "field": N_("Field"), "mine": N_("Your version"), "theirs": N_("Saved version"),
    "shape": N_("Shape"), "shape_same": N_("the same"), "shape_changed": N_("changed"),
    "changed_by": N_("Saved by"), "summary_saved": N_("The summary is saved."),
    "leave": N_("Changes are not saved yet."), "save_all": N_("Save everything"),
    "save_first": N_("Save the annotations first: some are not saved yet."),
    "exists": N_("That picture exists already: there is one picture per district, period and topic."),
    "kind": N_("Kind"), "severity": N_("Severity"), "title": N_("Title"), "body": N_("Text"),
    "measure_type": N_("Prevention"), "responsible": N_("Responsible"), "measure_status": N_("Measure status"),
    "valid_from": N_("Valid from"), "valid_to": N_("Valid to"),
    "point": N_("Point"), "line": N_("Line"), "area": N_("Area"),
    "submitted": N_("The picture is submitted to the city office."),
    "returned": N_("The picture is returned to the committee."), "accepted": N_("The picture is accepted."),
    "comment_required": N_("Say what the committee should change."),
    "hotspots_none": N_("No computed hotspot in the district for the last 12 months of data."),
    "hotspots_missing": N_("No hotspots computed for this topic yet."),
    "hotspot_cluster": N_("%(cells)s hot cells, z up to %(z)s, confidence %(confidence)s"),
    "hotspot_take": N_("Add to the picture"), "hotspot_taken": N_("The hotspot is added to the picture."),
    "hotspot_title": N_("Computed hotspot (Gi*, confidence %(confidence)s)"),
    "picture_changed": N_("The picture was changed by someone else meanwhile; reload the page to see it."),
}
# Leaflet.draw's texts (its L.drawLocal) for the editor's tools: points, lines and areas.
EDITOR_DRAW_TEXTS = {
    "draw": {
        "toolbar": {
            "actions": {"title": N_("Cancel drawing"), "text": N_("Cancel")},
            "finish": {"title": N_("Finish drawing"), "text": N_("Finish")},
            "undo": {"title": N_("Delete the last point drawn"), "text": N_("Delete the last point")},
            "buttons": {"polygon": N_("Draw an area"), "polyline": N_("Draw a line"),
                        "circlemarker": N_("Place a point")}},
        "handlers": {
            "circlemarker": {"tooltip": {"start": N_("Click the map to place the point.")}},
            "polygon": {"tooltip": {"start": N_("Click to start drawing the area."), "cont": N_("Click to continue."),
                                    "end": N_("Click the first point to close the area.")}},
            "polyline": {"error": N_("Error: the area's edges must not cross."),
                         "tooltip": {"start": N_("Click to start drawing the line."),
                                     "cont": N_("Click to continue the line."),
                                     "end": N_("Click the last point to finish the line.")}}}},
    "edit": {
        "toolbar": {
            "actions": {"save": {"title": N_("Keep the changed shapes"), "text": N_("Done")},
                        "cancel": {"title": N_("Undo the changes"), "text": N_("Cancel")},
                        "clearAll": {"title": N_("Remove every annotation"), "text": N_("Remove everything")}},
            "buttons": {"edit": N_("Move or reshape annotations"), "editDisabled": N_("Nothing to change"),
                        "remove": N_("Delete annotations"), "removeDisabled": N_("Nothing to delete")}},
        "handlers": {
            "edit": {"tooltip": {"text": N_("Drag the points or corners to move or reshape."),
                                 "subtext": N_("Click Cancel to undo.")}},
            "remove": {"tooltip": {"text": N_("Click an annotation to delete it.")}}}},
}


def _district_frame(district_code: str, lang: str) -> folium.Map:
    """A map fitted to one district, with its outline."""
    t = texts(lang)
    outline = json.loads(districts.feature_geojson(get_session(), district_code))
    west, south, east, north = shape(outline["geometry"]).bounds
    m = base_map(current_app.extensions["riskkarta.settings"], (west, south, east, north), t.base_map, lang)
    m.fit_bounds([[south, west], [north, east]], padding=(24, 24))
    add_districts(m, json.dumps({"type": "FeatureCollection", "features": [outline]}), t.district,
                  [t.district, t.committee])
    return m


def _map(picture: pictures.Picture, collection: dict, lang: str, *, editor: bool):
    """The district's outline over the risk layers (off at first); the annotations drawn here in the read view,
    by pictures.js in the editor."""
    import folium

    t = texts(lang)
    session = get_session()
    m = _district_frame(picture.district_code, lang)
    for info in catalog.visible_layers(session, current_role()):
        if info.has_data:
            map_layer(info, lang, t, show=False).add_to(m)
    if collection["features"] and not editor:
        # Shapes only: the annotations' own texts are in the table beside the map, never in map HTML.
        shapes = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": f["geometry"], "properties": {"kind": f["properties"]["kind"]}}
            for f in collection["features"]]}
        folium.GeoJson(shapes, name=gettext_in(lang, "Annotations"),
                       style_function=lambda f: {"color": KIND_COLOURS[f["properties"]["kind"]], "weight": 3,
                                                 "fillOpacity": 0.25},
                       marker=folium.CircleMarker(radius=7, fill=True)).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return render(m)


def _names(table: dict, lang: str) -> dict:
    return {key: gettext_in(lang, text) for key, text in table.items()}


def _editor_config(picture: pictures.Picture, collection: dict, may: frozenset[str], lang: str, map_name: str):
    """What pictures.js needs: where to write, what is drawn (with each annotation's version), the words."""
    links = {"picture": url_for("pictures.get_picture", picture_id=picture.id),
             "annotations": url_for("pictures.list_annotations", picture_id=picture.id),
             "submit": url_for("pictures.submit", picture_id=picture.id),
             "return": url_for("pictures.return_", picture_id=picture.id),
             "accept": url_for("pictures.accept", picture_id=picture.id),
             "hotspots": url_for("pictures.list_hotspots", picture_id=picture.id),
             "from_hotspot": url_for("pictures.annotation_from_hotspot", picture_id=picture.id),
             "page": url_for("pages.picture_page", picture_id=picture.id, lang=lang if lang != "sv" else None)}
    return {"map": map_name, "lang": lang, "may": sorted(may),
            "picture": {"id": picture.id, "version": picture.version}, "links": links,
            "features": collection["features"], "colours": KIND_COLOURS, "kinds": _names(KIND_NAMES, lang),
            "severities": {str(k): gettext_in(lang, v) for k, v in SEVERITY_NAMES.items()},
            "measure_types": _names(MEASURE_TYPE_NAMES, lang), "measure_statuses": _names(MEASURE_STATUS_NAMES, lang),
            "texts": _names(EDITOR_TEXTS, lang), "draw": translate_tree(EDITOR_DRAW_TEXTS, lang)}


@bp.get("/pictures/<int:picture_id>")
def picture_page(picture_id: int):
    lang = current_language()
    session = get_session()
    user, role = current_account(), current_role()
    picture = pictures.get(session, picture_id, user, role)
    collection = drawings.listing(session, picture_id, user, role)
    may = pictures.allowed(user, picture)
    editable = "edit" in may
    names = {d.code: d.name for d in districts.refs(session)}
    rows = [{"f": f, "kind": gettext_in(lang, KIND_NAMES[f["properties"]["kind"]]),
             "severity": gettext_in(lang, SEVERITY_NAMES[f["properties"]["severity"]])}
            for f in collection["features"]]
    parts = _map(picture, collection, lang, editor=editable)
    config = _editor_config(picture, collection, may, lang, parts.name) if may - {"copy_forward"} else None
    return render_template("picture.html", picture=picture, district=names.get(picture.district_code),
                           topic=gettext_in(lang, TOPIC_NAMES[picture.topic]),
                           status=gettext_in(lang, STATUS_NAMES[picture.status]), rows=rows, editable=editable,
                           may=may, map=parts, config=config, choices=_choices(lang),
                           next_period=forward.next_period(picture.year, picture.tertial))


def _choices(lang: str) -> dict:
    return {"kinds": _names(KIND_NAMES, lang), "severities": _names(SEVERITY_NAMES, lang),
            "measure_types": _names(MEASURE_TYPE_NAMES, lang), "measure_statuses": _names(MEASURE_STATUS_NAMES, lang)}


CHANGE_NAMES = {"added": N_("Added"), "removed": N_("Removed"), "moved": N_("Moved"), "rerated": N_("Re-rated"),
                "unchanged": N_("Unchanged")}
CHANGE_STYLES = {"added": {"color": "#1a9850", "dashArray": None}, "removed": {"color": "#d73027", "dashArray": "6 4"},
                 "moved": {"color": "#e66101", "dashArray": None}, "rerated": {"color": "#5e3c99", "dashArray": None},
                 "unchanged": {"color": "#878787", "dashArray": None}}


def _compare_map(district_code: str, body: dict, lang: str):
    import folium

    m = _district_frame(district_code, lang)
    before = [{"type": "Feature", "geometry": f["properties"]["before_geometry"], "properties": {}}
              for f in body["features"] if "moved" in f["properties"]["changes"]]
    if before:
        folium.GeoJson({"type": "FeatureCollection", "features": before}, name=gettext_in(lang, "Before the move"),
                       style_function=lambda f: {"color": "#555555", "weight": 2, "dashArray": "3 5", "fillOpacity": 0},
                       marker=folium.CircleMarker(radius=6, fill=False)).add_to(m)
    # Shapes and the change in words only: the annotations' own texts are in the table, never in map HTML.
    shapes = [{"type": "Feature", "geometry": f["geometry"],
               "properties": {"change": f["properties"]["changes"][0],
                              "what": ", ".join(gettext_in(lang, CHANGE_NAMES[c]) for c in f["properties"]["changes"])}}
              for f in body["features"]]
    if shapes:
        folium.GeoJson({"type": "FeatureCollection", "features": shapes}, name=gettext_in(lang, "Changes"),
                       style_function=lambda f: {**CHANGE_STYLES[f["properties"]["change"]], "weight": 4,
                                                 "fillOpacity": 0.25},
                       marker=folium.CircleMarker(radius=8, fill=True),
                       tooltip=folium.GeoJsonTooltip(fields=["what"], labels=False)).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return render(m)


@bp.get("/pictures/compare")
def compare_page():
    """Two periods of a district's picture side by side: what was added, removed, moved or re-rated."""
    lang = current_language()
    session = get_session()
    names = {d.code: d.name for d in districts.refs(session)}
    year, tertial = pictures.current_period()
    asked = {"district": (request.args.get("district") or "").strip()[:20], "topic": request.args.get("topic") or "",
             "from": request.args.get("from") or f"{year - 1}-{tertial}", "to": request.args.get("to") or
             f"{year}-{tertial}", "tolerance": request.args.get("tolerance") or "10"}
    body, problem, status, parts, rows = None, None, 200, None, []
    if asked["district"] and asked["topic"]:
        try:
            tolerance = asked["tolerance"]
            if not tolerance.isascii() or not tolerance.isdigit() or int(tolerance) > 10000:
                raise ProblemError(400, "invalid-parameter", "Invalid tolerance", "")
            body = compare.compare(session, current_account(), current_role(), district=asked["district"],
                                   topic=asked["topic"], earlier=compare.parse_period("from", asked["from"]),
                                   later=compare.parse_period("to", asked["to"]), tolerance_m=float(tolerance))
        except ProblemError as exc:
            status = exc.status if exc.status in (400, 404) else 400
            problem = gettext_in(lang, "Nothing to compare: there is no picture of that topic for the district in "
                                       "both periods that you may read.") if status == 404 else \
                gettext_in(lang, "Give a district, a topic and two periods as YEAR-TERTIAL (e.g. 2026-2), the later "
                                 "one second, and a tolerance in whole metres.")
    if body is not None:
        parts = _compare_map(asked["district"], body, lang)
        for f in body["features"]:
            p, was = f["properties"], f["properties"].get("before") or {}
            rows.append({"changes": [(c, gettext_in(lang, CHANGE_NAMES[c])) for c in p["changes"]],
                         "title": p["title"], "kind": gettext_in(lang, KIND_NAMES[p["kind"]]),
                         "severity": (was.get("severity"), p["severity"]),
                         "status": (was.get("measure_status"), p["measure_status"]),
                         "distance": p.get("distance_m")})
        order = list(CHANGE_NAMES)
        rows.sort(key=lambda r: order.index(r["changes"][0][0]))
    page = render_template("compare.html", asked=asked, body=body, problem=problem, map=parts, rows=rows,
                           districts=sorted(names.items(), key=lambda kv: kv[1]),
                           topics=[(k, gettext_in(lang, v)) for k, v in TOPIC_NAMES.items()],
                           change_names={k: gettext_in(lang, v) for k, v in CHANGE_NAMES.items()},
                           measure_statuses={k: gettext_in(lang, v) for k, v in MEASURE_STATUS_NAMES.items()},
                           district_name=names.get(asked["district"]))
    return page, status


@bp.get("/pictures/<int:picture_id>.pdf")
@ratelimit.limited("reports")
def picture_pdf(picture_id: int):
    """The picture as a PDF report: period, status, summary, map, annotations, history."""
    lang = current_language()
    session = get_session()
    user, role = current_account(), current_role()
    picture = pictures.get(session, picture_id, user, role)
    collection = drawings.listing(session, picture_id, user, role)
    try:
        events = history.events(session, picture_id, user, role, limit=1000)[0]
    except ProblemError:
        events = None                                     # a reader of accepted pictures sees them as they are
    outline = shape(json.loads(districts.feature_geojson(session, picture.district_code))["geometry"])
    drawn = [(f["properties"]["kind"], transform_geom(shape(f["geometry"]), WGS84, SWEREF99TM))
             for f in collection["features"]]
    png = picture_pdf_report.map_png(transform_geom(outline, WGS84, SWEREF99TM), drawn)
    names = {d.code: d.name for d in districts.refs(session)}
    data = picture_pdf_report.render_pdf(picture.to_json(), names.get(picture.district_code, picture.district_code),
                                         collection["features"], events, png, lang=lang)
    name = f"situation_picture_{picture.district_code}_{picture.year}_t{picture.tertial}_{picture.topic}.pdf"
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
