"""HTML pages: Jinja2 templates whose maps folium builds, with every asset served by the app itself."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from webapp.db import get_session
from webapp.pages.maps import district_map
from webapp.services import districts

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    """The city's districts on a map."""
    session = get_session()
    settings = current_app.extensions["riskkarta.settings"]
    collection = districts.map_geojson(session)
    bounds = districts.bounds_lonlat(session)
    parts = district_map(collection, bounds, settings) if bounds else None
    demo = "demo data" in collection.lower() if bounds else False
    return render_template("index.html", map=parts, demo=demo, districts=districts.refs(session))
