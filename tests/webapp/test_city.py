"""The city's picture of a period: every district × topic with its status as far as the user may know it, who
submitted when, the reported pictures' counts by kind and severity, over JSON and as a page with the decisions."""
from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from tests.conftest import PICTURE_PEOPLE, token_headers
from webapp.errors import PROBLEM_JSON
from webapp.reports import format as fmt
from webapp.services import pictures

YEAR, TERTIAL = 2029, 2
POINT = {"type": "Point", "coordinates": [18.0735, 59.3143]}


@pytest.fixture()
def heads(db_session):
    return {"public": {}} | {key: token_headers(db_session, f"{key}-city@example.se", role, districts)
                             for key, role, districts in PICTURE_PEOPLE}


def _make(client, heads, who: str, district: str, topic: str, drawn: tuple[tuple[str, int], ...] = ()) -> int:
    body = {"district": district, "year": YEAR, "tertial": TERTIAL, "topic": topic}
    created = client.post("/api/pictures", json=body, headers=heads[who])
    assert created.status_code == 201, created.get_json()
    picture = created.get_json()["id"]
    for kind, severity in drawn:
        props = {"kind": kind, "severity": severity, "title": f"{kind} {severity}"}
        if kind == "measure":
            props |= {"measure_type": "social", "measure_status": "planned"}
        response = client.post(f"/api/pictures/{picture}/annotations", headers=heads[who],
                               json={"type": "Feature", "geometry": POINT, "properties": props})
        assert response.status_code == 201, response.get_json()
    return picture


@pytest.fixture()
def period(client, heads):
    """Södermalm (11): crime accepted, accidents submitted, threats a draft; Östermalm (10): crime submitted."""
    accepted = _make(client, heads, "member", "11", "crime", (("hotspot", 3), ("hotspot", 4), ("measure", 2)))
    submitted = _make(client, heads, "member", "11", "accidents", (("risk_object", 2),))
    draft = _make(client, heads, "member", "11", "threats", (("observation", 1),))
    other = _make(client, heads, "other", "10", "crime", (("incident_area", 3),))
    for picture, who in ((accepted, "member"), (submitted, "member"), (other, "other")):
        assert client.post(f"/api/pictures/{picture}/submit", headers=heads[who]).status_code == 200
    assert client.post(f"/api/pictures/{accepted}/accept", headers=heads["city"]).status_code == 200
    return {"accepted": accepted, "submitted": submitted, "draft": draft, "other": other}


def _statuses(body) -> dict[tuple[str, str], str]:
    return {(d["code"], t): c["status"] for d in body["districts"] for t, c in d["pictures"].items()}


def _city(client, heads, who):
    response = client.get(f"/api/city?year={YEAR}&tertial={TERTIAL}", headers=heads[who])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_city_sees_every_districts_status_and_who_submitted(client, heads, period, db_session):
    body = _city(client, heads, "city")
    statuses = _statuses(body)
    district_count = db_session.execute(text("SELECT count(*) FROM district")).scalar()
    assert len(body["districts"]) == district_count and len(statuses) == district_count * len(pictures.TOPICS)
    assert statuses[("11", "crime")] == "accepted" and statuses[("11", "accidents")] == "submitted"
    assert statuses[("11", "threats")] == "draft" and statuses[("10", "crime")] == "submitted"
    assert statuses[("11", "other")] == "missing" and "not_published" not in statuses.values()
    assert body["statuses"]["missing"] == district_count * len(pictures.TOPICS) - 4
    crime = next(d for d in body["districts"] if d["code"] == "11")["pictures"]["crime"]
    assert crime["submitted_by"] == "member-city@example.se" and crime["submitted_at"]
    assert crime["links"]["page"] == f"/pictures/{period['accepted']}"
    # Counts are of reported pictures only: the draft's observation is not in them.
    sodermalm = next(d for d in body["districts"] if d["code"] == "11")["annotations"]
    assert sodermalm["total"] == 4 and sodermalm["by_kind"]["hotspot"] == 2
    assert sodermalm["by_kind"]["observation"] == 0
    assert sodermalm["by_severity"] == {"1": 0, "2": 2, "3": 1, "4": 1}


