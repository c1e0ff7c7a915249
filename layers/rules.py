"""The site-check rules: thresholds per hazard, their sources, and the land-use groups they depend on.

Every number here is a default that configuration may change (RISKKARTA_RULES_FILE, a JSON file with the same
field names); the code never hard-codes a threshold elsewhere. Where a default could not be checked against
its source it says so in `verified`.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

# Verdict levels, mildest first. "no_data" when the layer has no data (yet) under the site.
LEVELS = ("low", "moderate", "high", "very_high")
NO_DATA = "no_data"
LEVEL_WORDS = {"sv": {"low": "låg", "moderate": "måttlig", "high": "hög", "very_high": "mycket hög",
                      NO_DATA: "inga data"},
               "en": {"low": "low", "moderate": "moderate", "high": "high", "very_high": "very high",
                      NO_DATA: "no data"}}
# Verdict colours (ColorBrewer RdYlGn) for the report page and the PDF.
LEVEL_COLOURS = {"low": "#1a9850", "moderate": "#fee08b", "high": "#fc8d59", "very_high": "#d73027",
                 NO_DATA: "#bdbdbd"}

# The joint county risk policy's land-use groups (Länsstyrelsen Stockholm, Fakta 2016:4).
LAND_USE_GROUPS = {
    "A": {"sv": "Grupp A: odling, ytparkering, trafik, friluftsliv",
          "en": "Group A: cultivation, surface parking, traffic, outdoor recreation"},
    "B": {"sv": "Grupp B: industri, kontor, lager, tekniska anläggningar, idrott",
          "en": "Group B: industry, offices, storage, technical facilities, sports"},
    "C": {"sv": "Grupp C: bostäder, skolor, vård, centrum, hotell, kultur",
          "en": "Group C: housing, schools, care, centres, hotels, culture"},
}
VULNERABLE = {"preschool": {"sv": "förskola", "en": "preschool"},
              "care_home": {"sv": "vård- och omsorgsboende", "en": "care home"}}


@dataclass(frozen=True)
class Source:
    """Where a rule comes from, cited shortly, and whether its numbers were checked against it."""

    citation: str
    verified: bool


@dataclass(frozen=True)
class SiteLimits:
    default_buffer_m: float = 50.0
    max_buffer_m: float = 500.0
    max_area_m2: float = 2_000_000.0  # 200 ha: a detailed plan, not a district


def _registered_rules() -> dict[str, Any]:
    from layers import registry  # the hazard modules import this one

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


def level_at(value: float, levels: tuple[tuple[float, str], ...], floor: str = "low") -> str:
    """The level of the highest threshold `value` reaches (thresholds ascending; at or above counts)."""
    found = floor
    for threshold, level in levels:
        if value >= threshold:
            found = level
    return found


def thresholds_text(levels: tuple[tuple[float, str], ...], unit: str, lang: str, digits: int = 1) -> str:
    """'≥ 0,1 m måttlig, ≥ 0,3 m hög' — thresholds in the reader's language and number format."""
    parts = []
    for threshold, level in levels:
        number = f"{threshold:.{digits}f}".rstrip("0").rstrip(".") if threshold % 1 else f"{threshold:.0f}"
        if lang == "sv":
            number = number.replace(".", ",")
        parts.append(f"≥ {number}{unit} {LEVEL_WORDS[lang][level]}")
    return ", ".join(parts)


def raise_level(level: str) -> str:
    return LEVELS[min(LEVELS.index(level) + 1, len(LEVELS) - 1)] if level in LEVELS else level


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
