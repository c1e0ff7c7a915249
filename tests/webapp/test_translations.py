"""The gettext catalogues: every text the code marks has a translation in both languages and none is left over,
placeholders survive translation, the catalogues compile at start, and the request's language is chosen in one
order (?lang=, session, Accept-Language, Swedish)."""
from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from babel.messages import frontend
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask import session

from layers.rules import LEVELS
from webapp import i18n

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "webapp" / "translations"
# As `scripts/i18n.py extract` has them: Babel's defaults plus webapp/i18n.py's markers and helpers.
KEYWORDS = {**DEFAULT_KEYWORDS, **frontend.parse_keywords(["N_", "NP_:1c,2", "gettext_in:2", "both"])}
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


def _key(context: str | None, message) -> tuple[str | None, str]:
    return context, message if isinstance(message, str) else message[0]


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str | None, str], object]:
    """(msgctxt, msgid) → msgid (a tuple for plurals) of every text marked in the code now, read with babel.cfg."""
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse(f)
    skip = {"node_modules"}
    found = {}
    for _file, _line, message, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS,
            directory_filter=lambda path: not os.path.basename(path).startswith((".", "_")) and
            os.path.basename(path) not in skip):
        found[_key(context, message)] = message
    assert len(found) > 50  # the mapping found the code: an empty extraction would make the checks below vacuous
    return found


def _load(lang: str) -> Catalog:
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


@pytest.fixture(scope="module", params=i18n.LANGUAGES)
def catalog(request) -> Catalog:
    return _load(request.param)


def untranslated(catalog: Catalog, keys) -> list[tuple[str | None, str]]:
    """The keys without a usable translation: missing, fuzzy, or with an empty msgstr (any plural form)."""
    bad = []
    for context, msgid in sorted(keys, key=str):
        message = catalog.get(msgid, context=context)
        if message is None or message.fuzzy or not all(s.strip() for s in _strings(message)):
            bad.append((context, msgid))
    return bad


def _strings(message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


def unused(catalog: Catalog, keys) -> list[tuple[str | None, str]]:
    return [_key(m.context, m.id) for m in catalog if m.id and _key(m.context, m.id) not in keys]


def _placeholders(text: str) -> Counter:
    return Counter((name, kind) for name, kind in PLACEHOLDER.findall(text) if kind != "%")


def mismatched_placeholders(catalog: Catalog) -> list[tuple[str, str]]:
    bad = []
    for m in catalog:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        for n, string in enumerate(_strings(m)):
            source = ids[min(n, len(ids) - 1)]
            if string and _placeholders(string) != _placeholders(source):
                bad.append((source, string))
    return bad


def test_every_marked_text_has_a_translation_in_both_catalogues(extracted, catalog):
    assert untranslated(catalog, extracted) == [], f"translate these in {catalog.locale}/LC_MESSAGES/messages.po"


def test_no_catalogue_holds_a_message_the_code_no_longer_marks(extracted, catalog):
    assert unused(catalog, extracted) == [], "run `python scripts/i18n.py extract update`"


def test_placeholders_survive_translation(catalog):
    assert mismatched_placeholders(catalog) == []


def test_no_translation_brings_markup_its_msgid_lacks(catalog):
    """Templates' _() output is trusted as markup (Jinja's newstyle gettext): a translation must not add any."""
    assert [(m.id, s) for m in catalog if m.id for s in _strings(m)
            if any(c in s and c not in str(m.id) for c in "<>&")] == []


def test_the_checks_can_fail():
    """A new _() text nobody translated, a stale one, a fuzzy guess and a lost placeholder are all caught."""
    catalog = Catalog(locale="sv")
    catalog.add("Old text", "Gammal text")
    catalog.add("Guessed", "Gissat", flags=["fuzzy"])
    catalog.add("%(count)s areas", "%(antal)s ytor")
    keys = {(None, "New text"), (None, "Guessed"), (None, "%(count)s areas")}
    assert untranslated(catalog, keys) == [(None, "Guessed"), (None, "New text")]
    assert unused(catalog, keys) == [(None, "Old text")]
    assert mismatched_placeholders(catalog) == [("%(count)s areas", "%(antal)s ytor")]


def test_no_template_picks_a_text_by_comparing_the_language():
    pattern = re.compile(r"""["'][^"']*[A-Za-zÅÄÖåäö][^"']*["']\s+if\s+lang\s*[!=]=""")  # not ',' if lang
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in (ROOT / "webapp" / "templates").rglob("*.html")
             for match in pattern.finditer(path.read_text())]
    assert found == []


