"""A static map of a checked site, drawn with Pillow for the PDF report from `map_data` (services/site_check).

Everything is drawn in EPSG:3006 (north up, metres) without a browser or network: each hazard's layer in its style
(a raster's classes as a fill, lines, outlines), district boundaries and names, and the site itself, with a scale
bar, a north arrow and a legend.
"""
from __future__ import annotations

import io
import logging
import math
from functools import lru_cache
from pathlib import Path

import shapely
from PIL import Image, ImageDraw, ImageFont

from geo import png as png_codec
from geo.frame import MapFrame
from webapp.i18n import gettext_in
from webapp.services.site_check.map_data import MapData, MapLayer

log = logging.getLogger(__name__)

# Debian's fonts-dejavu-core: covers å ä ö and ≥ ≤ ° –; the PDF report uses the same files.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
BACKGROUND = (236, 236, 236)
DISTRICT_COLOUR = (31, 58, 147, 255)
# Drawing order by style: fills under outlines, district boundaries between, lines (routes) on top.
ORDER = {"fill": 0, "outline": 1, "line": 3}
WIDTH = {"outline": 2, "line": 3}


def _overlays(frame: MapFrame) -> list[shapely.Geometry]:
    """Where the north arrow, legend and scale bar go, widened by half a label: names stay out of them."""
    width, height = frame.size
    boxes = [(width - 130, 0, width, 95), (width - 280, height - 200, width, height), (0, height - 75, 280, height)]
    return [frame.box_px(*b) for b in boxes]


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        log.warning("Font %s is missing (install fonts-dejavu-core); the map uses Pillow's default font", path)
        return ImageFont.load_default(size)


def _draw_geom(draw: ImageDraw.ImageDraw, geom: shapely.Geometry, frame: MapFrame, colour, width: int) -> None:
    """Lines as lines, polygons as their rings, points as small dots."""
    if geom.is_empty:
        return
    if hasattr(geom, "geoms"):
        for part in geom.geoms:
            _draw_geom(draw, part, frame, colour, width)
    elif geom.geom_type == "Polygon":
        for ring in (geom.exterior, *geom.interiors):
            draw.line(frame.px(ring.coords), fill=colour, width=width, joint="curve")
    elif geom.geom_type in ("LineString", "LinearRing"):
        draw.line(frame.px(geom.coords), fill=colour, width=width, joint="curve")
    elif geom.geom_type == "Point":
        (x, y), r = frame.px(geom.coords)[0], width + 2
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline=(255, 255, 255, 255))


def _hex(colour: str) -> tuple[int, int, int, int]:
    h = colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), int(h[6:8], 16) if len(h) == 8 else 255


def _draw_fill(img: Image.Image, layer: MapLayer) -> None:
    """Paint a raster's classes onto the map: the tile renderer's classes and palette, so the report shows the
    colours the web map shows."""
    classes = [(c.min, c.max, c.color) for c in layer.classes]
    png = png_codec.render_png(layer.grid, classes, scale=layer.scale, offset=layer.offset,
                               transparent_below=layer.transparent_below)
    overlay = Image.open(io.BytesIO(png)).convert("RGBA")
    img.paste(overlay, mask=overlay)


def _draw_features(draw: ImageDraw.ImageDraw, layer: MapLayer, frame: MapFrame) -> set[str]:
    """Draw a vector layer's features in their class colours; returns the classes drawn."""
    colours = {c.key: _hex(c.color) for c in layer.classes}
    drawn = set()
    for cls, geom in layer.features:
        if cls in colours:
            _draw_geom(draw, geom, frame, colours[cls], WIDTH.get(layer.style, 2))
            drawn.add(cls)
    return drawn


def _draw_districts(draw: ImageDraw.ImageDraw, data: MapData) -> bool:
    """District boundaries, and each name inside its district but clear of the site; True when a boundary shows."""
    frame = data.frame
    boundaries = [b for _, b, _ in data.districts if b is not None]
    for boundary in boundaries:
        _draw_geom(draw, boundary, frame, DISTRICT_COLOUR, 2)
    font = _font(13, bold=True)
    keep_clear = shapely.union_all([data.area.buffer(60 * frame.res), *_overlays(frame)])
    for name, _boundary, part in data.districts:
        if part is None:
            continue
        room = part.intersection(frame.inner(90, 18)).difference(keep_clear)
        if room.is_empty:
            continue
        x, y = frame.px(room.point_on_surface().coords)[0]
        draw.text((x, y), name, fill=DISTRICT_COLOUR, font=font, anchor="mm", stroke_width=3,
                  stroke_fill=(255, 255, 255, 255))
    return any(not b.is_empty for b in boundaries)


