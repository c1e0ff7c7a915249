"""Page texts in Swedish (default) and English. One dictionary per language; templates read `T.key`."""
from __future__ import annotations

from types import SimpleNamespace

from flask import request

LANGUAGES = ("sv", "en")

TEXTS = {
    "sv": {
        "tagline": "Risker och lägesbilder på kartan",
        "districts": "Stadsdelsområden",
        "district": "Stadsdelsområde",
        "committee": "Ansvarig nämnd",
        "layers": "Risklager",
        "source": "Källa",
        "licence": "Licens",
        "updated": "Uppdaterad",
        "version": "Version",
        "opacity": "Opacitet",
        "demo": "Demonstrationsdata",
        "demo_note": "genererade data, inte verkliga",
        "no_data": "Inga data ännu",
        "no_districts": "Inga stadsdelsområden ännu.",
        "load_hint": "Läs in dem med",
        "value": "Värde",
        "no_value": "Inget värde här",
        "other_language": "English",
        "base_map": "Bakgrundskarta",
        "count_cells": "Antal händelser i rutan",
        "area_count": "stadsdelsområden",
        "legend": "Teckenförklaring",
        "hidden_layers": "Lager som din roll inte får se visas inte.",
    },
    "en": {
        "tagline": "Risks and situation pictures on the map",
        "districts": "District areas",
        "district": "District area",
        "committee": "Responsible committee",
        "layers": "Risk layers",
        "source": "Source",
        "licence": "Licence",
        "updated": "Updated",
        "version": "Version",
        "opacity": "Opacity",
        "demo": "Demo data",
        "demo_note": "generated data, not real",
        "no_data": "No data yet",
        "no_districts": "No district areas yet.",
        "load_hint": "Load them with",
        "value": "Value",
        "no_value": "No value here",
        "other_language": "Svenska",
        "base_map": "Base map",
        "count_cells": "Incidents in the cell",
        "area_count": "district areas",
        "legend": "Legend",
        "hidden_layers": "Layers your role may not see are not shown.",
    },
}


def current_language() -> str:
    """Swedish unless the page is asked for in English (?lang=en)."""
    lang = request.args.get("lang")
    return lang if lang in LANGUAGES else "sv"


def texts(lang: str) -> SimpleNamespace:
    return SimpleNamespace(**TEXTS[lang])
