"""The situation picture pages: the list a user may see, filtered, and one picture's read view; user text as text."""
from __future__ import annotations

import pytest
from markupsafe import escape

from tests.conftest import PICTURE_PEOPLE, token_headers

XSS = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
SQUARE = {"type": "Polygon", "coordinates": [[[18.0700, 59.3130], [18.0722, 59.3130], [18.0722, 59.3140],
                                              [18.0700, 59.3140], [18.0700, 59.3130]]]}


@pytest.fixture()
def heads(db_session):
    return {"public": {}} | {key: token_headers(db_session, f"{key}-pp@example.se", role, districts)
                             for key, role, districts in PICTURE_PEOPLE}


def _picture(client, heads, **extra):
    body = {"district": "11", "year": 2026, "tertial": 2, "topic": "crime", "summary": XSS} | extra
    created = client.post("/api/pictures", json=body, headers=heads["member"])
    assert created.status_code == 201, created.get_json()
    url = created.headers["Location"]
    drawn = client.post(url + "/annotations", headers=heads["member"], json={
        "type": "Feature", "geometry": SQUARE,
        "properties": {"kind": "measure", "severity": 2, "title": XSS, "body": XSS, "responsible": XSS,
                       "measure_type": "social", "measure_status": "planned"}})
    assert drawn.status_code == 201, drawn.get_json()
    return created.get_json()["id"]


def test_each_user_lists_what_they_may_see(client, heads):
    draft = _picture(client, heads)
    accepted = _picture(client, heads, topic="accidents")
    client.post(f"/api/pictures/{accepted}/submit", headers=heads["member"])
    assert client.post(f"/api/pictures/{accepted}/accept", headers=heads["city"]).status_code == 200
    link = 'href="/pictures/{}"'.format
    for who, sees_draft, sees_accepted in (("public", False, False), ("viewer", False, True),
                                           ("member", True, True), ("other", False, True), ("city", True, True)):
        page = client.get("/pictures", headers=heads[who]).get_data(as_text=True)
        assert (link(draft) in page) == sees_draft and (link(accepted) in page) == sees_accepted, who
    public = client.get("/pictures").get_data(as_text=True)
    assert "/login?next=/pictures" in public
    filtered = client.get("/pictures?status=accepted&year=2026&tertial=2", headers=heads["city"]).get_data(True)
    assert link(accepted) in filtered and link(draft) not in filtered


@pytest.mark.parametrize("query", ["status=nope", "year=20x6", "tertial=4", "topic=%C2%B2", "year=%D9%A1"])
def test_a_bad_filter_is_a_clear_400_not_a_500(client, heads, query):
    response = client.get("/pictures?" + query, headers=heads["city"])
    assert response.status_code == 400 and "filtervärdet är okänt" in response.get_data(as_text=True)


def test_the_picture_page_shows_user_text_as_text_and_only_to_readers(client, heads):
    picture = _picture(client, heads)
    for who in ("member", "city"):
        response = client.get(f"/pictures/{picture}?lang=en", headers=heads[who])
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and XSS not in page and page.count(str(escape(XSS))) >= 4
        assert "Measure" in page and "<svg" not in page.split('class="annotations-table"')[1][:2000]
    assert "Read only" in client.get(f"/pictures/{picture}?lang=en", headers=heads["city"]).get_data(True)
    assert "Read only" not in client.get(f"/pictures/{picture}?lang=en", headers=heads["member"]).get_data(True)
    for who in ("public", "viewer", "other"):
        assert client.get(f"/pictures/{picture}", headers=heads[who]).status_code == 404
    assert client.get("/pictures/999999", headers=heads["city"]).status_code == 404


def test_the_editor_and_the_workflow_are_offered_only_to_those_who_may_use_them(client, heads):
    picture = _picture(client, heads)
    page = client.get(f"/pictures/{picture}", headers=heads["member"]).get_data(as_text=True)
    assert 'id="picture-config"' in page and "leaflet.draw.js" in page and 'id="picture-submit"' in page
    assert f'href="/pictures/{picture}.pdf"' in page and f'href="/api/pictures/{picture}/export.gpkg"' in page
    assert XSS not in page.split('id="picture-config"')[1]          # the config is JSON with <, > and & escaped
    city = client.get(f"/pictures/{picture}", headers=heads["city"]).get_data(as_text=True)
    assert 'id="picture-config"' not in city and "leaflet.draw.js" not in city and "picture-accept" not in city
    client.post(f"/api/pictures/{picture}/submit", headers=heads["member"])
    submitted = client.get(f"/pictures/{picture}", headers=heads["city"]).get_data(as_text=True)
    assert 'id="picture-accept"' in submitted and 'id="picture-return"' in submitted
    assert "leaflet.draw.js" not in submitted                        # the city decides; it does not draw
    member = client.get(f"/pictures/{picture}", headers=heads["member"]).get_data(as_text=True)
    assert "leaflet.draw.js" not in member and 'id="picture-submit"' not in member and "Endast läsning" in member


def test_the_list_offers_new_pictures_and_copy_forward_to_committee_members_only(client, heads):
    picture = _picture(client, heads)
    client.post(f"/api/pictures/{picture}/submit", headers=heads["member"])
    client.post(f"/api/pictures/{picture}/accept", headers=heads["city"])
    copy = f'data-copy-forward="/api/pictures/{picture}/copy-forward"'
    member = client.get("/pictures", headers=heads["member"]).get_data(as_text=True)
    assert 'id="new-picture"' in member and copy in member and "För över till 2026 T3" in member
    assert '<option value="11">Södermalm</option>' in member and '<option value="10">' not in member.split(
        'id="n-district"')[1].split("</select>")[0]
    other = client.get("/pictures", headers=heads["other"]).get_data(as_text=True)   # Östermalm's member
    assert 'id="new-picture"' in other and '<option value="10">' in other and copy not in other
    for who in ("city", "viewer"):
        page = client.get("/pictures", headers=heads[who]).get_data(as_text=True)
        assert 'id="new-picture"' not in page and copy not in page, who
