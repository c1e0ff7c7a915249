"""Swedish (the default) and English through gettext: catalogues in webapp/translations (English msgids), the
request's language for Flask-Babel, and texts in a named language for code that needs one (a PDF, a stored
bilingual sentence). How to add a text: README, Translations."""
from __future__ import annotations

import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel

from layers.rules import LEVEL_WORDS
from webapp.config import _home

LANGUAGES = ("sv", "en")
DEFAULT = "sv"
DOMAIN = "messages"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# Each language's name in itself, for the switch link: a reader who cannot read the page still finds theirs.
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English"}
_TAG = re.compile(r"(sv|en)(?:[-_][a-z0-9]{1,8})*", re.IGNORECASE)


def N_(msgid: str) -> str:
    """Marks a text for extraction where a table defines it; it is translated where it is used."""
    return msgid


def NP_(context: str, msgid: str) -> tuple[str, str]:
    """N_ with a msgctxt: one English text, two Swedish ones ("Check": Kontroll, Kontrollera)."""
    return context, msgid


# Keyed texts for Python callers (texts(lang).base_map) and the pages' scripts (T.__dict__ as JSON): key → msgid.
KEYED = {
    "base_map": N_("Base map"), "districts": N_("District areas"), "district": N_("District area"),
    "committee": N_("Responsible committee"), "count_cells": N_("Incidents in the cell"), "site_layer": N_("The site"),
    "check_no": N_("Check"), "no_value": N_("No value here"), "site_none": N_("No site chosen yet."),
    "site_chosen": NP_("site status", "Site"), "with_buffer": N_("with a buffer of"), "confirm": N_("Confirm the site"),
    "confirm_ask": N_("Is this right? Confirm to use the site."), "alternatives": N_("Other possible readings"),
    "upload_bad": N_("The file must be GeoJSON with exactly one area or point (Polygon, MultiPolygon or Point)."),
    "upload_not_json": N_("The file is not readable JSON."),
    "upload_not_lonlat": N_("The file's coordinates are not WGS 84 (longitude, latitude). Save it as GeoJSON in "
                            "WGS 84 or paste the coordinates."),
    "no_site": N_("Choose a site first: click the map, draw an area, paste coordinates or upload a file."),
    "no_land_use": N_("Choose a land use."), "submit": NP_("button", "Check"), "checking": N_("Checking …"),
    "given_map": N_("clicked point"), "given_drawn": N_("drawn area"), "given_upload": N_("uploaded file"),
    "given_coordinates": N_("pasted coordinates"), "given_geojson": N_("GeoJSON"),
}


def _language(value: str | None) -> str | None:
    """'en', 'EN', 'en-GB', 'sv_SE' → the language; anything else → None."""
    match = _TAG.fullmatch(value.strip()) if value else None
    return match.group(1).lower() if match else None


def _known(lang: str) -> str:
    return lang if lang in LANGUAGES else DEFAULT


def current_language() -> str:
    """The request's language: ?lang=, then the session (a page given a valid ?lang= keeps it there), then
    Accept-Language, then Swedish. Outside a request: Swedish."""
    if not has_request_context():
        return DEFAULT
    asked = _language(request.args.get("lang"))
    if asked:
        return asked
    kept = session.get("lang")
    if kept in LANGUAGES:
        return kept
    g.riskkarta_lang_negotiated = True  # the answer depends on the header: say so in Vary
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def compile_catalogues(source: Path = TRANSLATIONS, target: Path | None = None) -> Path:
    """Each <lang>/LC_MESSAGES/messages.po under `source` → its .mo under `target` (default: beside it) when the .mo
    is missing or older; returns `target`. Written to a temporary file and renamed: no worker reads half a file."""
    target = target or source
    for lang in LANGUAGES:
        po, mo = (root / lang / "LC_MESSAGES" / f"{DOMAIN}{ext}" for root, ext in ((source, ".po"), (target, ".mo")))
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang, domain=DOMAIN)
        mo.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=f".{DOMAIN}-", suffix=".mo")
        try:
            with os.fdopen(fd, "wb") as out:
                write_mo(out, catalog)
            os.replace(tmp, mo)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return target


