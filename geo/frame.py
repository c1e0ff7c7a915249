"""A north-up map frame in EPSG:3006: the extent that fits a box plus a margin into an image, and metres ↔ pixels."""
from __future__ import annotations

import shapely

Bounds = tuple[float, float, float, float]


class MapFrame:
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

    def box_px(self, left: float, top: float, right: float, bottom: float) -> shapely.Geometry:
        """A box given in pixels (from the top left), in metres."""
        x0, _, _, y1 = self.bounds
        return shapely.box(x0 + left * self.res, y1 - bottom * self.res, x0 + right * self.res, y1 - top * self.res)

    def inner(self, dx_px: float, dy_px: float) -> shapely.Geometry:
        """The map less a margin: a label centred in it stays on the map."""
        x0, y0, x1, y1 = self.bounds
        return shapely.box(x0 + dx_px * self.res, y0 + dy_px * self.res, x1 - dx_px * self.res, y1 - dy_px * self.res)

    def px(self, coords) -> list[tuple[float, float]]:
        x0, _, _, y1 = self.bounds
        return [((x - x0) / self.res, (y1 - y) / self.res) for x, y, *_ in coords]
