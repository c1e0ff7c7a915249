"""Folium maps whose Leaflet and plugins come from the app's own /static/vendor, never from a CDN.

folium is imported only where a page draws a map (ruff's banned-module-level-imports keeps it so): with branca, and
pandas where that is installed, it holds about 60 MB that a worker serving tiles, items and the API never needs.
Its element classes are in webapp/pages/map_elements.py, imported the same way."""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import url_for

from webapp.config import Settings
from webapp.i18n import N_, gettext_in
from webapp.services import hazards
from webapp.services.catalog import LayerInfo

if TYPE_CHECKING:
    import folium

DEFAULT_OPACITY = 0.7
DISTRICT_STYLE = {"color": "#1f4e79", "weight": 2, "fillColor": "#6fa8dc", "fillOpacity": 0.08}
DISTRICT_HIGHLIGHT = {"weight": 4, "fillOpacity": 0.25}


@dataclass(frozen=True)
class MapParts:
    """A rendered folium map split for a Jinja page: what goes in <head>, the map's <div>, the script."""

    header: str
    html: str
    script: str
    name: str


def _static(path: str) -> str:
    return url_for("static", filename=path)


def local_assets(m: folium.Map) -> None:
    """Replace folium's CDN defaults with the Leaflet the app serves (installed from npm at set-up)."""
    m.default_js = [("leaflet", _static("vendor/leaflet/leaflet.js"))]
    m.default_css = [("leaflet_css", _static("vendor/leaflet/leaflet.css"))]


# Leaflet's own control texts, in the page's language (its English ones are built in).
CONTROL_TEXTS = {"zoomIn": N_("Zoom in"), "zoomOut": N_("Zoom out"), "layers": N_("Layers"),
                 "baseDown": N_("The base map cannot be reached right now; the risk layers are shown without it.")}


def base_map(settings: Settings, bounds: tuple[float, float, float, float], base_name: str,
             lang: str = "sv") -> folium.Map:
    """A folium map over the app's own Leaflet, fitted to `bounds` (lon/lat), with the configured base map (if any)
    and the controls in `lang`. The pages load /static/viewer.js, which the controls need."""
    import folium

    from webapp.pages.map_elements import MapChrome

    west, south, east, north = bounds
    m = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=11, tiles=None,
                   control_scale=False, zoom_control=False, max_zoom=20)
    local_assets(m)
    base = None
    if settings.basemap_url:
        layer = folium.TileLayer(settings.basemap_url, attr=settings.basemap_attribution, name=base_name,
                                 max_zoom=20, max_native_zoom=19)
        layer.add_to(m)
        base = layer.get_name()
    MapChrome({key: gettext_in(lang, text) for key, text in CONTROL_TEXTS.items()}, base).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m


def add_districts(m: folium.Map, collection_geojson: str, name: str, aliases: list[str]) -> folium.GeoJson:
    """The districts with name and committee on hover. folium's tooltip writes values as HTML, so the texts (which
    come from imported files) are escaped here."""
    import folium

    collection = json.loads(collection_geojson)
    for feature in collection["features"]:
        props = feature["properties"]
        for key in ("name", "committee"):
            props[key] = html.escape(str(props.get(key) or ""))
    layer = folium.GeoJson(
        collection,
        name=name,
        style_function=lambda _feature: DISTRICT_STYLE,
        highlight_function=lambda _feature: DISTRICT_HIGHLIGHT,
        tooltip=folium.GeoJsonTooltip(fields=["name", "committee"], aliases=aliases, sticky=True),
    )
    layer.add_to(m)
    return layer


# folium's page head forbids zooming the page (maximum-scale=1, user-scalable=no), which WCAG 1.4.4 does not allow;
# the pages have their own viewport meta.
_VIEWPORT = re.compile(r"<meta\s+name=[\"']viewport[\"'][^>]*>", re.I)


def render(m: folium.Map) -> MapParts:
    root = m.get_root()
    root.render()
    return MapParts(header=_VIEWPORT.sub("", root.header.render()), html=root.html.render(),
                    script=root.script.render(), name=m.get_name())


def tile_url(info: LayerInfo) -> str:
    fmt = "mvt" if info.kind == "vector" else "png"
    return url_for("tiles.tile", slug=info.slug, version=info.version, z=0, x=0, y=0, fmt=fmt).replace(
        "/0/0/0.", "/{z}/{x}/{y}.")


def map_layer(info: LayerInfo, lang: str, texts, *, show: bool):
    """A layer with data as a folium layer: PNG tiles for rasters, vector tiles drawn by viewer.js otherwise."""
    import folium

    from webapp.pages.map_elements import VectorGridLayer

    d = info.definition
    title = gettext_in(lang, d.title)
    if info.kind == "raster":
        # Leaflet writes attributions as HTML; a layer's source comes from an import, so it is escaped.
        source = html.escape(gettext_in(lang, info.source))
        return folium.TileLayer(tile_url(info), name=title, attr=source, overlay=True, control=True,
                                show=show, opacity=DEFAULT_OPACITY, max_zoom=20, min_zoom=8)
    config = {"slug": info.slug, "geometry": d.geometry, "title": title,
              "classes": {c.key: {"label": gettext_in(lang, c.label), "color": c.color} for c in d.classes},
              "aggregated": False, "countLabel": texts.count_cells,
              **hazards.evaluator(info.slug).viewer_config(info, lang)}
    return VectorGridLayer(tile_url(info), title, config, show=show)
