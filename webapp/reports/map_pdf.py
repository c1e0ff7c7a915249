"""The viewer's map as a one-page PDF on A4 or A3: title, the map image, a legend of every layer drawn, a scale
bar, a north arrow, the date printed, the sources and licences, and a demo mark.

Drawn with reportlab's canvas on a fixed layout (`layout`), so the page can ask for a map image of exactly the
map area's size before it renders one (reports.site_map.view_map_png). Every text is PDF text (selectable, and
read back by the tests); the scale bar and north arrow are vector drawing over the image.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A3, A4, landscape, portrait
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from webapp.i18n import N_, gettext_in
from webapp.reports import format as fmt
from webapp.reports.site_pdf import fonts

SIZES = {"A4": A4, "A3": A3}
ORIENTATIONS = {"portrait": portrait, "landscape": landscape}
DPI = 150  # the map image's resolution on paper: sharp enough for lines and labels, ~2.5 Mpx on A3
MAX_PIXELS = 4_000_000
MARGIN = 1.2 * cm
HEADER = 1.9 * cm
DEMO_RED = colors.HexColor("#b00020")
DISTRICT_COLOUR = "#1f3a93"  # reports.site_map.DISTRICT_COLOUR

MSGIDS = {
    "default_title": N_("Riskkarta – map"), "legend": N_("Legend"), "printed": N_("Printed %(when)s"),
    "sources": N_("Sources and licences"), "scale": N_("Scale %(ratio)s"), "districts": N_("District boundary"),
    "district_areas": N_("District areas"), "crs": N_("Coordinate system SWEREF 99 TM, grid north"),
    "demo": N_("DEMO DATA – %(what)s: synthetic demonstration data with no real-world validity. Do not use this map "
               "as a basis for decisions."),
    "hotspots": N_("Hotspots not printed: the computed hotspots the viewer shows are not part of this print."),
    "per_cell": N_("Reported incidents per grid cell"),
}


def say(lang: str, key: str, **params) -> str:
    return gettext_in(lang, MSGIDS[key], **params)


@dataclass(frozen=True)
class LegendLayer:
    """One layer in the legend: its title, how its swatches look ("fill", "cells", "polygon", "line",
    "district") and its classes as (label, colour "#rrggbb[aa]"), at the layer's opacity."""

    title: str
    style: str
    entries: tuple[tuple[str, str], ...]
    opacity: float = 1.0
    note: str = ""


@dataclass(frozen=True)
class Sheet:
    """Everything the printed page shows; built by the page from the request and the services."""

    title: str
    lang: str
    size: str
    orientation: str
    map_png: bytes
    map_width_m: float  # the map's width in EPSG:3006 metres through its centre (a north-up SWEREF 99 TM frame)
    legend: tuple[LegendLayer, ...]
    sources: tuple[tuple[str, str, str], ...]  # (what, source, licence)
    demo: tuple[str, ...]  # what on the map is demo data
    printed_at: datetime
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    page: tuple[float, float]
    map: tuple[float, float, float, float]  # x, y, width, height in points
    legend: tuple[float, float, float, float]
    columns: int
    sources: tuple[float, float, float, float]


def layout(size: str, orientation: str) -> Layout:
    """Where everything goes: landscape puts the legend in a column on the right, portrait in a band under the
    map; the sources run along the foot of the page."""
    width, height = ORIENTATIONS[orientation](SIZES[size])
    big = size == "A3"
    sources_h = (2.6 if big else 2.1) * cm
    top = height - MARGIN - HEADER
    bottom = MARGIN + sources_h + 0.3 * cm
    sources = (MARGIN, MARGIN, width - 2 * MARGIN, sources_h)
    if orientation == "landscape":
        legend_w = (7.5 if big else 6.3) * cm
        legend = (width - MARGIN - legend_w, bottom, legend_w, top - bottom)
        return Layout((width, height), (MARGIN, bottom, width - 2 * MARGIN - legend_w - 0.4 * cm, top - bottom),
                      legend, 1, sources)
    legend_h = (8.0 if big else 6.4) * cm
    legend = (MARGIN, bottom, width - 2 * MARGIN, legend_h)
    map_y = bottom + legend_h + 0.3 * cm
    return Layout((width, height), (MARGIN, map_y, width - 2 * MARGIN, top - map_y), legend, 4 if big else 3,
                  sources)


