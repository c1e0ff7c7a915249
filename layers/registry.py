"""The hazard layers, by slug. Adding a hazard: one new module and one line here."""
from __future__ import annotations

from layers import crime, drinking_water, flood, hazardous_goods, heat
from layers.base import LayerDefinition

LAYERS: dict[str, LayerDefinition] = {m.DEFINITION.slug: m.DEFINITION
                                      for m in (flood, heat, hazardous_goods, drinking_water, crime)}


def get(slug: str) -> LayerDefinition | None:
    return LAYERS.get(slug)
