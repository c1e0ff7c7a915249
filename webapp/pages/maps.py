"""Folium maps whose Leaflet comes from the app's own /static/vendor, never from a CDN."""
from __future__ import annotations

from dataclasses import dataclass

import folium
from flask import url_for

from webapp.config import Settings

DISTRICT_STYLE = {"color": "#1f4e79", "weight": 2, "fillColor": "#6fa8dc", "fillOpacity": 0.15}
DISTRICT_HIGHLIGHT = {"weight": 4, "fillOpacity": 0.35}


@dataclass(frozen=True)
class MapParts:
    """A rendered folium map split for a Jinja page: what goes in <head>, the map's <div>, the script."""

    header: str
    html: str
    script: str


def local_assets(m: folium.Map) -> None:
    """Replace folium's CDN defaults with the Leaflet the app serves (installed from npm at set-up)."""
    m.default_js = [("leaflet", url_for("static", filename="vendor/leaflet/leaflet.js"))]
    m.default_css = [("leaflet_css", url_for("static", filename="vendor/leaflet/leaflet.css"))]


def base_map(settings: Settings, bounds: tuple[float, float, float, float]) -> folium.Map:
    west, south, east, north = bounds
    m = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=11, tiles=None,
                   control_scale=True, prefer_canvas=False)
    local_assets(m)
    if settings.basemap_url:
        folium.TileLayer(settings.basemap_url, attr=settings.basemap_attribution, name="Bakgrundskarta",
                         max_zoom=19).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m


def district_map(collection_geojson: str, bounds, settings: Settings) -> MapParts:
    """The districts with their names on hover, fitted to the city."""
    m = base_map(settings, bounds)
    folium.GeoJson(
        collection_geojson,
        name="Stadsdelsområden",
        style_function=lambda _feature: DISTRICT_STYLE,
        highlight_function=lambda _feature: DISTRICT_HIGHLIGHT,
        tooltip=folium.GeoJsonTooltip(fields=["name", "committee"], aliases=["Stadsdelsområde", "Nämnd"],
                                      sticky=True),
    ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return render(m)


def render(m: folium.Map) -> MapParts:
    root = m.get_root()
    root.render()
    return MapParts(header=root.header.render(), html=root.html.render(), script=root.script.render())
