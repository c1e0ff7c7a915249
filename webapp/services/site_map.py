"""A static map of a checked site, drawn server-side with Pillow: for the PDF report and /sites/<id>/map.png.

Everything is drawn in EPSG:3006 (north up, metres) without a browser or network: the flood classes from the
COG, hazardous-goods routes, water-protection zones (for roles cleared for them), district boundaries and the
site itself, with a scale bar, a north arrow and a small legend.
"""
from __future__ import annotations

import io
import logging
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import shapely
from PIL import Image, ImageDraw, ImageFont
from rasterio.enums import Resampling
from rasterio.windows import Window
from shapely.geometry import shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import png as png_codec
from geo.crs import SWEREF99TM, WGS84, transform_geom
from webapp.services import layers as catalog
from webapp.services.layers import LayerInfo

log = logging.getLogger(__name__)

# Debian's fonts-dejavu-core: covers å ä ö and ≥ ≤ ° –; the PDF report uses the same files.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MARGIN_M = 300.0  # what the planner needs around the site: the neighbouring blocks and the nearest routes
BACKGROUND = (236, 236, 236)
DISTRICT_COLOUR = (31, 58, 147, 255)
Bounds = tuple[float, float, float, float]

_FEATURES = text("""
    SELECT f.class, ST_AsBinary(ST_Intersection(
               CASE WHEN ST_Dimension(f.geom) = 2 THEN ST_Boundary(f.geom) ELSE f.geom END, e.g))
    FROM layer_feature AS f, (SELECT ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006) AS g) AS e
    WHERE f.layer_id = :layer AND f.geom && e.g
""")
# Boundaries, not polygons: clipping a polygon and drawing its outline would draw the map's frame too.
_DISTRICTS = text("""
    SELECT d.name, ST_AsBinary(ST_Intersection(ST_Boundary(d.geom), e.g)),
           ST_AsBinary(ST_Intersection(d.geom, e.g))
    FROM district AS d, (SELECT ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006) AS g) AS e
    WHERE d.geom && e.g
""")


class _Frame:
    """The map's extent in 3006 and the affine mapping from metres to pixels (north up)."""

    def __init__(self, site_bounds: Bounds, size_px: tuple[int, int], margin_m: float) -> None:
        width, height = size_px
        x0, y0, x1, y1 = site_bounds
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        # Keep the image's aspect: the scale is set by whichever side needs more metres per pixel.
        self.res = max((x1 - x0 + 2 * margin_m) / width, (y1 - y0 + 2 * margin_m) / height)
        self.size = (width, height)
        self.bounds: Bounds = (cx - width * self.res / 2, cy - height * self.res / 2,
                               cx + width * self.res / 2, cy + height * self.res / 2)

    def overlays(self) -> list[shapely.Geometry]:
        """Where the north arrow, legend and scale bar go, widened by half a label: names stay out of them."""
        width, height = self.size
        boxes = [(width - 130, 0, width, 95), (width - 280, height - 200, width, height), (0, height - 75, 280, height)]
        x0, _, _, y1 = self.bounds
        return [shapely.box(x0 + a * self.res, y1 - d * self.res, x0 + c * self.res, y1 - b * self.res)
                for a, b, c, d in boxes]

    def inner(self, dx_px: float, dy_px: float) -> shapely.Geometry:
        """The map less a margin: a label centred in it stays on the map."""
        x0, y0, x1, y1 = self.bounds
        return shapely.box(x0 + dx_px * self.res, y0 + dy_px * self.res, x1 - dx_px * self.res, y1 - dy_px * self.res)

    def px(self, coords) -> list[tuple[float, float]]:
        x0, _, _, y1 = self.bounds
        return [((x - x0) / self.res, (y1 - y) / self.res) for x, y, *_ in coords]


