"""The layer viewer: districts plus every layer the role may see, as folium layers over local assets."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from webapp.auth import current_account
from webapp.config import Settings
from webapp.i18n import N_, gettext_in
from webapp.pages.maps import DEFAULT_OPACITY, MapParts, add_districts, base_map, map_layer, render
from webapp.services import hazards, views
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
    # the OGC API Features items of what the map draws of a vector layer, for the tabular view
    items: str | None = None


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


def items_url(info: LayerInfo, role: str) -> str | None:
    """The OGC API items of what the map draws of a vector layer for `role`: the first of the hazard's own
    collections the role may see (an incident layer: its points, or else its aggregated cells; never its computed
    hotspots, which have a panel of their own), else the layer's default collection."""
    if info.kind != "vector":
        return None
    evaluator = hazards.evaluator(info.slug)
    hotspots_id = getattr(evaluator, "hotspots_id", None)
    own = [c.id for c in evaluator.ogc_collections() if c.id != hotspots_id and c.visible(role)]
    return url_for("ogc.list_items", collection_id=own[0] if own else info.slug)


def viewer_map(districts_geojson: str, bounds, layer_infos: list[LayerInfo], settings: Settings, lang: str,
               texts, role: str = "public") -> tuple[MapParts, list[PanelLayer]]:
    """The viewer's map and, per layer, what its panel entry needs."""
    import folium

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
        # Rasters start translucent over the base map; vector layers are styled translucent already.
        opacity = DEFAULT_OPACITY if info.kind == "raster" else 1.0
        panel.append(PanelLayer(info, title, layer.get_name(), opacity, labels, cell_legend(info, lang),
                                metadata_rows(info, lang), items_url(info, role)))
    folium.LayerControl(collapsed=True).add_to(m)
    return render(m), panel


def value_links(panel: list[PanelLayer]) -> list[dict]:
    """For the click handler: raster layers whose value can be asked at a point."""
    return [{"js": p.js_name, "slug": p.info.slug, "title": p.title,
             "url": url_for("api.get_value", slug=p.info.slug)}
            for p in panel if p.js_name and p.info.kind == "raster"]


# The layer tree's groups, as the city's map clients group layers by kind of hazard: (key, heading, hazard keys).
# A hazard in no group (one registered later) goes under "Other hazards".
HAZARD_GROUPS = (("climate", N_("Climate"), ("flood", "heat")),
                 ("infrastructure", N_("Infrastructure"), ("hazardous_goods", "drinking_water")),
                 ("safety", N_("Crime and accidents"), ("crime", "accidents")))
OTHER_GROUP = ("other", N_("Other hazards"))
CONFIDENTIALITY_NAMES = {"open": N_("Open"), "internal": N_("Internal (staff only)"),
                         "restricted": N_("Restricted (city office)")}


def layer_groups(panel: list[PanelLayer], lang: str) -> list[dict]:
    """The panel's layers grouped by hazard for the layer tree, in the groups' order; empty groups left out."""
    groups = [{"key": key, "title": gettext_in(lang, title), "hazards": hazards_, "layers": []}
              for key, title, hazards_ in HAZARD_GROUPS]
    other = {"key": OTHER_GROUP[0], "title": gettext_in(lang, OTHER_GROUP[1]), "hazards": (), "layers": []}
    for p in panel:
        group = next((g for g in groups if p.info.definition.hazard in g["hazards"]), other)
        group["layers"].append(p)
    return [g for g in [*groups, other] if g["layers"]]


def confidentiality_name(info: LayerInfo, lang: str) -> str:
    return gettext_in(lang, CONFIDENTIALITY_NAMES.get(info.confidentiality, info.confidentiality))


def viewer_context(session, panel: list[PanelLayer], lang: str) -> dict:
    """What the viewer's template needs beside the map: the layer tree, the saved views (and whether this user may
    save one or delete each), and the layers the tabular view reads."""
    user = current_account()
    saved = [(v, views.may_delete(user, v)) for v in views.latest(session)]
    return {"groups": layer_groups(panel, lang), "confidentiality_name": lambda i: confidentiality_name(i, lang),
            "saved_views": saved, "may_save": user is not None,
            "print_url": url_for("pages.map_page") + "/print.pdf",
            "tree": [{"slug": p.info.slug, "js": p.js_name, "title": p.title, "kind": p.info.kind, "items": p.items,
                      "labels": p.labels, "bounds": p.info.bounds_lonlat,
                      "value": url_for("api.get_value", slug=p.info.slug) if p.info.kind == "raster" else None}
                     for p in panel if p.js_name]}
