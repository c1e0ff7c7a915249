"""HTML pages: Jinja2 templates whose maps folium builds, with every asset served by the app itself."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for

from webapp.auth import current_role
from webapp.db import get_session
from webapp.i18n import N_, current_language, gettext_in, texts
from webapp.pages.viewer import value_links, viewer_context, viewer_map
from webapp.reports import format as fmt
from webapp.services import accounts, catalog, districts, hazards, hotspots

bp = Blueprint("pages", __name__)


@bp.app_template_filter("date_time")
def _date_time(moment) -> str:
    """A stored time in Stockholm's time, as the PDF writes it."""
    return fmt.date_time(moment)


@bp.app_template_filter("data_text")
def _data_text(value) -> str:
    """A text that came with the data (a source, a licence) in the page's language when the catalogue knows it (the
    demo data's own texts), else as it came; plain text, escaped by the template."""
    return gettext_in(current_language(), value) if isinstance(value, str) and value else (value or "")


@bp.app_context_processor
def _account_texts():
    def role_name(role: str) -> str:
        return gettext_in(current_language(), accounts.ROLE_NAMES.get(role, role))

    return {"role_name": role_name}


@bp.app_template_filter("number")
def number_filter(value) -> str:
    """A number in the page language's format (thin space for thousands in Swedish, decimal comma)."""
    return fmt.number(value, current_language())


@bp.app_template_filter("date")
def _date(moment) -> str:
    """A stored time's date in Stockholm."""
    return fmt.date(moment)


@bp.get("/map")
def map_page():
    """The layer viewer: the districts and every layer the role may see, in a layer tree grouped by hazard. The
    address holds the view (layers, opacity, bbox, hotspots; read and written by viewer.js, anything it cannot read
    ignored), so it can be shared, saved for the team and printed."""
    session = get_session()
    settings = current_app.extensions["riskkarta.settings"]
    lang = current_language()
    bounds = districts.bounds_lonlat(session)
    if bounds is None:
        return render_template("map.html", map=None)
    collection = districts.map_geojson(session)
    role = current_role()
    infos = catalog.visible_layers(session, role)
    parts, panel = viewer_map(collection, bounds, infos, settings, lang, texts(lang), role)
    return render_template("map.html", map=parts, panel=panel, rasters=value_links(panel),
                           districts=districts.refs(session), districts_demo=districts.is_demo(session),
                           hotspots=hotspot_panels(session, infos), **viewer_context(session, panel, lang))


# The hotspot layer's classes, strongest first: (class, CSS name, label).
HOTSPOT_CLASSES = ((3, "hot-99", N_("Hot spot, confidence 99 %")), (2, "hot-95", N_("Hot spot, confidence 95 %")),
                   (1, "hot-90", N_("Hot spot, confidence 90 %")), (-1, "cold-90", N_("Cold spot, confidence 90 %")),
                   (-2, "cold-95", N_("Cold spot, confidence 95 %")), (-3, "cold-99", N_("Cold spot, confidence 99 %")))
BAND_NAMES = {"all": N_("All day"), "night": N_("Night (0–6)"), "morning": N_("Morning (6–12)"),
              "afternoon": N_("Afternoon (12–18)"), "evening": N_("Evening (18–24)"), "weekday": N_("Weekdays"),
              "weekend": N_("Weekends")}


# The incident layers with computed hotspots, and the viewer's heading of each one's panel.
HOTSPOT_LAYERS = {"crime": N_("Computed hotspots of crime"), "accidents": N_("Computed hotspots of accidents")}


def hotspot_panels(session, infos) -> list[dict]:
    """What the viewer's hotspot layers offer, one per incident layer the role may see: the current runs'
    periods, categories and bands (no runs: the panel says so)."""
    return [panel for info in infos if info.slug in HOTSPOT_LAYERS
            if (panel := hotspot_panel(session, info)) is not None]


def hotspot_panel(session, info) -> dict:
    lang = current_language()
    evaluator = hazards.evaluator(info.slug)
    base = {"slug": info.slug, "title": gettext_in(lang, HOTSPOT_LAYERS[info.slug]),
            "items": url_for("ogc.list_items", collection_id=evaluator.hotspots_id)}
    runs = hotspots.runs(session, info.slug)
    if not runs:
        return base | {"runs": []}
    periods = list(dict.fromkeys(r.period for r in runs))
    categories = [("all", gettext_in(lang, "All categories"))] + [
        (c.key, gettext_in(lang, c.label)) for c in info.definition.classes if any(r.category == c.key for r in runs)]
    bands = [(b, gettext_in(lang, BAND_NAMES[b])) for b in BAND_NAMES if any(r.band == b for r in runs)]
    period_names = {p: gettext_in(lang, "Last 12 months of data") if p == "12m" else
                    p.replace("-", " " + gettext_in(lang, "tertial") + " ") for p in periods}
    return base | {"runs": [r.to_json() for r in runs], "periods": [(p, period_names[p]) for p in periods],
                   "categories": categories, "bands": bands,
                   "classes": [(c, css, gettext_in(lang, label)) for c, css, label in HOTSPOT_CLASSES]}


from webapp.pages import (  # noqa: E402,F401
    account,
    admin,
    city,
    district,
    guide,
    landing,
    oidc,
    pictures,
    printing,
    safety,
    sites,
    statistics,
)
