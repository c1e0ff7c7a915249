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


# --- the signed-in user's own tasks --------------------------------------------------------------------------------

def _tasks(html: str) -> str:
    found = re.search(r'<section class="tasks".*?</section>', html, re.S)
    return found.group(0) if found else ""


@pytest.fixture()
def people(db_session):
    from tests.conftest import token_headers

    return {"member": token_headers(db_session, "tasks-member@example.se", "committee", ("11",)),
            "other": token_headers(db_session, "tasks-other@example.se", "committee", ("10",)),
            "city": token_headers(db_session, "tasks-city@example.se", "city"),
            "planner": token_headers(db_session, "tasks-planner@example.se", "viewer"),
            "colleague": token_headers(db_session, "tasks-colleague@example.se", "viewer")}


def _picture(client, who, district, topic, year=None, tertial=None) -> int:
    from webapp.services.pictures import current_period

    now_year, now_tertial = current_period()
    body = {"district": district, "year": year or now_year, "tertial": tertial or now_tertial, "topic": topic}
    made = client.post("/api/pictures", json=body, headers=who)
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def test_a_committee_member_sees_the_pictures_due_this_tertial_and_the_returned_ones(client, people):
    draft = _picture(client, people["member"], "11", "crime")
    submitted = _picture(client, people["member"], "11", "accidents")
    returned = _picture(client, people["member"], "11", "threats", year=2025, tertial=2)
    elsewhere = _picture(client, people["other"], "10", "crime")
    for picture in (submitted, returned):
        assert client.post(f"/api/pictures/{picture}/submit", headers=people["member"]).status_code == 200
    assert client.post(f"/api/pictures/{returned}/return", json={"comment": "Rita åtgärderna tydligare."},
                       headers=people["city"]).status_code == 200
    tasks = _tasks(client.get("/", headers=people["member"]).get_data(as_text=True))
    assert "Dina uppgifter" in tasks and "Södermalm" in tasks
    assert f'href="/pictures/{draft}"' in tasks and "utkast, inte inlämnad" in tasks
    # Missing topics of this tertial are named, with a way to start one; a submitted one is not due.
    assert "inte påbörjade:" in tasks and "Olyckor" not in tasks.split("inte påbörjade:")[1].split("</li>")[0]
    assert "/pictures?district=11" in tasks
    assert f'href="/pictures/{submitted}"' not in tasks
    assert f'href="/pictures/{returned}"' in tasks and "Rita åtgärderna tydligare." in tasks
    assert f'href="/pictures/{elsewhere}"' not in tasks and "Östermalm" not in tasks


def test_the_city_sees_the_pictures_waiting_for_its_decision(client, people):
    waiting = _picture(client, people["member"], "11", "crime")
    draft = _picture(client, people["member"], "11", "accidents")
    assert client.post(f"/api/pictures/{waiting}/submit", headers=people["member"]).status_code == 200
    tasks = _tasks(client.get("/?lang=en", headers=people["city"]).get_data(as_text=True))
    assert "Waiting for your decision" in tasks and f'href="/pictures/{waiting}?lang=en"' in tasks
    assert f"/pictures/{draft}" not in tasks and "due this tertial" not in tasks


def test_the_city_with_nothing_waiting_is_told_where_to_look(client, people, db_session):
    from sqlalchemy import text

    db_session.execute(text("UPDATE situation_picture SET status = 'accepted' WHERE status = 'submitted'"))
    tasks = _tasks(client.get("/?lang=en", headers=people["city"]).get_data(as_text=True))
    assert "No submitted picture waits for a decision." in tasks and 'href="/city?lang=en"' in tasks


def test_everyone_signed_in_sees_their_own_recent_site_checks(client, people):
    from tests.webapp.test_site_pages import create_check

    mine = create_check(client, people["planner"], reference="DNR-TASKS-1")
    theirs = create_check(client, people["colleague"], reference="DNR-TASKS-2")
    tasks = _tasks(client.get("/?lang=en", headers=people["planner"]).get_data(as_text=True))
    assert "Your recent site checks" in tasks
    assert f'href="/sites/{mine["id"]}?lang=en"' in tasks and "DNR-TASKS-1" in tasks
    assert f'/sites/{theirs["id"]}' not in tasks
    # A viewer has no pictures to submit or decide on.
    assert "due this tertial" not in tasks and "Waiting for your decision" not in tasks


def test_a_user_without_checks_is_told_what_to_do_next(client, people):
    tasks = _tasks(client.get("/?lang=en", headers=people["colleague"]).get_data(as_text=True))
    assert "You have no saved site check yet." in tasks and 'href="/sites?lang=en"' in tasks


def test_a_visitor_is_asked_to_sign_in_for_tasks_and_pointed_to_the_guide(client):
    html = client.get("/").get_data(as_text=True)
    assert _tasks(html) == ""
    assert "/login?next=/" in html and "för att se dina uppgifter" in html and 'href="/help"' in html
