"""A district's page: its committee and area, a small map, what each layer the role may see holds inside it (its
hazard's summary), and the saved site checks that touch it."""
from __future__ import annotations

from flask import current_app, render_template, url_for

from webapp.auth import current_role
from webapp.db import get_session
from webapp.i18n import current_language, gettext_in, texts
from webapp.pages import bp
from webapp.pages.maps import add_districts, base_map, map_layer, render
from webapp.reports import format as fmt
from webapp.reports import rows as report_rows
from webapp.services import hazards
from webapp.services.districts import summary


def _lang_arg(lang: str) -> str | None:
    """The ?lang= a link keeps: none for Swedish, the default."""
    return lang if lang != "sv" else None


def _map(found: summary.DistrictPage, lang: str):
    """The district over the layers that touch it, as the site report's map has them: a hazard kept off that map
    (crime, whose points some roles may see on tiles) is kept off this one, so the page never shows a point."""
    import folium

    t = texts(lang)
    m = base_map(current_app.extensions["riskkarta.settings"], found.district.bounds_lonlat, t.base_map, lang)
    west, south, east, north = found.district.bounds_lonlat
    m.fit_bounds([[south, west], [north, east]], padding=(24, 24))  # the outline clear of the map's edge and controls
    add_districts(m, found.geojson, t.district, [t.district, t.committee])
    for layer in found.layers:
        hook = hazards.evaluator(layer.info.slug)
        if hook.on_report_map:
            map_layer(layer.info, lang, t, show=hook.shown_on_report_map).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return render(m)


@bp.get("/districts/<code>")
def district(code: str):
    """One district; 404 (an HTML page for a browser) when the code is unknown."""
    lang = current_language()
    found = summary.page(get_session(), code, current_role())
    d = found.district
    layers = [{"slug": s.info.slug, "title": gettext_in(lang, s.info.definition.title), "info": s.info,
               "measure": s.measure.get(lang, s.measure.get("en", "")), "rows": report_rows.texts(list(s.rows), lang),
               "updated": fmt.date(s.info.updated_at)} for s in found.layers]
    facts = {"area": fmt.area(d.area_m2, lang), "updated": fmt.date(d.updated_at)}
    links = {"geojson": url_for("api.get_district", code=d.code),
             "ogc": url_for("ogc.get_item", collection_id="districts", feature_id=d.code, lang=_lang_arg(lang)),
             "sites": url_for("pages.sites", lang=_lang_arg(lang)),
             "map": url_for("pages.map_page", lang=_lang_arg(lang))}
    return render_template("district.html", page=found, d=d, facts=facts, layers=layers, links=links,
                           elsewhere=[gettext_in(lang, i.definition.title) for i in found.elsewhere],
                           without_data=[gettext_in(lang, i.definition.title) for i in found.without_data],
                           more_checks=fmt.number(found.more_checks, lang, 0),
                           map=_map(found, lang))
