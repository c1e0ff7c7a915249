"""The administrator's web upload of imports (`POST /api/imports`, `/admin`): the same worker as the CLI, started
from the web app, its progress and then its summary or problem on the job; administrators only.

The imports commit through the owner's connection in another process, so they run against a database of their own
(migrated, with the demo accounts and an empty layer catalog) served on loopback as the web app's role, as
`make run` serves it; the refusals that start nothing also run through the suite's rolled-back test client."""
from __future__ import annotations

import dataclasses
import io
import json
import re
import time
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest
import requests
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from tests.conftest import committed_token, serving, sign_in, token_headers
from webapp import db
from webapp.config import LOCAL_WEB
from webapp.errors import PROBLEM_JSON

MAX_UPLOAD = 200_000
ROUTES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"klass": "primary", "namn": "Testleden"},
     "geometry": {"type": "LineString", "coordinates": [[18.00, 59.30], [18.10, 59.32]]}},
    {"type": "Feature", "properties": {"klass": "secondary", "namn": "Sidoleden"},
     "geometry": {"type": "LineString", "coordinates": [[18.02, 59.28], [18.05, 59.35]]}}]}


class Served(NamedTuple):
    url: str
    engine: object
    data_dir: Path
    admin: dict
    viewer: dict
    committee: dict


@pytest.fixture(scope="module")
def served(throwaway_database, settings, tmp_path_factory):
    from webapp.services import catalog, demo

    data_dir = tmp_path_factory.mktemp("admin-imports")
    with throwaway_database("riskkarta_admin_imports") as database:
        db.upgrade(database.url)
        engine = create_engine(db.normalise_url(database.url))
        with Session(engine) as session, session.begin():
            demo.load(session)  # the districts and the demo accounts
            catalog.ensure_catalog(session)
        web_url = make_url(db.normalise_url(database.url)).set(username=LOCAL_WEB).render_as_string(
            hide_password=False)
        assert db.grant_web_role(database.url, web_url) == LOCAL_WEB
        app_settings = dataclasses.replace(settings, database_url=web_url, owner_database_url=database.url,
                                           data_dir=data_dir, max_upload_bytes=MAX_UPLOAD)
        tokens = [committed_token(database.url, f"{who}@demo.riskkarta.se") for who in ("admin", "viewer", "sodermalm")]
        with serving(app_settings) as url:
            yield Served(url, engine, data_dir, *tokens)
        engine.dispose()


def layer(served: Served, slug: str) -> tuple[int, str]:
    with served.engine.connect() as connection:
        return tuple(connection.execute(text("SELECT version, source FROM layer WHERE slug = :s"), {"s": slug}).one())


def upload(served: Served, target: str, name: str, content: bytes, headers: dict | None = None, **options):
    return requests.post(served.url + "/api/imports", headers=served.admin if headers is None else headers,
                         data={"target": target, **options}, files={"file": (name, content)}, timeout=30)


def finished(served: Served, location: str, timeout_s: float = 90.0) -> dict:
    """Poll the job as the page does, until it is done or failed; every state it passed through is kept."""
    deadline, seen = time.monotonic() + timeout_s, []
    while time.monotonic() < deadline:
        job = requests.get(served.url + location, headers=served.admin, timeout=10).json()
        seen.append(job["state"])
        if job["state"] in ("done", "failed"):
            return job | {"seen": seen}
        time.sleep(0.3)
    raise AssertionError(f"the import did not finish in {timeout_s:g} s: {seen[-5:]}")


def no_uploads_left(served: Served) -> bool:
    folder = served.data_dir / "uploads"
    return not folder.exists() or not any(folder.iterdir())


def test_an_admin_uploads_routes_and_follows_the_import_to_its_summary(served):
    version, _ = layer(served, "hazardous-goods")
    answer = upload(served, "hazardous-goods", "../../leder 2026.geojson", json.dumps(ROUTES).encode(),
                    source="Länsstyrelsen (test)", licence="CC0", class_field="klass", encoding="")
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert answer.headers["Location"] == f"/api/imports/{job['id']}" == job["links"]["self"]
    assert job["state"] in ("queued", "running") and job["created_by"] == "admin@demo.riskkarta.se"
    assert job["filename"] == "leder_2026.geojson"  # no folder parts, nothing but letters, digits, . - _
    assert job["options"] == {"source": "Länsstyrelsen (test)", "licence": "CC0", "class_field": "klass"}
    done = finished(served, answer.headers["Location"])
    assert done["state"] == "done" and done["problem"] is None, done
    assert done["result"]["summary"][0].startswith(
        f"hazardous-goods: version {version + 1}; 2 features, 0 repaired; lon 17.99828–18.10262, "
        "lat 59.27821–59.35106; "), done["result"]
    assert done["result"]["details"]["version"] == version + 1 and done["finished_at"]
    assert done["progress"] == {"done": 2, "total": 2, "label": "hazardous-goods: checking features"}
    assert layer(served, "hazardous-goods") == (version + 1, "Länsstyrelsen (test)")
    listed = requests.get(served.url + "/api/imports", headers=served.admin, timeout=10).json()["imports"]
    assert listed[0]["id"] == job["id"] and listed[0]["state"] == "done"
    with served.engine.connect() as connection:
        actor = connection.execute(text("SELECT actor FROM audit_event WHERE action = 'import' AND entity = 'layer' "
                                        "ORDER BY id DESC LIMIT 1")).scalar()
    assert actor == "admin@demo.riskkarta.se"
    assert no_uploads_left(served)


