"""The district page /districts/<code>: its facts, the layers that touch it with their hazard's summaries, the
saved site checks that touch it, in Swedish and English, for the role's layers only and never an incident point or a
count under 5."""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import text

from webapp.reports import format as fmt
from webapp.services.districts import summary

SODERMALM = {"type": "Point", "coordinates": [18.0735, 59.3143]}  # Medborgarplatsen
RINKEBY = {"type": "Point", "coordinates": [17.9270, 59.3880]}
TEXTS = {
    "sv": {"layers": "Risklager i stadsdelsområdet", "checks": "Sparade platskontroller i stadsdelsområdet",
           "flood": "Översvämning vid skyfall (100-årsregn)", "demo": "Demonstrationsdata", "share": "Andel av den "
           "karterade ytan", "check": "Kontrollera en plats i stadsdelsområdet"},
    "en": {"layers": "Risk layers in the district", "checks": "Saved site checks in the district",
           "flood": "Cloudburst flooding (100-year rain)", "demo": "Demo data", "share": "Share of the mapped area",
           "check": "Check a site in this district"},
}


def create_check(client, headers, geometry=SODERMALM, **props):
    response = client.post("/api/site-checks", json={"type": "Feature", "geometry": geometry,
                                                     "properties": {"land_use": "C", **props}},
                           headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def section(html: str, slug: str) -> str | None:
    found = re.search(rf'<section class="district-layer" data-slug="{slug}".*?</section>', html, re.S)
    return found.group(0) if found else None


def cells(block: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td>(.*?)</td>", block, re.S)]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_page_shows_the_district_its_committee_area_layers_and_links(client, db_session, lang):
    response = client.get(f"/districts/11?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    t = TEXTS[lang]
    assert f'<html lang="{lang}">' in html and "<h1>Södermalm</h1>" in html
    assert '<dd class="committee">Södermalm stadsdelsnämnd</dd>' in html
    area = db_session.execute(text("SELECT ST_Area(geom) FROM district WHERE code = '11'")).scalar_one()
    assert fmt.area(area, lang) in html and fmt.area(area, lang).endswith(" ha")
    assert t["demo"] in html and t["layers"] in html and t["checks"] in html
    flood = section(html, "flood")
    assert flood and t["flood"] in flood and t["share"] in flood and "%" in flood
    assert section(html, "hazardous-goods") and section(html, "heat") and section(html, "crime")
    assert 'href="/api/districts/11" type="application/geo+json"' in html
    assert 'href="/ogc/collections/districts/items/11' in html
    assert re.search(rf'<a href="/sites(\?lang=en)?">{t["check"]}</a>', html)
    assert not re.search(r"https?://(?!www\.w3\.org)", html)  # no asset from outside


def test_the_links_lead_somewhere(client):
    assert client.get("/api/districts/11").status_code == 200
    assert client.get("/ogc/collections/districts/items/11?f=json").status_code == 200


def test_an_unknown_district_is_404(client):
    assert client.get("/districts/nope").status_code == 404


def test_a_role_that_may_not_see_drinking_water_gets_no_summary_of_it(client, as_role):
    as_role("viewer")
    seen = client.get("/districts/1?lang=en").get_data(as_text=True)
    assert section(seen, "drinking-water") or "Drinking water: protection zones and waterworks" in seen
    as_role("public")
    html = client.get("/districts/1?lang=en").get_data(as_text=True)
    assert section(html, "drinking-water") is None
    assert "Drinking water" not in html and "drinking-water" not in html


def test_the_page_never_shows_incident_points_or_counts_under_5(client, db_session, as_role):
    """Even for a role that may see the points elsewhere: counts only, each at least 5 or said as "< 5", and no
    crime tiles on the page's map."""
    as_role("city")
    db_session.execute(text("DELETE FROM incident"))
    db_session.execute(text(
        "INSERT INTO incident (occurred_at, category, source, geom) "
        "SELECT now() - interval '1 day', c, 'test', ST_PointOnSurface(d.geom) FROM district AS d, "
        "unnest(ARRAY['theft', 'theft', 'theft', 'theft', 'theft', 'theft', 'violence', 'violence', 'robbery']) AS c "
        "WHERE d.code = '11'"))
    ids = db_session.execute(text("SELECT id FROM incident")).scalars().all()
    html = client.get("/districts/11?lang=en").get_data(as_text=True)
    crime = section(html, "crime")
    assert crime and "Reported incidents in the last 12 months" in crime
    shown = cells(crime)
    assert shown == ["9", "9"]  # all 9, and the 6 thefts pooled with the violence and robbery they would give away
    assert all(c == "< 5" or int(c) >= 5 for c in shown)
    assert "/tiles/crime/" not in html and "occurred_at" not in html
    assert not any(f'"id": {i}' in html or f"/items/{i}" in html for i in ids)
    db_session.execute(text("DELETE FROM incident WHERE category <> 'robbery'"))
    assert cells(section(client.get("/districts/11").get_data(as_text=True), "crime")) == ["< 5"]


def test_the_page_lists_the_checks_that_touch_the_district_newest_first(client, monkeypatch, planner):
    first = create_check(client, planner, title="Första kontrollen")
    second = create_check(client, planner, title="Andra kontrollen", reference="SBK 2026-1")
    elsewhere = create_check(client, planner, geometry=RINKEBY, title="I Rinkeby")
    html = client.get("/districts/11").get_data(as_text=True)
    listed = re.findall(r'<tr data-check-id="(\d+)">(.*?)</tr>', html, re.S)
    ids = [int(i) for i, _row in listed]
    assert ids.index(second["id"]) < ids.index(first["id"]) and elsewhere["id"] not in ids
    row = dict(listed)[str(second["id"])]
    assert f'href="/sites/{second["id"]}"' in row and "Andra kontrollen" in row and "SBK 2026-1" in row
    assert re.search(r'<span class="verdict (low|moderate|high|very_high|no_data)">', row)
    assert "Äldre kontroller" not in html or len(ids) == summary.CHECKS_SHOWN
    monkeypatch.setattr(summary, "CHECKS_SHOWN", 1)
    html = client.get("/districts/11?lang=en").get_data(as_text=True)
    assert len(re.findall(r"<tr data-check-id=", html)) == 1 and f'data-check-id="{second["id"]}"' in html
    older = re.search(r"Older checks not listed here: (\d+)\.", html)
    assert older and int(older.group(1)) >= 1


def test_a_point_checked_with_a_buffer_touches_the_districts_its_buffer_reaches(client, db_session, planner):
    """A point 20–40 m outside Södermalm touches it with a 50 m buffer (as its report says), not with 10 m."""
    lon, lat = db_session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(ST_Difference(ST_Intersection("
        "ST_Buffer(s.geom, 40), n.geom), ST_Buffer(s.geom, 20))), 4326) AS p FROM district AS s JOIN district AS n "
        "ON n.code <> s.code AND ST_Intersects(n.geom, s.geom) WHERE s.code = '11' ORDER BY n.code LIMIT 1) AS x"
    )).one()
    point = {"type": "Point", "coordinates": [lon, lat]}
    wide = create_check(client, planner, geometry=point, buffer_m=50, title="Vid gränsen")
    narrow = create_check(client, planner, geometry=point, buffer_m=10, title="Nära gränsen")
    assert "11" in [d["code"] for d in wide["districts"]] and "11" not in [d["code"] for d in narrow["districts"]]
    ids = [c.id for c in summary.checks_touching(db_session, "11")[0]]
    assert wide["id"] in ids and narrow["id"] not in ids


def _post_check(page, live_server, title, headers):
    response = page.request.post(live_server + "/api/site-checks", headers=headers, data={
        "type": "Feature", "geometry": SODERMALM, "properties": {"land_use": "C", "title": title}})
    assert response.status == 201, response.text()
    return response.json()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_chromium_shows_the_district_page(live_server, artifacts, browser_page, lang, live_token):
    """The page drawn for real: the district on its map, the summaries and the checks, in either language."""
    page, log = browser_page
    check = _post_check(page, live_server, f"Kontroll på Söder ({lang})", live_token)
    page.goto(live_server + "/districts/11" + ("?lang=en" if lang == "en" else ""), wait_until="networkidle")
    t = TEXTS[lang]
    assert page.locator("h1").inner_text() == "Södermalm"
    assert page.locator("dd.committee").inner_text() == "Södermalm stadsdelsnämnd"
    assert page.locator("dd.area").inner_text().split(" (")[0].endswith(" ha")
    assert page.locator(".leaflet-overlay-pane svg path.leaflet-interactive").count() == 1
    flood = page.locator(".district-layer[data-slug=flood]")
    assert t["flood"] in flood.locator("h3").inner_text() and flood.locator("tbody tr").count() == 5
    assert page.get_by_role("heading", name=t["checks"]).is_visible()
    row = page.locator(f"tr[data-check-id='{check['id']}']")
    assert f"Kontroll på Söder ({lang})" in row.inner_text() and row.locator(".verdict").count() == 1
    page.screenshot(path=str(artifacts / f"district_{lang}.png"), full_page=True)
    assert log == {"outside": [], "errors": [], "failed": []}


def test_the_viewer_links_each_district_to_its_page_and_keeps_the_geojson(client):
    html = client.get("/map").get_data(as_text=True)
    table = re.search(r'<table class="districts">.*?</table>', html, re.S).group(0)
    assert '<a href="/districts/11">Södermalm</a>' in table and "/api/districts/" not in table
    assert 'href="/api/districts" type="application/geo+json"' in html
    assert '<a href="/districts/11?lang=en">Södermalm</a>' in client.get("/map?lang=en").get_data(as_text=True)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_chromium_opens_a_district_page_from_the_viewers_side_panel(live_server, artifacts, browser_page, lang,
                                                                   live_token):
    """Click Södermalm in the viewer's panel: its page, with the committee, the area, the layers with their
    summaries and the checks that touch it, in the viewer's language."""
    page, log = browser_page
    check = _post_check(page, live_server, f"Från kartan ({lang})", live_token)
    page.goto(live_server + "/map" + ("?lang=en" if lang == "en" else ""), wait_until="networkidle")
    page.locator("table.districts").get_by_role("link", name="Södermalm", exact=True).click()
    page.wait_for_url(re.compile(r"/districts/11(\?lang=en)?$"))
    page.wait_for_load_state("networkidle")
    t = TEXTS[lang]
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("dd.committee").inner_text() == "Södermalm stadsdelsnämnd"
    assert page.locator("dd.area").inner_text().split(" (")[0].endswith(" ha")
    assert page.get_by_role("heading", name=t["layers"]).is_visible()
    for slug in ("flood", "heat", "hazardous-goods", "drinking-water", "crime"):
        layer = page.locator(f".district-layer[data-slug='{slug}']")
        if layer.count():  # a layer with nothing in the district is named below instead
            assert layer.locator("tbody tr").count() >= 1 and layer.locator("thead th").count() == 2
    assert t["share"] in page.locator(".district-layer[data-slug=flood]").inner_text()
    row = page.locator(f"tr[data-check-id='{check['id']}']")
    assert f"Från kartan ({lang})" in row.inner_text()
    page.screenshot(path=str(artifacts / f"district_from_viewer_{lang}.png"), full_page=True)
    assert log == {"outside": [], "errors": [], "failed": []}