@pytest.mark.parametrize("who", ["viewer", "member", "other"])
def test_others_see_what_the_city_published_and_their_own_districts(client, heads, period, who):
    statuses = _statuses(_city(client, heads, who))
    assert statuses[("11", "crime")] == "accepted"                         # published: everyone who reads
    own = {"member": "11", "other": "10"}.get(who)
    for code, topic, real in (("11", "accidents", "submitted"), ("11", "threats", "draft"),
                              ("10", "crime", "submitted"), ("11", "other", "missing")):
        assert statuses[(code, topic)] == (real if code == own else "not_published"), (who, code, topic)
    body = _city(client, heads, who)
    sodermalm = next(d for d in body["districts"] if d["code"] == "11")["annotations"]
    assert sodermalm["total"] == (4 if who == "member" else 3)            # the submitted one only for its district


def test_the_city_needs_a_reading_role_and_a_real_period(client, heads):
    refused = client.get("/api/city")
    assert refused.status_code == 401 and refused.mimetype == PROBLEM_JSON
    for query in ("year=20x9", "tertial=4", "year=%D9%A1", "tertial=0"):
        response = client.get("/api/city?" + query, headers=heads["city"])
        assert response.status_code == 400 and response.mimetype == PROBLEM_JSON, query
    current = client.get("/api/city", headers=heads["city"]).get_json()
    assert (current["year"], current["tertial"]) == pictures.current_period()


def test_the_page_shows_the_matrix_the_counts_and_the_decisions_to_the_city_only(client, heads, period):
    page = client.get(f"/city?year={YEAR}&tertial={TERTIAL}", headers=heads["city"]).get_data(as_text=True)
    assert "Stadens lägesbild: 2029 T2" in page and "Saknas" in page and "Inskickad" in page
    assert f'data-accept="/api/pictures/{period["submitted"]}/accept"' in page
    assert f'data-accept="/api/pictures/{period["other"]}/accept"' in page
    assert f'data-accept="/api/pictures/{period["accepted"]}/accept"' not in page
    assert f'href="/pictures/{period["draft"]}"' in page
    viewer = client.get(f"/city?year={YEAR}&tertial={TERTIAL}", headers=heads["viewer"]).get_data(as_text=True)
    assert "data-accept" not in viewer and "Inte publicerad" in viewer
    assert f'href="/pictures/{period["draft"]}"' not in viewer
    assert client.get("/city").status_code == 302 and "/login" in client.get("/city").headers["Location"]
    bad = client.get("/city?tertial=7", headers=heads["city"])
    assert bad.status_code == 400 and "Perioden är okänd" in bad.get_data(as_text=True)


def _titles(client, heads, who, query=""):
    response = client.get(f"/api/city/annotations?year={YEAR}&tertial={TERTIAL}{query}", headers=heads[who])
    assert response.status_code == 200 and response.mimetype == "application/geo+json", response.get_data(True)
    return sorted(f["properties"]["title"] for f in response.get_json()["features"])


def test_the_citys_annotations_are_the_reported_ones_the_user_may_read_filtered(client, heads, period):
    # crime (accepted): hotspot 3, hotspot 4, measure 2; accidents (submitted): risk_object 2; Östermalm's crime
    # (submitted): incident_area 3; the threats draft's observation never shows.
    assert _titles(client, heads, "city") == ["hotspot 3", "hotspot 4", "incident_area 3", "measure 2",
                                              "risk_object 2"]
    assert _titles(client, heads, "viewer") == ["hotspot 3", "hotspot 4", "measure 2"]
    assert _titles(client, heads, "member") == ["hotspot 3", "hotspot 4", "measure 2", "risk_object 2"]
    assert _titles(client, heads, "city", "&kind=hotspot&severity=4") == ["hotspot 4"]
    assert _titles(client, heads, "city", "&topic=accidents") == ["risk_object 2"]
    for query in ("&kind=nope", "&topic=x", "&severity=5"):
        response = client.get(f"/api/city/annotations?year={YEAR}{query}", headers=heads["city"])
        assert response.status_code == 400 and response.mimetype == PROBLEM_JSON, query
    assert client.get("/api/city/annotations").status_code == 401


