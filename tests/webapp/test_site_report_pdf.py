"""The site check's PDF report and its static map: rendered for real, read back with pypdf and Pillow."""
from __future__ import annotations

import copy
import io
import re
from datetime import UTC, datetime

import pytest
from PIL import Image
from pypdf import PdfReader
from shapely.geometry import Point

from geo.crs import SWEREF99TM, WGS84, transform_geom
from layers.site_rules import SiteRules
from webapp.reports import site_pdf as site_report_pdf
from webapp.reports.site_map import site_map_png as draw_map
from webapp.reports.site_pdf import LEVEL_WORDS
from webapp.reports.site_pdf import render_pdf as render_typed
from webapp.services.site_check import SavedCheck, SiteInput, evaluate, map_data

MEDBORGARPLATSEN = (18.0735, 59.3143)


def text_of(pdf: bytes) -> tuple[int, str]:
    """The page count and the PDF's text with whitespace runs collapsed to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def render_pdf(check: dict, **kwargs) -> bytes:
    """The PDF of a check given as the API serves it (read back into the typed check the PDF renders)."""
    return render_typed(SavedCheck.from_json(check), **kwargs)


def site_map_png(session, check: dict, *, size_px=(900, 600), role="viewer", lang="sv") -> bytes:
    return draw_map(map_data.map_data(session, SavedCheck.from_json(check).result, size_px=size_px, role=role),
                    lang=lang)


def squash(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


@pytest.fixture()
def check(db_session) -> dict:
    """A check of Medborgarplatsen for housing (group C), as the API returns a saved one."""
    point = transform_geom(Point(*MEDBORGARPLATSEN), WGS84, SWEREF99TM)
    result = evaluate(db_session, SiteInput(geom=point, land_use="C"), SiteRules(), "viewer").to_json()
    return {"id": 42, "created_at": datetime(2026, 3, 5, 13, 7, tzinfo=UTC).isoformat(), "reference": "SBK 2026-00123",
            "title": "Kvarteret Medborgaren", "rerun_of": None, **result, "outdated_layers": []}


@pytest.fixture()
def map_png(db_session, check) -> bytes:
    return site_map_png(db_session, check, size_px=(900, 600), role="viewer")


def test_the_swedish_report_holds_every_verdict_sentence_and_the_reference(check, map_png, tmp_path):
    pdf = render_pdf(check, lang="sv", map_png=map_png)
    (tmp_path / "site_check.pdf").write_bytes(pdf)  # to look at: pytest --basetemp=DIR
    pages, text = text_of(pdf)
    assert 1 <= pages <= 3
    assert "Riskkontroll för plats" in text
    assert "SBK 2026-00123" in text and "Kvarteret Medborgaren" in text
    assert "2026-03-05 14:07" in text  # 13:07 UTC is 14:07 in Stockholm in March
    for hazard in check["hazards"]:
        assert LEVEL_WORDS["sv"][hazard["level"]] in text
        assert squash(hazard["sentence"]["sv"]) in text
        assert squash(hazard["title"]["sv"]) in text
    assert "Södermalm" in text
    assert "Demonstrationsdata" in text and "DEMO" in text
    assert "standardvärde, ej verifierat" in text
    assert "Ingen godkänd lägesbild har en markering vid platsen." in text  # the pictures at the site, none here
    assert f"sida 1 av {pages}" in text


def test_the_english_report_says_it_in_english(db_session, check, tmp_path):
    pdf = render_pdf(check, lang="en", map_png=site_map_png(db_session, check, lang="en"))
    (tmp_path / "site_check_en.pdf").write_bytes(pdf)
    pages, text = text_of(pdf)
    assert 1 <= pages <= 3
    assert "Site risk check" in text and "Riskkontroll" not in text
    for hazard in check["hazards"]:
        assert LEVEL_WORDS["en"][hazard["level"]] in text
        assert squash(hazard["sentence"]["en"]) in text
    assert "DEMO DATA" in text and "default value, not verified" in text


def test_a_check_without_reference_gets_an_empty_box_to_fill_in(check, tmp_path):
    pdf = render_pdf({**check, "reference": None, "title": None, "rerun_of": 41, "changes": []})
    (tmp_path / "site_check_blank.pdf").write_bytes(pdf)
    pages, text = text_of(pdf)
    assert pages <= 3 and "Diarienummer" in text and "SBK 2026" not in text
    assert "Ändringar sedan kontroll 41" in text and "Inga ändringar." in text


def test_a_rerun_lists_what_changed(check):
    change = {"hazard": "flood", "title": check["hazards"][0]["title"], "level_before": "low",
              "level_after": "very_high", "version_before": 1, "version_after": 2,
              "sentence_before": {"sv": "", "en": ""}, "sentence_after": {"sv": "", "en": ""}}
    _, text = text_of(render_pdf({**check, "rerun_of": 41, "changes": [change], "outdated_layers": ["heat"]}))
    assert "Ändringar sedan kontroll 41" in text and "låg → mycket hög" in text and "1 → 2" in text
    assert "kör om kontrollen" in text


def test_a_site_with_no_flood_data_still_renders(check):
    bare = copy.deepcopy(check)
    flood = next(h for h in bare["hazards"] if h["hazard"] == "flood")
    flood.update(level="no_data", values={}, layer=None, source="", source_verified=False,
                 sentence={"sv": "Inga skyfallsdata ännu.", "en": "No cloudburst data yet."},
                 rule={"sv": "Inga skyfallsdata ännu.", "en": "No cloudburst data yet."})
    for lang, word in (("sv", "inga data"), ("en", "no data")):
        pages, text = text_of(render_pdf(bare, lang=lang))
        assert 1 <= pages <= 3 and word in text and flood["sentence"][lang] in text


def test_the_map_is_a_png_of_the_requested_size_with_the_layers_in_colour(map_png, db_session, check, tmp_path):
    (tmp_path / "map.png").write_bytes(map_png)
    image = Image.open(io.BytesIO(map_png))
    assert image.format == "PNG" and image.size == (900, 600)
    colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is not None and len(colours) > 20
    small = Image.open(io.BytesIO(site_map_png(db_session, check, size_px=(400, 300), role="public", lang="en")))
    assert small.size == (400, 300)


def test_the_map_renders_without_the_flood_layer(db_session, check, monkeypatch):
    visible = map_data.catalog.visible_layers
    monkeypatch.setattr(map_data.catalog, "visible_layers",
                        lambda session, role: [i for i in visible(session, role) if i.slug != "flood"])
    image = Image.open(io.BytesIO(site_map_png(db_session, check, size_px=(300, 200))))
    assert image.size == (300, 200)


def test_without_dejavu_the_report_falls_back_to_helvetica_and_says_so(check, monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(site_report_pdf, "FONT_DIR", tmp_path)
    site_report_pdf.fonts.cache_clear()
    try:
        pages, text = text_of(render_pdf(check))
    finally:
        site_report_pdf.fonts.cache_clear()
    assert 1 <= pages <= 3 and "Riskkontroll för plats" in text
    assert "falls back to Helvetica" in caplog.text
