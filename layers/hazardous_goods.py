"""Hazardous goods: the county's recommended transport routes (primary and secondary), as lines."""
from __future__ import annotations

from dataclasses import dataclass, field

from layers.base import N_, LayerClass, LayerDefinition
from layers.demo_vectors import hazardous_goods_routes
from layers.rules import Source


@dataclass(frozen=True)
class HazardousGoodsRules:
    # Within this distance of a recommended route a risk assessment is needed (the county's guidance).
    risk_management_distance_m: float = 150.0
    # The distance each land-use group must keep from a route (edge of site to route); vulnerable → "C_vulnerable".
    required_distance_m: dict[str, float] = field(default_factory=lambda: {
        "A": 0.0, "B": 25.0, "C": 50.0, "C_vulnerable": 75.0})
    # Verified: the joint risk policy of the Stockholm, Skåne and Västra Götaland county boards defines the 150 m
    # risk-management distance within which the risks of hazardous-goods transport must be assessed.
    source: Source = Source("Länsstyrelsen i Stockholms län, Fakta 2016:4, Riktlinjer för planläggning intill vägar "
                            "och järnvägar där det transporteras farligt gods; länsstyrelsernas gemensamma riskpolicy",
                            True, N_("The 150 m risk-management distance"))
    required_source: Source = Source("Riskkartas platshållare, att stämma av mot Fakta 2016:4", False,
                                     N_("The distance each land-use group must keep"))

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.source, self.required_source)


DEFINITION = LayerDefinition(
    rules=HazardousGoodsRules(),
    slug="hazardous-goods",
    hazard="hazardous_goods",
    kind="vector",
    geometry="line",
    title=N_("Hazardous-goods routes"),
    check_title=N_("Hazardous goods"),
    description=N_("Recommended primary and secondary routes for the transport of hazardous goods."),
    classes=(
        LayerClass("primary", N_("Primary route"), "#d7301f"),
        LayerClass("secondary", N_("Secondary route"), "#fc8d59"),
    ),
    class_fields=("class", "klass", "ledklass", "typ"),
    queryables=("class", "name", "road"),
    demo=hazardous_goods_routes,
)