def test_the_citys_geopackage_opens_in_gdal(client, heads, period, tmp_path):
    import subprocess

    response = client.get(f"/api/city/annotations.gpkg?year={YEAR}&tertial={TERTIAL}", headers=heads["city"])
    assert response.status_code == 200 and response.mimetype == "application/geopackage+sqlite3"
    (tmp_path / "city.gpkg").write_bytes(response.data)
    info = subprocess.run(["ogrinfo", "-al", "-so", str(tmp_path / "city.gpkg")], capture_output=True, text=True,
                          check=True).stdout
    assert f"situation_pictures_{YEAR}_t{TERTIAL}" in info and "Feature Count: 5" in info
    assert 'ID["EPSG",3006]' in info and "picture_status: String" in info and "severity: Integer64" in info


def test_the_city_page_has_the_map_and_the_table_of_annotations(client, heads, period):
    page = client.get(f"/city?year={YEAR}&tertial={TERTIAL}&kind=hotspot", headers=heads["city"]).get_data(True)
    assert "Brännpunkter, åtgärder och övrigt på en karta" in page and 'class="folium-map"' in page
    table = page.split('aria-labelledby="map-heading"')[1].split("</table>")[0]
    assert "hotspot 3" in table and "hotspot 4" in table and "measure 2" not in table
    said = [json.dumps(w) for w in ("Brännpunkt, 4 – mycket hög", "Brännpunkt, 3 – hög")]
    assert all(f'"what": {w}' in page for w in said)                 # the map says the kind in words
    assert f"/api/city/annotations.gpkg?year={YEAR}&amp;tertial={TERTIAL}&amp;kind=hotspot" in page
    bad = client.get(f"/city?year={YEAR}&tertial={TERTIAL}&kind=zzz", headers=heads["city"])
    assert bad.status_code == 400 and "Kartfiltrets värde är okänt" in bad.get_data(as_text=True)


def test_the_city_pdf_lists_every_district_and_every_reported_annotation(client, heads, period):
    import io
    import re

    from pypdf import PdfReader

    response = client.get(f"/city.pdf?year={YEAR}&tertial={TERTIAL}", headers=heads["city"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert f"Stadens lägesbild: {YEAR} T{TERTIAL}" in text and "Södermalm" in text and "Östermalm" in text
    assert "Godkänd" in text and "Inskickad" in text and "Utkast" in text
    for title in ("hotspot 3", "hotspot 4", "measure 2", "risk_object 2", "incident_area 3"):
        assert title in text, title
    assert "observation 1" not in text                                     # the draft's
    viewer = client.get(f"/city.pdf?year={YEAR}&tertial={TERTIAL}", headers=heads["viewer"]).data
    assert "risk_object 2" not in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(viewer)).pages)
    assert client.get("/city.pdf").status_code == 302
    assert client.get("/city.pdf?tertial=9", headers=heads["city"]).status_code == 400
    assert client.get("/city.pdf?kind=x", headers=heads["city"]).status_code == 400


