"""Drinking water: water-protection zones and the waterworks and raw-water intakes they protect."""
from __future__ import annotations

from layers.base import LayerClass, LayerDefinition
from layers.demo_vectors import drinking_water_features

DEFINITION = LayerDefinition(
    slug="drinking-water",
    hazard="drinking_water",
    kind="vector",
    geometry="mixed",
    title_sv="Dricksvatten: skyddsområden och vattenverk",
    title_en="Drinking water: protection zones and waterworks",
    description_sv="Vattenskyddsområden (primär, sekundär, tertiär zon), vattenverk och råvattenintag.",
    description_en="Water-protection zones (primary, secondary, tertiary), waterworks and raw-water intakes.",
    classes=(
        LayerClass("zone-primary", "Primär skyddszon", "Primary protection zone", "#08519c"),
        LayerClass("zone-secondary", "Sekundär skyddszon", "Secondary protection zone", "#4292c6"),
        LayerClass("zone-tertiary", "Tertiär skyddszon", "Tertiary protection zone", "#9ecae1"),
        LayerClass("waterworks", "Vattenverk", "Waterworks", "#54278f"),
        LayerClass("intake", "Råvattenintag", "Raw-water intake", "#807dba"),
    ),
    # Facilities of the water supply are critical infrastructure: not for the public map.
    confidentiality="internal",
    class_fields=("class", "klass", "zon", "zone", "typ"),
    queryables=("class", "name"),
    demo=drinking_water_features,
)
