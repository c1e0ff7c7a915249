"""The layer viewer's view: its address holds the layers, their opacity, the extent and the hotspots shown (a copied
address opens the same view in another browser), saved views for the team (API and page), the layer tree grouped by
hazard (switches, opacity, zoom to layer, legend, facts) and the tabular view of what the map shows near its centre."""
from __future__ import annotations

import dataclasses
import json
from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import serving, sign_in, token_headers, wait_for_js
from webapp.errors import PROBLEM_JSON

MAP = "Object.values(window).find(v => v instanceof L.Map)"  # the page's Leaflet map
STATE = {"layers": "flood,hazardous-goods", "opacity": "flood:0.4,heat:1", "bbox": "17.9,59.25,18.2,59.4",
         "hotspots": "crime:12m:all:all"}


# --- saved views: the API ------------------------------------------------------------------------------------------

@pytest.fixture()
def people(db_session) -> dict[str, dict[str, str]]:
    return {who: token_headers(db_session, f"views-{who}@example.se", role)
            for who, role in (("planner", "viewer"), ("other", "city"), ("admin", "admin"))}


def test_a_signed_in_user_saves_a_view_everyone_lists_it_and_its_creator_deletes_it(client, people):
    created = client.post("/api/views", json={"name": "  Skyfall   Söder ", "state": STATE},
                          headers=people["planner"])
    assert created.status_code == 201, created.get_data(as_text=True)
    view = created.get_json()
    assert view["name"] == "Skyfall Söder" and view["state"] == STATE and view["may_delete"] is True
    assert created.headers["Location"] == f"/api/views/{view['id']}"
    assert view["links"]["map"].startswith("/map?layers=flood%2Chazardous-goods&opacity=")
    listed = client.get("/api/views").get_json()["views"]
    assert listed[0]["id"] == view["id"] and listed[0]["created_by"] is None  # no email for an anonymous reader
    assert listed[0]["may_delete"] is False
    signed = client.get("/api/views", headers=people["other"]).get_json()["views"][0]
    assert signed["created_by"] == "views-planner@example.se" and signed["may_delete"] is False
    assert client.delete(f"/api/views/{view['id']}", headers=people["other"]).status_code == 403
    assert client.delete(f"/api/views/{view['id']}").status_code == 401
    assert client.delete(f"/api/views/{view['id']}", headers=people["planner"]).status_code == 204
    assert client.delete(f"/api/views/{view['id']}", headers=people["planner"]).status_code == 404
    assert all(v["id"] != view["id"] for v in client.get("/api/views").get_json()["views"])


def test_an_administrator_deletes_anyones_view(client, people):
    view = client.post("/api/views", json={"name": "Värme", "state": {"layers": "heat"}},
                       headers=people["other"]).get_json()
    assert client.delete(f"/api/views/{view['id']}", headers=people["admin"]).status_code == 204


def test_saving_needs_a_signed_in_user(client):
    response = client.post("/api/views", json={"name": "x", "state": STATE})
    assert response.status_code == 401 and response.mimetype == PROBLEM_JSON


def test_a_session_write_needs_the_csrf_token(client, db_session):
    from webapp.services import accounts
    from webapp.services.accounts import DEMO_PASSWORD

    accounts.add_user(db_session, "views-session@example.se", "viewer", password=DEMO_PASSWORD)
    login = client.get("/login")
    assert login.status_code == 200
    html = login.get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"email": "views-session@example.se", "password": DEMO_PASSWORD,
                                "csrf_token": token})
    refused = client.post("/api/views", json={"name": "x", "state": STATE})
    assert refused.status_code in (400, 403) and refused.mimetype == PROBLEM_JSON


