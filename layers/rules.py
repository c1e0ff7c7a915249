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
class FloodRules:
    bands_m: tuple[float, ...] = (0.1, 0.3, 0.5, 1.0)
    # Verdict from the deepest water under the site: at or above each depth, the level (per land-use group).
    # A car park tolerates more water than housing; vulnerable occupants are judged as group C.
    levels_by_group: dict[str, tuple[tuple[float, str], ...]] = field(default_factory=lambda: {
        "A": ((0.3, "moderate"), (0.5, "high"), (1.0, "very_high")),
        "B": ((0.1, "moderate"), (0.3, "high"), (0.5, "very_high")),
        "C": ((0.1, "moderate"), (0.2, "high"), (0.3, "very_high")),
    })
    # Below this share of the site's area, water at a depth counts only as "moderate" at most (puddles).
    min_share: float = 0.01
    source: Source = Source("Stockholms stad, skyfallskartering (100-årsregn, klimat år 2100); nivåer: "
                            "Riskkartas standardvärden, att stämma av mot stadens skyfallsvägledning", False)


@dataclass(frozen=True)
class HeatRules:
    # Verdict from the hottest land-surface temperature under the site (°C): at or above, the level.
    levels: tuple[tuple[float, str], ...] = ((30.0, "moderate"), (33.0, "high"), (36.0, "very_high"))
    # Vulnerable occupants (preschools, care homes): every threshold this much lower.
    vulnerable_offset_c: float = 3.0
    source: Source = Source("SMHI:s värmevarningar (meddelande vid 26 °C tre dagar i följd; klass 1 vid ≥ 30 °C tre "
                            "dagar; klass 2 vid ≥ 30 °C fem dagar eller ≥ 33 °C tre dagar); yttemperaturnivåerna är "
                            "Riskkartas standardvärden", False)


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
                            True)
    required_source: Source = Source("Avstånd per markanvändningsgrupp: Riskkartas platshållare, att stämma av mot "
                                     "Fakta 2016:4", False)


@dataclass(frozen=True)
class DrinkingWaterRules:
    # The level when the site touches a zone of each class.
    zone_levels: dict[str, str] = field(default_factory=lambda: {
        "zone-primary": "high", "zone-secondary": "moderate", "zone-tertiary": "moderate"})
    # A hazardous-goods route inside a protection zone this close to the site raises the verdict one level.
    route_in_zone_radius_m: float = 500.0
    source: Source = Source("Skyddsföreskrifter för Östra Mälarens vattenskyddsområde (Länsstyrelsen i Stockholms "
                            "län); nivåer: Riskkartas standardvärden", False)


@dataclass(frozen=True)
class CrimeRules:
    radius_m: float = 250.0
    months: int = 12
    # Verdict from the incident density around the site relative to the city's average (count / expected).
    ratio_levels: tuple[tuple[float, str], ...] = ((1.5, "moderate"), (3.0, "high"), (6.0, "very_high"))
    # Counts below this are reported as "fewer than k" so that no single report can be singled out.
    k_anonymity: int = 5
    source: Source = Source("Anmälda händelser (incidentsystemet); nivåer: Riskkartas standardvärden, relativt "
                            "stadens genomsnitt", False)


@dataclass(frozen=True)
class SiteLimits:
    default_buffer_m: float = 50.0
    max_buffer_m: float = 500.0
    max_area_m2: float = 2_000_000.0  # 200 ha: a detailed plan, not a district
    max_vertices: int = 5_000


@dataclass(frozen=True)
class SiteRules:
    flood: FloodRules = field(default_factory=FloodRules)
    heat: HeatRules = field(default_factory=HeatRules)
    hazardous_goods: HazardousGoodsRules = field(default_factory=HazardousGoodsRules)
    drinking_water: DrinkingWaterRules = field(default_factory=DrinkingWaterRules)
    crime: CrimeRules = field(default_factory=CrimeRules)
    limits: SiteLimits = field(default_factory=SiteLimits)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    """The default rules, with the overrides of a JSON file when one is given."""
    rules = SiteRules()
    if not path:
        return rules
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return _merge(rules, data)
