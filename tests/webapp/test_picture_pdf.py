"""A situation picture as a PDF: its period, status and summary, a map, every annotation's title in the table, and
the history for those who read it; in Swedish or English; only for readers of the picture."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.conftest import PICTURE_PEOPLE, token_headers

TITLES = ("Torget <kväll> & natt", "Gångtunneln", "Belysning vid kajen")


@pytest.fixture()
def heads(db_session):
    return {"public": {}} | {key: token_headers(db_session, f"{key}-pdf@example.se", role, districts)
                             for key, role, districts in PICTURE_PEOPLE}


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


def _picture(client, heads) -> int:
    picture = client.post("/api/pictures", headers=heads["member"], json={
        "district": "11", "year": 2027, "tertial": 3, "topic": "accidents",
        "summary": "Halka och mörker vid kajen."}).get_json()["id"]
    shapes = ({"type": "Point", "coordinates": [18.0735, 59.3143]},
              {"type": "LineString", "coordinates": [[18.0700, 59.3130], [18.0750, 59.3150]]},
              {"type": "Polygon", "coordinates": [[[18.070, 59.313], [18.072, 59.313], [18.072, 59.314],
                                                   [18.070, 59.314], [18.070, 59.313]]]})
    for title, geometry, kind in zip(TITLES, shapes, ("hotspot", "risk_object", "measure"), strict=True):
        props = {"kind": kind, "severity": 3, "title": title}
        if kind == "measure":
            props |= {"measure_type": "situational", "measure_status": "started", "responsible": "Trafikkontoret"}
        assert client.post(f"/api/pictures/{picture}/annotations", headers=heads["member"], json={
            "type": "Feature", "geometry": geometry, "properties": props}).status_code == 201
    return picture


def test_the_pdf_holds_the_summary_every_annotation_and_the_history(client, heads):
    picture = _picture(client, heads)
    response = client.get(f"/pictures/{picture}.pdf", headers=heads["member"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "situation_picture_11_2027_t3_accidents.pdf" in response.headers["Content-Disposition"]
    pages, text = _text(response.data)
    assert pages >= 1 and "Södermalm: Olyckor, 2027 T3" in text and "Utkast" in text
    assert "Halka och mörker vid kajen." in text and "Trafikkontoret" in text and "Påbörjad" in text
    for title in TITLES:
        assert title in text, title
    assert "Historik" in text and "4 ändringar i granskningsloggen" in text and "skapade lägesbilden" in text
    assert "Riskkarta – lägesbild" in text
    english = _text(client.get(f"/pictures/{picture}.pdf?lang=en", headers=heads["member"]).data)[1]
    assert "Södermalm: Accidents, 2027 T3" in english and "Draft" in english and "created the picture" in english


def test_a_viewer_gets_an_accepted_pictures_pdf_without_its_history_and_others_get_nothing(client, heads):
    picture = _picture(client, heads)
    for who in ("public", "viewer", "other"):
        assert client.get(f"/pictures/{picture}.pdf", headers=heads[who]).status_code == 404, who
    client.post(f"/api/pictures/{picture}/submit", headers=heads["member"])
    client.post(f"/api/pictures/{picture}/accept", headers=heads["city"])
    text = _text(client.get(f"/pictures/{picture}.pdf", headers=heads["viewer"]).data)[1]
    assert "Godkänd" in text and TITLES[0] in text and "Historik" not in text
