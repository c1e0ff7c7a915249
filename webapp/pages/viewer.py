"""The layer viewer: districts plus every layer the role may see, as folium layers over local assets."""
from __future__ import annotations

import html
from dataclasses import dataclass

import folium
from flask import url_for

from layers.crime import COUNT_CLASSES
from webapp.config import Settings
from webapp.pages.maps import MapParts, VectorGridLayer, add_districts, base_map, render
from webapp.services.layers import LayerInfo

DEFAULT_OPACITY = 0.7


def count_legend() -> list[tuple[str, str]]:
    """(label, colour) of the aggregated incident cells: '5–9', ..., '100+'."""
    bounds = [low for low, _ in COUNT_CLASSES]
    labels = [f"{low}–{high - 1}" for low, high in zip(bounds, bounds[1:], strict=False)] + [f"{bounds[-1]}+"]
    return list(zip(labels, [color for _, color in COUNT_CLASSES], strict=True))


@dataclass(frozen=True)
class PanelLayer:
    """What the side panel shows of a layer, and the name of its Leaflet layer for the page's script."""

    info: LayerInfo
    title: str
    js_name: str | None
    opacity: float


def tile_url(info: LayerInfo) -> str:
    fmt = "mvt" if info.kind == "vector" else "png"
    return url_for("tiles.tile", slug=info.slug, version=info.version, z=0, x=0, y=0, fmt=fmt).replace(
        "/0/0/0.", "/{z}/{x}/{y}.")


def map_layer(info: LayerInfo, lang: str, texts, *, show: bool):
    """A layer with data as a folium layer: PNG tiles for rasters, vector tiles drawn by viewer.js otherwise."""
    d = info.definition
    title = d.title(lang)
    if info.kind == "raster":
        # Leaflet writes attributions as HTML; a layer's source comes from an import, so it is escaped.
        return folium.TileLayer(tile_url(info), name=title, attr=html.escape(info.source), overlay=True, control=True,
                                show=show, opacity=DEFAULT_OPACITY, max_zoom=20, min_zoom=8)
    config = {"slug": info.slug, "geometry": d.geometry, "title": title,
              "classes": {c.key: {"label": c.label(lang), "color": c.color} for c in d.classes},
              "aggregated": info.slug == "crime", "countLabel": texts.count_cells, "cellClasses": COUNT_CLASSES}
    return VectorGridLayer(tile_url(info), title, config, show=show)


def viewer_map(districts_geojson: str, bounds, layer_infos: list[LayerInfo], settings: Settings, lang: str,
               texts) -> tuple[MapParts, list[PanelLayer]]:
    """The viewer's map and, per layer, what its panel entry needs."""
    m = base_map(settings, bounds, texts.base_map)
    add_districts(m, districts_geojson, texts.districts, [texts.district, texts.committee])
    panel = []
    for info in layer_infos:
        d = info.definition
        title = d.title(lang)
        if not info.has_data:
            panel.append(PanelLayer(info, title, None, DEFAULT_OPACITY))
            continue
        show = d.hazard in ("flood", "hazardous_goods", "drinking_water")
        layer = map_layer(info, lang, texts, show=show)
        layer.add_to(m)
        panel.append(PanelLayer(info, title, layer.get_name(), DEFAULT_OPACITY))
    folium.LayerControl(collapsed=True).add_to(m)
    return render(m), panel


def value_links(panel: list[PanelLayer]) -> list[dict]:
    """For the click handler: raster layers whose value can be asked at a point."""
    return [{"js": p.js_name, "slug": p.info.slug, "title": p.title,
             "url": url_for("api.get_value", slug=p.info.slug)}
            for p in panel if p.js_name and p.info.kind == "raster"]
