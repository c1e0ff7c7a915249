"""HTML pages: Jinja2 templates whose maps folium builds, with every asset served by the app itself."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from webapp.auth import current_role
from webapp.db import get_session
from webapp.i18n import current_language, gettext_in, texts
from webapp.pages.viewer import value_links, viewer_map
from webapp.reports import format as fmt
from webapp.services import accounts, catalog, districts

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


@bp.app_template_filter("date")
def _date(moment) -> str:
    """A stored time's date in Stockholm."""
    return fmt.date(moment)


@bp.get("/")
def index():
    """The layer viewer: the districts and every layer the role may see."""
    session = get_session()
    settings = current_app.extensions["riskkarta.settings"]
    lang = current_language()
    bounds = districts.bounds_lonlat(session)
    if bounds is None:
        return render_template("index.html", map=None)
    collection = districts.map_geojson(session)
    infos = catalog.visible_layers(session, current_role())
    parts, panel = viewer_map(collection, bounds, infos, settings, lang, texts(lang))
    return render_template("index.html", map=parts, panel=panel, rasters=value_links(panel),
                           districts=districts.refs(session), districts_demo=districts.is_demo(session))
from webapp.pages import account, city, district, oidc, pictures, sites  # noqa: E402,F401