def map_pixels(size: str, orientation: str) -> tuple[int, int]:
    """The map image's size in pixels for the sheet's map area at DPI, within MAX_PIXELS."""
    _, _, w, h = layout(size, orientation).map
    px_w, px_h = w / 72 * DPI, h / 72 * DPI
    shrink = min(1.0, math.sqrt(MAX_PIXELS / (px_w * px_h)))
    return max(1, round(px_w * shrink)), max(1, round(px_h * shrink))


def _nice_length(metres: float) -> float:
    """The largest of 1-2-5 × 10^n metres not longer than `metres`."""
    power = 10 ** math.floor(math.log10(metres))
    return max(step * power for step in (1, 2, 5) if step * power <= metres)


def _ratio(denominator: float, lang: str) -> str:
    """A map scale's denominator rounded to two significant figures: "1:25 000"."""
    digits = max(0, int(math.floor(math.log10(denominator))) - 1)
    return "1:" + fmt.number(round(denominator / 10**digits) * 10**digits, lang, 0)


def _scale_bar(c: Canvas, sheet: Sheet, box: tuple[float, float, float, float]) -> None:
    x0, y0, w, _ = box
    metres_per_pt = sheet.map_width_m / w
    metres = _nice_length(w * metres_per_pt / 5)
    bar = metres / metres_per_pt
    regular = fonts()[0]
    label = fmt.metres(metres, sheet.lang)
    ratio = say(sheet.lang, "scale", ratio=_ratio(metres_per_pt / (0.0254 / 72), sheet.lang))
    x, y = x0 + 10, y0 + 10
    c.setFillColor(colors.Color(1, 1, 1, alpha=0.85))
    c.setStrokeColor(colors.Color(0.3, 0.3, 0.3))
    c.rect(x - 6, y - 6, max(bar, c.stringWidth(ratio, regular, 7)) + 30, 33, stroke=0, fill=1)
    c.setLineWidth(0.6)
    c.setStrokeColor(colors.black)
    for i in range(4):  # quarters, alternately black and white
        c.setFillColor(colors.black if i % 2 == 0 else colors.white)
        c.rect(x + i * bar / 4, y + 10, bar / 4, 4, stroke=1, fill=1)
    c.setFillColor(colors.black)
    c.setFont(regular, 7)
    c.drawString(x - 2, y + 16, "0")
    c.drawString(x + bar - c.stringWidth(label, regular, 7) / 2, y + 16, label)
    c.drawString(x, y, ratio)


def _north_arrow(c: Canvas, box: tuple[float, float, float, float]) -> None:
    x0, y0, w, h = box
    cx, top = x0 + w - 20, y0 + h - 10
    c.setFillColor(colors.Color(1, 1, 1, alpha=0.85))
    c.rect(cx - 13, top - 44, 26, 42, stroke=0, fill=1)
    c.setStrokeColor(colors.black)
    c.setLineWidth(0.6)
    left = c.beginPath()
    left.moveTo(cx, top - 4), left.lineTo(cx - 8, top - 30), left.lineTo(cx, top - 25), left.close()
    c.setFillColor(colors.black)
    c.drawPath(left, stroke=1, fill=1)
    right = c.beginPath()
    right.moveTo(cx, top - 4), right.lineTo(cx + 8, top - 30), right.lineTo(cx, top - 25), right.close()
    c.setFillColor(colors.white)
    c.drawPath(right, stroke=1, fill=1)
    c.setFillColor(colors.black)
    c.setFont(fonts()[1], 9)
    c.drawCentredString(cx, top - 40, "N")


def _colour(value: str, opacity: float = 1.0) -> colors.Color:
    h = value.lstrip("#")
    alpha = int(h[6:8], 16) / 255 if len(h) == 8 else 1.0
    return colors.Color(int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255, alpha=alpha * opacity)


FILL_ALPHA = {"cells": 0.55, "polygon": 0.25}  # reports.site_map.FILL_ALPHA


