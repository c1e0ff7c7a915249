"""Screenshots of the demo city for the README and the user guide (webapp/docs/images/), so they stay current.

    .venv/bin/python scripts/screenshots.py [--only NAME ...]      # or: make screenshots

It starts the app itself (`riskkarta serve`, rate limits off) on a free loopback port against the local database
with the demo city (`make db` loads it), drives Debian's headless Chromium through Playwright with the network
limited to loopback, signs in as the demo users where a page needs one, and writes one PNG per page and language,
1280 × 820 px, reduced to a palette of 256 colours.

So that the pages show something, it makes what they show when it is not there yet, through the API as the demo
users would, and finds it again on the next run: a saved site check with the reference SKÄRMBILD-1, Södermalm's
crime picture of the current tertial as a draft with a few annotations, and Norrmalm's submitted to the city."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local_app import fail, make_token, revoke_tokens, served  # noqa: E402

from webapp.services.accounts import DEMO_PASSWORD  # noqa: E402
from webapp.services.pictures import current_period  # noqa: E402

IMAGES = ROOT / "webapp" / "docs" / "images"
WIDTH, HEIGHT = 1280, 820
MAX_BYTES = 300_000
REFERENCE = "SKÄRMBILD-1"
# Demo places: Medborgarplatsen on Södermalm, and around Sergels torg in Norrmalm (WGS 84 lon/lat).
SITE = {"type": "Point", "coordinates": [18.0735, 59.3143]}
SODERMALM = [
    ({"type": "Polygon", "coordinates": [[[18.0700, 59.3135], [18.0770, 59.3135], [18.0770, 59.3158],
                                          [18.0700, 59.3158], [18.0700, 59.3135]]]},
     {"kind": "hotspot", "severity": 3, "title": "Medborgarplatsen kvällstid",
      "body": "Rån och misshandel fredag–lördag kväll."}),
    ({"type": "LineString", "coordinates": [[18.0640, 59.3175], [18.0705, 59.3160], [18.0760, 59.3152]]},
     {"kind": "incident_area", "severity": 2, "title": "Götgatan, stråket mot Slussen",
      "body": "Skadegörelse och klotter längs gångstråket."}),
    ({"type": "Point", "coordinates": [18.0785, 59.3120]},
     {"kind": "measure", "severity": 2, "title": "Bättre belysning i parken", "measure_type": "situational",
      "responsible": "Trafikkontoret", "measure_status": "planned", "body": "Ny belysning längs gångvägarna."}),
    ({"type": "Point", "coordinates": [18.0830, 59.3160]},
     {"kind": "observation", "severity": 1, "title": "Trygghetsvandring",
      "body": "Boende upplever oro vid tunnelbanan."}),
]
NORRMALM = [
    ({"type": "Polygon", "coordinates": [[[18.0600, 59.3315], [18.0665, 59.3315], [18.0665, 59.3345],
                                          [18.0600, 59.3345], [18.0600, 59.3315]]]},
     {"kind": "hotspot", "severity": 4, "title": "Sergels torg", "body": "Narkotikahandel och våld."}),
    ({"type": "Point", "coordinates": [18.0580, 59.3300]},
     {"kind": "measure", "severity": 3, "title": "Ordningsvakter vid plattan", "measure_type": "situational",
      "responsible": "Stadsdelsförvaltningen", "measure_status": "started", "body": "Kvällar och helger."}),
]


def token(env: dict, email: str, made: list[str]) -> dict[str, str]:
    """Bearer headers of a demo user; the token's id goes into `made`, to be revoked at the end."""
    token_id, secret = make_token(env, email, "screenshots")
    made.append(token_id)
    return {"Authorization": "Bearer " + secret}


def ok(response: requests.Response) -> dict:
    if not response.ok:
        fail(f"{response.request.method} {response.url}: {response.status_code} {response.text[:300]}")
    return response.json() if response.content else {}


def site_check(url: str, viewer: dict) -> int:
    found = ok(requests.get(url + "/api/site-checks", params={"q": REFERENCE}, headers=viewer, timeout=30))["checks"]
    if found:
        return found[0]["id"]
    feature = {"type": "Feature", "geometry": SITE, "properties": {
        "land_use": "C", "vulnerable": ["preschool"], "buffer_m": 50, "given_as": "map", "reference": REFERENCE,
        "title": "Förskola vid Medborgarplatsen"}}
    return ok(requests.post(url + "/api/site-checks", json=feature, headers=viewer, timeout=60))["id"]