def _draw_site(draw: ImageDraw.ImageDraw, area: shapely.Geometry, point: shapely.Geometry | None,
               frame: MapFrame) -> None:
    # A white halo under a black line reads on any background, dark flood blue included.
    _draw_geom(draw, area.boundary, frame, (255, 255, 255, 255), 8)
    _draw_geom(draw, area.boundary, frame, (0, 0, 0, 255), 3)
    if point is not None:
        (x, y) = frame.px(point.coords)[0]
        draw.ellipse((x - 6, y - 6, x + 6, y + 6), fill=(0, 0, 0, 255), outline=(255, 255, 255, 255), width=2)


def _nice_length(metres: float) -> float:
    """The largest of 1-2-5 × 10^n metres not longer than `metres`."""
    power = 10 ** math.floor(math.log10(metres))
    return max(step * power for step in (1, 2, 5) if step * power <= metres)


def _draw_scale_and_north(draw: ImageDraw.ImageDraw, frame: MapFrame) -> None:
    width, height = frame.size
    metres = _nice_length(width * frame.res / 5)
    bar = metres / frame.res
    x, y, font = 16, height - 20, _font(13)
    label = f"{metres:g} m" if metres < 1000 else f"{metres / 1000:g} km"
    draw.rectangle((x - 8, y - 28, x + bar + 12, y + 10), fill=(255, 255, 255, 220))
    draw.rectangle((x, y - 6, x + bar / 2, y), fill=(0, 0, 0, 255))
    draw.rectangle((x + bar / 2, y - 6, x + bar, y), fill=(255, 255, 255, 255), outline=(0, 0, 0, 255))
    draw.rectangle((x, y - 6, x + bar, y), outline=(0, 0, 0, 255))
    draw.text((x, y - 10), label, fill=(0, 0, 0, 255), font=font, anchor="ld")
    # Grid north of SWEREF 99 TM; true north differs by under 3° across Stockholm.
    cx, top = width - 30, 14
    draw.rectangle((cx - 18, top - 6, cx + 18, top + 52), fill=(255, 255, 255, 220))
    draw.polygon([(cx, top), (cx - 10, top + 28), (cx, top + 22)], fill=(0, 0, 0, 255))
    draw.polygon([(cx, top), (cx + 10, top + 28), (cx, top + 22)], fill=(255, 255, 255, 255), outline=(0, 0, 0, 255))
    draw.text((cx, top + 44), "N", fill=(0, 0, 0, 255), font=_font(14, bold=True), anchor="mm")


LegendEntry = tuple[str, str, tuple[int, int, int, int]]  # kind ("fill", "line", "outline", "site"), label, colour


def _draw_legend(draw: ImageDraw.ImageDraw, entries: list[LegendEntry], frame: MapFrame) -> None:
    font = _font(12)
    row_h, swatch = 17, 22
    width = 12 + swatch + 8 + max(int(draw.textlength(label, font=font)) for _, label, _ in entries)
    height = 10 + row_h * len(entries)
    x0, y0 = frame.size[0] - width - 10, frame.size[1] - height - 10
    draw.rectangle((x0, y0, x0 + width, y0 + height), fill=(255, 255, 255, 230), outline=(120, 120, 120, 255))
    for i, (kind, label, colour) in enumerate(entries):
        x, y = x0 + 8, y0 + 5 + i * row_h + row_h // 2
        if kind == "fill":
            draw.rectangle((x, y - 6, x + swatch, y + 6), fill=colour, outline=(120, 120, 120, 255))
        elif kind == "site":
            draw.line((x, y, x + swatch, y), fill=(255, 255, 255, 255), width=8)
            draw.line((x, y, x + swatch, y), fill=(0, 0, 0, 255), width=3)
        else:
            draw.line((x, y, x + swatch, y), fill=colour, width=3 if kind == "line" else 2)
        draw.text((x + swatch + 8, y), label, fill=(0, 0, 0, 255), font=font, anchor="lm")