@pytest.mark.parametrize("body", [
    {"name": "", "state": STATE}, {"name": "   ", "state": STATE}, {"name": "x" * 81, "state": STATE},
    {"name": 7, "state": STATE}, {"state": STATE},
    {"name": "Rad\u2028två", "state": STATE},
    {"name": "ok", "state": {}}, {"name": "ok", "state": "layers=flood"}, {"name": "ok"},
    {"name": "ok", "state": {"colour": "red"}}, {"name": "ok", "state": {"layers": "flood;heat"}},
    {"name": "ok", "state": {"layers": ["flood"]}}, {"name": "ok", "state": {"opacity": "flood:2"}},
    {"name": "ok", "state": {"opacity": "flood"}}, {"name": "ok", "state": {"bbox": "18,59,17,60"}},
    {"name": "ok", "state": {"bbox": "1,2,3"}}, {"name": "ok", "state": {"bbox": "200,59,210,60"}},
    {"name": "ok", "state": {"hotspots": "crime:12m"}}, {"name": "ok", "state": {"layers": "a" * 2001}},
], ids=["empty name", "blank name", "name of 81 characters", "name not a string", "no name", "line separator",
        "empty state", "state as a string", "no state", "unknown key", "layers with a semicolon", "layers as a list",
        "opacity above 1", "opacity without a value", "bbox min above max", "bbox of three numbers",
        "bbox beyond 180", "hotspots without category and band", "value too long"])
def test_a_bad_name_or_state_is_422(client, people, body):
    response = client.post("/api/views", json=body, headers=people["planner"])
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON and response.get_json()["detail"]


def test_a_control_character_in_a_name_is_refused(client, people):
    response = client.post("/api/views", json={"name": "Söder\u202e", "state": STATE}, headers=people["planner"])
    assert response.status_code in (400, 422) and response.mimetype == PROBLEM_JSON


def test_the_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/views"]) and "delete" in paths["/views/{view_id}"]


# --- the page --------------------------------------------------------------------------------------------------------

def test_the_viewer_lists_the_saved_views_as_links_to_their_state(client, people):
    view = client.post("/api/views", json={"name": "Farligt gods <b>", "state": STATE},
                       headers=people["planner"]).get_json()
    html = client.get("/map").get_data(as_text=True)
    assert "Sparade vyer" in html and "Farligt gods &lt;b&gt;" in html
    assert f'href="/map?{view["links"]["map"].split("?", 1)[1].replace("&", "&amp;")}"' in html
    assert "Logga in för att spara en vy" in html and 'id="save-view"' not in html
    signed = client.get("/map?lang=en", headers=people["planner"]).get_data(as_text=True)
    assert 'id="save-view"' in signed and f'data-delete-view="{view["id"]}"' in signed
    assert f'data-delete-view="{view["id"]}"' not in client.get("/map", headers=people["other"]).get_data(as_text=True)


def test_the_layer_tree_groups_layers_by_hazard_with_their_facts(client):
    html = client.get("/map?lang=en").get_data(as_text=True)
    groups = [html.index(f'id="group-{g}"') for g in ("climate", "infrastructure", "safety")]
    assert groups == sorted(groups)
    assert html.index('data-slug="flood"') < groups[1] < html.index('data-slug="hazardous-goods"') < groups[2]
    assert html.count('class="layer-switch"') == 5 and html.count("data-zoom-to=") == 5
    assert html.count('<details class="legend-box"') >= 5
    assert "<dt>Confidentiality</dt><dd>Open</dd>" in html and "<dt>Licence</dt>" in html
    assert 'href="/map/print.pdf?size=A4&amp;orientation=landscape&amp;lang=en"' in html


@pytest.mark.parametrize("query", [
    "?layers=%3Cscript%3E,nothing&opacity=flood:x,heat:7,::&bbox=a,b,c,d&hotspots=zzz:1:2:3,crime",
    "?bbox=18,60,17,59&opacity=&layers=,,,", "?bbox=1e400,0,2,1&hotspots=crime:12m:all:all:extra"])
def test_bad_view_values_are_not_an_error(client, query):
    assert client.get("/map" + query).status_code == 200


