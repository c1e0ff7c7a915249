"""Drinking water: water-protection zones and the waterworks and raw-water intakes they protect."""
from __future__ import annotations

from dataclasses import dataclass, field

from layers.base import N_, LayerClass, LayerDefinition
from layers.demo_vectors import drinking_water_features
from layers.rules import Source


@dataclass(frozen=True)
class DrinkingWaterRules:
    # The level when the site touches a zone of each class.
    zone_levels: dict[str, str] = field(default_factory=lambda: {
        "zone-primary": "high", "zone-secondary": "moderate", "zone-tertiary": "moderate"})
    # A hazardous-goods route inside a protection zone this close to the site raises the verdict one level.
    route_in_zone_radius_m: float = 500.0
    source: Source = Source("Länsstyrelsen i Stockholms län, skyddsföreskrifter för Östra Mälarens "
                            "vattenskyddsområde (2008): primär och sekundär zon", True,
                            N_("The water-protection zones"))
    levels_source: Source = Source("Riskkartas standardvärden", False,
                                   N_("The level of each zone, and one level more for a route in a zone"))

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.source, self.levels_source)


DEFINITION = LayerDefinition(
    rules=DrinkingWaterRules(),
    slug="drinking-water",
    hazard="drinking_water",
    kind="vector",
    geometry="mixed",
    title=N_("Drinking water: protection zones and waterworks"),
    check_title=N_("Drinking water"),
    description=N_("Water-protection zones (primary, secondary, tertiary), waterworks and raw-water intakes."),
    classes=(
        LayerClass("zone-primary", N_("Primary protection zone"), "#08519c"),
        LayerClass("zone-secondary", N_("Secondary protection zone"), "#4292c6"),
        LayerClass("zone-tertiary", N_("Tertiary protection zone"), "#9ecae1"),
        LayerClass("waterworks", N_("Waterworks"), "#54278f"),
        LayerClass("intake", N_("Raw-water intake"), "#807dba"),
    ),
    # Facilities of the water supply are critical infrastructure: not for the public map.
    confidentiality="internal",
    class_fields=("class", "klass", "zon", "zone", "typ"),
    queryables=("class", "name"),
    demo=drinking_water_features,
)
