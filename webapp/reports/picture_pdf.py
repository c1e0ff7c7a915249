"""A situation picture as an A4 PDF for the committee's and the city's files: the period, status and summary, a map
of the district with what is drawn on it, every annotation in a table, and a summary of its history. Swedish or
English; from data the service hands over, with no database here."""
from __future__ import annotations

import io
from typing import Any

import shapely
from PIL import Image as PILImage
from PIL import ImageDraw
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.platypus import Image, KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from geo.frame import MapFrame
from webapp.i18n import N_, gettext_in
from webapp.reports import format as fmt
from webapp.reports.pictures import (
    CELL_NAMES,
    KIND_COLOURS,
    KIND_NAMES,
    MEASURE_STATUS_NAMES,
    MEASURE_TYPE_NAMES,
    SEVERITY_NAMES,
    STATUS_NAMES,
    TOPIC_NAMES,
)
from webapp.reports.site_map import _draw_geom, _draw_scale_and_north, _hex
from webapp.reports.site_pdf import WIDTH, _footer_canvas, _p, _styles

MAP_PX = (1400, 900)
FOOTER = N_("Riskkarta – situation picture")
ACTIONS = {"create": N_("created"), "update": N_("updated"), "delete": N_("deleted"), "submit": N_("submitted"),
           "return": N_("returned"), "accept": N_("accepted"), "copy_forward": N_("copied forward")}


def map_png(district_3006: shapely.Geometry, annotations: list[tuple[str, shapely.Geometry]]) -> bytes:
    """The district's outline and the annotations (kind, EPSG:3006 geometry) coloured by kind, with a scale bar."""
    frame = MapFrame(district_3006.bounds, MAP_PX, margin_m=150)
    img = PILImage.new("RGBA", MAP_PX, (246, 246, 242, 255))
    draw = ImageDraw.Draw(img)
    _draw_geom(draw, district_3006, frame, (31, 78, 121, 255), 4)
    for kind, geom in annotations:
        colour = _hex(KIND_COLOURS.get(kind, "#4d4d4d"))
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            layer = PILImage.new("RGBA", MAP_PX, (0, 0, 0, 0))
            fill = ImageDraw.Draw(layer)
            for part in getattr(geom, "geoms", [geom]):
                fill.polygon(frame.px(part.exterior.coords), fill=colour[:3] + (70,))
            img.alpha_composite(layer)
            draw = ImageDraw.Draw(img)
        _draw_geom(draw, geom, frame, colour, 5)
    _draw_scale_and_north(draw, frame)
    out = io.BytesIO()
    img.convert("RGB").save(out, "PNG", optimize=True)
    return out.getvalue()


