"""The committee's map editor in headless Chromium against the live server: a member starts a picture from the list,
draws an area, names it and saves it, and finds it after a reload; two members edit one annotation at once and the
one with the stale copy gets the conflict view, keeps their drawing and can keep it; the city returns a picture
with a comment from the same page; someone who may only read gets no editor."""
from __future__ import annotations

import json

import pytest

from tests.conftest import committed_token, sign_in, wait_for_js

MEMBER = "sodermalm@demo.riskkarta.se"  # committee member of Södermalm (11)
SQUARE = {"type": "Polygon", "coordinates": [[[18.0700, 59.3130], [18.0760, 59.3130], [18.0760, 59.3160],
                                              [18.0700, 59.3160], [18.0700, 59.3130]]]}


def _saved(page) -> None:
    wait_for_js(page, "document.getElementById('save-state').dataset.state === 'saved'")


def _api(page, method: str, url: str, headers: dict, body=None):
    response = page.request.fetch(url, method=method, headers=headers | {"Content-Type": "application/json"},
                                  data=json.dumps(body) if body is not None else None)
    return response.status, (response.json() if response.body() else None)


@pytest.fixture(scope="module")
def member_headers(database_url):
    return committed_token(database_url, MEMBER)


def _picture_with_square(page, live_server, member_headers, year: int) -> tuple[int, int]:
    status, picture = _api(page, "POST", live_server + "/api/pictures", member_headers,
                           {"district": "11", "year": year, "tertial": 2, "topic": "accidents"})
    assert status == 201, picture
    status, feature = _api(page, "POST", f"{live_server}/api/pictures/{picture['id']}/annotations", member_headers,
                           {"type": "Feature", "geometry": SQUARE,
                            "properties": {"kind": "risk_object", "severity": 2, "title": "Kajen"}})
    assert status == 201, feature
    return picture["id"], feature["id"]


