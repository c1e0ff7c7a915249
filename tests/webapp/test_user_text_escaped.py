"""Text that users write comes back as text on every page that shows it: a site check's title and reference on its
report, in the list of saved checks and on the district's page; an email typed into the sign-in form; a situation
picture's summary and annotation titles, and the email of who wrote them, on the city's view, the list of pictures
and the comparison of periods (test_picture_pages.py has the picture's own page). Each payload must be absent as
markup and present escaped."""
from __future__ import annotations

import html

import pytest
from markupsafe import escape

from tests.conftest import token_headers
from webapp.services import accounts
from webapp.services.accounts import tokens

PAYLOADS = ('<script>alert("rk")</script>', '"><img src=x onerror=alert(1)>', "<svg/onload=alert(1)>",
            "javascript:alert(1)//</textarea></title>")
SODERMALM = {"type": "Point", "coordinates": [18.0735, 59.3143]}


@pytest.fixture()
def planner(db_session):
    accounts.add_user(db_session, "planner-xss@example.se", "viewer")
    return {"Authorization": f"Bearer {tokens.create_token(db_session, 'planner-xss@example.se')[0]}"}


def _shown_as_text(page: str, payload: str) -> None:
    if "<" in payload:
        assert payload not in page
    assert any(form in page for form in (str(escape(payload)), html.escape(payload, quote=False)))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_site_checks_own_texts_are_text_on_every_page(client, planner, payload):
    feature = {"type": "Feature", "geometry": SODERMALM,
               "properties": {"land_use": "C", "given_as": "map", "title": payload, "reference": payload[:40]}}
    created = client.post("/api/site-checks", json=feature, headers=planner)
    assert created.status_code == 201, created.get_data(as_text=True)
    check = created.get_json()
    for path in (f"/sites/{check['id']}", f"/sites/{check['id']}?lang=en", "/sites", "/districts/11"):
        page = client.get(path, headers=planner).get_data(as_text=True)
        _shown_as_text(page, payload)


@pytest.mark.parametrize("payload", PAYLOADS[:2])
def test_an_email_typed_into_the_sign_in_form_comes_back_as_text(client, payload):
    form = client.get("/login").get_data(as_text=True)
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"csrf_token": token, "email": payload, "password": "x"})
    assert response.status_code in (200, 401)
    _shown_as_text(response.get_data(as_text=True), payload)


# An email address may hold markup (the identity provider's claim is taken as it comes, if it looks like an email).
MARKUP_EMAIL = '"><svg/onload=alert(1)>@example.se'


@pytest.fixture()
def picture_people(db_session):
    """A committee member of Södermalm (11) whose email holds markup, and the city office."""
    return {"member": token_headers(db_session, MARKUP_EMAIL, "committee", ("11",)),
            "city": token_headers(db_session, "city-xss@example.se", "city")}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_pictures_own_texts_are_text_on_the_city_view_the_list_and_the_comparison(client, picture_people, payload):
    member, city = picture_people["member"], picture_people["city"]
    created = client.post("/api/pictures", headers=member, json={"district": "11", "year": 2031, "tertial": 1,
                                                                 "topic": "crime", "summary": payload})
    assert created.status_code == 201, created.get_json()
    url = created.headers["Location"]
    drawn = client.post(url + "/annotations", headers=member, json={"type": "Feature", "geometry": SODERMALM,
                        "properties": {"kind": "observation", "severity": 3, "title": payload, "body": payload}})
    assert drawn.status_code == 201, drawn.get_json()
    assert client.post(url + "/submit", headers=member).status_code == 200
    assert client.post(url + "/accept", headers=city).status_code == 200
    assert client.post(url + "/copy-forward", headers=member).status_code == 201      # 2031 T2, the title copied
    # What each page shows of it (none shows the summary, which must not come back as markup either).
    shown = {"/city?year=2031&tertial=1": (payload, MARKUP_EMAIL),        # the annotation's title, who submitted
             "/pictures?year=2031": (MARKUP_EMAIL,),                      # who changed the picture last
             "/pictures/compare?district=11&topic=crime&from=2031-1&to=2031-2": (payload,)}
    for path, texts in shown.items():
        for lang in ("", "&lang=en"):
            response = client.get(path + lang, headers=city)
            assert response.status_code == 200, (path, response.status_code)
            page = response.get_data(as_text=True)
            for written in texts:
                _shown_as_text(page, written)
            if "<" in payload:
                assert payload not in page, path


@pytest.mark.parametrize("payload", PAYLOADS)
def test_what_the_comparison_was_asked_comes_back_as_text(client, planner, payload):
    asked = {"district": "11", "topic": "crime", "from": payload, "to": payload, "tolerance": payload}
    response = client.get("/pictures/compare", query_string=asked, headers=planner)
    assert response.status_code == 400
    _shown_as_text(response.get_data(as_text=True), payload)
