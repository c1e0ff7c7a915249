"""Hazardous goods: the county's recommended transport routes (primary and secondary), as lines."""
from __future__ import annotations

from layers.base import LayerClass, LayerDefinition
from layers.demo_vectors import hazardous_goods_routes

DEFINITION = LayerDefinition(
    slug="hazardous-goods",
    hazard="hazardous_goods",
    kind="vector",
    geometry="line",
    title_sv="Transportleder för farligt gods",
    title_en="Hazardous-goods routes",
    description_sv="Rekommenderade primära och sekundära transportleder för farligt gods.",
    description_en="Recommended primary and secondary routes for the transport of hazardous goods.",
    classes=(
        LayerClass("primary", "Primär led", "Primary route", "#d7301f"),
        LayerClass("secondary", "Sekundär led", "Secondary route", "#fc8d59"),
    ),
    class_fields=("class", "klass", "ledklass", "typ"),
    queryables=("class", "name", "road"),
    demo=hazardous_goods_routes,
)
