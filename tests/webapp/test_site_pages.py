"""The planner's site-check pages: the form, reading pasted coordinates, the report, and both in Chromium."""
import json
import re
from urllib.parse import urlparse

import pytest
from sqlalchemy import text

from tests.conftest import sign_in, wait_for_js
from webapp.errors import PROBLEM_JSON

ASSET_URL = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)
HAZARD_TITLES = {"sv": ["Översvämning vid skyfall", "Värme", "Farligt gods", "Dricksvatten", "Brott och otrygghet",
                        "Olyckor"],
                 "en": ["Cloudburst flooding", "Heat", "Hazardous goods", "Drinking water", "Crime and insecurity",
                        "Accidents"]}
VERDICT_WORDS = {"sv": {"low": "låg", "moderate": "måttlig", "high": "hög", "very_high": "mycket hög",
                        "no_data": "inga data"},
                 "en": {"low": "low", "moderate": "moderate", "high": "high", "very_high": "very high",
                        "no_data": "no data"}}
# Södermalm, near Medborgarplatsen.
SODERMALM = {"type": "Point", "coordinates": [18.0735, 59.3143]}


def create_check(client, headers, land_use="C", **props):
    feature = {"type": "Feature", "geometry": SODERMALM,
               "properties": {"land_use": land_use, "given_as": "map", **props}}
    response = client.post("/api/site-checks", json=feature, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_form_page_loads_no_external_asset(client):
    response = client.get("/sites")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    urls = ASSET_URL.findall(html)
    for local in ("/vendor/leaflet/leaflet.js", "/vendor/leaflet-draw/leaflet.draw.js",
                  "/vendor/leaflet-draw/leaflet.draw.css", "/static/sites.js"):
        assert any(u.endswith(local) for u in urls), local
    assert [u for u in urls if urlparse(u).scheme or u.startswith("//")] == []
    assert not re.search(r"https?://(?!www\.w3\.org)", html)


def test_form_page_has_a_label_for_every_input(client):
    html = client.get("/sites").get_data(as_text=True)
    ids = re.findall(r"<(?:input|textarea|select)\b[^>]*\bid=\"([^\"]+)\"", html)
    labelled = set(re.findall(r"<label[^>]*\bfor=\"([^\"]+)\"", html))
    aria = set(re.findall(r"<(?:input|textarea)\b[^>]*\bid=\"([^\"]+)\"[^>]*\baria-label=", html))
    assert ids and [i for i in ids if i not in labelled | aria] == []
    for group in ("Grupp A", "Grupp B", "Grupp C", "förskola", "Diarienummer", "Kontrollera"):
        assert group in html


def test_top_bar_links_to_the_site_check(client):
    assert 'href="/sites"' in client.get("/").get_data(as_text=True)
    assert 'href="/sites?lang=en">Site check' in client.get("/?lang=en").get_data(as_text=True)


@pytest.mark.parametrize(("lang", "expected"), [
    ("sv", "Tolkat som SWEREF 99 TM (EPSG:3006), N 6 580 505, E 673 779"),
    ("en", "Read as SWEREF 99 TM (EPSG:3006), N 6 580 505, E 673 779"),
], ids=["in Swedish", "in English"])
def test_read_coordinates_describes_a_sweref_pair(client, lang, expected):
    response = client.post(f"/api/site-checks/read-coordinates?lang={lang}", json={"text": "6580505 673779"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["epsg"] == 3006 and body["order"] == "north_east"
    assert body["description"] == expected
    assert body["geometry"]["type"] == "Point"
    lon, lat = body["geometry"]["coordinates"]
    assert 18.0 < lon < 18.1 and 59.3 < lat < 59.35


def test_read_coordinates_gives_an_area_as_a_closed_polygon(client):
    pasted = "6580500 673700\n6580500 673800\n6580600 673800\n6580600 673700"
    body = client.post("/api/site-checks/read-coordinates", json={"text": pasted}).get_json()
    assert body["geometry"]["type"] == "Polygon"
    ring = body["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]


def test_read_coordinates_accepts_plain_text(client):
    response = client.post("/api/site-checks/read-coordinates", data="59.3143, 18.0735",
                           content_type="text/plain")
    assert response.status_code == 200 and response.get_json()["epsg"] == 4326


@pytest.mark.parametrize(("body", "status"), [
    ({"text": "hello world"}, 422),
    ({"text": "6580505"}, 422),
    ({"text": "1 2"}, 422),
    ({"nothing": 1}, 400),
], ids=["words", "one number", "outside the city", "no text"])
def test_read_coordinates_refuses_with_problem_json(client, body, status):
    response = client.post("/api/site-checks/read-coordinates", json=body)
    assert response.status_code == status
    assert response.mimetype == PROBLEM_JSON
    assert response.get_json()["detail"]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_report_shows_every_hazard_with_its_verdict_word(client, lang, planner):
    check = create_check(client, planner, reference="SBK 2024-01234", title="Kv. Testet")
    response = client.get(check["links"]["report"] + f"?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = re.findall(r'<tr class="hazard" data-hazard="(\w+)">(.*?)</tr>', html, re.S)
    assert len(rows) == 6
    for title, hazard, (name, row) in zip(HAZARD_TITLES[lang], check["hazards"], rows, strict=True):
        assert name == hazard["hazard"]
        assert title in row
        assert f'<span class="verdict {hazard["level"]}">{VERDICT_WORDS[lang][hazard["level"]]}</span>' in row
    assert "Kv. Testet" in html and "SBK 2024-01234" in html
    assert "Södermalm" in html
    # The crime verdict's hotspot rows: computed with the demo incidents, drawn ones from the accepted pictures.
    assert ("Celler med beräknade hotspots vid platsen" if lang == "sv" else "Computed hotspot cells at the site") \
        in html
    assert f'/sites/{check["id"]}.pdf' in html and f'/api/site-checks/{check["id"]}' in html
    assert not re.search(r"https?://(?!www\.w3\.org)", html)


def test_report_shows_measured_values_readably(client, planner):
    check = create_check(client, planner)
    html = client.get(check["links"]["report"]).get_data(as_text=True)
    assert "Högsta yttemperatur" in html and "°C" in html
    assert "Största vattendjup" in html
    assert "{&#39;" not in html and "{'" not in html  # no raw dicts
    if any(not h["source_verified"] and h["source"] for h in check["hazards"]):
        assert "standardvärde, ej verifierat" in html


def test_outdated_report_offers_a_rerun_and_the_rerun_says_what_changed(client, db_session, planner):
    check = create_check(client, planner)
    db_session.execute(text("UPDATE layer SET version = version + 1 WHERE slug = 'heat'"))
    html = client.get(check["links"]["report"], headers=planner).get_data(as_text=True)
    outdated = re.search(r'<section class="outdated".*?</section>', html, re.S)
    assert outdated and "Värme" in outdated.group(0) and 'id="rerun"' in outdated.group(0)
    anonymous = client.get(check["links"]["report"]).get_data(as_text=True)  # a sign-in link instead of the button
    assert 'id="rerun"' not in anonymous and "Logga in för att köra om kontrollen" in anonymous
    rerun = client.post(check["links"]["rerun"], headers=planner)
    assert rerun.status_code == 201
    new = rerun.get_json()
    html = client.get(new["links"]["report"]).get_data(as_text=True)
    assert "Vad har ändrats" in html and f'#{check["id"]}' in html
    changed = re.search(r'<table class="changes-table">(.*?)</table>', html, re.S)
    assert changed and "Värme" in changed.group(1)
    assert '<section class="outdated"' not in html


def test_form_page_lists_saved_checks(client, planner):
    check = create_check(client, planner, title="Listad kontroll")
    html = client.get("/sites").get_data(as_text=True)
    assert "Listad kontroll" in html and f'href="/sites/{check["id"]}"' in html


def test_unknown_report_is_404(client):
    assert client.get("/sites/999999").status_code == 404


def test_pdf_is_served_as_a_file(client, planner):
    pytest.importorskip("webapp.reports.site_pdf")
    pytest.importorskip("webapp.reports.site_map")
    check = create_check(client, planner)
    response = client.get(f"/sites/{check['id']}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert f'filename="riskkontroll-{check["id"]}.pdf"' in response.headers["Content-Disposition"]


def _map_id(page):
    return page.locator(".folium-map").get_attribute("id")


def _expect_report(page, artifacts, name):
    page.wait_for_url(re.compile(r"/sites/\d+$"))
    page.wait_for_load_state("networkidle")
    rows = page.locator("table.hazards tbody tr")
    assert rows.count() == 6
    for i in range(6):
        verdict = rows.nth(i).locator(".verdict")
        assert verdict.inner_text() in VERDICT_WORDS["sv"].values()
        color = verdict.evaluate("e => getComputedStyle(e).backgroundColor")
        assert color in ("rgb(26, 152, 80)", "rgb(254, 224, 139)", "rgb(252, 141, 89)", "rgb(215, 48, 39)",
                         "rgb(217, 217, 217)")
    page.screenshot(path=str(artifacts / name), full_page=True)


@pytest.mark.browser
def test_chromium_draws_a_polygon_and_gets_a_report(live_server, artifacts, browser_page):
    """Draw a polygon with Leaflet.draw, choose land use C and preschool, submit, land on the report."""
    page, log = browser_page
    sign_in(page, live_server)  # saving a check needs a signed-in planner
    page.goto(live_server + "/sites", wait_until="networkidle")
    page.evaluate("id => window[id].setView([59.3143, 18.0735], 16, {animate: false})", _map_id(page))
    page.locator(".leaflet-draw-draw-polygon").click()
    box = page.locator("#site-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = [(-60, -50), (70, -45), (60, 55), (-55, 50)]
    for dx, dy in corners:
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(150)
    page.mouse.click(cx + corners[0][0], cy + corners[0][1])
    wait_for_js(page, "document.getElementById('site-status').textContent.indexOf('ritad yta') >= 0")
    page.screenshot(path=str(artifacts / "site_form_drawn.png"))
    page.get_by_label("Grupp C", exact=False).check()
    page.get_by_label("förskola").check()
    page.fill("#check-title", "Ritad yta i webbläsaren")
    page.get_by_role("button", name="Kontrollera").click()
    _expect_report(page, artifacts, "site_report_drawn.png")
    assert "Ritad yta i webbläsaren" in page.locator("h1").inner_text()
    assert "förskola" in page.locator(".facts").inner_text()
    assert page.locator("#report-map path.leaflet-interactive").count() > 0
    report_path = urlparse(page.url).path
    page.goto(live_server + "/sites?lang=en", wait_until="networkidle")
    saved = page.locator("table.checks")
    assert "Ritad yta i webbläsaren" in saved.inner_text()
    page.screenshot(path=str(artifacts / "site_form_saved_en.png"), full_page=True)
    saved.locator(f'a[href="{report_path}?lang=en"]').click()
    page.wait_for_load_state("networkidle")
    assert "Cloudburst flooding" in page.locator("table.hazards").inner_text()
    assert log == {"outside": [], "errors": [], "failed": []}


@pytest.mark.browser
def test_chromium_reads_pasted_coordinates_and_gets_a_report(live_server, artifacts, browser_page):
    page, log = browser_page
    sign_in(page, live_server)  # saving a check needs a signed-in planner
    page.goto(live_server + "/sites", wait_until="networkidle")
    page.get_by_label("Grupp C", exact=False).check()
    page.get_by_role("button", name="Kontrollera").click()
    assert "Välj en plats" in page.locator("#form-error").inner_text()  # shown by the form, not an alert box
    page.fill("#coordinates-text", "6580505 673779")
    page.get_by_role("button", name="Tolka").click()
    description = page.locator("#coordinates-result .description")
    description.wait_for()
    assert "SWEREF 99 TM" in description.inner_text()
    page.screenshot(path=str(artifacts / "site_form_coordinates.png"))
    page.get_by_role("button", name="Bekräfta platsen").click()
    assert "inklistrade koordinater" in page.locator("#site-status").inner_text()
    page.fill("#buffer-number", "120")
    assert "120 m" in page.locator("#site-status").inner_text()
    assert page.locator("#buffer-range").input_value() == "120"
    page.get_by_role("button", name="Kontrollera").click()
    _expect_report(page, artifacts, "site_report_coordinates.png")
    facts = page.locator(".facts").inner_text()
    assert "SWEREF 99 TM" in facts and "120 m" in facts
    assert log == {"outside": [], "errors": [], "failed": []}


@pytest.mark.browser
def test_chromium_shows_a_bad_reading_next_to_the_form(live_server, browser_page):
    page, log = browser_page
    page.goto(live_server + "/sites?lang=en", wait_until="networkidle")
    page.fill("#coordinates-text", "12 34")
    page.get_by_role("button", name="Read").click()
    page.locator("#coordinates-result .form-error").wait_for()
    assert "outside the city" in page.locator("#coordinates-result").inner_text()
    log["failed"] = [f for f in log["failed"] if "read-coordinates" not in f]  # the 422 is the expected answer
    assert log == {"outside": [], "errors": [], "failed": []}


@pytest.mark.browser
def test_chromium_checks_an_uploaded_geojson_file(live_server, artifacts, browser_page, tmp_path):
    """A planner's GeoJSON file (a 1 ha plot on Södermalm) uploaded, checked and reported; a file that is not
    GeoJSON gets a message by the form."""
    page, log = browser_page
    sign_in(page, live_server)  # saving a check needs a signed-in planner
    page.goto(live_server + "/sites", wait_until="networkidle")
    junk = tmp_path / "notes.json"
    junk.write_text("this is not JSON")
    page.set_input_files("#geojson-file", str(junk))
    wait_for_js(page, "document.getElementById('form-error').textContent.indexOf('JSON') >= 0")
    plot = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"namn": "Tomten"},
            "geometry": {"type": "Polygon", "coordinates": [[[18.0720, 59.3138], [18.0737, 59.3138],
                                                              [18.0737, 59.3147], [18.0720, 59.3147],
                                                              [18.0720, 59.3138]]]}}]}
    path = tmp_path / "tomten.geojson"
    path.write_text(json.dumps(plot))
    page.set_input_files("#geojson-file", str(path))
    wait_for_js(page, "document.getElementById('site-status').textContent.indexOf('uppladdad fil') >= 0")
    assert page.locator("#form-error").inner_text() == ""  # the earlier file's message is gone
    page.get_by_label("Grupp B", exact=False).check()
    page.get_by_role("button", name="Kontrollera").click()
    _expect_report(page, artifacts, "site_report_upload.png")
    check_id = int(urlparse(page.url).path.rsplit("/", 1)[1])
    saved = page.request.get(f"{live_server}/api/site-checks/{check_id}").json()
    assert saved["site"]["how"]["given_as"] == "upload" and saved["land_use"]["group"] == "B"
    assert saved["site"]["area_m2"] == pytest.approx(9_800, rel=0.1)
    assert log["errors"] == [] and log["outside"] == []