def test_a_role_sees_only_its_layers_in_the_tree(client, as_role):
    as_role("city")
    assert 'data-layer-switch="drinking-water"' in client.get("/map").get_data(as_text=True)
    as_role("public")
    assert 'data-layer-switch="drinking-water"' not in client.get("/map").get_data(as_text=True)


# --- in Chromium -----------------------------------------------------------------------------------------------------

def _view_of(page) -> dict:
    """What the map shows: the tree's layers on, their opacity and the map's bounds."""
    return page.evaluate("""() => {
        const map = Object.values(window).find(v => v instanceof L.Map);
        const on = [...document.querySelectorAll('input[data-layer-switch]')].filter(i => i.checked)
            .map(i => i.dataset.layerSwitch);
        const onMap = [...document.querySelectorAll('input[data-layer-switch]')]
            .filter(i => map.hasLayer(window[i.dataset.js])).map(i => i.dataset.layerSwitch);
        const opacity = Object.fromEntries([...document.querySelectorAll('input[type=range][data-slug]')]
            .map(i => [i.dataset.slug, window[i.dataset.opacityFor].options.opacity]));
        const b = map.getBounds();
        return {on, onMap, opacity, bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
                zoom: map.getZoom()};
    }""")


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query, keep_blank_values=True).items()}


@pytest.mark.browser
def test_a_copied_address_opens_the_same_view_in_another_browser(live_server, browser_page):
    page, log = browser_page
    page.goto(live_server + "/map", wait_until="networkidle")
    wait_for_js(page, "location.search.includes('bbox=')")
    before = _view_of(page)
    assert "flood" in before["on"] and "crime" not in before["on"]
    page.uncheck("#switch-flood")
    page.check("#switch-crime")
    page.locator("#opacity-heat").fill("0.35")
    page.locator("#viewer-map").hover()
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(600)
    page.mouse.move(640, 400)
    page.mouse.down()
    page.mouse.move(560, 360, steps=5)
    page.mouse.up()
    page.wait_for_timeout(400)
    page.check("#hs-crime-show")
    page.select_option("#hs-crime-band", "night")
    page.click("#share-view")
    wait_for_js(page, "document.getElementById('share-status').textContent.length > 0")
    wait_for_js(page, "new URLSearchParams(location.search).get('hotspots') === 'crime:12m:all:night'")
    shown = _view_of(page)
    query = _query(page)
    assert shown["on"] == shown["onMap"] and "flood" not in shown["on"] and "crime" in shown["on"]
    assert query["layers"].split(",") == shown["on"]
    assert "heat:0.35" in query["opacity"].split(",")
    west, south, east, north = map(float, query["bbox"].split(","))
    assert abs(west - shown["bounds"][0]) < 1e-4 and abs(north - shown["bounds"][3]) < 1e-4
    assert shown["zoom"] > before["zoom"]
    address = page.url

    other = page.context.browser.new_context(viewport={"width": 1280, "height": 860}, locale="sv-SE")
    try:
        fresh = other.new_page()
        errors = []
        fresh.on("pageerror", lambda exc: errors.append(str(exc)))
        fresh.goto(address, wait_until="networkidle")
        wait_for_js(fresh, "document.getElementById('hs-crime-status').textContent.length > 0")
        again = _view_of(fresh)
        assert again["on"] == shown["on"] and again["onMap"] == shown["onMap"]
        assert again["opacity"]["heat"] == 0.35 and again["opacity"] == shown["opacity"]
        assert again["zoom"] == shown["zoom"]
        for a, b in zip(again["bounds"], shown["bounds"], strict=True):
            assert abs(a - b) < 0.01
        assert fresh.is_checked("#hs-crime-show") and fresh.input_value("#hs-crime-band") == "night"
        assert fresh.locator("path.hs-cell").count() > 0
        assert _query(fresh)["layers"] == query["layers"]
        assert errors == []
    finally:
        other.close()
    assert log["errors"] == [] and log["outside"] == []