def test_a_member_draws_an_area_saves_it_and_finds_it_after_a_reload(live_server, browser_page, artifacts):
    page, log = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, MEMBER)
    page.goto(live_server + "/pictures", wait_until="networkidle")
    page.fill("#n-year", "2032")
    page.select_option("#n-tertial", "2")
    page.select_option("#n-topic", "crime")
    page.fill("#n-summary", "Oro kring torget kvällstid")
    page.locator("#new-picture button[type=submit]").click()
    page.wait_for_url("**/pictures/*", wait_until="networkidle")
    assert page.locator("#save-state").text_content() == "Sparat"
    assert page.input_value("#picture-summary") == "Oro kring torget kvällstid"

    box = page.locator("#picture-map .folium-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.locator(".leaflet-draw-draw-polygon").click()
    for dx, dy in ((-60, -40), (60, -40), (60, 40), (-60, 40), (-60, -40)):
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(100)
    assert page.locator("#save-state").get_attribute("data-state") == "unsaved"
    page.locator("#annotation-save").click()   # no title yet: said, nothing sent
    assert page.locator("#annotation-error").text_content() == "Ge markeringen en titel."
    page.fill("#a-title", "Torget <b>kväll</b>")
    page.select_option("#a-kind", "measure")
    assert page.locator("#a-measure").is_visible()
    page.fill("#a-responsible", "Polisen & fastighetsägarna")
    page.locator("#annotation-save").click()
    _saved(page)
    page.screenshot(path=str(artifacts / "picture-editor.png"), full_page=True)

    page.reload(wait_until="networkidle")
    row = page.locator("#annotations-table tbody tr")
    assert row.count() == 1
    assert row.first.locator("td").first.text_content() == "Torget <b>kväll</b>"   # as text, never as markup
    assert "Åtgärd" in row.first.inner_text() and "Polisen & fastighetsägarna" in row.first.inner_text()
    assert page.locator("#picture-map path.leaflet-interactive").count() >= 2   # the district and the area
    page.locator("#annotations-table tbody button").first.click()
    assert page.input_value("#a-title") == "Torget <b>kväll</b>"
    assert page.input_value("#a-measure-status") == "planned"

    # Deleting it goes through the same page and is gone after a reload too.
    page.locator("#annotation-delete").click()
    _saved(page)
    page.reload(wait_until="networkidle")
    assert page.locator("#annotations-table tbody tr").count() == 0
    assert page.locator("#annotations-empty").is_visible()
    assert not log["errors"] and not log["outside"], log


def test_a_stale_copy_gets_the_conflict_view_and_keeps_its_drawing(live_server, browser_page, member_headers,
                                                                     artifacts):
    first, log = browser_page
    picture_id, annotation_id = _picture_with_square(first, live_server, member_headers, 2033)
    url = f"{live_server}/pictures/{picture_id}"
    second = first.context.browser.new_context(viewport={"width": 820, "height": 1000}, locale="sv-SE").new_page()
    errors = []
    second.on("pageerror", lambda exc: errors.append(str(exc)))
    for page in (first, second):
        sign_in(page, live_server, MEMBER)
        page.goto(url, wait_until="networkidle")

    # The first member renames the annotation and saves.
    first.locator("#annotations-table tbody button").first.click()
    first.fill("#a-title", "Kajen (ny rubrik)")
    first.locator("#annotation-save").click()
    _saved(first)

    # The second, from the copy loaded before, moves a corner of the same area: the save meets a 412.
    second.locator("#annotations-table tbody button").first.click()
    second.select_option("#a-severity", "4")
    second.locator(".leaflet-draw-edit-edit").click()
    corner = second.locator(".leaflet-editing-icon").first.bounding_box()
    x, y = corner["x"] + corner["width"] / 2, corner["y"] + corner["height"] / 2
    second.mouse.move(x, y)
    second.mouse.down()
    second.mouse.move(x - 40, y - 30, steps=5)
    second.mouse.up()
    second.locator(".leaflet-draw-actions a[title='Behåll de ändrade formerna']").click()
    second.wait_for_selector("#conflict:not([hidden])")
    assert second.locator("#save-state").get_attribute("data-state") == "unsaved"
    conflict = second.locator("#conflict").inner_text()
    assert "Någon annan har ändrat markeringen" in conflict
    assert "Kajen (ny rubrik)" in conflict and "4 – mycket hög" in conflict and "ändrad" in conflict
    assert second.input_value("#a-title") == "Kajen" and second.input_value("#a-severity") == "4"   # theirs kept
    assert second.locator("path[stroke-dasharray='8 6']").count() == 1     # the saved version, dashed
    mine = second.evaluate("() => riskkartaPictures.editor.list()[0].layer.toGeoJSON(6).geometry")
    assert mine["coordinates"] != SQUARE["coordinates"]
    second.screenshot(path=str(artifacts / "picture-conflict.png"), full_page=True)

    # Keeping theirs... no: the second member keeps their own version, which overwrites on the current ETag.
    second.locator("#conflict-keep").click()
    _saved(second)
    status, saved = _api(second, "GET", f"{live_server}/api/pictures/{picture_id}/annotations/{annotation_id}",
                         member_headers)
    assert status == 200 and saved["properties"]["severity"] == 4 and saved["properties"]["title"] == "Kajen"
    assert saved["properties"]["version"] == 3
    assert saved["geometry"]["coordinates"] == [[[round(x, 6), round(y, 6)] for x, y in ring]
                                               for ring in mine["coordinates"]]
    # Nothing was lost on the way: the history holds both changes.
    status, history = _api(second, "GET", f"{live_server}/api/pictures/{picture_id}/history", member_headers)
    titles = [e["after"]["properties"]["title"] for e in history["events"] if e["entity"] == "annotation"]
    assert titles[:2] == ["Kajen", "Kajen (ny rubrik)"]
    assert not log["errors"] and not errors, (log, errors)


def test_taking_the_saved_version_replaces_the_drawing(live_server, browser_page, member_headers):
    page, log = browser_page
    picture_id, annotation_id = _picture_with_square(page, live_server, member_headers, 2034)
    sign_in(page, live_server, MEMBER)
    page.goto(f"{live_server}/pictures/{picture_id}", wait_until="networkidle")
    status, _ = _api(page, "PATCH", f"{live_server}/api/pictures/{picture_id}/annotations/{annotation_id}",
                     member_headers | {"If-Match": '"1"'}, {"properties": {"title": "Kajen (från API)"}})
    assert status == 200
    page.locator("#annotations-table tbody button").first.click()
    page.fill("#a-title", "Min rubrik")
    page.locator("#annotation-save").click()
    page.wait_for_selector("#conflict:not([hidden])")
    page.locator("#conflict-take").click()
    _saved(page)
    assert page.input_value("#a-title") == "Kajen (från API)"
    assert page.locator("#conflict").is_hidden() and page.locator("path[stroke-dasharray='8 6']").count() == 0


def test_the_city_returns_a_submitted_picture_with_a_comment_and_the_member_can_edit_again(
        live_server, browser_page, member_headers):
    page, log = browser_page
    picture_id, _ = _picture_with_square(page, live_server, member_headers, 2035)
    url = f"{live_server}/pictures/{picture_id}"
    sign_in(page, live_server, MEMBER)
    page.goto(url, wait_until="networkidle")
    page.locator("#picture-submit").click()
    page.wait_for_url(url, wait_until="networkidle")
    page.wait_for_selector(".status-submitted")
    assert page.locator(".leaflet-draw").count() == 0 and page.locator("#picture-submit").count() == 0
    assert page.locator("#picture-summary").count() == 0   # read-only while submitted

    city = page.context.browser.new_context(locale="sv-SE").new_page()
    sign_in(city, live_server, "city@demo.riskkarta.se")
    city.goto(url, wait_until="networkidle")
    city.locator("#picture-return").click()            # no comment yet: said, nothing sent
    assert city.locator("#picture-message").text_content() == "Skriv vad nämnden ska ändra."
    city.fill("#picture-comment", "Lägg till <åtgärder> vid kajen")
    city.locator("#picture-return").click()
    city.wait_for_selector(".status-returned")
    assert city.locator("#comment-heading + p").text_content() == "Lägg till <åtgärder> vid kajen"

    page.reload(wait_until="networkidle")
    assert page.locator(".leaflet-draw").count() == 1 and page.locator("#picture-submit").count() == 1


def test_a_reader_gets_the_map_and_the_table_but_no_editor(live_server, browser_page, member_headers):
    page, log = browser_page
    picture_id, _ = _picture_with_square(page, live_server, member_headers, 2036)
    sign_in(page, live_server, "city@demo.riskkarta.se")
    page.goto(f"{live_server}/pictures/{picture_id}", wait_until="networkidle")
    assert page.locator(".leaflet-draw").count() == 0 and page.locator("#annotation-form").count() == 0
    assert page.locator("#annotations-table tbody tr").count() == 1
    assert page.locator("#picture-accept").count() == 0     # a draft: nothing for the city to decide yet
    assert not log["errors"], log


def test_a_member_adds_a_computed_hotspot_with_its_statistics(live_server, browser_page, member_headers):
    page, log = browser_page
    status, picture = _api(page, "POST", live_server + "/api/pictures", member_headers,
                           {"district": "11", "year": 2038, "tertial": 2, "topic": "crime"})
    assert status == 201, picture
    sign_in(page, live_server, MEMBER)
    page.goto(f"{live_server}/pictures/{picture['id']}", wait_until="networkidle")
    first = page.locator("#hotspot-clusters button").first
    first.wait_for()
    assert "z" in page.locator("#hotspot-clusters li").first.inner_text()
    first.click()
    wait_for_js(page, "document.getElementById('hotspot-state').textContent.length > 0")
    assert "tillagd" in page.text_content("#hotspot-state")
    assert page.locator("#annotations-table tbody tr").count() == 1
    assert "Gi*" in page.locator("#annotations-table tbody tr").first.inner_text()
    status, listed = _api(page, "GET", f"{live_server}/api/pictures/{picture['id']}/annotations", member_headers)
    stats = listed["features"][0]["properties"]["statistics"]
    assert stats["period"] == "12m" and stats["cells"] and stats["parameters"]["shape"] == "hex"
    assert not log["errors"], log
