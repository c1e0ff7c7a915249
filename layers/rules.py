"""What every hazard's site-check rules share: the verdict levels and their words and colours, the land-use groups,
a rule's source, the site limits, and the helpers that apply thresholds. Each hazard's own thresholds live with its
layer (`layers/<hazard>.py`); `layers/site_rules.py` gathers them and applies configuration."""
from __future__ import annotations

from dataclasses import dataclass

from layers.base import N_

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
    "A": N_("Group A: cultivation, surface parking, traffic, outdoor recreation"),
    "B": N_("Group B: industry, offices, storage, technical facilities, sports"),
    "C": N_("Group C: housing, schools, care, centres, hotels, culture"),
}
VULNERABLE = {"preschool": N_("preschool"), "care_home": N_("care home")}


@dataclass(frozen=True)
class Source:
    """Where one value of a rule comes from, cited shortly; whether it was checked against that source (False: a
    documented default, "not verified"); and which value it backs (an English msgid, translated where shown)."""

    citation: str
    verified: bool
    what: str = ""


@dataclass(frozen=True)
class SiteLimits:
    default_buffer_m: float = 50.0
    max_buffer_m: float = 500.0
    max_area_m2: float = 2_000_000.0  # 200 ha: a detailed plan, not a district


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