@pytest.mark.browser
def test_bad_view_values_in_the_address_are_ignored_in_chromium(live_server, browser_page):
    page, log = browser_page
    page.goto(live_server + "/map?layers=nothing,%3Cimg%3E&opacity=flood:7,heat:x&bbox=1,2,a,4&hotspots=crime:no:no:no,"
              "zzz:1:2:3", wait_until="networkidle")
    view = _view_of(page)
    assert "flood" in view["on"] and view["opacity"]["flood"] == 0.7      # the defaults
    assert 59 < view["bounds"][1] < 60                                      # the city, not the bad bbox
    assert page.is_checked("#hs-crime-show") and page.input_value("#hs-crime-period") == "12m"
    query = _query(page)
    assert query["layers"] == ",".join(view["on"]) and "nothing" not in page.url
    assert log["errors"] == [] and log["outside"] == []


@pytest.mark.browser
def test_layers_a_role_may_not_see_are_ignored(settings, browser_page):
    page, log = browser_page
    with serving(dataclasses.replace(settings, anonymous_role="public")) as url:
        page.goto(url + "/map?layers=drinking-water,heat", wait_until="networkidle")
        view = _view_of(page)
        assert view["on"] == ["heat"] and page.locator("#switch-drinking-water").count() == 0
    assert log["errors"] == []


@pytest.mark.browser
def test_the_layer_tree_switches_layers_and_zooms_to_one(live_server, artifacts, browser_page):
    page, log = browser_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(live_server + "/map?lang=en", wait_until="networkidle")
    assert page.locator(".layer-group").count() == 3
    # The switch turns the layer off on the map and in the map's own layer control; the control turns it on again.
    page.uncheck("#switch-heat")
    heat = page.get_attribute("#switch-heat", "data-js")
    assert page.evaluate(f"{MAP}.hasLayer(window[{heat!r}])") is False
    wait_for_js(page, "!new URLSearchParams(location.search).get('layers').split(',').includes('heat')")
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-overlays label", has_text="Heatwave").locator("input").check()
    assert page.is_checked("#switch-heat")
    # From the keyboard: focus the accident layer's switch and press space.
    page.focus("#switch-accidents")
    page.keyboard.press("Space")
    assert page.is_checked("#switch-accidents")
    wait_for_js(page, "new URLSearchParams(location.search).get('layers').split(',').includes('accidents')")
    # A vector layer's opacity.
    page.locator("#opacity-hazardous-goods").fill("0.5")
    js = page.get_attribute("#opacity-hazardous-goods", "data-opacity-for")
    assert page.evaluate(f"window[{js!r}].options.opacity") == 0.5
    assert page.inner_text("#opacity-hazardous-goods-value") == "50 %"
    # Zoom to a layer: the map's extent becomes the layer's.
    page.evaluate(f"{MAP}.setView([59.33, 18.07], 17, {{animate: false}})")
    page.click("button[data-zoom-to='hazardous-goods']")
    bounds = json.loads(page.get_attribute("button[data-zoom-to='hazardous-goods']", "data-bounds"))
    view = _view_of(page)
    assert view["zoom"] < 14
    assert view["bounds"][0] <= bounds[0] + 0.01 and view["bounds"][2] >= bounds[2] - 0.01
    # The legend folds.
    legend = page.locator(".layer[data-slug=flood] details.legend-box")
    assert legend.get_attribute("open") is not None
    legend.locator("summary").click()
    assert legend.get_attribute("open") is None
    # Touch-sized controls, a visible focus.
    for selector in ("#share-view", "#show-table", "button[data-zoom-to='flood']", ".layer[data-slug=heat] summary",
                     "label[for='switch-heat']", "#print-link"):
        box = page.locator(selector).bounding_box()
        assert box and box["height"] >= 44, selector
    page.focus("#share-view")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "share-view"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.focus("#switch-hazardous-goods")
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "switch-hazardous-goods"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.evaluate("document.querySelector('.side').scrollTop = 0")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # the tiles' fade-in
    page.screenshot(path=str(artifacts / "map-layer-tree.png"))
    assert log["errors"] == [] and log["outside"] == []


