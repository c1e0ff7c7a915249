"""The report as planners read it in Chromium: cards on a tablet, a legend on the map, a print that matches the PDF,
and the area the form shows is the one the report gives."""
from __future__ import annotations

import io
import json
import re
import urllib.request

import pytest
from pypdf import PdfReader

from tests.conftest import sign_in, wait_for_js

pytestmark = pytest.mark.browser

SODERMALM = [18.0735, 59.3143]


def post_check(base: str, headers: dict, geometry: dict, **props) -> dict:
    body = json.dumps({"type": "Feature", "geometry": geometry, "properties": {"land_use": "C", **props}}).encode()
    request = urllib.request.Request(base + "/api/site-checks", data=body,
                                     headers={"Content-Type": "application/json", **headers})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def report_url(live_server, live_token):
    check = post_check(live_server, live_token, {"type": "Point", "coordinates": SODERMALM}, vulnerable=["preschool"],
                       reference="SBK 2026-00815")
    return live_server + check["links"]["report"]


def test_on_a_tablet_each_hazard_is_a_card(report_url, browser_page, artifacts):
    page, log = browser_page
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(report_url + "?lang=sv", wait_until="networkidle")
    cards = page.locator("table.hazards tr.hazard")
    assert cards.count() == 6
    for i in range(6):
        card = cards.nth(i)
        assert card.evaluate("e => getComputedStyle(e).display") == "block"
        rule = card.locator("td[data-label]").nth(2)
        assert rule.bounding_box()["width"] > 600  # the rule reads as lines of text, not a word per line
    assert page.evaluate("document.documentElement.scrollHeight") < 6000
    page.screenshot(path=str(artifacts / "site_report_tablet.png"), full_page=True)
    assert log == {"outside": [], "errors": [], "failed": []}


def test_the_report_map_has_a_legend_and_the_overall_verdict_says_why(report_url, browser_page, artifacts):
    page, log = browser_page
    page.goto(report_url + "?lang=sv", wait_until="networkidle")
    legend = page.locator("#report-map .map-legend")
    assert legend.is_visible()
    text = legend.inner_text()
    assert "Teckenförklaring" in text and "Kontrollerad plats" in text and "0,1–0,3 m" in text
    assert "Drivs av:" in page.locator(".report-head").inner_text()
    assert page.locator(".next-steps li").count() >= 1
    assert log == {"outside": [], "errors": [], "failed": []}


def test_printing_the_report_keeps_colours_and_drops_the_navigation(report_url, browser_page, artifacts, tmp_path):
    page, log = browser_page
    page.goto(report_url + "?lang=sv", wait_until="networkidle")
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden()
    verdict = page.locator("table.hazards .verdict").first
    assert verdict.evaluate("e => getComputedStyle(e).printColorAdjust || getComputedStyle(e).webkitPrintColorAdjust") \
        == "exact"
    pdf = page.pdf(format="A4", print_background=True)
    (artifacts / "site_report_printed.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    words = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert len(reader.pages) <= 5
    for expected in ("Samlad bedömning", "SBK 2026-00815", "Riskhanteringsavståndet 150 m", "Vad som behöver göras"):
        assert expected in words
    assert log == {"outside": [], "errors": [], "failed": []}


def test_the_form_shows_the_area_the_report_gives(live_server, browser_page):
    page, log = browser_page
    sign_in(page, live_server)  # saving a check needs a signed-in planner
    page.goto(live_server + "/sites", wait_until="networkidle")
    map_id = page.locator(".folium-map").get_attribute("id")
    page.evaluate("id => window[id].setView([59.3143, 18.0735], 16, {animate: false})", map_id)
    page.locator(".leaflet-draw-draw-polygon").click()
    box = page.locator("#site-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = [(-90, -70), (95, -60), (85, 80), (-80, 75)]
    for dx, dy in corners:
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(150)
    page.mouse.click(cx + corners[0][0], cy + corners[0][1])
    wait_for_js(page, "/ (ha|m²)$/.test(document.getElementById('site-status').textContent)")
    shown = page.locator("#site-status").inner_text().rsplit(", ", 1)[1]
    page.get_by_label("Grupp C", exact=False).check()
    page.get_by_role("button", name="Kontrollera").click()
    page.wait_for_url(re.compile(r"/sites/\d+$"))
    assert shown in page.locator(".facts").inner_text()
    assert log == {"outside": [], "errors": [], "failed": []}