def _site_geoms(check: dict[str, Any]) -> tuple[shapely.Geometry, shapely.Geometry | None]:
    """The checked area in 3006 and, for a point site, the point itself (the check stores both in lon/lat)."""
    site = check["site"]
    area = transform_geom(shape(site["geometry"]), WGS84, SWEREF99TM)
    given = site.get("given")
    point = None
    if site.get("kind") == "point" and given:
        point = transform_geom(shape(given), WGS84, SWEREF99TM)
    return area, point


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        log.warning("Font %s is missing (install fonts-dejavu-core); the map uses Pillow's default font", path)
        return ImageFont.load_default(size)


def _flood_values(info: LayerInfo, frame: _Frame) -> np.ma.MaskedArray | None:
    """Stored flood values at the map's pixel centres, read from the window under the map only.

    Read at about the map's pixel size so GDAL serves an overview when zoomed out, then sampled at the pixel
    centres (nearest neighbour: the layer is classed), as geo.raster.read_tile does for web tiles.
    """
    assert info.raster is not None
    width, height = frame.size
    x0, y0, x1, y1 = frame.bounds
    with rasterio.open(info.raster.path) as ds:
        t, nodata = ds.transform, ds.nodatavals[info.raster.band - 1]
        col0, col1 = max(int(np.floor((x0 - t.c) / t.a)), 0), min(int(np.ceil((x1 - t.c) / t.a)), ds.width)
        row0, row1 = max(int(np.floor((y1 - t.f) / t.e)), 0), min(int(np.ceil((y0 - t.f) / t.e)), ds.height)
        if col1 <= col0 or row1 <= row0:
            return None
        win = Window(col0, row0, col1 - col0, row1 - row0)
        factor = max(1.0, frame.res / ds.res[0])
        out_w, out_h = max(1, math.ceil(win.width / factor)), max(1, math.ceil(win.height / factor))
        src = ds.read(info.raster.band, window=win, out_shape=(out_h, out_w), resampling=Resampling.nearest)
    east = x0 + (np.arange(width) + 0.5) * frame.res
    north = y1 - (np.arange(height) + 0.5) * frame.res
    col = np.floor((east - (t.c + col0 * t.a)) / (t.a * win.width / out_w)).astype(np.intp)
    row = np.floor((north - (t.f + row0 * t.e)) / (t.e * win.height / out_h)).astype(np.intp)
    inside = (row[:, None] >= 0) & (row[:, None] < out_h) & (col[None, :] >= 0) & (col[None, :] < out_w)
    values = src[np.clip(row, 0, out_h - 1)[:, None], np.clip(col, 0, out_w - 1)[None, :]]
    mask = ~inside
    if nodata is not None:
        mask |= np.isnan(values) if np.isnan(nodata) else values == nodata
    return np.ma.MaskedArray(values, mask=mask)


def _draw_flood(img: Image.Image, info: LayerInfo, frame: _Frame) -> bool:
    """Paint the flood classes onto the map; False when the layer has no cells under it."""
    values = _flood_values(info, frame)
    if values is None or values.mask.all():
        return False
    spec = info.definition.raster
    classes = [(c.min, c.max, c.color) for c in info.definition.classes]
    # The tile renderer's classes and palette, so the report shows the colours the web map shows.
    png = png_codec.render_png(values, classes, scale=info.raster.scale, offset=info.raster.offset,
                            transparent_below=spec.transparent_below if spec else None)
    overlay = Image.open(io.BytesIO(png)).convert("RGBA")
    img.paste(overlay, mask=overlay)
    return True


def _draw_geom(draw: ImageDraw.ImageDraw, geom: shapely.Geometry, frame: _Frame, colour, width: int) -> None:
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


def _draw_features(session: Session, draw: ImageDraw.ImageDraw, info: LayerInfo, frame: _Frame,
                   width: int) -> set[str]:
    """Draw a vector layer's features under the map in their class colours; returns the classes drawn."""
    x0, y0, x1, y1 = frame.bounds
    rows = session.execute(_FEATURES, {"layer": info.id, "x0": x0, "y0": y0, "x1": x1, "y1": y1}).all()
    drawn = set()
    for cls, wkb in rows:
        definition = info.definition.class_of(cls)
        if wkb is None or definition is None:
            continue
        geom = shapely.from_wkb(bytes(wkb))
        if not geom.is_empty:
            _draw_geom(draw, geom, frame, _hex(definition.color), width)
            drawn.add(cls)
    return drawn


