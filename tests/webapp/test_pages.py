"""The district map page: served assets only, and drawn for real in headless Chromium."""
import re
import shutil
from urllib.parse import urlparse

import pytest

ASSET_URL = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)


def test_index_lists_the_districts_and_says_they_are_demo_data(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "13 stadsdelsområden" in html and "Demonstrationsdata" in html
    assert "Södermalm stadsdelsnämnd" in html


def test_index_loads_no_external_asset(client):
    html = client.get("/").get_data(as_text=True)
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
    html = client.get("/").get_data(as_text=True)
    assert "Inga stadsdelsområden ännu" in html


@pytest.mark.browser
def test_chromium_draws_13_districts_offline(live_server, artifacts):
    """Headless Debian Chromium, network limited to loopback: 13 district shapes drawn by Leaflet."""
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed (make test installs it)"
    from playwright.sync_api import sync_playwright

    outside = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1200, "height": 800})

        def loopback_only(route):
            host = urlparse(route.request.url).hostname
            if host in ("127.0.0.1", "localhost"):
                return route.continue_()
            outside.append(route.request.url)
            return route.abort()

        page.route("**/*", loopback_only)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(live_server + "/", wait_until="networkidle")
        page.wait_for_selector(".leaflet-overlay-pane path")
        shapes = page.locator(".leaflet-overlay-pane path")
        assert shapes.count() == 13
        shapes.nth(7).hover()
        tooltip = page.locator(".leaflet-tooltip")
        tooltip.wait_for()
        assert "stadsdelsnämnd" in tooltip.inner_text()
        page.screenshot(path=str(artifacts / "districts.png"))
        browser.close()
    assert errors == []
    assert outside == []
