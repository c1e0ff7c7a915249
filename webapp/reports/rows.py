"""A verdict's measured values as (label, text) rows in one language, the same on the report page and in the PDF.

The hazard's evaluator says which values matter and what quantity each is (webapp.services.hazards.Row); this
module only formats them, through webapp.reports.format."""
from __future__ import annotations

from typing import Any

from webapp.i18n import gettext_in
from webapp.reports import format as fmt
from webapp.services import hazards
from webapp.services.site_check.result import Verdict


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "sv"


def value_text(kind: str, value: Any, lang: str) -> str:
    lang = _lang(lang)
    if kind == "place":
        name, distance = value
        return f"{name[lang]}, {fmt.metres(distance, lang)}"
    if kind == "names":
        return ", ".join(v[lang] for v in value) or fmt.none(lang)
    if kind == "none_within_m":
        return gettext_in(lang, "none within %(distance)s", distance=fmt.metres(value, lang))
    if kind == "count":
        return str(value)
    return fmt.row_text(kind, value, lang)


def _detail(parts: tuple, lang: str) -> str:
    words = [part[_lang(lang)] if isinstance(part, dict) else value_text(part[0], part[1], lang) for part in parts]
    return " (" + " ".join(words).replace(" ,", ",") + ")" if words else ""


def texts(rows: list[hazards.Row], lang: str) -> list[tuple[str, str]]:
    """Typed rows (a verdict's values, a district summary) as (label, readable value) in one language."""
    return [(row.label[_lang(lang)] + _detail(row.detail, lang), value_text(row.kind, row.value, lang))
            for row in rows]


def rows(verdict: Verdict, lang: str) -> list[tuple[str, str]]:
    """(label, readable value) rows of one verdict, in its hazard's reading order."""
    found = hazards.for_hazard(verdict.hazard)
    if found is None:  # a check saved with a hazard that is no longer registered
        return [(m.key.replace("_", " "), fmt.plain(m.value, lang)) for m in verdict.measures]
    return texts(found.rows(verdict), lang)
