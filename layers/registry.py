"""The hazards, by layer slug: each one's definition (in `layers/`) and the dotted name of its evaluator module (in
`webapp/services/hazards/`), which the web application loads. Adding a hazard: its two modules and one line here."""
from __future__ import annotations

from layers import accidents, crime, drinking_water, flood, hazardous_goods, heat
from layers.base import LayerDefinition

LAYERS: dict[str, LayerDefinition] = {}
# slug → "package.module" of the evaluator (or the evaluator object itself, for a hazard registered at run time)
EVALUATORS: dict[str, object] = {}


def register(definition: LayerDefinition, evaluator: object) -> None:
    """Add a hazard (its definition and its evaluator, as a module name or an object); refuse a taken slug or key."""
    if definition.slug in LAYERS:
        raise ValueError(f"a layer {definition.slug!r} is already registered")
    if any(d.hazard == definition.hazard for d in LAYERS.values()):
        raise ValueError(f"a hazard {definition.hazard!r} is already registered")
    LAYERS[definition.slug] = definition
    EVALUATORS[definition.slug] = evaluator


def unregister(slug: str) -> None:
    """Remove a hazard registered at run time (tests do, after registering one of their own)."""
    LAYERS.pop(slug, None)
    EVALUATORS.pop(slug, None)


def get(slug: str) -> LayerDefinition | None:
    return LAYERS.get(slug)


register(flood.DEFINITION, "webapp.services.hazards.flood")
register(heat.DEFINITION, "webapp.services.hazards.heat")
register(hazardous_goods.DEFINITION, "webapp.services.hazards.hazardous_goods")
register(drinking_water.DEFINITION, "webapp.services.hazards.drinking_water")
register(crime.DEFINITION, "webapp.services.hazards.crime")
register(accidents.DEFINITION, "webapp.services.hazards.accidents")