def _swatch(c: Canvas, style: str, colour: str, opacity: float, x: float, y: float, size: float) -> None:
    w, h = size * 1.6, size * 0.8
    c.setLineWidth(0.5)
    c.setStrokeColor(colors.Color(0.45, 0.45, 0.45))
    if style in ("line", "district"):
        c.setStrokeColor(_colour(colour, opacity if style == "line" else 1.0))
        c.setLineWidth(2.2 if style == "line" else 1.2)
        c.line(x, y + h / 2, x + w, y + h / 2)
        return
    c.setFillColor(colors.white)
    c.rect(x, y, w, h, stroke=0, fill=1)
    c.setFillColor(_colour(colour, opacity * FILL_ALPHA.get(style, 1.0)))
    if style == "polygon":
        c.setStrokeColor(_colour(colour, opacity))
        c.setLineWidth(1.0)
    c.rect(x, y, w, h, stroke=1, fill=1)


def _legend_lines(sheet: Sheet, font_size: float, width: float) -> list[list[tuple]]:
    """The legend as blocks (one per layer, kept in one column) of lines: ("title", text), ("entry", text,
    style, colour, opacity, first line?), ("note", text)."""
    regular, bold = fonts()
    swatch_w = font_size * 1.6 + 4
    blocks = []
    for layer in sheet.legend:
        block: list[tuple] = [("title", t) for t in simpleSplit(layer.title, bold, font_size, width)]
        if layer.note:
            block += [("note", t) for t in simpleSplit(layer.note, regular, font_size - 1, width)]
        for label, colour in layer.entries:
            parts = simpleSplit(label, regular, font_size, width - swatch_w)
            block += [("entry", t, layer.style, colour, layer.opacity, i == 0) for i, t in enumerate(parts)]
        blocks.append(block)
    return blocks


def _place_legend(blocks: list[list[tuple]], leading: float, columns: int, height: float) -> list[list[tuple]] | None:
    """Blocks flowed into columns, a block never split unless it is taller than a column; None when they do not
    fit."""
    out: list[list[tuple]] = [[]]
    room = height
    for block in blocks:
        need = (len(block) + 0.5) * leading
        if need > room and out[-1]:
            out.append([])
            room = height
        if len(out) > columns:
            return None
        for line in block:
            if room < leading:
                out.append([])
                room = height
                if len(out) > columns:
                    return None
            out[-1].append(line)
            room -= leading
        room -= leading / 2
        out[-1].append(("gap",))
    return out


def _legend(c: Canvas, sheet: Sheet, box: tuple[float, float, float, float], columns: int) -> None:
    regular, bold = fonts()
    x0, y0, w, h = box
    c.setFont(bold, 11)
    c.setFillColor(colors.black)
    c.drawString(x0, y0 + h - 11, say(sheet.lang, "legend"))
    gutter = 0.4 * cm
    col_w = (w - gutter * (columns - 1)) / columns
    body_h = h - 18
    for font_size in (8.5, 8.0, 7.5, 7.0, 6.5, 6.0, 5.5, 5.0):
        leading = font_size * 1.3
        placed = _place_legend(_legend_lines(sheet, font_size, col_w), leading, columns, body_h)
        if placed is not None:
            break
    else:  # far more layers than the sheet holds: what fits, the rest cut (never at present: six hazards)
        placed = (_place_legend(_legend_lines(sheet, font_size, col_w), leading, 10**6, body_h) or [])[:columns]
    for i, column in enumerate(placed):
        x, y = x0 + i * (col_w + gutter), y0 + h - 18 - leading
        for line in column:
            if line[0] == "gap":
                y -= leading / 2
                continue
            if line[0] == "title":
                c.setFont(bold, font_size)
                c.setFillColor(colors.black)
                c.drawString(x, y + 0.2 * leading, line[1])
            elif line[0] == "note":
                c.setFont(regular, font_size - 1)
                c.setFillColor(colors.HexColor("#444444"))
                c.drawString(x, y + 0.2 * leading, line[1])
            else:
                _, text, style, colour, opacity, first = line
                if first:
                    _swatch(c, style, colour, opacity, x, y + 0.1 * leading, font_size)
                c.setFont(regular, font_size)
                c.setFillColor(colors.black)
                c.drawString(x + font_size * 1.6 + 4, y + 0.2 * leading, text)
            y -= leading