def picture(url: str, who: dict, district: str, drawn: list, *, submit: bool) -> int:
    """The district's crime picture of the current tertial, with `drawn` on it when it has nothing yet."""
    year, tertial = current_period()
    query = {"district": district, "year": year, "tertial": tertial, "topic": "crime"}
    found = ok(requests.get(url + "/api/pictures", params=query, headers=who, timeout=30))["pictures"]
    if found:
        made = found[0]
    else:
        made = ok(requests.post(url + "/api/pictures", headers=who, timeout=30, json=query | {
            "summary": "Oro kring torget kvällstid; rån och misshandel har ökat sedan förra tertialen. "
                       "Belysning och ordningsvakter planeras tillsammans med polisen."}))
    if made["status"] not in ("draft", "returned"):
        return made["id"]
    listing = ok(requests.get(f"{url}/api/pictures/{made['id']}/annotations", headers=who, timeout=30))
    if not listing["features"]:
        for geometry, props in drawn:
            ok(requests.post(f"{url}/api/pictures/{made['id']}/annotations", headers=who, timeout=30,
                             json={"type": "Feature", "geometry": geometry, "properties": props}))
    if submit:
        current = requests.get(f"{url}/api/pictures/{made['id']}", headers=who, timeout=30)
        ok(requests.post(f"{url}/api/pictures/{made['id']}/submit", timeout=30,
                         headers=who | {"If-Match": current.headers["ETag"]}))
    return made["id"]


def settle(page, ms: int = 1500) -> None:
    """Wait for the page's requests and the map's tiles to come in."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(ms)


def save(page, name: str) -> Path:
    """The viewport as a PNG, reduced to a palette of 256 colours when that is smaller (pages are flat colours and
    text, so it reads the same at about a third of the size); more than MAX_BYTES is reported."""
    from PIL import Image

    path = IMAGES / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    reduced = path.with_suffix(".tmp.png")
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) \
            .save(reduced, optimize=True)
    if reduced.stat().st_size < path.stat().st_size:
        reduced.replace(path)
    else:
        reduced.unlink()
    size = path.stat().st_size
    print(f"{path.relative_to(ROOT)}: {size // 1000} kB" + (" (over the 300 kB budget)" if size > MAX_BYTES else ""))
    return path


def shoot(url: str, ids: dict, only: set[str]) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    shots = [  # name, who signs in (None: nobody), path, what to wait for
        ("landing", "sodermalm@demo.riskkarta.se", "/", ".tasks"),
        ("map", "viewer@demo.riskkarta.se", "/map", ".leaflet-container"),
        ("site-check", "viewer@demo.riskkarta.se", "/sites", "#site-form"),
        ("site-report", "viewer@demo.riskkarta.se", f"/sites/{ids['check']}", ".hazards"),
        ("picture-editor", "sodermalm@demo.riskkarta.se", f"/pictures/{ids['draft']}", ".leaflet-container"),
        ("city", "city@demo.riskkarta.se", "/city", "main h1"),
        ("admin", "admin@demo.riskkarta.se", "/admin", "main h1"),
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        for name, email, path, ready in shots:
            if only and name not in only:
                continue
            for lang in ("sv", "en"):
                context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale=f"{lang}-SE")
                page = context.new_page()
                page.route("**/*", lambda route: route.continue_()
                           if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost") else route.abort())
                if email:
                    page.goto(f"{url}/login?lang={lang}", wait_until="networkidle")
                    page.fill("#login-email", email)
                    page.fill("#login-password", DEMO_PASSWORD)
                    page.locator("form[action$='/login'] button[type=submit]").click()
                    page.wait_for_load_state("networkidle")
                    if page.locator(".topbar .who").count() != 1:
                        fail(f"{email} could not sign in")
                page.goto(f"{url}{path}{'&' if '?' in path else '?'}lang={lang}", wait_until="networkidle")
                try:
                    page.wait_for_selector(ready, timeout=20_000)
                except PlaywrightTimeout:
                    print(f"warning: {path} ({lang}) shows no {ready}; saved as it is", file=sys.stderr)
                settle(page, 2500 if ".leaflet" in ready else 500)
                save(page, f"{name}-{lang}")
                context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=[], help="only these pages (landing, map, site-check, "
                                                             "site-report, picture-editor, city, admin)")
    args = parser.parse_args()
    IMAGES.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RISKKARTA_RATE_LIMITS": "off"}
    made: list[str] = []
    viewer = token(env, "viewer@demo.riskkarta.se", made)
    sodermalm = token(env, "sodermalm@demo.riskkarta.se", made)
    innerstaden = token(env, "innerstaden@demo.riskkarta.se", made)
    try:
        with served(env) as url:
            ids = {"check": site_check(url, viewer),
                   "draft": picture(url, sodermalm, "11", SODERMALM, submit=False),
                   "submitted": picture(url, innerstaden, "9", NORRMALM, submit=True)}
            shoot(url, ids, set(args.only))
    finally:
        revoke_tokens(env, made)

if __name__ == "__main__":
    main()
