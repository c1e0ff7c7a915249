"""The user guide under /help (one page per role, Swedish and English, rendered from Markdown with no raw HTML), its
screenshots, and the help beside the site check's land-use choice and beside each rule of the report."""
from __future__ import annotations

import re

import pytest

from tests.webapp.test_site_pages import create_check
from webapp.pages import guide

PAGES = ["index", "planner", "committee", "city", "crisis", "admin"]
# The first heading of each page, by language: the page is the one asked for, in the language asked for.
HEADINGS = {"sv": {"index": "Användarhandledning", "planner": "Stadsplanerare", "committee": "Stadsdelsnämnder",
                   "city": "Stadsledningskontoret", "crisis": "Krisledning", "admin": "Administratörer"},
            "en": {"index": "User guide", "planner": "Urban planners", "committee": "District committees",
                   "city": "The city executive office", "crisis": "Crisis management", "admin": "Administrators"}}


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_guide_page_is_served_in_both_languages_inside_the_layout(client, page, lang):
    path = "/help" if page == "index" else f"/help/{page}"
    answer = client.get(f"{path}?lang={lang}")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    html = answer.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html and 'class="topbar"' in html
    heading = re.search(r'<article class="guide-page"[^>]*>\s*<h1>(.*?)</h1>', html, re.S).group(1)
    assert heading.startswith(HEADINGS[lang][page])
    # The menu links every page in the same language.
    for other in PAGES[1:]:
        assert f'href="/help/{other}{"?lang=en" if lang == "en" else ""}"' in html


def test_the_index_follows_the_page_language_and_links_each_role(client):
    sv = client.get("/help").get_data(as_text=True)
    en = client.get("/help?lang=en").get_data(as_text=True)
    assert "Komma igång" in sv and "Getting started" in en
    assert 'href="/help/planner"' in sv and 'href="/help/planner?lang=en"' in en


@pytest.mark.parametrize("path", ["/help/nothing", "/help/index.md", "/help/..", "/help/..%2F..%2Fpyproject.toml",
                                  "/help/%2e%2e%2fREADME", "/help/sv%2Fplanner", "/help/images/..%2Fsv%2Findex.md",
                                  "/help/images/landing.svg", "/help/images/nothing.png", "/help/images/.png",
                                  "/help/PLANNER"], ids=lambda p: p)
def test_unknown_pages_and_traversal_attempts_are_404(client, path):
    answer = client.get(path, headers={"Accept": "text/html"})
    assert answer.status_code == 404
    assert "[tool.setuptools]" not in answer.get_data(as_text=True)


def test_the_guides_screenshots_are_served_and_every_image_it_shows_exists(client):
    html = "".join(client.get(f"/help/{p}?lang={lang}").get_data(as_text=True) for p in PAGES for lang in ("sv", "en"))
    sources = set(re.findall(r'<img [^>]*src="([^"]+)"', html))
    assert len(sources) >= 8
    for src in sources:
        assert src.startswith("/help/images/") and src.endswith(".png")
        answer = client.get(src)
        assert answer.status_code == 200 and answer.mimetype == "image/png"
        assert answer.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_markdown_renderer_passes_no_raw_html_and_no_script_links(app):
    with app.test_request_context():
        html = guide.render_markdown(
            "# T\n\n<script>alert(1)</script>\n\n<div onclick=\"x()\">block</div>\n\nText <b>bold</b> "
            "<img src=x onerror=alert(1)> [a](javascript:alert(1)) [b](https://example.se) [c](planner.md) "
            "![d](../images/none.png) `<code>`\n", "sv")
    assert "<script" not in html and "<div" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;" in html
    assert "javascript:" not in html
    assert 'href="https://example.se"' in html and 'href="/help/planner"' in html and "&lt;code&gt;" in html


def test_every_guide_page_is_in_both_languages_on_disk():
    for lang in ("sv", "en"):
        assert sorted(p.stem for p in (guide.DOCS / lang).glob("*.md")) == sorted(PAGES)


def test_the_site_form_explains_the_land_use_groups_and_the_vulnerable_flag(client):
    sv = client.get("/sites").get_data(as_text=True)
    en = client.get("/sites?lang=en").get_data(as_text=True)
    assert "Vad betyder grupperna?" in sv and "förskola, ett äldreboende" in sv
    assert "What do the groups mean?" in en and "a car park" in en and "a preschool, a care home" in en
    # The help is tied to the choices for screen readers.
    assert 'aria-describedby="land-use-help"' in en and 'id="land-use-help"' in en
    assert 'aria-describedby="vulnerable-help"' in en and 'id="vulnerable-help"' in en


@pytest.mark.parametrize(("lang", "phrases"), [
    ("sv", ["kraftigt skyfall", "Inom 150 m behövs en riskbedömning", "vattenskyddsområde", "het dag",
            "säkerhetssamordnare"]),
    ("en", ["heavy cloudburst", "Within 150 m a risk assessment is needed", "water-protection zone", "hot day",
            "security coordinator"])])
def test_the_report_has_a_help_line_beside_each_rule(client, planner, lang, phrases):
    check = create_check(client, planner)
    html = client.get(f"/sites/{check['id']}?lang={lang}").get_data(as_text=True)
    rows = re.findall(r'<tr class="hazard" data-hazard="([^"]+)">(.*?)</tr>', html, re.S)
    assert len(rows) >= 6
    for hazard, row in rows:
        assert 'class="help-text rule-help"' in row, hazard
    for phrase in phrases:
        assert phrase in html, phrase