@pytest.mark.browser
def test_the_table_lists_what_the_map_shows_near_its_centre(live_server, browser_page):
    page, log = browser_page
    page.goto(live_server + "/map?lang=en&layers=flood,heat,hazardous-goods", wait_until="networkidle")
    # Centre the map on a hazardous-goods route (the first feature the OGC API gives).
    feature = page.evaluate("""async () => (await (await fetch('/ogc/collections/hazardous-goods/items?f=json&limit=1',
        {headers: {Accept: 'application/geo+json'}})).json()).features[0]""")
    coords = feature["geometry"]["coordinates"]
    while isinstance(coords[0], list):  # a vertex in the middle of the (multi)line
        coords = coords[len(coords) // 2]
    lon, lat = coords
    page.evaluate(f"{MAP}.setView([{lat}, {lon}], 15, {{animate: false}})")
    page.click("#show-table")
    assert page.get_attribute("#show-table", "aria-expanded") == "true"
    wait_for_js(page, "document.getElementById('map-table-status').textContent.startsWith('The table lists')")
    tables = page.locator("#map-table table")
    assert tables.count() == 2                                   # features, and the rasters' values at the centre
    features = tables.nth(0)
    assert "500 m" in features.locator("caption").inner_text()
    assert [h.inner_text() for h in features.locator("thead th").all()] == ["Layer", "Feature", "Class or value"]
    rows = features.locator("tbody tr")
    assert rows.count() >= 1
    assert "Hazardous-goods routes" in rows.first.inner_text()
    assert any(w in features.inner_text() for w in ("Primary route", "Secondary route"))
    rasters = tables.nth(1).inner_text()
    assert "Cloudburst flooding" in rasters and "°C" in rasters
    page.click("#show-table")
    assert page.locator("#map-table").is_hidden()
    assert log["errors"] == [] and log["outside"] == []


@pytest.mark.browser
def test_a_signed_in_user_saves_the_view_and_deletes_it_in_the_page(live_server, browser_page):
    page, log = browser_page
    sign_in(page, live_server)
    page.goto(live_server + "/map?layers=heat&lang=en", wait_until="networkidle")
    page.fill("#save-view-name", "Heat only (test)")
    page.click("#save-view button[type=submit]")
    wait_for_js(page, "document.getElementById('save-status').textContent.includes('Heat only (test)')")
    link = page.locator("#view-list a", has_text="Heat only (test)")
    assert "layers=heat&" in link.get_attribute("href")
    page.goto(live_server + link.get_attribute("href"), wait_until="networkidle")
    assert _view_of(page)["on"] == ["heat"]
    item = page.locator("#view-list li", has_text="Heat only (test)")
    item.locator("button[data-delete-view]").click()
    wait_for_js(page, "document.getElementById('save-status').textContent === 'The view is deleted.'")
    assert page.locator("#view-list li", has_text="Heat only (test)").count() == 0
    page.fill("#save-view-name", "")
    page.click("#save-view button[type=submit]")
    assert page.inner_text("#save-status") == "Give the view a name."
    assert log["errors"] == [] and log["outside"] == []


@pytest.mark.browser
def test_the_print_link_carries_the_view(live_server, browser_page):
    page, _ = browser_page
    page.goto(live_server + "/map?layers=heat", wait_until="networkidle")
    page.select_option("#print-size", "A3")
    page.select_option("#print-orientation", "portrait")
    href = page.get_attribute("#print-link", "href")
    query = parse_qs(urlparse(href).query)
    assert urlparse(href).path == "/map/print.pdf"
    assert query["layers"] == ["heat"] and query["size"] == ["A3"] and query["orientation"] == ["portrait"]
    assert len(query["bbox"][0].split(",")) == 4 and "heat:0.7" in query["opacity"][0]
    # The language switch keeps the view.
    other = parse_qs(urlparse(page.get_attribute("a.lang", "href")).query)
    assert other["layers"] == ["heat"] and other["lang"] == ["en"]
