"""The site check as a PDF for the planning file: A4, one or two pages, text kept selectable.

Built with reportlab's platypus from a typed SavedCheck (webapp.services.site_check), in Swedish or English, with
the same formatters and value rows as the report page. The map comes in as PNG bytes (reports.site_map), so this
module needs no database.
"""
from __future__ import annotations

import io
import logging
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from layers import registry
from layers.rules import LEVEL_COLOURS, LEVEL_WORDS, NO_DATA
from webapp.i18n import LANGUAGES, N_, gettext_in
from webapp.reports import format as fmt
from webapp.reports import rows as report_rows
from webapp.reports.site_map import FONT_DIR
from webapp.services.site_check.result import LayerRef, SavedCheck, Site, Verdict

log = logging.getLogger(__name__)

# A4 less 2 cm margins and the frame's 6 pt padding either side: what a table may span.
WIDTH = A4[0] - 4 * cm - 12
# Verdict colours of the web report (ColorBrewer RdYlGn), and whether the word reads better in white on them.
# The verdict word reads better in white on the darkest colours.
WHITE_TEXT = {"low", "very_high"}

# The PDF's own texts (English msgids, translated through the catalogues); the report page's shared words
# (hazard, verdict, rule, source, layer, reference number) are the same messages.
MSGIDS = {
    "heading": N_("Site risk check"), "reference": N_("Reference number"), "id": N_("Check id"),
    "date": N_("Date and time"), "title": N_("Title"), "site": N_("Site"), "land_use": N_("Intended land use"),
    "districts": N_("District and committee"), "overall": N_("Overall verdict"), "hazard": N_("Hazard"),
    "verdict": N_("Verdict"), "details": N_("Basis"), "rule": N_("Rule"), "source": N_("Source"),
    "layer": N_("Layer"), "unverified": N_("default value, not verified"),
    "verified": N_("checked against the source"), "version": N_("version"),
    "point": N_("point with a %(buffer)s m buffer"), "polygon": N_("polygon"), "area": N_("area"),
    "centroid": N_("centroid"), "vulnerable": N_("vulnerable occupants"), "none": N_("none"),
    "not_saved": N_("not saved"), "situation": N_("Situation pictures"), "changes": N_("Changes since check %(id)s"),
    "before": N_("before"), "after": N_("after"), "no_changes": N_("No changes."), "rerun_of": N_("re-run of check"),
    "demo": N_("DEMO DATA – the layers for %(layers)s are synthetic demonstration data with no real-world validity. "
               "Do not use this report in a planning case."),
    "outdated": N_("The layers %(layers)s have been updated since this check; run it again."),
    "drivers": N_("Driven by: %(hazards)s."), "next": N_("What to do next"),
    "no_steps": N_("No hazard is above low: this check asks for no further step."),
    "footer": N_("Riskkarta – site risk check"), "page": N_("page %(n)s of %(total)s"),
}


class _Texts:
    """T[lang][key]: a text of the PDF in one language; T.say(lang, key, name=value) fills its placeholders."""

    def __getitem__(self, lang: str) -> dict[str, str]:
        return {key: gettext_in(lang, msgid) for key, msgid in MSGIDS.items()}

    def __contains__(self, lang: str) -> bool:
        return lang in LANGUAGES

    @staticmethod
    def say(lang: str, key: str, **params) -> str:
        return gettext_in(lang, MSGIDS[key], **params)


