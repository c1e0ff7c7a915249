"""Errors on page routes: an HTML page in the page's language for a browser, with the right status, what happened,
the problem's own detail where it helps and the way back; problem+json for a client that asks for JSON, and always
on the API, OGC and tile routes. No traceback ever reaches a page."""
from __future__ import annotations

import re

import pytest
from sqlalchemy.exc import OperationalError

from webapp import create_app
from webapp.errors import PROBLEM_JSON

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TITLES = {"sv": {404: "Hittades inte", 405: "Inte möjligt på den här adressen", 400: "Begäran kunde inte användas",
                 500: "Något gick fel", 503: "Kartdatabasen går inte att nå"},
          "en": {404: "Not found", 405: "Not possible at this address", 400: "The request could not be used",
                 500: "Something went wrong", 503: "The map database cannot be reached"}}


def heading(html: str) -> str:
    found = re.search(r'<h1 id="error-heading">(.*?)</h1>', html, re.S)
    return found.group(1).strip() if found else ""


def assert_page(response, status: int, lang: str = "sv") -> str:
    assert response.status_code == status and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html and heading(html) == TITLES[lang][status]
    suffix = "?lang=en" if lang == "en" else ""
    assert f'<a href="/map{suffix}">' in html and f'<a href="/sites{suffix}">' in html  # the way back
    assert "Traceback" not in html and "File &#34;" not in html and 'File "' not in html
    assert "Accept" in response.headers.get("Vary", "")
    return html


@pytest.mark.parametrize("accept", ["application/json", PROBLEM_JSON])
def test_a_client_asking_for_json_gets_problem_json_on_a_page_url(client, accept):
    response = client.get("/sites/999999", headers={"Accept": accept})
    assert response.status_code == 404 and response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert body["type"] == "urn:riskkarta:problem:not-found" and body["status"] == 404
    assert body["detail"] == "There is no saved site check 999999."


def test_a_client_sending_no_accept_keeps_problem_json(client):
    assert client.get("/districts/nope").mimetype == PROBLEM_JSON


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize(("path", "detail"), [("/sites/999999", "There is no saved site check 999999."),
                                              ("/districts/nope", "There is no district with code &#39;nope&#39;.")])
def test_a_missing_thing_is_a_404_page_in_the_pages_language_with_the_problems_detail(client, path, detail, lang):
    html = assert_page(client.get(path + ("?lang=en" if lang == "en" else ""), headers=BROWSER), 404, lang)
    label = {"sv": "Detaljer (på engelska)", "en": "Details"}[lang]  # problem details stay English
    assert f'{label}: <span lang="en">{detail}</span>' in html


def test_an_unknown_address_and_a_wrong_method_are_pages_too(client):
    assert_page(client.get("/no-such-page", headers=BROWSER), 404)
    response = client.post("/districts/11", headers=BROWSER)
    assert_page(response, 405)
    assert "GET" in response.headers["Allow"]
    assert client.post("/districts/11", headers={"Accept": "application/json"}).mimetype == PROBLEM_JSON


def test_a_nul_in_a_page_address_is_a_400_page(client):
    html = assert_page(client.get("/sites?x=%00&lang=en", headers=BROWSER), 400, "en")
    assert "NUL character" in html


def test_the_api_ogc_and_tiles_answer_problem_json_even_to_a_browser(client):
    for path in ("/api/districts/nope", "/ogc/collections/nope", "/tiles/nope.json", "/api/nothing-here"):
        response = client.get(path, headers=BROWSER)
        assert response.status_code == 404 and response.mimetype == PROBLEM_JSON, path


@pytest.fixture()
def failing_app(settings):
    """A fresh app with two routes that fail: an unexpected exception and an unreachable database."""
    app = create_app(settings)

    @app.get("/broken")
    def broken():
        raise ZeroDivisionError("secret internals: password=hunter2")

    @app.get("/offline")
    def offline():
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    yield app
    app.extensions["riskkarta.engine"].dispose()


def test_the_last_resort_500_is_a_page_without_a_traceback(failing_app):
    client = failing_app.test_client()
    html = assert_page(client.get("/broken", headers=BROWSER), 500)
    assert "ZeroDivisionError" not in html and "hunter2" not in html and "secret internals" not in html
    response = client.get("/broken", headers={"Accept": "application/json"})
    assert response.status_code == 500 and response.mimetype == PROBLEM_JSON
    assert "hunter2" not in response.get_data(as_text=True)


def test_an_unreachable_database_is_a_503_page(failing_app):
    client = failing_app.test_client()
    html = assert_page(client.get("/offline?lang=en", headers=BROWSER), 503, "en")
    assert "connection refused" not in html and "SELECT 1" not in html
    assert client.get("/offline", headers={"Accept": PROBLEM_JSON}).status_code == 503


@pytest.mark.browser
@pytest.mark.parametrize(("path", "lang"), [("/sites/999999", "sv"), ("/districts/nope", "sv"),
                                            ("/sites/999999?lang=en", "en"), ("/districts/nope?lang=en", "en")])
def test_chromium_gets_a_404_page_in_the_pages_language_with_a_way_back(live_server, artifacts, browser_page, path,
                                                                         lang):
    page, log = browser_page
    response = page.goto(live_server + path, wait_until="networkidle")
    assert response.status == 404 and response.headers["content-type"].startswith("text/html")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text() == TITLES[lang][404]
    name = path.strip("/").replace("/", "_").replace("?lang=", "_")
    page.screenshot(path=str(artifacts / f"error_{name}.png"), full_page=True)
    page.locator(".ways-back a").first.click()
    page.wait_for_url(re.compile(r"/map(\?|$)"))  # the viewer writes its view into the address once it is up
    assert page.locator(".layer-tree").count() == 1  # the viewer
    assert page.locator("html").get_attribute("lang") == lang
    assert log["errors"] == [] and log["outside"] == []
    assert [f for f in log["failed"] if "999999" not in f and "nope" not in f] == []
