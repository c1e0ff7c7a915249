"""The computed hotspots as users get them: the OGC API collection `hotspots` (by period, category and band; counts
only where they reach k; every cell with its z, p and corrected p), refused parameters, and the viewer's hotspot
layer in Chromium with its legend of patterns."""
from __future__ import annotations

import pytest

from tests.conftest import wait_for_js
from webapp.errors import PROBLEM_JSON


def items(client, query=""):
    response = client.get(f"/ogc/collections/hotspots/items?f=json&limit=10000{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_collection_serves_one_run_with_counts_only_from_k(client):
    data = items(client)
    assert data["features"]
    runs = {f["properties"]["run"] for f in data["features"]}
    assert len(runs) == 1                                   # the default: 12m, all categories, all day
    for f in data["features"]:
        p = f["properties"]
        assert set(p) >= {"n", "z", "p", "p_fdr", "class", "confidence", "period", "category", "band"}
        assert p["n"] is None or p["n"] >= 5
        assert p["n"] is not None or p["class"] != 0        # a cell under k is listed only when significant
        assert p["p_fdr"] >= p["p"] - 1e-12 and p["period"] == "12m" and p["category"] == "all"
    hot = items(client, "&hotspot=hot")["features"]
    assert hot and all(f["properties"]["class"] > 0 for f in hot)
    one = hot[0]
    single = client.get(f"/ogc/collections/hotspots/items/{one['id']}?f=json")
    assert single.status_code == 200 and single.get_json()["properties"]["z"] == one["properties"]["z"]


def test_other_runs_are_chosen_by_period_category_and_band(client):
    night = items(client, "&band=night&category=violence")["features"]
    assert night and {f["properties"]["band"] for f in night} == {"night"}
    assert {f["properties"]["category"] for f in night} == {"violence"}


@pytest.mark.parametrize("query", ["&period=2026-7", "&period=x", "&category=arson", "&band=noon", "&hotspot=warm"])
def test_bad_parameters_are_problems(client, query):
    response = client.get(f"/ogc/collections/hotspots/items?f=json{query}")
    assert response.status_code == 400 and response.mimetype == PROBLEM_JSON
    assert response.get_json()["detail"]


def test_the_viewer_draws_the_hotspots_with_patterns_and_says_what_it_shows(live_server, browser_page):
    page, _ = browser_page
    page.goto(f"{live_server}/map")
    legend = page.locator("#hotspots-crime .legend li")
    assert legend.count() == 6 and "99 %" in legend.first.inner_text()
    page.check("#hs-crime-show")
    wait_for_js(page, "document.getElementById('hs-crime-status').textContent.length > 0")
    assert "händelser" in page.text_content("#hs-crime-status")
    cells = page.locator("path.hs-cell")
    assert cells.count() > 0
    assert page.evaluate("getComputedStyle(document.querySelector('path.hs-cell')).fill").startswith('url("#hs-p-')
    page.select_option("#hs-crime-period", index=1)
    page.wait_for_timeout(500)
    wait_for_js(page, "document.getElementById('hs-crime-status').textContent.length > 0")
    page.uncheck("#hs-crime-show")
    assert page.locator("path.hs-cell").count() == 0 and page.text_content("#hs-crime-status") == ""