T = _Texts()


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str]:
    """The regular and bold font names: DejaVu Sans when installed (å ä ö ≥ ≤ ° –), else Helvetica."""
    try:
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    except Exception as exc:  # reportlab raises TTFError or OSError depending on what is wrong with the file
        log.warning("DejaVu fonts not usable (%s); the site report falls back to Helvetica, which cannot show "
                    "≥ ≤ and may lose other characters. Install fonts-dejavu-core.", exc)
        return "Helvetica", "Helvetica-Bold"
    pdfmetrics.registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold",
                                  italic="DejaVuSans", boldItalic="DejaVuSans-Bold")
    return "DejaVuSans", "DejaVuSans-Bold"


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=9, leading=11.5)
    return {"base": base,
            "h1": ParagraphStyle("h1", base, fontName=bold, fontSize=17, leading=21, spaceAfter=4),
            "h2": ParagraphStyle("h2", base, fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3),
            "label": ParagraphStyle("label", base, fontName=bold, fontSize=8.5),
            "small": ParagraphStyle("small", base, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#444444")),
            "verdict": ParagraphStyle("verdict", base, fontName=bold, alignment=TA_CENTER),
            "warning": ParagraphStyle("warning", base, fontName=bold, textColor=colors.HexColor("#8b0000"))}


def _p(value: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(value)), style)


def site_text(site: Site, lang: str) -> str:
    """The site in one line: kind, buffer, area and centroid (the report page says the same)."""
    t = T[lang]
    kind = (T.say(lang, "point", buffer=fmt.number(site.buffer_m or 0, lang, 0)) if site.kind == "point"
            else t["polygon"])
    lon, lat = site.centroid
    return (f"{kind.capitalize()}, {t['area']} {fmt.area(site.area_m2, lang)}; {t['centroid']} "
            f"{lon:.5f}° E, {lat:.5f}° N (WGS 84)")


def _land_use_text(check: SavedCheck, lang: str) -> str:
    land_use = check.result.land_use
    vulnerable = ", ".join(v.get(lang, "") for v in land_use.vulnerable_labels) or T[lang]["none"]
    return f"{land_use.label.get(lang) or land_use.group}; {T[lang]['vulnerable']}: {vulnerable}"


def _reference_box(check: SavedCheck, lang: str, st: dict[str, ParagraphStyle]) -> Table:
    """The reference number, or an empty box for the case officer to write it in by hand."""
    reference = check.reference or ""
    table = Table([[_p(T[lang]["reference"], st["label"]), _p(reference, st["h2"])]],
                  colWidths=(4.0 * cm, 7.0 * cm), rowHeights=(0.9 * cm,), hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOX", (1, 0), (1, 0), 0.8, colors.black)]))
    return table


def _facts_table(check: SavedCheck, lang: str, st: dict[str, ParagraphStyle]) -> Table:
    t = T[lang]
    when = fmt.date_time(check.created_at) if check.created_at else t["not_saved"]
    check_id = str(check.id) if check.id is not None else t["not_saved"]
    if check.rerun_of:
        check_id += f" ({t['rerun_of']} {check.rerun_of})"
    districts = "; ".join(f"{d.name} ({d.committee})" for d in check.result.districts) or "–"
    rows = [(t["id"], check_id), (t["date"], when), (t["title"], check.title or "–"),
            (t["site"], site_text(check.result.site, lang)),
            (t["land_use"], _land_use_text(check, lang)), (t["districts"], districts)]
    table = Table([[_p(k, st["label"]), _p(v, st["base"])] for k, v in rows], colWidths=(4.0 * cm, 12.5 * cm))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey)]))
    return table


def _layer_text(layer: LayerRef | None, lang: str) -> str:
    if not layer:
        return "–"
    demo = " – DEMO" if layer.demo else ""
    definition = registry.get(layer.slug)
    name = gettext_in(lang, definition.title) if definition else layer.slug
    return f"{name}, {T[lang]['version']} {layer.version} ({fmt.date(layer.updated)}){demo}"


def _sources_text(h: Verdict, lang: str) -> str:
    """Each value of the rule by what backs it, marked checked or default (escaped, for a Paragraph)."""
    t = T[lang]
    if not h.sources:
        return "–"
    parts = []
    for n in h.sources:
        mark = t["verified"] if n.verified else t["unverified"]
        what = f"{escape(n.what[lang])}: " if n.what.get(lang) else ""
        parts.append(f"{what}{escape(n.citation)} ({mark})")
    return "; ".join(parts)


