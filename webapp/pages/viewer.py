"""The layer viewer: districts plus every layer the role may see, as folium layers over local assets."""
from __future__ import annotations

from dataclasses import dataclass

import folium
from flask import url_for

from webapp.config import Settings
from webapp.i18n import N_, gettext_in
from webapp.pages.maps import DEFAULT_OPACITY, MapParts, add_districts, base_map, map_layer, render
from webapp.services import hazards
from webapp.services.catalog import LayerInfo


@dataclass(frozen=True)
class PanelLayer:
    """What the side panel shows of a layer, and the name of its Leaflet layer for the page's script."""

    info: LayerInfo
    title: str
    js_name: str | None
    opacity: float
    # class key → its label in the page's language, for the legend
    labels: dict[str, str]
    # (label, colour) per class of count when the layer is drawn as counts per cell ('5–9', ..., '100+')
    cell_legend: tuple[tuple[str, str], ...] = ()
    # the layer's metadata as (label, value) in the page's language
    metadata: tuple[tuple[str, str], ...] = ()


# What the layers' metadata keys mean, for the side panel (a value is translated when the catalogue knows it: the
# demo layers' descriptions are; an imported layer's own texts are shown as they came).
METADATA_LABELS = {"model": N_("Model"), "scenario": N_("Scenario"), "model_date": N_("Model date"),
                   "variable": N_("Variable"), "temperature": N_("Temperature measured")}


def metadata_rows(info: LayerInfo, lang: str) -> tuple[tuple[str, str], ...]:
    return tuple((gettext_in(lang, METADATA_LABELS[k]) if k in METADATA_LABELS else k.replace("_", " "),
                  gettext_in(lang, v) if isinstance(v, str) and v else str(v)) for k, v in info.metadata.items())


def cell_legend(info: LayerInfo, lang: str) -> tuple[tuple[str, str], ...]:
    """The count classes of a layer its hazard draws as counts per grid cell, if it does."""
    classes = hazards.evaluator(info.slug).viewer_config(info, lang).get("cellClasses")
    if not classes:
        return ()
    bounds = [low for low, _ in classes]
    labels = [f"{low}–{high - 1}" for low, high in zip(bounds, bounds[1:], strict=False)] + [f"{bounds[-1]}+"]
    return tuple(zip(labels, [color for _, color in classes], strict=True))


def viewer_map(districts_geojson: str, bounds, layer_infos: list[LayerInfo], settings: Settings, lang: str,
               texts) -> tuple[MapParts, list[PanelLayer]]:
    """The viewer's map and, per layer, what its panel entry needs."""
    m = base_map(settings, bounds, texts.base_map, lang)
    add_districts(m, districts_geojson, texts.districts, [texts.district, texts.committee])
    panel = []
    for info in layer_infos:
        d = info.definition
        title = gettext_in(lang, d.title)
        labels = {c.key: gettext_in(lang, c.label) for c in d.classes}
        if not info.has_data:
            panel.append(PanelLayer(info, title, None, DEFAULT_OPACITY, labels, metadata=metadata_rows(info, lang)))
            continue
        layer = map_layer(info, lang, texts, show=hazards.evaluator(info.slug).shown_in_viewer)
        layer.add_to(m)
        panel.append(PanelLayer(info, title, layer.get_name(), DEFAULT_OPACITY, labels, cell_legend(info, lang),
                                metadata_rows(info, lang)))
    folium.LayerControl(collapsed=True).add_to(m)
    return render(m), panel


def value_links(panel: list[PanelLayer]) -> list[dict]:
    """For the click handler: raster layers whose value can be asked at a point."""
    return [{"js": p.js_name, "slug": p.info.slug, "title": p.title,
             "url": url_for("api.get_value", slug=p.info.slug)}
            for p in panel if p.js_name and p.info.kind == "raster"]
