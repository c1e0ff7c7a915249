"""The city's view of a period (`/city`): every district with each topic's situation picture status, who submitted
it when, the pictures waiting for the city office's decision (accept, or return with a comment), and what the
reported pictures hold as counts by kind and severity. Read-only for everyone but the city office."""
from __future__ import annotations

import json

import shapely
from flask import Response, current_app, redirect, render_template, request, url_for
from shapely.geometry import shape

from geo.crs import SWEREF99TM, WGS84, transform_geom
from webapp import ratelimit
from webapp.auth import current_account, current_role
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.i18n import N_, current_language, gettext_in, texts
from webapp.pages import bp
from webapp.pages.maps import add_districts, base_map, map_layer, render
from webapp.pages.pictures import EDITOR_TEXTS
from webapp.reports import picture_pdf
from webapp.reports.pictures import CELL_NAMES, KIND_COLOURS, KIND_NAMES, SEVERITY_NAMES, STATUS_NAMES, TOPIC_NAMES
from webapp.services import catalog, districts, pictures
from webapp.services.pictures import city


def _period() -> tuple[int, int, str | None]:
    year, tertial = pictures.current_period()
    problem = None
    for name, low, high in (("year", 2000, 2100), ("tertial", 1, 3)):
        raw = request.args.get(name) or ""
        if not raw:
            continue
        if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
            problem = N_("That period is unknown; showing the current one instead.")
            return *pictures.current_period(), problem
        if name == "year":
            year = int(raw)
        else:
            tertial = int(raw)
    return year, tertial, problem


def _map_filters() -> tuple[dict, bool]:
    """The map's filters (topic, kind, least severity); an unknown value is dropped and said."""
    found, bad = {"topic": None, "kind": None, "min_severity": 1}, False
    for name, allowed in (("topic", TOPIC_NAMES), ("kind", KIND_NAMES)):
        value = request.args.get(name) or None
        if value is not None and value not in allowed:
            bad = True
        elif value:
            found[name] = value
    raw = request.args.get("severity") or ""
    if raw in ("1", "2", "3", "4"):
        found["min_severity"] = int(raw)
    elif raw:
        bad = True
    return found, bad


def _city_map(session, reported: list, lang: str):
    import folium

    t = texts(lang)
    bounds = districts.bounds_lonlat(session)
    if bounds is None:
        return None
    m = base_map(current_app.extensions["riskkarta.settings"], bounds, t.base_map, lang)
    add_districts(m, districts.map_geojson(session), t.districts, [t.district, t.committee])
    for info in catalog.visible_layers(session, current_role()):
        if info.has_data:
            map_layer(info, lang, t, show=False).add_to(m)
    if reported:
        # Shapes and words of our own only: the committees' titles and texts are in the table below the map.
        shapes = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": json.loads(r.geojson), "properties": {
                "kind": r.fields["kind"], "what": f"{gettext_in(lang, KIND_NAMES[r.fields['kind']])}, "
                                                  f"{gettext_in(lang, SEVERITY_NAMES[r.fields['severity']])}"}}
            for r in reported]}
        folium.GeoJson(shapes, name=gettext_in(lang, "Annotations"),
                       style_function=lambda f: {"color": KIND_COLOURS[f["properties"]["kind"]], "weight": 3,
                                                 "fillOpacity": 0.25},
                       marker=folium.CircleMarker(radius=7, fill=True),
                       tooltip=folium.GeoJsonTooltip(fields=["what"], labels=False)).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return render(m)