def test_the_counts_by_severity_have_a_chart_beside_the_table(client, heads, period):
    page = client.get(f"/city?year={YEAR}&tertial={TERTIAL}", headers=heads["city"]).get_data(as_text=True)
    table = page.split('aria-labelledby="severity-heading"')[1].split("</table>")[0]
    bars = {}
    for name, numbers in (("Södermalm", ["0", "2", "1", "1"]), ("Östermalm", ["0", "0", "1", "0"])):
        row = table.split(f'<th scope="row">{name}</th>')[1].split("</tr>")[0]
        assert re.findall(r"<td>(\d+)</td>", row) == numbers, name          # the numbers stay in the table
        chart = re.search(r'<td class="bars" aria-hidden="true">(.*?)</td>', row, re.S).group(1)
        bars[name] = re.findall(r'<span class="bar severity-(\d)" style="width: ([\d.]+)rem" title="([^"]+)">', chart)
    # One bar per severity present, as long as its count against the largest district total (Södermalm's 4).
    assert bars["Södermalm"] == [("2", "6.0", "2 – måttlig: 2"), ("3", "3.0", "3 – hög: 1"),
                                 ("4", "3.0", "4 – mycket hög: 1")]
    assert bars["Östermalm"] == [("3", "3.0", "3 – hög: 1")]
    empty = table.split('<th scope="row">Bromma</th>')[1].split("</tr>")[0]
    assert '<td class="bars" aria-hidden="true"></td>' in empty
    legend = page.split('aria-labelledby="severity-heading"')[1].split('<p class="legend" aria-hidden="true">')[1]
    assert all(f'<span class="swatch severity-{k}"></span> {n}' in legend.split("</p>")[0]
               for k, n in ((1, "1 – låg"), (4, "4 – mycket hög")))
    css = client.get("/static/pages.css").get_data(as_text=True)
    assert all(re.search(rf"\.severity-{k} \{{ background: #[0-9a-f]{{6}}; \}}", css) for k in (1, 2, 3, 4))


# The city PDF's words in each language, as the catalogues have them.
PDF_WORDS = {
    "sv": {"who": "Vem som skickade in varje lägesbild och när", "holds": "Vad de inlämnade lägesbilderna innehåller",
           "head": "Stadsdelsområde Ämne Status Inskickad av Inskickad", "by_severity": "Efter allvarlighetsgrad",
           "severities": "Stadsdelsområde 1 – låg 2 – måttlig 3 – hög 4 – mycket hög Totalt",
           "crime": "Brott", "accidents": "Olyckor", "threats": "Hot och våld mot medarbetare",
           "accepted": "Godkänd", "submitted": "Inskickad", "draft": "Utkast"},
    "en": {"who": "Who submitted each picture and when", "holds": "What the reported pictures hold",
           "head": "District Topic Status Submitted by Submitted", "by_severity": "By severity",
           "severities": "District 1 – low 2 – moderate 3 – high 4 – very high Total",
           "crime": "Crime", "accidents": "Accidents", "threats": "Threats and violence against staff",
           "accepted": "Accepted", "submitted": "Submitted", "draft": "Draft"},
}


def _pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


@pytest.mark.parametrize("lang", list(PDF_WORDS))
def test_the_city_pdf_says_who_submitted_each_picture_when_and_the_counts_by_severity(client, heads, period, lang):
    words = PDF_WORDS[lang]
    cells = {(d["code"], t): c for d in _city(client, heads, "city")["districts"] for t, c in d["pictures"].items()}
    response = client.get(f"/city.pdf?year={YEAR}&tertial={TERTIAL}&lang={lang}", headers=heads["city"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    submissions = text.split(words["who"])[1].split(words["holds"])[0]
    assert submissions.startswith(f" {words['head']} ")
    for name, code, topic, who in (("Södermalm", "11", "crime", "member"), ("Södermalm", "11", "accidents", "member"),
                                   ("Östermalm", "10", "crime", "other")):
        cell = cells[(code, topic)]
        row = (f"{name} {words[topic]} {words[cell['status']]} {who}-city@example.se "
               f"{fmt.date_time(cell['submitted_at'])}")
        assert row in submissions, (row, submissions)
    assert f"Södermalm {words['threats']} {words['draft']} – –" in submissions        # never submitted
    severities = text.split(words["by_severity"])[1]
    assert severities.startswith(f" {words['severities']} ")
    for row in ("Södermalm 0 2 1 1 4", "Östermalm 0 0 1 0 1", "Bromma 0 0 0 0 0"):
        assert row in severities, row
    # A viewer's PDF names who submitted only the pictures the viewer may read (the accepted one).
    viewer = client.get(f"/city.pdf?year={YEAR}&tertial={TERTIAL}&lang={lang}", headers=heads["viewer"])
    seen = _pdf_text(viewer.data).split(words["who"])[1].split(words["holds"])[0]
    assert f"Södermalm {words['crime']} {words['accepted']} member-city@example.se" in seen
    assert "other-city@example.se" not in seen and words["draft"] not in seen