def _details(h: Verdict, lang: str, st: dict[str, ParagraphStyle]) -> list[Any]:
    t = T[lang]
    # The measured values run on as one paragraph ("label: value · label: value"): the report stays on two pages.
    values = " · ".join(f"{escape(label)}: {escape(text)}" for label, text in report_rows.rows(h, lang))
    values = f"{values}<br/>" if values else ""
    small = (f"{values}<b>{t['rule']}:</b> {escape(h.rule.get(lang, ''))}<br/><b>{t['source']}:</b> "
             f"{_sources_text(h, lang)}<br/><b>{t['layer']}:</b> {escape(_layer_text(h.layer, lang))}")
    return [_p(h.sentence.get(lang, ""), st["base"]), Spacer(1, 2), Paragraph(small, st["small"])]


def _verdict_cell(level: str, lang: str, st: dict[str, ParagraphStyle]) -> tuple[Paragraph, tuple]:
    fill, white = LEVEL_COLOURS.get(level, LEVEL_COLOURS[NO_DATA]), level in WHITE_TEXT
    style = ParagraphStyle("v", st["verdict"], textColor=colors.white if white else colors.black)
    return _p(LEVEL_WORDS[lang].get(level, level), style), fill


def _hazard_table(check: SavedCheck, lang: str, st: dict[str, ParagraphStyle]) -> Table:
    t = T[lang]
    rows: list[list[Any]] = [[_p(t["hazard"], st["label"]), _p(t["verdict"], st["label"]),
                              _p(t["details"], st["label"])]]
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("VALIGN", (1, 1), (1, -1), "MIDDLE"),
             ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]
    for i, h in enumerate(check.result.verdicts, start=1):
        verdict, fill = _verdict_cell(h.level, lang, st)
        rows.append([_p(h.title.get(lang, h.hazard), st["label"]), verdict, _details(h, lang, st)])
        style.append(("BACKGROUND", (1, i), (1, i), colors.HexColor(fill)))
    table = Table(rows, colWidths=(3.2 * cm, 2.6 * cm, 10.7 * cm), repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _changes(check: SavedCheck, lang: str, st: dict[str, ParagraphStyle]) -> list[Any]:
    t = T[lang]
    out: list[Any] = [_p(T.say(lang, "changes", id=check.rerun_of), st["h2"])]
    if not check.result.changes:
        return out + [_p(t["no_changes"], st["base"])]
    rows = [[_p(t["hazard"], st["label"]), _p(f"{t['verdict']}: {t['before']} → {t['after']}", st["label"]),
             _p(f"{t['layer']} {t['version']}", st["label"])]]
    for c in check.result.changes:
        rows.append([_p(c.title.get(lang, c.hazard), st["base"]),
                     _p(f"{fmt.level(c.level_before, lang)} → {fmt.level(c.level_after, lang)}", st["base"]),
                     _p(f"{c.version_before} → {c.version_after}", st["base"])])
    table = Table(rows, colWidths=(5.0 * cm, 6.5 * cm, 5.0 * cm))
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return out + [table]


def _warning(message: str, st: dict[str, ParagraphStyle]) -> Table:
    box = Table([[_p(message, st["warning"])]], colWidths=(WIDTH,))
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor("#d73027")),
                             ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fde0dd"))]))
    return box


