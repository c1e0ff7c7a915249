"""Pages for people: the site-picking map offers the hazard layers and says when the base map is away; the keyboard
gets a skip link, a visible focus and no tab stop per district; the page may be zoomed; every control, the scale
and the coordinate errors speak the page's language; the saved checks come in pages and can be searched."""
from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import text

from tests.conftest import serving

VIEWPORT_LOCK = re.compile(r"user-scalable\s*=\s*no|maximum-scale\s*=\s*1", re.I)


@pytest.mark.parametrize("path", ["/", "/sites"], ids=["the viewer", "the site form"])
def test_no_page_forbids_zooming(client, path):
    html = client.get(path).get_data(as_text=True)
    assert not VIEWPORT_LOCK.search(html)
    assert '<a class="skip-link"' in html


def test_the_logo_keeps_the_language(client):
    html = client.get("/sites?lang=en").get_data(as_text=True)
    assert re.search(r'<a class="brand" href="/\?lang=en">', html)


@pytest.mark.browser
def test_the_site_map_offers_the_layers_and_speaks_swedish(live_server, browser_page, artifacts):
    page, log = browser_page
    page.goto(live_server + "/sites", wait_until="networkidle")
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zooma in"
    assert page.locator(".leaflet-control-layers-toggle").get_attribute("aria-label") == "Lager"
    scale = page.locator(".leaflet-control-scale").inner_text()
    assert re.search(r"\d+ (m|km)", scale) and not re.search(r"\b(ft|mi)\b", scale)
    page.locator(".leaflet-control-layers").hover()
    layers = page.locator(".leaflet-control-layers-overlays").inner_text()
    assert "Översvämning vid skyfall" in layers and "Transportleder för farligt gods" in layers
    page.locator(".leaflet-control-layers-overlays label", has_text="Översvämning vid skyfall").locator("input").check()
    page.wait_for_selector("img.leaflet-tile-loaded[src*='/tiles/flood/']")
    page.fill("#coordinates-text", "hello")
    page.get_by_role("button", name="Tolka").click()
    error = page.locator("#coordinates-result .form-error")
    error.wait_for()
    assert "Koordinaterna gick inte att tolka" in error.inner_text()
    page.screenshot(path=str(artifacts / "site_form_layers.png"))
    assert log["errors"] == [] and log["outside"] == []


@pytest.mark.browser
def test_the_keyboard_skips_the_map_and_sees_where_it_is(live_server, browser_page):
    page, log = browser_page
    page.goto(live_server + "/sites", wait_until="networkidle")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Tab")
    brand = page.evaluate("document.activeElement.className")
    assert brand == "brand"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    colour = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert outline == "solid" and colour == "rgb(255, 191, 71)"  # light on the dark bar
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "site-form"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#site-form') !== null")
    stops = []
    page.evaluate("window.scrollTo(0, 0)")
    page.locator(".lang").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("document.activeElement.tagName.toLowerCase()"))
    assert "path" not in stops  # the districts are not 13 stops before the map's controls
    assert log["errors"] == []


@pytest.mark.browser
def test_the_site_map_says_when_the_base_map_cannot_be_reached(settings, browser_page):
    down = dataclasses.replace(settings, anonymous_role="viewer", basemap_url="http://127.0.0.1:9/{z}/{x}/{y}.png")
    page, log = browser_page
    with serving(down) as url:
        for path, words in (("/sites", "Bakgrundskartan kan inte nås"), ("/map?lang=en", "base map cannot be reached")):
            page.goto(url + path, wait_until="networkidle")
            notice = page.locator(".map-notice")
            notice.wait_for()
            assert words in notice.inner_text() and notice.get_attribute("role") == "status"
    assert log["errors"] == [] and log["outside"] == []


def test_the_saved_checks_come_in_pages_newest_first_and_can_be_found(client, db_session, planner):
    db_session.execute(text("DELETE FROM site_check"))
    for n in range(30):
        response = client.post("/api/site-checks", json={
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [18.0735, 59.3143]},
            "properties": {"land_use": "C", "reference": f"SBK 2026-{n:05d}",
                           "title": "Kv. 100%_sant" if n == 7 else f"Kvarter {n}"}}, headers=planner)
        assert response.status_code == 201
    first = client.get("/sites").get_data(as_text=True)
    assert len(re.findall(r"SBK 2026-\d{5}", first)) == 25
    assert "SBK 2026-00029" in first and "SBK 2026-00004" not in first
    assert "30 kontroller, nyaste först; sida 1 av 2." in first and 'rel="next" href="/sites?page=2' in first
    second = client.get("/sites?page=2").get_data(as_text=True)
    assert len(re.findall(r"SBK 2026-\d{5}", second)) == 5 and "SBK 2026-00000" in second
    found = client.get("/sites?q=100%25_s").get_data(as_text=True)
    assert re.findall(r"SBK 2026-\d{5}", found) == ["SBK 2026-00007"]
    assert len(re.findall(r"SBK 2026-\d{5}", client.get("/sites?q=_").get_data(as_text=True))) == 1
    assert "SBK 2026-00029" in client.get("/sites?page=abc").get_data(as_text=True)
    api = client.get("/api/site-checks?limit=10&offset=25").get_json()
    assert api["total"] == 30 and len(api["checks"]) == 5 and "next" not in api["links"] and "prev" in api["links"]
    assert client.get("/api/site-checks?q=Kvarter%2012").get_json()["total"] == 1


@pytest.mark.parametrize("query", ["limit=0", "limit=5000", "offset=-1", "limit=%C2%B2", "q=" + "x" * 300],
                         ids=["no rows", "too many", "a negative offset", "a superscript digit", "a long query"])
def test_bad_paging_is_a_problem(client, query):
    response = client.get(f"/api/site-checks?{query}")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize(("lang", "source"), [("sv", "Riskkartas demonstrationsdata: syntetiska skyfallsdjup"),
                                              ("en", "Riskkarta demo data: synthetic cloudburst depths")])
def test_the_demo_datas_own_texts_speak_the_pages_language(client, as_role, lang, source):
    as_role("viewer")
    html = client.get(f"/map?lang={lang}").get_data(as_text=True)
    assert html.count(source) >= 2  # the side panel and the map's attribution