def test_the_cli_prints_the_summary_a_web_upload_shows(served, tmp_path):
    from click.testing import CliRunner

    from webapp.cli import main

    version, _ = layer(served, "hazardous-goods")
    path = tmp_path / "leder.geojson"
    path.write_text(json.dumps(ROUTES))
    database_url = served.engine.url.render_as_string(hide_password=False)
    printed = CliRunner().invoke(main, ["import", "layer", "hazardous-goods", str(path), "--class-field", "klass"],
                                 env={"DATABASE_URL": database_url, "RISKKARTA_DATA_DIR": str(served.data_dir)})
    assert printed.exit_code == 0, printed.output
    assert (f"hazardous-goods: version {version + 1}; 2 features, 0 repaired; lon 17.99828–18.10262, "
            "lat 59.27821–59.35106; ") in printed.output
    with served.engine.connect() as connection:
        assert connection.execute(text("SELECT actor FROM audit_event WHERE action = 'import' ORDER BY id DESC "
                                       "LIMIT 1")).scalar() == "cli"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


BAD_FILES = {
    "a zip whose members climb out of its folder": (
        "hazardous-goods", "leder.zip", _zip({"../../leder.geojson": json.dumps(ROUTES).encode()}), "outside"),
    "a GeoTIFF that is really text": ("flood", "skyfall.tif", b"depth\n0.3\n0.5\n" * 20, ""),
    "a feature of a class the layer does not have": (
        "hazardous-goods", "leder.geojson",
        json.dumps({**ROUTES, "features": [{**ROUTES["features"][0], "properties": {"klass": "x"}}]}).encode(),
        "class 'x'"),
}


@pytest.mark.parametrize("target, name, content, fragment", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_ends_as_a_failed_job_with_the_problem_and_the_layer_unchanged(served, target, name, content,
                                                                                  fragment):
    before = layer(served, target)
    answer = upload(served, target, name, content)
    assert answer.status_code == 202, answer.text
    job = finished(served, answer.headers["Location"])
    assert job["state"] == "failed" and job["result"] is None and job["finished_at"]
    problem = job["problem"]
    assert problem["status"] == 422 and problem["title"] == "Import refused", problem
    assert fragment in problem["detail"] and "Traceback" not in problem["detail"]
    assert layer(served, target) == before
    assert no_uploads_left(served)


def test_a_second_import_of_a_target_while_one_runs_is_refused_with_409(served):
    routes = json.dumps(ROUTES).encode()
    first = upload(served, "hazardous-goods", "a.geojson", routes, class_field="klass")
    assert first.status_code == 202, first.text
    second = upload(served, "hazardous-goods", "b.geojson", routes, class_field="klass")
    assert second.status_code == 409 and second.headers["Content-Type"] == PROBLEM_JSON
    assert second.json()["type"].endswith("import-running") and second.json()["running"] == first.json()["id"]
    other = upload(served, "drinking-water", "c.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"class": "intake"}, "geometry": {"type": "Point",
                                                                             "coordinates": [17.9, 59.33]}}]}).encode())
    assert other.status_code == 202, other.text  # another target runs beside it
    assert finished(served, first.headers["Location"])["state"] == "done"
    assert finished(served, other.headers["Location"])["state"] == "done"


REFUSALS = {
    "anonymous": (None, {"target": "hazardous-goods"}, True, 401),
    "a viewer": ("viewer", {"target": "hazardous-goods"}, True, 403),
    "a committee member": ("committee", {"target": "hazardous-goods"}, True, 403),
    "an unknown target": ("admin", {"target": "volcanoes"}, True, 422),
    "no target": ("admin", {}, True, 422),
    "an option the target does not take": ("admin", {"target": "survey", "class_field": "klass"}, True, 422),
    "a temperature for the flood layer": ("admin", {"target": "flood", "temperature": "air"}, True, 422),
    "no file": ("admin", {"target": "hazardous-goods"}, False, 400),
    "a file too large": ("admin", {"target": "hazardous-goods"}, b"x" * (MAX_UPLOAD + 1), 413),
}