def _sources(c: Canvas, sheet: Sheet, box: tuple[float, float, float, float]) -> None:
    regular, bold = fonts()
    x0, y0, w, h = box
    c.setStrokeColor(colors.Color(0.6, 0.6, 0.6))
    c.setLineWidth(0.5)
    c.line(x0, y0 + h, x0 + w, y0 + h)
    parts = [f"<b>{escape(what)}</b>: {escape(source)}" + (f" ({escape(licence)})" if licence else "")
             for what, source, licence in sheet.sources]
    notes = "".join(f"<br/>{escape(n)}" for n in sheet.notes)
    markup = f"<b>{escape(say(sheet.lang, 'sources'))}.</b> " + "; ".join(parts) + "." + notes
    for size in (7.5, 7.0, 6.5, 6.0, 5.5, 5.0, 4.5):
        para = Paragraph(markup, ParagraphStyle("src", fontName=regular, fontSize=size, leading=size * 1.25))
        _, used = para.wrap(w, h)
        if used <= h - 3:
            break
    para.drawOn(c, x0, y0 + h - 3 - used)


def _header(c: Canvas, sheet: Sheet, page: tuple[float, float]) -> None:
    regular, bold = fonts()
    width, height = page
    top = height - MARGIN
    printed = say(sheet.lang, "printed", when=fmt.date_time(sheet.printed_at))
    c.setFillColor(colors.Color(0.27, 0.27, 0.27))
    c.setFont(regular, 8)
    c.drawRightString(width - MARGIN, top - 10, printed)
    c.drawRightString(width - MARGIN, top - 20, "Riskkarta · " + say(sheet.lang, "crs"))
    title_w = width - 2 * MARGIN - max(c.stringWidth(printed, regular, 8), 9 * cm) - 0.5 * cm
    c.setFillColor(colors.black)
    size = 16.0
    while size > 9 and c.stringWidth(sheet.title, bold, size) > title_w:
        size -= 0.5
    c.setFont(bold, size)
    title = simpleSplit(sheet.title, bold, size, title_w)[0] if sheet.title else ""
    c.drawString(MARGIN, top - 16, title)
    if sheet.demo:
        demo = say(sheet.lang, "demo", what=", ".join(sheet.demo))
        line = simpleSplit(demo, bold, 8, width - 2 * MARGIN)
        c.setFillColor(DEMO_RED)
        c.setFont(bold, 8 if len(line) == 1 else 6.5)
        for i, text in enumerate(simpleSplit(demo, bold, 8 if len(line) == 1 else 6.5, width - 2 * MARGIN)[:2]):
            c.drawString(MARGIN, top - 31 - i * 8, text)


def _demo_stamp(c: Canvas, box: tuple[float, float, float, float]) -> None:
    """A large, faint "DEMO" over the map: a copy cut out of the sheet still says what it is."""
    x0, y0, w, h = box
    c.saveState()
    clip = c.beginPath()
    clip.rect(x0, y0, w, h)
    c.clipPath(clip, stroke=0, fill=0)
    c.translate(x0 + w / 2, y0 + h / 2)
    c.rotate(30)
    size = min(w, h) / 6
    c.setFont(fonts()[1], size)
    # A faint fill and a firmer outline: it reads over pale ground and over the darkest layer alike.
    c.setFillColor(colors.Color(0.69, 0, 0.13, alpha=0.12))
    c.setStrokeColor(colors.Color(0.69, 0, 0.13, alpha=0.5))
    c.setLineWidth(1.2)
    text = c.beginText(-c.stringWidth("DEMO", fonts()[1], size) / 2, -size / 3)
    text.setTextRenderMode(2)  # fill and stroke
    text.textOut("DEMO")
    c.drawText(text)
    c.restoreState()


def render_map_pdf(sheet: Sheet) -> bytes:
    """The sheet as a one-page PDF."""
    box = layout(sheet.size, sheet.orientation)
    out = io.BytesIO()
    c = Canvas(out, pagesize=box.page, pageCompression=1)
    c.setTitle(sheet.title)
    c.setAuthor("Riskkarta")
    c.setSubject(say(sheet.lang, "default_title"))
    _header(c, sheet, box.page)
    x, y, w, h = box.map
    c.drawImage(ImageReader(io.BytesIO(sheet.map_png)), x, y, w, h)
    if sheet.demo:
        _demo_stamp(c, box.map)
    c.setStrokeColor(colors.Color(0.4, 0.4, 0.4))
    c.setLineWidth(0.8)
    c.rect(x, y, w, h, stroke=1, fill=0)
    _scale_bar(c, sheet, box.map)
    _north_arrow(c, box.map)
    _legend(c, sheet, box.legend, box.columns)
    _sources(c, sheet, box.sources)
    c.showPage()
    c.save()
    return out.getvalue()
