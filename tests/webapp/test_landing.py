"""The landing page (/): each part with who it is for, the state of the data; the viewer moved to /map and an old
viewer link to / that carries a view's state is sent there."""
from __future__ import annotations

import re

import pytest


def test_the_landing_page_says_what_each_part_is_for_and_links_it(client):
    html = client.get("/").get_data(as_text=True)
    for href in ('href="/map"', 'href="/sites"', 'href="/pictures"', 'href="/city"', 'href="/statistics"',
                 'href="/safety"'):
        assert href in html, href
    assert "För stadsplanerare." in html and "För stadsdelsnämnderna." in html
    assert "13 stadsdelsområden." in html and "Demonstrationsdata" in html


def test_the_landing_page_shows_each_visible_layers_data_state(client, as_role):
    as_role("viewer")
    html = client.get("/?lang=en").get_data(as_text=True)
    table = re.search(r'<table class="data-state">.*?</table>', html, re.S).group(0)
    assert "Flooding" in table or "flood" in table.lower()
    assert table.count("<tr>") >= 6 and "Demo data" in table


@pytest.mark.parametrize("query", ["layers=flood,crime&bbox=17.9,59.2,18.2,59.4", "opacity=flood:0.5&lang=en"])
def test_an_old_viewer_link_with_a_view_is_sent_to_the_map(client, query):
    answer = client.get("/?" + query)
    assert answer.status_code == 301
    assert answer.headers["Location"].startswith("/map?") and all(p.split("=")[0] in answer.headers["Location"]
                                                                for p in query.split("&"))


def test_the_viewer_is_at_map_and_the_top_bar_links_it(client):
    assert client.get("/map").status_code == 200
    assert 'href="/map">Karta</a>' in client.get("/sites").get_data(as_text=True)
