"""The map's print (/map/print.pdf): rendered for real over the demo city, read back with pypdf, looked at as PNG."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime

import pytest
from pypdf import PdfReader

from layers import registry
from webapp.i18n import gettext_in
from webapp.reports import format as fmt
from webapp.services import catalog

CENTRAL = "17.98,59.29,18.12,59.35"  # Södermalm and the city centre: flood, heat, routes and crime cells
A4_LANDSCAPE, A3_PORTRAIT = (841.89, 595.28), (841.89, 1190.55)
JSON = {"Accept": "application/json"}


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return re.sub(r"\s+", " ", reader.pages[0].extract_text())


def legend_labels(slug: str, lang: str) -> list[str]:
    """The class labels the legend shows (a class drawn transparent, such as a dry flood cell, has none)."""
    return [gettext_in(lang, c.label) for c in registry.get(slug).classes
            if not (len(c.color) == 9 and c.color.endswith("00"))]


def get_pdf(client, query: str) -> bytes:
    response = client.get(f"/map/print.pdf?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return response.data


@pytest.mark.parametrize(("query", "points"), [
    ("", A4_LANDSCAPE),
    ("size=A4&orientation=landscape", A4_LANDSCAPE),
    ("size=A3&orientation=portrait", A3_PORTRAIT),
    ("size=A4&orientation=portrait", A4_LANDSCAPE[::-1]),
    ("size=A3&orientation=landscape", A3_PORTRAIT[::-1]),
], ids=["the default is A4 landscape", "A4 landscape", "A3 portrait", "A4 portrait", "A3 landscape"])
def test_the_sheet_has_the_paper_size_asked_for(client, query, points):
    pdf = get_pdf(client, f"layers=flood&bbox={CENTRAL}&{query}")
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(points, abs=0.5)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_legend_holds_every_class_of_every_visible_layer_with_sources_date_scale_and_demo_mark(
        client, db_session, as_role, lang):
    as_role("viewer")
    slugs = ["flood", "heat", "hazardous-goods", "drinking-water", "crime"]
    pdf = get_pdf(client, f"layers={','.join(slugs)}&bbox={CENTRAL}&lang={lang}")
    text = text_of(pdf)
    assert {"sv": "Teckenförklaring", "en": "Legend"}[lang] in text
    for slug in slugs:
        assert gettext_in(lang, registry.get(slug).title) in text, slug
        if slug != "crime":  # crime is drawn as counts per cell, its legend the count classes
            for label in legend_labels(slug, lang):
                assert label in text, (slug, label)
    for label in ("5–9", "10–24", "25–49", "50–99", "100+"):
        assert label in text
    assert gettext_in(lang, "Reported incidents per grid cell") in text
    assert gettext_in(lang, "District boundary") in text
    # sources and licences of each layer drawn
    assert {"sv": "Källor och licenser", "en": "Sources and licences"}[lang] in text
    for info in catalog.visible_layers(db_session, "viewer"):
        if info.slug in slugs:
            assert gettext_in(lang, info.source) in text, info.slug
    # the date printed, in Stockholm
    today = fmt.date(datetime.now(fmt.STOCKHOLM))
    assert {"sv": "Utskriven", "en": "Printed"}[lang] + f" {today}" in text
    # the scale bar's length and the map's scale
    assert re.search(r"\d[\d,]* k?m\b", text)
    assert re.search({"sv": r"Skala 1:\d[\d  ]*\d", "en": r"Scale 1:\d[\d,]*\d"}[lang], text)
    # the demo city's layers and districts are demo data
    assert {"sv": "DEMODATA", "en": "DEMO DATA"}[lang] in text
    assert "SWEREF 99 TM" in text


def test_a_layer_the_role_may_not_see_is_not_printed(client, db_session):
    """The drinking-water layer is internal: the public (the default role here) neither sees it nor its source."""
    assert "drinking-water" not in {i.slug for i in catalog.visible_layers(db_session, "public")}
    text = text_of(get_pdf(client, f"layers=flood,drinking-water&bbox={CENTRAL}&lang=en"))
    assert "Cloudburst flooding" in text
    assert "Drinking water" not in text
    for label in legend_labels("drinking-water", "en"):
        assert label not in text


def test_incidents_are_printed_only_as_k_anonymous_cells(client, as_role):
    as_role("city")  # cleared for points in the viewer; the print draws the cells all the same
    text = text_of(get_pdf(client, "layers=crime&bbox=18.05,59.31,18.08,59.32&lang=en"))
    assert "Reported incidents per grid cell" in text
    assert "5–9" in text


def test_the_districts_are_always_drawn_and_hotspots_are_said_to_be_left_out(client):
    text = text_of(get_pdf(client, f"bbox={CENTRAL}&hotspots=crime:12m:all:all,accidents:2026-2:all:night&lang=en"))
    assert "District boundary" in text
    assert "Hotspots not printed" in text
    assert "Riskkarta – map" in text


def test_a_box_reaching_past_swedens_grid_is_cut_to_it(client):
    """The viewer zoomed far out: the print covers what SWEREF 99 TM can draw."""
    text = text_of(get_pdf(client, "bbox=0,50,40,75&layers=flood&lang=en"))
    assert "Scale 1:" in text


def test_the_title_is_printed(client):
    text = text_of(get_pdf(client, "title=Skyfall%20på%20Södermalm&lang=sv"))
    assert "Skyfall på Södermalm" in text
    text = text_of(get_pdf(client, "lang=sv"))
    assert "Riskkarta – karta" in text


@pytest.mark.parametrize("query", [
    "bbox=18,59,18.1", "bbox=a,b,c,d", "bbox=18.1,59.3,18.0,59.4", "bbox=18,59.3,18.1,nan", "bbox=-80,10,-79,11",
    "bbox=18.0,59.3,18.0001,59.3001", "size=A5", "size=", "orientation=sideways", "opacity=flood:1.5",
    "opacity=flood", "opacity=flood:x", "opacity=nosuch:0.5", "layers=nosuch", "layers=FLOOD;drop",
    "title=" + "x" * 121, "title=a%0Ab", "title=a%07b", "hotspots=crime", "hotspots=crime:12m:all:all,",
    "bbox=-181,59,18,60", "opacity=flood:nan",
], ids=lambda q: q[:40])
def test_bad_values_are_a_400_problem(client, query):
    response = client.get(f"/map/print.pdf?{query}", headers=JSON)
    assert response.status_code == 400, query
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    # a control character is refused before any view runs (forbidden-character), the rest by the print's checks
    assert body["type"].rsplit(":", 1)[1] in ("invalid-parameter", "forbidden-character")
    assert body["detail"]


def test_a_browser_gets_the_html_error_page(client):
    response = client.get("/map/print.pdf?size=A5", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"


def test_the_first_page_renders_to_png_for_a_look(client, as_role, artifacts):
    as_role("viewer")
    pdf = get_pdf(client, f"layers=flood,hazardous-goods,drinking-water,crime&opacity=flood:0.8,crime:0.6"
                          f"&bbox={CENTRAL}&title=Skyfall och farligt gods – Södermalm&lang=sv")
    (artifacts / "map-print.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-singlefile", str(artifacts / "map-print.pdf"),
                    str(artifacts / "map-print")], check=True, timeout=60)
    assert (artifacts / "map-print.png").stat().st_size > 50_000