@bp.get("/city")
def city_page():
    lang = current_language()
    user, role = current_account(), current_role()
    if not city.may_view(role):
        return redirect(url_for("pages.login_form", next=request.path))
    year, tertial, problem = _period()
    session = get_session()
    found = city.period(session, year, tertial, user, role)
    filters, bad_filter = _map_filters()
    if bad_filter and not problem:
        problem = N_("That map filter value is unknown; it is left out.")
    reported = city.annotations(session, year, tertial, user, role, **filters)
    names = {row.code: row.name for row in found.rows}
    listed = [{"district": names.get(r.fields["district"], r.fields["district"]),
               "topic": gettext_in(lang, TOPIC_NAMES[r.fields["topic"]]),
               "kind": gettext_in(lang, KIND_NAMES[r.fields["kind"]]), "severity": r.fields["severity"],
               "title": r.fields["title"], "status": gettext_in(lang, STATUS_NAMES[r.fields["picture_status"]]),
               "picture": r.fields["picture"]} for r in reported]
    deciding = bool(user and user.active and user.role == "city")
    waiting = [(row, topic, cell) for row in found.rows for topic, cell in row.cells.items()
               if cell.status == "submitted" and deciding]
    decide = [{"id": cell.picture.id, "district": row.name, "topic": gettext_in(lang, TOPIC_NAMES[topic]),
               "by": cell.submitted_by, "at": cell.submitted_at, "version": cell.picture.version,
               "accept": url_for("pictures.accept", picture_id=cell.picture.id),
               "return": url_for("pictures.return_", picture_id=cell.picture.id)} for row, topic, cell in waiting]
    page = render_template(
        "city.html", city=found, problem=gettext_in(lang, problem) if problem else None, decide=decide,
        topics=[(k, gettext_in(lang, v)) for k, v in TOPIC_NAMES.items()],
        cell_names={k: gettext_in(lang, v) for k, v in CELL_NAMES.items()},
        kinds=[(k, gettext_in(lang, v)) for k, v in KIND_NAMES.items()],
        severities=[(k, gettext_in(lang, v)) for k, v in SEVERITY_NAMES.items()],
        config={"texts": {k: gettext_in(lang, EDITOR_TEXTS[k]) for k in
                          ("accepted", "returned", "comment_required", "picture_changed", "could_not_save",
                           "sign_in_again", "forbidden", "network")}},
        json_url=url_for("city.city_period", year=year, tertial=tertial), map=_city_map(session, reported, lang),
        filters=filters, listed=listed,
        exports={"geojson": url_for("city.city_annotations", year=year, tertial=tertial, **_set(filters)),
                 "gpkg": url_for("city.city_annotations_geopackage", year=year, tertial=tertial, **_set(filters)),
                 "pdf": url_for("pages.city_pdf", year=year, tertial=tertial, lang=lang if lang != "sv" else None,
                                **_set(filters))})
    return page, 400 if problem else 200


def _set(filters: dict) -> dict:
    return {k: v for k, v in (("topic", filters["topic"]), ("kind", filters["kind"]),
                              ("severity", filters["min_severity"] if filters["min_severity"] > 1 else None)) if v}


@bp.get("/city.pdf")
@ratelimit.limited("reports")
def city_pdf():
    """The city's picture of a period as a PDF: statuses, counts, the map and the list of reported annotations."""
    lang = current_language()
    user, role = current_account(), current_role()
    if not city.may_view(role):
        return redirect(url_for("pages.login_form", next=request.path))
    year, tertial, problem = _period()
    if problem:
        raise ProblemError(400, "invalid-parameter", "Invalid period", "year is 2000–2100 and tertial 1, 2 or 3.")
    session = get_session()
    found = city.period(session, year, tertial, user, role)
    filters, bad_filter = _map_filters()
    if bad_filter:
        raise ProblemError(400, "invalid-parameter", "Invalid filter", "topic, kind or severity is unknown.")
    reported = city.annotations(session, year, tertial, user, role, **filters)
    outlines = [transform_geom(shape(f["geometry"]), WGS84, SWEREF99TM)
                for f in json.loads(districts.map_geojson(session))["features"]]
    png = picture_pdf.map_png(shapely.GeometryCollection(outlines), [(r.fields["kind"], shapely.from_wkb(r.wkb))
                                                            for r in reported]) if outlines else None
    data = picture_pdf.render_city_pdf(found, reported, png, lang=lang)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="situation_pictures_{year}_t{tertial}.pdf"'})