def render_pdf(picture: dict[str, Any], district_name: str, features: list[dict[str, Any]],
               events: list[dict[str, Any]] | None, png: bytes | None, *, lang: str = "sv") -> bytes:
    """`picture` as the API gives it, its annotations as GeoJSON Features, its history events (newest first; None
    for a reader who does not see the history)."""
    st = _styles()
    g = lambda msgid, **kw: gettext_in(lang, msgid, **kw)  # noqa: E731
    topic = g(TOPIC_NAMES[picture["topic"]])
    title = f"{district_name}: {topic}, {picture['year']} T{picture['tertial']}"
    story: list[Any] = [_p(g(N_("Situation picture")), st["label"]), _p(title, st["h1"])]
    facts = [(g(N_("Status")), g(STATUS_NAMES[picture["status"]])),
             (g(N_("Updated")), f"{fmt.date_time(picture['updated_at'])} ({picture['updated_by']})"),
             (g(N_("Annotations")), str(len(features)))]
    if picture["status"] == "returned" and picture.get("comment"):
        facts.append((g(N_("The city office's comment")), picture["comment"]))
    table = Table([[_p(k, st["label"]), _p(v, st["base"])] for k, v in facts], colWidths=[4.2 * cm, WIDTH - 4.2 * cm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    story += [table, _p(g(N_("Summary")), st["h2"]), _p(picture.get("summary") or g(N_("No summary yet.")), st["base"])]
    if png:
        height = WIDTH * MAP_PX[1] / MAP_PX[0]
        story += [Spacer(1, 6), Image(io.BytesIO(png), width=WIDTH, height=height)]
        legend = " · ".join(g(KIND_NAMES[k]) for k in KIND_NAMES if any(f["properties"]["kind"] == k
                                                                         for f in features))
        if legend:
            story.append(_p(f"{g(N_('Legend'))}: {legend}", st["small"]))
    story.append(_p(g(N_("Annotations")), st["h2"]))
    if features:
        head = [_p(g(h), st["label"]) for h in (N_("Title"), N_("Kind"), N_("Severity"), N_("Text"),
                                                  N_("The measure"))]
        rows = [head]
        for f in features:
            p = f["properties"]
            measure = ""
            if p["kind"] == "measure":
                measure = ", ".join(x for x in (g(MEASURE_TYPE_NAMES[p["measure_type"]]),
                                                g(MEASURE_STATUS_NAMES[p["measure_status"]]),
                                                p.get("responsible") or "") if x)
            rows.append([_p(p["title"], st["base"]), _p(g(KIND_NAMES[p["kind"]]), st["base"]),
                         _p(str(p["severity"]), st["base"]), _p(p.get("body") or "", st["small"]),
                         _p(measure, st["small"])])
        grid = Table(rows, colWidths=[4 * cm, 2.6 * cm, 2.6 * cm, WIDTH - 13.2 * cm, 4 * cm], repeatRows=1)
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#cccccc")),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f3f7"))]))
        story.append(grid)
    else:
        story.append(_p(g(N_("Nothing is drawn on this picture yet.")), st["base"]))
    if events is None:
        return _build(story, title, lang)
    shown = events[:15]
    lines = [_p(g(N_("History")), st["h2"]),
             _p(g(N_("%(n)s changes in the audit log; the latest:"), n=len(events)), st["base"])]
    for e in shown:
        what = g(ACTIONS.get(e["action"], e["action"]))
        thing = g(N_("the picture")) if e["entity"] == "picture" else g(N_("an annotation"))
        lines.append(_p(f"{fmt.date_time(e['at'])} · {e['actor']} · {what} {thing}", st["small"]))
    story.append(KeepTogether(lines))
    return _build(story, title, lang)


def _build(story: list[Any], title: str, lang: str) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=1.6 * cm,
                            bottomMargin=1.8 * cm, title=title, author="Riskkarta", lang=lang)
    doc.build(story, canvasmaker=_footer_canvas(lang, gettext_in(lang, FOOTER)))
    return out.getvalue()


def render_city_pdf(period: Any, reported: list[Any], png: bytes | None, *, lang: str = "sv") -> bytes:
    """The city's picture of a period (`city.period`): every district's status per topic, who submitted each
    picture and when, the counts by kind and by severity, the map of the reported annotations and their list."""
    st = _styles()
    g = lambda msgid, **kw: gettext_in(lang, msgid, **kw)  # noqa: E731
    heading = g(N_("The city's picture"))
    title = f"{heading}: {period.year} T{period.tertial}"
    story: list[Any] = [_p(title, st["h1"]), _p(g(N_("Each district's pictures")), st["h2"])]
    topics = list(TOPIC_NAMES)
    names = CELL_NAMES
    rows = [[_p(g(N_("District")), st["label"])] + [_p(g(TOPIC_NAMES[t]), st["label"]) for t in topics]]
    for row in period.rows:
        rows.append([_p(row.name, st["base"])] + [_p(g(names[row.cells[t].status]), st["small"]) for t in topics])
    first = 4.2 * cm
    grid = Table(rows, colWidths=[first] + [(WIDTH - first) / len(topics)] * len(topics), repeatRows=1)
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#cccccc")),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f3f7"))]))
    story.append(grid)
    story += _submissions(period, g, st)
    story.append(_p(g(N_("What the reported pictures hold")), st["h2"]))
    kinds = list(KIND_NAMES)
    counts = [[_p(g(N_("District")), st["label"])] + [_p(g(KIND_NAMES[k]), st["label"]) for k in kinds]
              + [_p(g(N_("Total")), st["label"])]]
    for row in period.rows:
        counts.append([_p(row.name, st["base"])] + [_p(str(row.by_kind.get(k, 0)), st["base"]) for k in kinds]
                      + [_p(str(row.total), st["base"])])
    table = Table(counts, colWidths=[first] + [(WIDTH - first) / (len(kinds) + 1)] * (len(kinds) + 1), repeatRows=1)
    table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#cccccc")),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f3f7"))]))
    story.append(table)
    story += _severities(period, g, st)
    if png:
        story += [Spacer(1, 8), Image(io.BytesIO(png), width=WIDTH, height=WIDTH * MAP_PX[1] / MAP_PX[0])]
    if reported:
        district_names = {row.code: row.name for row in period.rows}
        lines = [[_p(h, st["label"]) for h in (g(N_("District")), g(N_("Topic")), g(N_("Kind")), g(N_("Severity")),
                                                g(N_("Title")), g(N_("Status")))]]
        for r in reported:
            f = r.fields
            lines.append([_p(district_names.get(f["district"], f["district"]), st["small"]),
                          _p(g(TOPIC_NAMES[f["topic"]]), st["small"]), _p(g(KIND_NAMES[f["kind"]]), st["small"]),
                          _p(str(f["severity"]), st["small"]), _p(f["title"], st["small"]),
                          _p(g(STATUS_NAMES[f["picture_status"]]), st["small"])])
        widths = [3.4 * cm, 3.2 * cm, 2.6 * cm, 1.6 * cm, WIDTH - 13.2 * cm, 2.4 * cm]
        listing = Table(lines, colWidths=widths, repeatRows=1)
        listing.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                     ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#cccccc"))]))
        story += [_p(g(N_("Annotations")), st["h2"]), listing]
    return _build(story, title, lang)


_LINES = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                     ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#cccccc")),
                     ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f3f7"))])


def _submissions(period: Any, g: Any, st: dict) -> list[Any]:
    """A row per district and topic with a picture the reader may see: its status, who last submitted it and when
    (a dash for a draft never submitted)."""
    found = [(row.name, topic, cell) for row in period.rows for topic, cell in row.cells.items()
             if cell.picture is not None]
    if not found:
        return []
    lines = [[_p(g(h), st["label"]) for h in (N_("District"), N_("Topic"), N_("Status"), N_("Submitted by"),
                                                N_("Submitted"))]]
    for name, topic, cell in found:
        lines.append([_p(name, st["base"]), _p(g(TOPIC_NAMES[topic]), st["base"]),
                      _p(g(STATUS_NAMES[cell.status]), st["base"]), _p(cell.submitted_by or "–", st["small"]),
                      _p(fmt.date_time(cell.submitted_at), st["small"])])
    table = Table(lines, colWidths=[3.6 * cm, 3.2 * cm, 2.2 * cm, WIDTH - 12.4 * cm, 3.4 * cm], repeatRows=1)
    table.setStyle(_LINES)
    return [_p(g(N_("Who submitted each picture and when")), st["h2"]), table]


def _severities(period: Any, g: Any, st: dict) -> list[Any]:
    """The reported pictures' annotations per district by severity, 1 (low) to 4 (very high), with the total."""
    lines = [[_p(g(N_("District")), st["label"])] + [_p(g(SEVERITY_NAMES[s]), st["label"]) for s in SEVERITY_NAMES]
             + [_p(g(N_("Total")), st["label"])]]
    for row in period.rows:
        lines.append([_p(row.name, st["base"])] + [_p(str(row.by_severity.get(s, 0)), st["base"])
                                                    for s in SEVERITY_NAMES] + [_p(str(row.total), st["base"])])
    first, columns = 4.2 * cm, len(SEVERITY_NAMES) + 1
    table = Table(lines, colWidths=[first] + [(WIDTH - first) / columns] * columns, repeatRows=1)
    table.setStyle(_LINES)
    return [Spacer(1, 6), _p(g(N_("By severity")), st["label"]), Spacer(1, 3), table]
