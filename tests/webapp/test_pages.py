"""The district map page: served assets only, and drawn for real in headless Chromium."""
import re
from urllib.parse import urlparse

import pytest

from tests.conftest import wait_for_js

ASSET_URL = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)


def test_index_lists_the_districts_and_says_they_are_demo_data(client):
    response = client.get("/map")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "13 stadsdelsområden" in html and "Demonstrationsdata" in html
    assert "Södermalm stadsdelsnämnd" in html


def test_index_loads_no_external_asset(client):
    html = client.get("/map").get_data(as_text=True)
    urls = ASSET_URL.findall(html)
    assert any(u.endswith("/vendor/leaflet/leaflet.js") for u in urls)
    external = [u for u in urls if urlparse(u).scheme or u.startswith("//")]
    assert external == []
    # With no base map configured there is no remote URL of any kind in the page.
    assert not re.search(r"https?://(?!www\.w3\.org)", html)


def test_served_leaflet_is_real(client):
    response = client.get("/static/vendor/leaflet/leaflet.js")
    assert response.status_code == 200 and b"Leaflet" in response.data[:500]


def test_empty_database_says_no_data_yet(client, db_session):
    from sqlalchemy import text

    db_session.execute(text("DELETE FROM district"))
    html = client.get("/map").get_data(as_text=True)
    assert "Inga stadsdelsområden ännu" in html


@pytest.mark.browser
def test_chromium_draws_13_districts_offline(live_server, artifacts, browser_page):
    """13 district shapes drawn by Leaflet, names on hover, nothing fetched from outside loopback."""
    page, log = browser_page
    page.goto(live_server + "/map", wait_until="networkidle")
    shapes = page.locator(".leaflet-overlay-pane > svg path.leaflet-interactive")
    shapes.first.wait_for()
    assert shapes.count() == 13
    shapes.nth(7).hover(force=True)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert "stadsdelsnämnd" in tooltip.inner_text()
    page.screenshot(path=str(artifacts / "districts.png"))
    assert log == {"outside": [], "errors": [], "failed": []}


@pytest.mark.browser
def test_chromium_viewer_shows_all_five_hazards(live_server, artifacts, browser_page):
    """The viewer (viewer role): five layers in the panel with legend and source, raster tiles and vector tiles
    drawn, a click answers with the flood depth, and the page switches to English."""
    page, log = browser_page
    page.goto(live_server + "/map", wait_until="networkidle")
    panel = page.locator(".layer-list > li.layer")
    assert panel.count() == 6
    assert page.locator(".layer-list .badge.demo").count() == 6
    assert "Källa" in page.locator(".layer[data-slug=flood]").inner_text()
    # Raster tiles of the flood layer and vector tiles of the hazardous-goods routes are on the map.
    page.wait_for_selector("img.leaflet-tile-loaded[src*='/tiles/flood/']")
    page.wait_for_selector(".leaflet-tile svg path, .leaflet-tile-container svg path")
    # Show every layer through the layer control, then look at the whole city.
    page.locator(".leaflet-control-layers").hover()
    for box in page.locator(".leaflet-control-layers-overlays input[type=checkbox]").all():
        if not box.is_checked():
            box.check()
    page.wait_for_load_state("networkidle")
    assert page.locator("img.leaflet-tile-loaded[src*='/tiles/heat/']").count() > 0
    page.screenshot(path=str(artifacts / "viewer.png"))
    # Opacity slider of the flood raster changes its Leaflet layer.
    slider = page.locator(".layer[data-slug=flood] input[type=range]")
    slider.fill("0.3")
    assert page.evaluate(f"window[{slider.get_attribute('data-opacity-for')!r}].options.opacity") == 0.3
    # A click on the map answers with the values of the raster layers shown there.
    page.mouse.click(500, 450)
    wait_for_js(page, "document.querySelectorAll('.info-popup .raster-value').length >= 2")
    assert "°C" in page.locator(".info-popup").inner_text()
    page.goto(live_server + "/map?lang=en", wait_until="networkidle")
    assert "Cloudburst flooding" in page.locator(".layer-tree").inner_text()
    assert log == {"outside": [], "errors": [], "failed": []}


@pytest.mark.browser
def test_a_district_name_with_markup_is_shown_as_text(live_server, browser_page, database_url):
    """Names come from imported files: markup in them must never run in the page."""
    from sqlalchemy import create_engine, text

    from webapp.db import normalise_url

    engine = create_engine(normalise_url(database_url))
    with engine.begin() as connection:
        old = connection.execute(text("SELECT name FROM district WHERE code = '11'")).scalar_one()
        connection.execute(text("UPDATE district SET name = :n WHERE code = '11'"),
                           {"n": '<img src=x onerror="window.pwned=1">Söder'})
    try:
        page, log = browser_page
        page.goto(live_server + "/map", wait_until="networkidle")
        shapes = page.locator(".leaflet-overlay-pane > svg path.leaflet-interactive")
        for i in range(shapes.count()):
            shapes.nth(i).hover(force=True)
        assert page.evaluate("window.pwned") is None
        assert "<img" in page.locator(".districts").inner_text()
    finally:
        with engine.begin() as connection:
            connection.execute(text("UPDATE district SET name = :n WHERE code = '11'"), {"n": old})
        engine.dispose()


@pytest.mark.browser
def test_the_viewer_works_when_the_base_map_cannot_be_reached(settings, browser_page):
    """A base map server that is down (a closed loopback port) costs the background, nothing else."""
    import dataclasses

    from tests.conftest import serving

    down = dataclasses.replace(settings, anonymous_role="viewer", basemap_url="http://127.0.0.1:9/{z}/{x}/{y}.png")
    page, log = browser_page
    with serving(down) as url:
        page.goto(url + "/map", wait_until="networkidle")
        page.wait_for_selector("img.leaflet-tile-loaded[src*='/tiles/flood/']")
        assert page.locator(".leaflet-overlay-pane > svg path.leaflet-interactive").count() == 13
        assert page.locator(".layer-list > li.layer").count() == 6
    assert log["errors"] == [] and log["outside"] == []
