"""The map as a print: /map/print.pdf, the viewer's state on A4 or A3.

The query holds the viewer's state as its address does (layers, opacity, bbox, hotspots) plus the sheet's size,
orientation and title. Layers the role may not see are not drawn, as in the viewer; the districts always are."""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime

from flask import Response, request

from geo.crs import SWEREF99TM, WGS84, transform_bounds
from layers import registry
from webapp import ratelimit
from webapp.auth import current_role
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.i18n import current_language, gettext_in
from webapp.pages import bp
from webapp.pages.maps import DEFAULT_OPACITY
from webapp.reports import map_pdf
from webapp.services import catalog, districts

SLUG = re.compile(r"[a-z][a-z0-9_-]{0,63}")
# One or more slug:period:category:band, comma-separated (the viewer writes one per incident layer shown).
HOTSPOT = r"[a-z][a-z0-9_-]{0,63}:[0-9a-z-]{1,16}:[a-z0-9_-]{1,64}:[a-z]{1,16}"
HOTSPOTS = re.compile(rf"{HOTSPOT}(,{HOTSPOT}){{0,15}}")
TITLE_MAX = 120
# SWEREF 99 TM's area of use (EPSG:3006), widened a little: a box is cut to it (the viewer zoomed far out), one
# wholly outside cannot be drawn in metres.
AREA_OF_USE = (10.0, 54.0, 25.0, 70.0)
MIN_SIDE_M, MAX_SIDE_M = 50.0, 2_000_000.0


def _bad(parameter: str, detail: str) -> ProblemError:
    return ProblemError(400, "invalid-parameter", "Invalid parameter", detail, parameter=parameter)


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default).strip()
    match = next((a for a in allowed if a.lower() == value.lower()), None)
    if match is None:
        raise _bad(name, f"{name} must be one of {', '.join(allowed)}, not {value[:40]!r}.")
    return match


def _slugs(value: str, name: str) -> list[str]:
    slugs = [s.strip() for s in value.split(",") if s.strip()]
    for slug in slugs:
        if not SLUG.fullmatch(slug) or registry.get(slug) is None:
            raise _bad(name, f"{slug[:64]!r} is not a layer; the layers are {', '.join(registry.LAYERS)}.")
    return list(dict.fromkeys(slugs))


def _opacity(value: str) -> dict[str, float]:
    out = {}
    for item in (i.strip() for i in value.split(",") if i.strip()):
        slug, _, number = item.partition(":")
        _slugs(slug, "opacity")
        try:
            opacity = float(number)
        except ValueError:
            opacity = math.nan
        if not 0.0 <= opacity <= 1.0:  # NaN fails too
            raise _bad("opacity", f"opacity is slug:value with a value from 0 to 1, as flood:0.65; not {item[:80]!r}.")
        out[slug] = opacity
    return out


def _bbox(value: str | None, session) -> tuple[float, float, float, float]:
    """The extent in EPSG:3006 from minlon,minlat,maxlon,maxlat (WGS 84); the districts' extent when not given."""
    if value is None or not value.strip():
        lonlat = districts.bounds_lonlat(session)
        if lonlat is None:
            raise _bad("bbox", "There are no districts to frame: give bbox=minlon,minlat,maxlon,maxlat.")
    else:
        try:
            lonlat = tuple(float(v) for v in value.split(","))
        except ValueError:
            lonlat = ()
        if len(lonlat) != 4 or not all(math.isfinite(v) for v in lonlat):
            raise _bad("bbox", "bbox is minlon,minlat,maxlon,maxlat in WGS 84 degrees, four numbers.")
        w, s, e, n = lonlat
        if not (w < e and s < n):
            raise _bad("bbox", "bbox must have minlon < maxlon and minlat < maxlat.")
        a = AREA_OF_USE
        if not (w >= -180 and e <= 180 and s >= -90 and n <= 90):
            raise _bad("bbox", "bbox is in degrees: longitude from -180 to 180, latitude from -90 to 90.")
        if w >= a[2] or e <= a[0] or s >= a[3] or n <= a[1]:
            raise _bad("bbox", "bbox must reach Sweden (SWEREF 99 TM's area, longitude 10–25, latitude 54–70).")
        lonlat = (max(w, a[0]), max(s, a[1]), min(e, a[2]), min(n, a[3]))
    bounds = transform_bounds(lonlat, WGS84, SWEREF99TM)
    side = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    if not MIN_SIDE_M <= side <= MAX_SIDE_M:
        raise _bad("bbox", f"bbox must span from {MIN_SIDE_M:.0f} m to {MAX_SIDE_M / 1000:.0f} km.")
    return bounds