@pytest.mark.parametrize("who, fields, content, status", REFUSALS.values(), ids=REFUSALS.keys())
def test_uploads_are_refused_before_anything_runs(served, who, fields, content, status):
    headers = {} if who is None else getattr(served, who)
    files = {"file": ("leder.geojson", content if isinstance(content, bytes) else json.dumps(ROUTES).encode())} \
        if content else None
    with served.engine.connect() as connection:
        jobs_before = connection.execute(text("SELECT count(*) FROM import_job")).scalar()
    answer = requests.post(served.url + "/api/imports", headers=headers, data=fields, files=files or {"x": ("", b"")},
                           timeout=30)
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == PROBLEM_JSON
    with served.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM import_job")).scalar() == jobs_before
    assert no_uploads_left(served)


@pytest.mark.parametrize("who, status", [(None, 401), ("viewer", 403), ("committee", 403)],
                         ids=["anonymous", "a viewer", "a committee member"])
def test_only_an_admin_reads_the_jobs(served, who, status):
    headers = {} if who is None else getattr(served, who)
    for path in ("/api/imports", "/api/imports/1"):
        assert requests.get(served.url + path, headers=headers, timeout=10).status_code == status
    assert requests.get(served.url + "/api/imports/999999", headers=served.admin, timeout=10).status_code == 404


def test_no_other_address_takes_an_upload(served):
    answer = requests.post(served.url + "/api/site-checks", headers=served.viewer,
                           files={"file": ("site.geojson", b"{}")}, timeout=10)
    assert answer.status_code == 415 and answer.json()["type"].endswith("unsupported-media-type")


def test_a_job_not_heard_from_for_longer_than_the_time_limit_counts_as_failed(client, db_session, settings):
    admin = token_headers(db_session, "stale-admin@example.se", "admin")
    silent_s = settings.import_timeout_s + 120
    job_id = db_session.execute(text(
        "INSERT INTO import_job (target, filename, state, updated_at) VALUES ('hazardous-goods', 'leder.geojson', "
        "'running', now() - make_interval(secs => :s)) RETURNING id"), {"s": silent_s}).scalar()
    job = client.get(f"/api/imports/{job_id}", headers=admin).get_json()
    assert job["state"] == "failed" and job["problem"]["type"].endswith("import-interrupted")
    assert "The server stopped during the import" in job["problem"]["detail"]
    # ... and it does not hold up the next import of its target (refused here for its target, not with 409)
    answer = client.post("/api/imports", headers=admin, data={"target": "hazardous-goods", "temperature": "air",
                                                              "file": (io.BytesIO(b"{}"), "x.geojson")})
    assert answer.status_code == 422 and "holds no temperatures" in answer.get_json()["detail"]


def test_uploads_past_the_rate_limit_get_429(settings, database_url):
    from webapp import create_app

    app = create_app(dataclasses.replace(settings, rate_limits=True, rate_imports="2/hour"))
    admin = committed_token(database_url, "admin@demo.riskkarta.se")
    try:
        client = app.test_client()
        answers = [client.post("/api/imports", headers=admin, data={"target": "volcanoes"}) for _ in range(3)]
        assert [a.status_code for a in answers] == [422, 422, 429]
        assert "uploaded imports" in answers[2].get_json()["detail"] and answers[2].headers["Retry-After"]
    finally:
        app.extensions["riskkarta.engine"].dispose()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_signed_in_session_uploads_only_with_its_csrf_token(client, db_session):
    from webapp.services import accounts

    accounts.add_user(db_session, "imports-admin@example.se", "admin", password="a long enough password")
    form = client.get("/login").get_data(as_text=True)
    assert client.post("/login", data={"email": "imports-admin@example.se", "password": "a long enough password",
                                       "csrf_token": _csrf(form)}).status_code == 303
    page = client.get("/admin")
    assert page.status_code == 200
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    body = {"target": "volcanoes", "file": (io.BytesIO(b"{}"), "x.geojson")}
    assert client.post("/api/imports", data=dict(body), content_type="multipart/form-data").status_code == 400
    body["file"] = (io.BytesIO(b"{}"), "x.geojson")
    refused = client.post("/api/imports", data=body, content_type="multipart/form-data",
                          headers={"X-CSRFToken": token})
    assert refused.status_code == 422 and refused.get_json()["type"].endswith("unknown-target")


