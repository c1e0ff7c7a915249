"""One formatter per quantity: the report page and the PDF write every number, area, distance and time alike."""
from __future__ import annotations

import html as html_lib
import io
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from webapp.reports import format as fmt
from webapp.reports import rows as report_rows
from webapp.services.site_check import SavedCheck

# A 1.2 ha block on Södermalm: large enough to be given in hectares, with routes and water around it.
BLOCK = {"type": "Polygon", "coordinates": [[[18.0700, 59.3130], [18.0722, 59.3130], [18.0722, 59.3140],
                                             [18.0700, 59.3140], [18.0700, 59.3130]]]}


def plain(value: str) -> str:
    """Text with entities decoded and every run of (non-breaking) space as one space."""
    return re.sub(r"\s+", " ", html_lib.unescape(value).replace("\u00a0", " ")).strip()


@pytest.mark.parametrize(("func", "value", "lang", "expected"), [
    (fmt.number, 1234.5, "sv", "1\u00a0234,5"),
    (fmt.number, 1234.5, "en", "1,234.5"),
    (fmt.metres, 1530.0, "sv", "1,5 km"),
    (fmt.metres, 87.4, "en", "87 m"),
    (fmt.depth_m, 0.6, "sv", "0,6 m"),
    (fmt.temperature_c, 31.25, "en", "31.2 °C"),
    (fmt.percent, 0.1234, "sv", "12,3 %"),
    (fmt.area, 9_800.0, "sv", "9\u00a0800 m²"),
    (fmt.area, 12_345.0, "en", "1.23 ha"),
], ids=["a Swedish number has a decimal comma and a space between thousands", "an English one a point and commas",
        "a distance over a kilometre is in km", "a short one in whole metres", "a depth in metres",
        "a temperature with one decimal", "a share as a percentage", "a small area in square metres",
        "a large one in hectares"])
def test_each_quantity_has_one_formatter(func, value, lang, expected):
    assert func(value, lang) == expected


def test_times_are_stockholm_time_in_both_languages():
    assert fmt.date_time(datetime(2026, 3, 5, 13, 7, tzinfo=UTC)) == "2026-03-05 14:07 CET"
    assert fmt.date_time(datetime(2026, 7, 5, 13, 7, tzinfo=UTC)) == "2026-07-05 15:07 CEST"
    assert fmt.date("2026-07-01T22:30:00+00:00") == "2026-07-02"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_page_and_the_pdf_write_the_same_values(client, lang, planner):
    response = client.post("/api/site-checks", json={"type": "Feature", "geometry": BLOCK,
                                                     "properties": {"land_use": "B", "title": "Kv. Formatet"}},
                           headers=planner)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    check = SavedCheck.from_json(body)
    page = plain(client.get(body["links"]["report"] + f"?lang={lang}").get_data(as_text=True))
    pdf_bytes = client.get(body["links"]["pdf"] + f"?lang={lang}").data
    pdf = plain(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes)).pages))

    area = fmt.area(check.result.site.area_m2, lang)
    assert area.endswith(" ha") and plain(area) in page and plain(area) in pdf
    created = fmt.date_time(check.created_at)
    assert created in page and created in pdf
    shown = 0
    for verdict in check.result.verdicts:
        for label, value in report_rows.rows(verdict, lang):
            assert plain(value) in page, (verdict.hazard, label, value)
            assert plain(value) in pdf, (verdict.hazard, label, value)
            shown += 1
    assert shown >= 8  # every hazard with data says what it measured