def _overall(check: SavedCheck, lang: str, st: dict[str, ParagraphStyle]) -> Table:
    """The overall verdict (the worst of the hazards) in its colour."""
    verdict, fill = _verdict_cell(check.result.overall, lang, st)
    table = Table([[_p(T[lang]["overall"], st["label"]), verdict]], colWidths=(5.8 * cm, 2.6 * cm), hAlign="LEFT")
    table.setStyle(TableStyle([("BACKGROUND", (1, 0), (1, 0), colors.HexColor(fill)),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    return table


MAP_HEIGHT = 7.5 * cm  # the map's most height on the page, so the verdicts fit on two pages


def _why(check: SavedCheck, lang: str, st: dict[str, ParagraphStyle]) -> list[Any]:
    """What drives the overall verdict and what the planner should do next (the report page says the same)."""
    result, out = check.result, []
    if result.drivers:
        out.append(_p(T.say(lang, "drivers", hazards=", ".join(v.title.get(lang, v.hazard) for v in result.drivers)),
                      st["base"]))
    if result.next_steps:
        out.append(_p(T[lang]["next"], st["label"]))
        out += [Paragraph(f"• <b>{escape(v.title.get(lang, v.hazard))}</b> ({escape(fmt.level(v.level, lang))}): "
                          f"{escape(v.advice.get(lang, ''))}", st["small"]) for v in result.next_steps]
    elif result.overall == "low":
        out.append(_p(T[lang]["no_steps"], st["base"]))
    return out


def _map(map_png: bytes) -> Image:
    image = Image(io.BytesIO(map_png))
    ratio = image.imageHeight / image.imageWidth
    width = min(WIDTH, MAP_HEIGHT / ratio)
    image.drawWidth, image.drawHeight = width, width * ratio
    return image


def _story(check: SavedCheck, lang: str, map_png: bytes | None) -> list[Any]:
    st, t = _styles(), T[lang]
    story: list[Any] = [_p(t["heading"], st["h1"]), _reference_box(check, lang, st), Spacer(1, 4),
                        _facts_table(check, lang, st), Spacer(1, 6)]
    demo = [h.title.get(lang, h.hazard) for h in check.result.verdicts if h.layer and h.layer.demo]
    if demo:
        story += [_warning(T.say(lang, "demo", layers=", ".join(demo)), st), Spacer(1, 4)]
    if check.outdated_layers:
        story += [_warning(T.say(lang, "outdated", layers=", ".join(check.outdated_layers)), st), Spacer(1, 4)]
    if map_png:
        story += [_map(map_png), Spacer(1, 6)]
    story += [_overall(check, lang, st), Spacer(1, 3), *_why(check, lang, st), Spacer(1, 6),
              _hazard_table(check, lang, st)]
    note = (check.result.situation_pictures.get("note") or {}).get(lang)
    if note:
        story += [KeepTogether([_p(t["situation"], st["h2"]), _p(note, st["base"])])]
    if check.rerun_of or check.result.changes:
        story += [KeepTogether(_changes(check, lang, st))]
    return story


def _footer_canvas(lang: str, footer: str | None = None):
    """A canvas that writes "Riskkarta" (or `footer`) and "page n of N" on every page (N known only once all are
    laid out)."""
    regular = fonts()[0]

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for n, page in enumerate(self._pages, start=1):
                self.__dict__.update(page)
                self.setFont(regular, 8)
                self.setFillColor(colors.HexColor("#555555"))
                self.drawString(2 * cm, 1.2 * cm, footer or T[lang]["footer"])
                self.drawRightString(A4[0] - 2 * cm, 1.2 * cm, T.say(lang, "page", n=n, total=len(self._pages)))
                super().showPage()
            super().save()

    return FooterCanvas


def render_pdf(check: SavedCheck, *, lang: str = "sv", map_png: bytes | None = None) -> bytes:
    """The check as an A4 PDF for the planning file, in Swedish ("sv") or English ("en")."""
    lang = lang if lang in T else "sv"
    out = io.BytesIO()
    title = check.title or T[lang]["heading"]
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=1.6 * cm,
                            bottomMargin=1.8 * cm, title=title, author="Riskkarta", lang=lang)
    doc.build(_story(check, lang, map_png), canvasmaker=_footer_canvas(lang))
    return out.getvalue()