def test_the_admin_page_is_for_admins_and_the_top_bar_links_it_for_them_only(client, db_session):
    admin = token_headers(db_session, "page-admin@example.se", "admin")
    viewer = token_headers(db_session, "page-viewer@example.se", "viewer")
    html = {"Accept": "text/html"}
    page = client.get("/admin", headers=admin | html)
    assert page.status_code == 200
    text_ = page.get_data(as_text=True)
    assert 'href="/admin"' in text_ and "<h1>Administration: importer</h1>" in text_
    assert 'id="import-form"' in text_ and "<script src=\"/static/admin.js\" defer>" in text_
    assert 'data-slug="hazardous-goods"' in text_ and "<progress" in text_
    assert client.get("/admin?lang=en", headers=admin | html).get_data(as_text=True).count("Upload and import") == 1
    refused = client.get("/admin", headers=viewer | html)
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    assert 'href="/admin"' not in client.get("/sites", headers=viewer | html).get_data(as_text=True)
    anonymous = client.get("/admin", headers=html)
    assert anonymous.status_code == 401 and anonymous.mimetype == "text/html"


def test_districts_and_then_the_survey_are_imported_through_the_web(served):
    square = [[18.00, 59.30], [18.05, 59.30], [18.05, 59.33], [18.00, 59.33], [18.00, 59.30]]
    beside = [[18.05, 59.30], [18.10, 59.30], [18.10, 59.33], [18.05, 59.33], [18.05, 59.30]]
    areas = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"omr_namn": name, "omr_kod": code},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for name, code, ring in (("Västra testområdet", "T1", square), ("Östra testområdet", "T2", beside))]}
    answer = upload(served, "districts", "omraden.geojson", json.dumps(areas).encode(), name_field="omr_namn",
                    code_field="omr_kod", source="Testkommunen", replace="true")
    assert answer.status_code == 202, answer.text
    assert answer.json()["options"] == {"name_field": "omr_namn", "code_field": "omr_kod", "source": "Testkommunen",
                                        "replace": True}
    districts = finished(served, answer.headers["Location"])
    assert districts["state"] == "done", districts
    assert districts["result"]["summary"][0].startswith("districts: 2 read from omraden.geojson (EPSG:4326); 2 new, ")
    survey = "district,year,indicator,question,value\nT1,2025,unsafe_evening,Otrygg ute en sen kväll,21.5\n" \
             "T2,2025,unsafe_evening,Otrygg ute en sen kväll,18\n"
    answer = upload(served, "survey", "trygghet.csv", survey.encode(), source="Trygghetsmätningen (test)")
    assert answer.status_code == 202, answer.text
    done = finished(served, answer.headers["Location"])
    assert done["state"] == "done", done
    assert done["result"]["summary"] == ["survey: 2 results for 2 districts, years 2025, indicators unsafe_evening; "
                                         "0 populations"]


@pytest.mark.browser
def test_an_admin_uploads_in_the_browser_and_sees_the_progress_then_the_summary(served, browser_page, artifacts,
                                                                                tmp_path):
    page, log = browser_page
    version, _ = layer(served, "hazardous-goods")
    sign_in(page, served.url, "admin@demo.riskkarta.se")
    page.get_by_role("link", name="Administration").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Administration: importer"
    routes = tmp_path / "farligt_gods.geojson"
    routes.write_text(json.dumps(ROUTES))
    page.select_option("#i-target", "hazardous-goods")
    assert page.locator("#d-name").is_hidden() and page.locator("#l-class").is_visible()
    page.set_input_files("#i-file", str(routes))
    page.fill("#i-source", "Länsstyrelsen Stockholm (test)")
    page.fill("#l-class", "klass")
    page.get_by_role("button", name="Ladda upp och importera").click()
    page.locator("#import-progress").wait_for(state="visible")
    seen = set()
    deadline = time.monotonic() + 90
    while not page.locator(".outcome-done, .outcome-failed").count():
        assert time.monotonic() < deadline, seen
        seen.add(page.locator("#import-progress-text").inner_text())
        page.wait_for_timeout(100)
    outcome = page.locator("#import-outcome").inner_text()
    assert "Importen är klar." in outcome, outcome
    assert f"hazardous-goods: version {version + 1}; 2 features" in outcome
    assert seen & {"Laddar upp filen…", "Väntar på att starta"} or any(t.startswith("Importerar") for t in seen), seen
    assert page.locator("#import-progress-text").inner_text() == "Importerad"
    assert page.locator('#import-layers tr[data-slug="hazardous-goods"] .version').inner_text() == str(version + 1)
    newest = page.locator("#import-jobs tbody tr").first
    assert newest.locator(".job-state").inner_text() == "Importerad"
    started = newest.locator("td").first.inner_text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T", started), started  # as the server writes it
    page.screenshot(path=str(artifacts / "admin-import.png"), full_page=True)
    assert log["errors"] == [] and log["outside"] == [], log
