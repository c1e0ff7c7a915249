"""Text that users write comes back as text on every page that shows it: a site check's title and reference on its
report, in the list of saved checks and on the district's page; an email typed into the sign-in form (the situation
picture pages have their own). Each payload must be absent as markup and present escaped."""
from __future__ import annotations

import html

import pytest
from markupsafe import escape

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