def _draw_districts(session: Session, draw: ImageDraw.ImageDraw, frame: _Frame, site: shapely.Geometry) -> bool:
    """District boundaries, and each name inside its district but clear of the site; True when a boundary shows."""
    x0, y0, x1, y1 = frame.bounds
    rows = session.execute(_DISTRICTS, {"x0": x0, "y0": y0, "x1": x1, "y1": y1}).all()
    boundaries = [shapely.from_wkb(bytes(b)) for _, b, _ in rows if b is not None]
    for boundary in boundaries:
        _draw_geom(draw, boundary, frame, DISTRICT_COLOUR, 2)
    font = _font(13, bold=True)
    keep_clear = shapely.union_all([site.buffer(60 * frame.res), *frame.overlays()])
    for name, _boundary, part in rows:
        if part is None:
            continue
        room = shapely.from_wkb(bytes(part)).intersection(frame.inner(90, 18)).difference(keep_clear)
        if room.is_empty:
            continue
        x, y = frame.px(room.point_on_surface().coords)[0]
        draw.text((x, y), name, fill=DISTRICT_COLOUR, font=font, anchor="mm", stroke_width=3,
                  stroke_fill=(255, 255, 255, 255))
    return any(not b.is_empty for b in boundaries)


def _draw_site(draw: ImageDraw.ImageDraw, area: shapely.Geometry, point: shapely.Geometry | None,
               frame: _Frame) -> None:
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


def _draw_scale_and_north(draw: ImageDraw.ImageDraw, frame: _Frame) -> None:
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


def _draw_legend(draw: ImageDraw.ImageDraw, entries: list[LegendEntry], frame: _Frame) -> None:
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


def site_map_png(session: Session, check: dict[str, Any], *, size_px: tuple[int, int] = (900, 600),
                 role: str = "viewer", lang: str = "sv") -> bytes:
    """A PNG map of the checked site and ~300 m around it, with the layers `role` may see; no network needed."""
    area, point = _site_geoms(check)
    frame = _Frame(area.bounds, size_px, MARGIN_M)
    layers = {info.slug: info for info in catalog.visible_layers(session, role)}
    img = Image.new("RGB", size_px, BACKGROUND)
    legend: list[LegendEntry] = []
    flood = layers.get("flood")
    if flood is not None and flood.raster is not None and _draw_flood(img, flood, frame):
        legend += [("fill", c.label(lang), _hex(c.color)) for c in flood.definition.classes
                   if _hex(c.color)[3] > 0]
    # RGBA drawing on an RGB image blends: the legend and scale boxes are translucent.
    draw = ImageDraw.Draw(img, "RGBA")
    water = layers.get("drinking-water")
    if water is not None and water.has_data:
        drawn = _draw_features(session, draw, water, frame, 2)
        legend += [("outline", c.label(lang), _hex(c.color)) for c in water.definition.classes if c.key in drawn]
    districts = _draw_districts(session, draw, frame, area)
    routes = layers.get("hazardous-goods")
    if routes is not None and routes.has_data:
        drawn = _draw_features(session, draw, routes, frame, 3)
        legend += [("line", c.label(lang), _hex(c.color)) for c in routes.definition.classes if c.key in drawn]
    _draw_site(draw, area, point, frame)
    if districts:
        legend.append(("outline", "Stadsdelsgräns" if lang == "sv" else "District boundary", DISTRICT_COLOUR))
    legend.append(("site", "Kontrollerad plats" if lang == "sv" else "Site checked", (0, 0, 0, 255)))
    _draw_legend(draw, legend, frame)
    _draw_scale_and_north(draw, frame)
    draw.rectangle((0, 0, size_px[0] - 1, size_px[1] - 1), outline=(110, 110, 110, 255))
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