def _title(lang: str) -> str:
    title = request.args.get("title", "").strip()
    if len(title) > TITLE_MAX:
        raise _bad("title", f"title may be at most {TITLE_MAX} characters.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in title):
        raise _bad("title", "title may not hold control characters.")
    return title or map_pdf.say(lang, "default_title")


def _hotspots() -> str | None:
    value = request.args.get("hotspots", "").strip()
    if value and not HOTSPOTS.fullmatch(value):
        raise _bad("hotspots", "hotspots is slug:period:category:band, as crime:12m:all:all (comma-separated).")
    return value or None


def _legend(view, lang: str, opacity: float) -> map_pdf.LegendLayer:
    info = view.info
    entries = tuple((gettext_in(lang, c.label), c.color) for c in view.classes
                    if not (len(c.color) == 9 and c.color.lower().endswith("00")))
    note = map_pdf.say(lang, "per_cell") if view.style == "cells" else ""
    return map_pdf.LegendLayer(gettext_in(lang, info.definition.title), view.style, entries, opacity, note)


@bp.get("/map/print.pdf")
@ratelimit.limited("reports")
def map_print_pdf():
    """The viewer's map as a PDF: its layers at their opacity over its extent, with a legend of every layer
    drawn, a scale bar, a north arrow, the date, the sources and licences, and a demo mark when any is demo."""
    from webapp.reports.site_map import view_map_png
    from webapp.services.site_check.map_data import district_sources, view_data

    lang = current_language()
    size = _choice("size", tuple(map_pdf.SIZES), "A4")
    orientation = _choice("orientation", tuple(map_pdf.ORIENTATIONS), "landscape")
    title = _title(lang)
    wanted = _slugs(request.args.get("layers", ""), "layers")
    opacity = _opacity(request.args.get("opacity", ""))
    hotspots = _hotspots()
    session = get_session()
    bounds = _bbox(request.args.get("bbox"), session)
    visible = {info.slug: info for info in catalog.visible_layers(session, current_role())}
    # The registry's order (the viewer's), and only what the role may see and what has data.
    infos = [visible[s] for s in registry.LAYERS if s in wanted and s in visible and visible[s].has_data]
    size_px = map_pdf.map_pixels(size, orientation)
    frame, views, district_rows = view_data(session, bounds, size_px, infos)
    opacities = {v.info.slug: opacity.get(v.info.slug, DEFAULT_OPACITY) for v in views}
    png = view_map_png(frame, views, district_rows, opacities)
    legend = [_legend(v, lang, opacities[v.info.slug]) for v in views]
    legend.append(map_pdf.LegendLayer(map_pdf.say(lang, "district_areas"), "district",
                                      ((map_pdf.say(lang, "districts"), map_pdf.DISTRICT_COLOUR),)))
    sources = [(gettext_in(lang, v.info.definition.title), gettext_in(lang, v.info.source),
                gettext_in(lang, v.info.licence) if v.info.licence else "") for v in views]
    sources.append((map_pdf.say(lang, "district_areas"),
                    "; ".join(gettext_in(lang, s) for s in district_sources(session)) or "–", ""))
    demo = [gettext_in(lang, v.info.definition.title) for v in views if v.info.is_demo]
    if districts.is_demo(session):
        demo.append(map_pdf.say(lang, "district_areas"))
    notes = (map_pdf.say(lang, "hotspots"),) if hotspots else ()
    sheet = map_pdf.Sheet(title=title, lang=lang, size=size, orientation=orientation, map_png=png,
                          map_width_m=frame.res * frame.size[0], legend=tuple(legend), sources=tuple(sources),
                          demo=tuple(demo), printed_at=datetime.now(UTC), notes=notes)
    return Response(map_pdf.render_map_pdf(sheet), mimetype="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="riskkarta-karta.pdf"',
                             "Cache-Control": "private, no-store"})
