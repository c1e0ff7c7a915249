"""One formatter per quantity, in the reader's language (Swedish by default): numbers through Babel's locale
data (Swedish: decimal comma, non-breaking space between thousands), lengths, depths, temperatures, shares, areas
and times. The report page and the PDF both call these, so they cannot disagree."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from layers.rules import LEVEL_WORDS, NO_DATA
from webapp.i18n import format_number, format_percent, gettext_in

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def none(lang: str) -> str:
    """What an empty list of things says."""
    return gettext_in(lang, "none")


# The one number formatter lives with the languages, so that the services' stored sentences can use it too.
number = format_number
percent = format_percent


def _locale(lang: str) -> str:
    return "en" if lang == "en" else "sv"


def metres(value: float, lang: str) -> str:
    """A distance: whole metres below a kilometre, kilometres with one decimal above."""
    if value >= 1000:
        return f"{number(value / 1000, lang, 1)} km"
    return f"{number(value, lang, 0)} m"


def depth_m(value: float, lang: str) -> str:
    return f"{number(value, lang, 2)} m"


def temperature_c(value: float, lang: str) -> str:
    return f"{number(value, lang, 1)} °C"


def ratio(value: float, lang: str) -> str:
    return f"{number(value, lang, 1)} ×"


def area(m2: float, lang: str) -> str:
    """Square metres for a small site, hectares (two decimals) from one hectare."""
    if m2 < 10_000:
        return f"{number(m2, lang, 0)} m²"
    return f"{number(m2 / 10_000, lang, 2)} ha"


def local_time(moment: datetime | str | None) -> datetime | None:
    """A stored time (ISO text or datetime; naive means Stockholm) in Stockholm's time."""
    if not moment:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(STOCKHOLM) if moment.tzinfo else moment.replace(tzinfo=STOCKHOLM)


def date_time(moment: datetime | str | None) -> str:
    """"2026-03-05 14:07 CET" in Stockholm's time with its zone (ISO order reads the same in both languages)."""
    local = local_time(moment)
    return local.strftime("%Y-%m-%d %H:%M %Z") if local else "–"


def date(moment: datetime | str | None) -> str:
    local = local_time(moment)
    return local.strftime("%Y-%m-%d") if local else "–"


def level(level_key: str, lang: str) -> str:
    """The verdict word of a level."""
    return LEVEL_WORDS[_locale(lang)].get(level_key, LEVEL_WORDS[_locale(lang)][NO_DATA])


def plain(value: Any, lang: str) -> str:
    """Anything else a measured value may hold, readably (never a raw dict)."""
    if isinstance(value, bool):
        return gettext_in(lang, "yes") if value else gettext_in(lang, "no")
    if isinstance(value, int | float):
        return number(value, lang)
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')}: {plain(v, lang)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(plain(v, lang) for v in value) or none(lang)
    if value == "no data yet":
        return gettext_in(lang, "no data yet")
    return str(value)


# Row kinds (webapp.services.hazards.Row.kind) → formatter.
QUANTITIES = {"depth_m": depth_m, "distance_m": metres, "temperature_c": temperature_c, "share": percent,
              "ratio": ratio, "area_m2": area}


def row_text(kind: str, value: Any, lang: str) -> str:
    """A report row's value: the quantity's formatter, or plain text."""
    if kind == "shares_m":  # {band in metres: share of the area}
        return ", ".join(f"{number(float(band), lang)} m: {percent(share, lang)}"
                         for band, share in sorted(value.items(), key=lambda item: float(item[0])))
    formatter = QUANTITIES.get(kind)
    if formatter is not None and isinstance(value, int | float) and not isinstance(value, bool):
        return formatter(value, lang)
    return plain(value, lang)
