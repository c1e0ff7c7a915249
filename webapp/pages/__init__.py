"""HTML pages: Jinja2 templates whose maps folium builds, with every asset served by the app itself."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from webapp.auth import current_role
from webapp.db import get_session
from webapp.i18n import current_language, texts
from webapp.pages.viewer import count_legend, value_links, viewer_map
from webapp.services import districts
from webapp.services import layers as catalog

bp = Blueprint("pages", __name__)


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
                           districts=districts.refs(session), districts_demo=districts.is_demo(session),
                           count_legend=count_legend())
from webapp.pages import sites  # noqa: E402,F401