def test_catalogues_compile_when_missing_or_older_and_atomically(tmp_path):
    source = tmp_path / "translations"
    shutil.copytree(CATALOGUES, source, ignore=shutil.ignore_patterns("*.mo"))
    target = i18n.compile_catalogues(source)
    assert target == source
    mo = source / "sv" / "LC_MESSAGES" / "messages.mo"
    assert mo.exists() and (source / "en" / "LC_MESSAGES" / "messages.mo").exists()
    before = mo.stat().st_mtime_ns
    i18n.compile_catalogues(source)
    assert mo.stat().st_mtime_ns == before  # up to date: not rewritten
    po = source / "sv" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text().replace('msgstr "Platskontroll"', 'msgstr "Kontroll av plats"'))
    os.utime(po, ns=(before + 10**9, before + 10**9))
    i18n.compile_catalogues(source)
    from babel.support import Translations

    assert Translations.load(str(source), ["sv"]).gettext("Site check") == "Kontroll av plats"
    assert sorted(p.name for p in mo.parent.iterdir()) == ["messages.mo", "messages.po"]  # no temporary file left


def test_a_read_only_install_compiles_its_catalogues_under_riskkarta_home(monkeypatch, tmp_path):
    """The Docker image runs as another user than the one who installed the package beside the .po files."""
    real = i18n.compile_catalogues

    def read_only(source=i18n.TRANSLATIONS, target=None):
        if target is None:
            raise PermissionError(13, "Permission denied", str(source))
        return real(source, target)

    monkeypatch.setattr(i18n, "compile_catalogues", read_only)
    monkeypatch.setenv("RISKKARTA_HOME", str(tmp_path))
    for cached in (i18n.catalogue_dir, i18n.translations):
        cached.cache_clear()
    try:
        assert i18n.catalogue_dir() == tmp_path / "translations"
        assert (tmp_path / "translations" / "sv" / "LC_MESSAGES" / "messages.mo").exists()
        assert i18n.gettext_in("sv", "Site check") == "Platskontroll"
    finally:
        for cached in (i18n.catalogue_dir, i18n.translations):
            cached.cache_clear()


def test_texts_in_a_named_language():
    assert i18n.both("Site check") == {"sv": "Platskontroll", "en": "Site check"}
    assert i18n.gettext_in("sv", "Point with a buffer of %(metres)s m", metres=50) == "Punkt med buffertzon 50 m"
    assert i18n.gettext_in("xx", "Site check") == "Platskontroll"  # an unknown language is the default
    sv, en = i18n.texts("sv"), i18n.texts("en")
    assert (sv.check_no, sv.submit, en.check_no, en.submit) == ("Kontroll", "Kontrollera", "Check", "Check")
    assert (sv.site_chosen, en.site_chosen) == ("Vald plats", "Site")
    assert {sv.base_map, en.base_map} == {"Bakgrundskarta", "Base map"}
    for level in LEVELS:
        assert getattr(sv, f"level_{level}") and getattr(en, f"level_{level}")


def test_every_text_the_page_scripts_read_is_in_T():
    static = ROOT / "webapp" / "static"
    wanted = set(re.findall(r"\bT\.(\w+)", (static / "sites.js").read_text()))
    wanted |= set(re.findall(r"\btexts\.(\w+)", (static / "viewer.js").read_text()))
    wanted |= {f"given_{how}" for how in re.findall(r'givenAs\s*=+\s*"(\w+)"', (static / "sites.js").read_text())}
    assert "no_value" in wanted and "given_map" in wanted
    for lang in i18n.LANGUAGES:
        assert sorted(wanted - set(vars(i18n.texts(lang)))) == []