@lru_cache(maxsize=1)
def catalogue_dir() -> Path:
    """The compiled catalogues: beside the .po files, or under RISKKARTA_HOME when the package is read-only."""
    try:
        return compile_catalogues()
    except OSError:
        return compile_catalogues(target=_home() / "translations")


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> Translations:
    """One language's catalogue, whatever the request's language is."""
    return Translations.load(str(catalogue_dir()), [_known(lang)], DOMAIN)


def gettext_in(lang: str, msgid: str, **params) -> str:
    """`msgid` in the named language, `%(name)s` placeholders filled from `params`."""
    text = translations(lang).gettext(msgid)
    return text % params if params else text


def format_number(value: float, lang: str, digits: int = 2, min_digits: int = 0) -> str:
    """A number in `lang`: at most `digits` decimals (trailing zeros dropped, down to `min_digits`), grouped and with
    the language's decimal mark (Swedish: comma and a non-breaking space). The one number formatter: the reports
    (webapp/reports/format.py) and the sentences a site check stores both use it."""
    min_digits = min(min_digits, digits)
    pattern = "#,##0" + ("." + "0" * min_digits + "#" * (digits - min_digits) if digits > 0 else "")
    return format_decimal(value, format=pattern, locale="en" if lang == "en" else "sv")


def format_percent(share: float, lang: str) -> str:
    return f"{format_number(share * 100, lang, 1)} %"


def translate_tree(table, lang: str):
    """A nested dict of msgids (e.g. a JS library's texts) with every leaf in `lang`."""
    if isinstance(table, dict):
        return {key: translate_tree(value, lang) for key, value in table.items()}
    return gettext_in(lang, table)


def both(msgid: str, **params) -> dict[str, str]:
    """{"sv": ..., "en": ...}: a text stored or sent in both languages. A parameter given as {"sv": ..., "en": ...}
    takes each language's own value (a number with its decimal mark, a phrase already translated)."""
    def own(lang: str) -> dict:
        return {k: v[lang] if isinstance(v, dict) and lang in v else v for k, v in params.items()}

    return {lang: gettext_in(lang, msgid, **own(lang)) for lang in LANGUAGES}


@lru_cache(maxsize=len(LANGUAGES))
def _texts(lang: str) -> dict[str, str]:
    t = translations(lang)
    found = {key: t.pgettext(*msg) if isinstance(msg, tuple) else t.gettext(msg) for key, msg in KEYED.items()}
    # The verdict words come from the rules' one table, so the page, the API and the PDF say the same.
    found.update({f"level_{level}": word for level, word in LEVEL_WORDS[lang].items()})
    return found


def texts(lang: str) -> SimpleNamespace:
    """The keyed texts in one language: T.key in templates and Python, T.__dict__ for the pages' scripts."""
    return SimpleNamespace(**_texts(_known(lang)))


def _template_context() -> dict:
    lang = current_language()
    other = next(code for code in LANGUAGES if code != lang)
    return {"lang": lang, "other_lang": other, "LANGUAGE_NAMES": LANGUAGE_NAMES, "T": texts(lang)}


def _after(response):
    """A page given a valid ?lang= keeps it in the session; a language from Accept-Language is said in Vary."""
    asked = _language(request.args.get("lang"))
    if asked and response.mimetype == "text/html" and session.get("lang") != asked:
        session["lang"] = asked
    if g.get("riskkarta_lang_negotiated"):
        response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    """Compile the catalogues if needed; Flask-Babel (`_`, `gettext`, `pgettext`) on current_language; `lang`,
    `other_lang` and `T` for templates."""
    for cached in (catalogue_dir, translations, _texts):
        cached.cache_clear()
    Babel(app, locale_selector=current_language, default_locale=DEFAULT, default_domain=DOMAIN,
          default_translation_directories=str(catalogue_dir()))
    app.context_processor(_template_context)
    app.after_request(_after)
