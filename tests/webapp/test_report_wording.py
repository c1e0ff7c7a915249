"""The report page and the PDF say the same, in the reader's language: one word for the overall verdict, local time
with its zone, no internal keys, each rule value marked by what backs it, and the form's area is the report's."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

SODERMALM = {"type": "Point", "coordinates": [18.0735, 59.3143]}


def create(client, headers, **props):
    response = client.post("/api/site-checks", json={"type": "Feature", "geometry": SODERMALM,
                                                     "properties": {"land_use": "C", **props}}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def pdf_text(client, url: str) -> str:
    data = client.get(url).data
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


def page_text(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(("lang", "overall"), [("sv", "Samlad bedömning"), ("en", "Overall verdict")])
def test_page_and_pdf_use_one_wording_local_time_with_its_zone_and_no_internal_keys(client, lang, overall, planner):
    check = create(client, planner, vulnerable=["preschool"])
    page = page_text(client, check["links"]["report"] + f"?lang={lang}")
    pdf = pdf_text(client, check["links"]["pdf"] + f"?lang={lang}")
    for text in (page, pdf):
        assert overall in text
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T", text)
        assert "C_vulnerable" not in text and "land_use_key" not in text
    assert "Sammanvägd" not in pdf
    assert not re.search(r"(Lager|Layer): (flood|heat|hazardous-goods|drinking-water|crime),", pdf)
    group = "grupp C med känsliga verksamheter" if lang == "sv" else "group C with vulnerable occupants"
    assert group in page and group in pdf


def test_each_rule_value_is_marked_by_what_it_is(client, planner):
    check = create(client, planner)
    goods = next(h for h in check["hazards"] if h["hazard"] == "hazardous_goods")
    marks = {n["what"]["en"]: n["verified"] for n in goods["sources"]}
    assert marks == {"The 150 m risk-management distance": True, "The distance each land-use group must keep": False}
    assert goods["source_verified"] is False and "Fakta 2016:4" in goods["source"]
    flood = next(h for h in check["hazards"] if h["hazard"] == "flood")
    assert [n["verified"] for n in flood["sources"]] == [True, False]
    html = client.get(check["links"]["report"] + "?lang=sv").get_data(as_text=True)
    row = re.search(r'<tr class="hazard" data-hazard="hazardous_goods">(.*?)</tr>', html, re.S).group(1)
    verified = re.search(r"Riskhanteringsavståndet 150 m:.*?</li>", row, re.S).group(0)
    default = re.search(r"Avståndet varje markanvändningsgrupp ska hålla:.*?</li>", row, re.S).group(0)
    assert "kontrollerat mot källan" in verified and "ej verifierat" not in verified
    assert "standardvärde, ej verifierat" in default
    pdf = pdf_text(client, check["links"]["pdf"] + "?lang=sv")
    assert re.search(r"Riskhanteringsavståndet 150 m: .*?\(kontrollerat mot källan\)", pdf)


@pytest.mark.parametrize(("lang", "text"), [("sv", "1,4 ha"), ("en", "1.4 ha")])
def test_the_form_measures_a_drawn_area_as_the_report_will(client, lang, text, planner):
    square = {"type": "Polygon", "coordinates": [[[18.0700, 59.3130], [18.0722, 59.3130], [18.0722, 59.3140],
                                                  [18.0700, 59.3140], [18.0700, 59.3130]]]}
    measured = client.post(f"/api/site-checks/measure?lang={lang}", json=square).get_json()
    created = client.post("/api/site-checks", json={"type": "Feature", "geometry": square,
                                                    "properties": {"land_use": "B"}}, headers=planner).get_json()
    assert measured["area_m2"] == created["site"]["area_m2"]
    report = page_text(client, created["links"]["report"] + f"?lang={lang}")
    assert measured["area"].replace("\u00a0", " ") in report.replace("\u00a0", " ")
    assert measured["area"] == text


@pytest.mark.parametrize("body", [{"type": "LineString", "coordinates": [[18.0, 59.3], [18.1, 59.3]]}, "text", {}],
                         ids=["a line", "not an object", "an empty object"])
def test_measuring_bad_input_is_a_problem(client, body):
    response = client.post("/api/site-checks/measure", json=body)
    assert 400 <= response.status_code < 500 and response.mimetype == "application/problem+json"