# --- the request's language ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("asked", "expected"), [
    ("en", "en"), ("sv", "sv"), ("EN", "en"), ("en-GB", "en"), ("sv-SE", "sv"), ("en_US", "en"), (" en ", "en"),
])
def test_lang_parameter_accepts_case_and_region_variants(app, asked, expected):
    with app.test_request_context("/", query_string={"lang": asked}, headers={"Accept-Language": "fr"}):
        assert i18n.current_language() == expected


@pytest.mark.parametrize("asked", ["AAA", "", "fr", "english", "e", "en-", "sven", "en-GB-x-toolongsubtag"])
def test_an_invalid_lang_parameter_is_ignored(app, asked):
    with app.test_request_context("/", query_string={"lang": asked}):
        assert i18n.current_language() == "sv"
    with app.test_request_context("/", query_string={"lang": asked}, headers={"Accept-Language": "en"}):
        assert i18n.current_language() == "en"
    with app.test_request_context("/", query_string={"lang": asked}):
        session["lang"] = "en"
        assert i18n.current_language() == "en"


def test_lang_parameter_beats_session_beats_accept_language_beats_swedish(app):
    with app.test_request_context("/?lang=en", headers={"Accept-Language": "sv"}):
        session["lang"] = "sv"
        assert i18n.current_language() == "en"
    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        session["lang"] = "en"
        assert i18n.current_language() == "en"
    with app.test_request_context("/", headers={"Accept-Language": "en-GB,en;q=0.9,sv;q=0.5"}):
        assert i18n.current_language() == "en"
    with app.test_request_context("/", headers={"Accept-Language": "de, fr"}):
        assert i18n.current_language() == "sv"
    with app.test_request_context("/"):
        assert i18n.current_language() == "sv"
    assert i18n.current_language() == "sv"  # outside a request


def test_the_form_page_follows_accept_language_and_then_the_chosen_language(client):
    english = client.get("/sites", headers={"Accept-Language": "en-US,en;q=0.8"})
    html = english.get_data(as_text=True)
    assert '<html lang="en">' in html and "<h1 id=\"site-check-heading\">Site check</h1>" in html
    assert "Saved checks" in html and "Platskontroll" not in html
    assert "Accept-Language" in english.headers.get("Vary", "")
    assert 'href="?lang=sv" hreflang="sv" lang="sv">Svenska</a>' in html
    swedish = client.get("/sites?lang=sv", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="sv">' in swedish and "Sparade kontroller" in swedish
    again = client.get("/sites", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="sv">' in again and "Sparade kontroller" in again and "Saved checks" not in again
    assert "Riskkartans lager" in client.get("/ogc/?f=json").get_data(as_text=True)  # the API follows it too


def test_the_api_follows_accept_language_and_keeps_no_session(client):
    body = client.get("/ogc/?f=json", headers={"Accept-Language": "en"}).get_json()
    assert body["description"] == "Riskkarta's layers as OGC API Features, Coverages and Tiles."
    response = client.get("/ogc/?f=json&lang=en")
    assert response.get_json()["description"] == "Riskkarta's layers as OGC API Features, Coverages and Tiles."
    assert "Set-Cookie" not in response.headers
    assert client.get("/ogc/?f=json").get_json()["description"] == ("Riskkartans lager som OGC API Features, "
                                                                    "Coverages och Tiles.")


@pytest.mark.parametrize(("lang", "button"), [("sv", "Rita en yta"), ("en", "Draw an area")],
                         ids=["the drawing tools speak Swedish", "and English"])
def test_the_drawing_tools_get_their_texts_from_the_catalogue(client, lang, button):
    html = client.get(f"/sites?lang={lang}").get_data(as_text=True)
    call = re.search(r"riskkartaSites\.form\((.*)\);", html)
    assert call and json.dumps(button, ensure_ascii=False)[1:-1] in call.group(1)
