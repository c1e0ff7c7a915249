"""What every response carries (webapp/security.py): security headers, a nonce-based Content-Security-Policy that
the pages really run under in Chromium, a request id; and the host: a request naming another host is refused, and
with a public URL configured every absolute link is built from it, whatever the request says."""
from __future__ import annotations

import dataclasses
import re

import pytest

from tests.conftest import serving, sign_in
from webapp import create_app
from webapp.errors import PROBLEM_JSON

URLS = ["/", "/sites", "/statistics", "/safety", "/districts/11", "/login", "/no-such-page", "/api/layers",
        "/api/districts", "/ogc", "/ogc/collections?f=html", "/ogc/collections/districts/items?f=json&limit=1",
        "/tiles/districts.json", "/static/riskkarta.css"]


@pytest.mark.parametrize("url", URLS)
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    assert response.status_code < 500
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert re.fullmatch(r"[0-9a-f]{16}", headers["X-Request-Id"])
    assert "Server" not in headers


def test_a_page_runs_only_scripts_that_carry_its_nonce(client):
    for url in ("/map", "/sites", "/districts/11", "/safety"):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        script_src = next(d for d in policy.split("; ") if d.startswith("script-src"))
        assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
        nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
        html = response.get_data(as_text=True)
        inline = [tag for tag in re.findall(r"<script\b[^>]*>", html)
                  if "src=" not in tag and "application/json" not in tag]
        assert inline, url
        assert all(f'nonce="{nonce}"' in tag for tag in inline), (url, inline)
        assert client.get(url).headers["Content-Security-Policy"] != policy  # a new nonce each time


def test_the_request_id_is_the_callers_when_it_is_a_plain_token(client):
    assert client.get("/api/health", headers={"X-Request-Id": "drill-2026-12-03"}).headers["X-Request-Id"] == \
        "drill-2026-12-03"
    for hostile in ("a\r\nSet-Cookie: x=1", "<script>", "x" * 200, "short"):
        given = client.get("/api/health", headers={"X-Request-Id": hostile.replace("\r\n", "")})
        assert re.fullmatch(r"[0-9a-f]{16}", given.headers["X-Request-Id"])


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "evil.example:80"])
def test_a_request_for_another_host_is_refused(client, host):
    for url in ("/ogc/collections", "/tiles/flood.json", "/api/layers"):
        response = client.get(url, headers={"Host": host})
        assert response.status_code == 400 and response.mimetype == PROBLEM_JSON, (url, host)
        assert host.split(":")[0] not in response.get_data(as_text=True)


def test_with_a_public_url_every_link_is_built_from_it_whatever_the_host(settings, db_session):
    app = create_app(dataclasses.replace(settings, public_url="https://riskkarta.example.se/karta"))
    client = app.test_client()
    for headers in ({}, {"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}):
        body = client.get("/karta/ogc/collections?f=json", headers=headers).get_data(as_text=True)
        assert "https://riskkarta.example.se/karta/ogc/collections" in body and "evil" not in body
        tilejson = client.get("/karta/tiles/flood.json", headers=headers).get_json()
        assert tilejson["tiles"][0].startswith("https://riskkarta.example.se/karta/tiles/flood/")
    app.extensions["riskkarta.engine"].dispose()


def test_the_pages_run_under_their_policy_in_chromium(live_server, browser_page, settings):
    page, log = browser_page
    for url in ("/", "/map", "/sites", "/districts/11", "/statistics", "/safety", "/login", "/ogc/collections?f=html"):
        page.goto(live_server + url, wait_until="networkidle")
    sign_in(page, live_server, "city@demo.riskkarta.se")
    for url in ("/city", "/pictures", "/sites"):
        page.goto(live_server + url, wait_until="networkidle")
    assert log["errors"] == []
    # A script injected without the nonce does not run.
    page.goto(live_server + "/map", wait_until="networkidle")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';
                              document.body.appendChild(s); }""")
    assert page.evaluate("window.injected") is None
    assert any("Content Security Policy" in m for m in log["errors"])


def test_a_committees_picture_editor_runs_under_the_policy(browser_page, settings, database_url):
    with serving(dataclasses.replace(settings, anonymous_role="public")) as url:
        page, log = browser_page
        sign_in(page, url, "sodermalm@demo.riskkarta.se")
        page.goto(url + "/pictures", wait_until="networkidle")
        link = page.locator("a[href^='/pictures/']").first
        if link.count():
            link.click()
            page.wait_for_load_state("networkidle")
        assert log["errors"] == []