def site_map_png(data: MapData, *, lang: str = "sv") -> bytes:
    """A PNG of the map: the layers of `data` in their hazards' styles, districts, the site, scale, north, legend."""
    frame = data.frame
    size_px = frame.size
    img = Image.new("RGB", size_px, BACKGROUND)
    legend: list[LegendEntry] = []
    layers = sorted(data.layers, key=lambda layer: ORDER.get(layer.style, 2))
    for layer in (layer for layer in layers if layer.style == "fill"):
        _draw_fill(img, layer)
        legend += [("fill", gettext_in(lang, c.label), _hex(c.color)) for c in layer.classes if _hex(c.color)[3] > 0]
    # RGBA drawing on an RGB image blends: the legend and scale boxes are translucent.
    draw = ImageDraw.Draw(img, "RGBA")

    def features(style: str) -> None:
        for layer in (layer for layer in layers if layer.style == style):
            drawn = _draw_features(draw, layer, frame)
            legend.extend((style, gettext_in(lang, c.label), _hex(c.color)) for c in layer.classes if c.key in drawn)

    features("outline")
    shows_districts = _draw_districts(draw, data)
    features("line")
    _draw_site(draw, data.area, data.point, frame)
    if shows_districts:
        legend.append(("outline", gettext_in(lang, "District boundary"), DISTRICT_COLOUR))
    legend.append(("site", gettext_in(lang, "Site checked"), (0, 0, 0, 255)))
    _draw_legend(draw, legend, frame)
    _draw_scale_and_north(draw, frame)
    draw.rectangle((0, 0, size_px[0] - 1, size_px[1] - 1), outline=(110, 110, 110, 255))
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- the printed map (/map/print.pdf): any extent, the viewer's layers at their opacity -------------------------

# What the viewer's script draws (webapp/static/viewer.js): cells at 55 %, polygons at 25 % under a full outline.
FILL_ALPHA = {"cells": 0.55, "polygon": 0.25}
VIEW_ORDER = {"fill": 0, "cells": 1, "polygon": 2, "line": 4}  # the districts at 3


def _fill_polygons(draw: ImageDraw.ImageDraw, polygons, colours, frame: MapFrame) -> None:
    for cls, geom in polygons:
        colour = colours.get(cls)
        for part in getattr(geom, "geoms", [geom]):
            if colour is None or part.geom_type != "Polygon" or part.is_empty:
                continue
            draw.polygon(frame.px(part.exterior.coords), fill=colour)
            for ring in part.interiors:
                draw.polygon(frame.px(ring.coords), fill=(0, 0, 0, 0))


def _with_opacity(img: Image.Image, opacity: float) -> Image.Image:
    alpha = img.getchannel("A").point(lambda a: round(a * opacity))
    img.putalpha(alpha)
    return img


def _view_layer_image(view, frame: MapFrame) -> Image.Image:
    """One layer alone on a transparent image, drawn as the viewer draws it (before the layer's opacity)."""
    img = Image.new("RGBA", frame.size, (0, 0, 0, 0))
    layer = view.layer
    if view.style == "fill":
        _draw_fill(img, layer)
        return img
    colours = {c.key: _hex(c.color) for c in view.classes}
    if view.polygons:
        fill = Image.new("RGBA", frame.size, (0, 0, 0, 0))
        _fill_polygons(ImageDraw.Draw(fill), view.polygons, colours, frame)
        img = _with_opacity(fill, FILL_ALPHA.get(view.style, 1.0))
    if view.style == "cells":  # white cell edges, as the viewer's
        draw = ImageDraw.Draw(img, "RGBA")
        for _, geom in view.polygons:
            _draw_geom(draw, geom.boundary, frame, (255, 255, 255, 128), 1)
    else:
        _draw_features(ImageDraw.Draw(img, "RGBA"), layer, frame)
    return img


def view_map_png(frame: MapFrame, layers: list, districts: list, opacity: dict[str, float]) -> bytes:
    """A PNG of the printed map: each layer of `layers` (map_data.ViewLayer) in its legend colours at its opacity
    (`opacity` by slug, the viewer's default otherwise), then the district boundaries and names. The scale bar,
    north arrow and legend are the PDF's, drawn as text and lines beside and over the image."""
    img = Image.new("RGBA", frame.size, BACKGROUND + (255,))
    # MapData's own district drawing keeps names clear of an area: here none but the PDF's overlays.
    data = MapData(frame, shapely.Point(), None, [], districts)
    drawn_districts = False
    for view in sorted((v for v in layers if v.layer is not None), key=lambda v: VIEW_ORDER.get(v.style, 2)):
        if VIEW_ORDER.get(view.style, 2) > 3 and not drawn_districts:
            _draw_districts(ImageDraw.Draw(img, "RGBA"), data)
            drawn_districts = True
        img.alpha_composite(_with_opacity(_view_layer_image(view, frame), opacity.get(view.info.slug, 0.7)))
    if not drawn_districts:
        _draw_districts(ImageDraw.Draw(img, "RGBA"), data)
    out = io.BytesIO()
    img.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()
