"""The site-check rules of every registered hazard, with the site limits, and how configuration changes them.

Each hazard's rules are a frozen dataclass defined with its layer (`layers/<hazard>.py`), with their sources; this
module gathers them from the registry and applies the overrides of RISKKARTA_RULES_FILE (a JSON file whose
top-level keys are hazard keys and `limits`). Where a default could not be checked against its source it says so
in its `verified` mark.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from layers import registry
from layers.rules import SiteLimits


def _registered_rules() -> dict[str, Any]:
    return {d.hazard: d.rules for d in registry.LAYERS.values() if d.rules is not None}


@dataclass(frozen=True)
class SiteRules:
    """The rules of every registered hazard (by hazard key, each defined with its layer) and the site limits.

    `rules.flood` reads the flood hazard's rules; `with_(flood=...)` gives a copy with one set changed."""

    hazards: dict[str, Any] = field(default_factory=_registered_rules)
    limits: SiteLimits = field(default_factory=SiteLimits)

    def __getattr__(self, name: str) -> Any:
        hazards = self.__dict__.get("hazards") or {}
        if name in hazards:
            return hazards[name]
        raise AttributeError(f"no rules for {name!r}; the hazards with rules are {', '.join(hazards)}")

    def for_hazard(self, key: str, default: Any = None) -> Any:
        """A hazard's rules; `default` (its definition's) when the rules were loaded before it was registered."""
        return self.hazards.get(key, default)

    def with_(self, **changes: Any) -> SiteRules:
        limits = changes.pop("limits", self.limits)
        return SiteRules(hazards={**self.hazards, **changes}, limits=limits)

    def as_dict(self) -> dict[str, Any]:
        return {**{key: asdict(value) for key, value in self.hazards.items()}, "limits": asdict(self.limits)}


def _merge(obj, overrides: dict[str, Any]):
    """A copy of a rules dataclass with `overrides` applied, recursing into nested rule sets."""
    known = {f.name: f for f in fields(obj)}
    changes = {}
    for key, value in overrides.items():
        if key not in known:
            raise ValueError(f"unknown rule setting {key!r} in {type(obj).__name__}; known: {', '.join(known)}")
        current = getattr(obj, key)
        if hasattr(current, "__dataclass_fields__") and isinstance(value, dict):
            changes[key] = _merge(current, value)
        elif isinstance(current, tuple) and isinstance(value, list):
            changes[key] = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        else:
            changes[key] = value
    return replace(obj, **changes)


def load_rules(path: str | Path | None) -> SiteRules:
    """The default rules, with the overrides of a JSON file when one is given: top-level keys are hazard keys
    (`flood`, `heat`, ...) and `limits`."""
    rules = SiteRules()
    if not path:
        return rules
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    known = {**rules.hazards, "limits": rules.limits}
    changes = {}
    for key, value in data.items():
        if key not in known:
            raise ValueError(f"unknown rule setting {key!r} in SiteRules; known: {', '.join(known)}")
        changes[key] = _merge(known[key], value)
    return rules.with_(**changes)
