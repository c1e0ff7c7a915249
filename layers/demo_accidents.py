"""Demo accidents for Stockholm: traffic injuries along the main roads, fires where people live, falls at the busy
centres (more in winter), drownings at the bathing places (in summer), other unwanted events anywhere.

Drawn like the demo crime (layers.demo_crime): a category with the target shares, a place given the category, a
point around it, an hour slot given the category's daily and seasonal rhythm. Deterministic, vectorised, no real
data: the places and rates are invented.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import shapely

from geo.crs import SWEREF99TM, WGS84, transformer
from layers.demo_city import city_outline, demo_districts
from layers.demo_crime import _HOTSPOTS, IncidentBatch, _uniform_inside, _window, frozen_batch, stockholm_local
from layers.demo_routes import hazardous_goods_routes

__all__ = ["ACCIDENT_CATEGORIES", "ACCIDENT_SHARES", "accident_incidents"]

ACCIDENT_CATEGORIES: tuple[str, ...] = ("traffic", "fire", "fall", "drowning", "other")
# Invented shares of the accidents a city's incident system and the traffic-injury register hold.
ACCIDENT_SHARES: tuple[float, ...] = (0.38, 0.14, 0.30, 0.01, 0.17)
# Bathing places and quays (lon, lat): where drownings and near-drownings are drawn.
_WATERSIDE: tuple[tuple[float, float], ...] = (
    (18.0240, 59.3190), (18.0030, 59.3230), (17.9990, 59.3300), (17.8550, 59.3660), (18.1440, 59.2560),
    (18.0760, 59.3230), (18.0930, 59.3250), (17.9360, 59.3420), (18.0500, 59.3000), (17.8450, 59.3330),
)
# Local hour-of-day profiles (relative rates, hour 0..23), in ACCIDENT_CATEGORIES order.
# fmt: off
_HOURS = np.array([
    [1, .6, .4, .4, .6, 1.5, 3, 6, 7, 4.5, 3.5, 3.5, 4, 4, 4.5, 6, 7.5, 8, 6, 4, 3, 2.5, 2, 1.5],  # traffic: rush hours
    [3, 2.5, 2, 2, 1.5, 1.5, 2, 2.5, 2.5, 2.5, 3, 3.5, 4, 4, 4, 4.5, 5, 6, 7, 7, 6.5, 5.5, 4.5, 3.5],  # fire: cooking
    [.5, .4, .3, .3, .4, .8, 2, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4.5, 3.5, 2.5, 1.5, 1, .8, .6],  # fall: daytime
    [.2, .2, .1, .1, .1, .2, .4, .8, 1.5, 3, 4.5, 6, 7, 7.5, 7.5, 7, 6, 5, 3.5, 2, 1.2, .8, .5, .3],  # drowning
    [1.5, 1.2, 1, 1, 1, 1.2, 2, 3, 3.5, 4, 4, 4, 4, 4, 4, 4, 4, 3.5, 3, 2.5, 2.5, 2, 2, 1.8],  # other
])
# fmt: on
# Seasonality 1 + amplitude * cos(2 pi (month - peak) / 12), month 0 = January: falls on ice, drowning in July.
_SEASON_AMPLITUDE = np.array([0.10, 0.20, 0.45, 0.95, 0.05])
_SEASON_PEAK = np.array([10, 0, 0, 6, 6])
ROAD_SIGMA_M = 25.0
HOME_SIGMA_M = 1200.0
CENTRE_SIGMA_M = 220.0
WATER_SIGMA_M = 60.0


def _road_points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n points along the demo through roads, more on the primary routes, scattered a few metres off the line."""
    routes = hazardous_goods_routes()
    lines = [f.geom for f in routes]
    weights = np.array([f.geom.length * (2.0 if f.cls == "primary" else 1.0) for f in routes])
    which = rng.choice(len(lines), size=n, p=weights / weights.sum())
    xs, ys = np.empty(n), np.empty(n)
    for k, line in enumerate(lines):
        members = np.flatnonzero(which == k)
        points = shapely.line_interpolate_point(line, rng.uniform(0, line.length, len(members)))
        xs[members], ys[members] = shapely.get_x(points), shapely.get_y(points)
    return xs + rng.normal(0, ROAD_SIGMA_M, n), ys + rng.normal(0, ROAD_SIGMA_M, n)


def _around(rng: np.random.Generator, centres: np.ndarray, weights: np.ndarray, sigma: float,
            n: int) -> tuple[np.ndarray, np.ndarray]:
    pick = rng.choice(len(centres), size=n, p=weights / weights.sum())
    return centres[pick, 0] + rng.normal(0, sigma, n), centres[pick, 1] + rng.normal(0, sigma, n)


def accident_incidents(
    n: int = 20_000, *, end: date = date(2026, 10, 31), years: int = 3, seed: int = 20261203
) -> IncidentBatch:
    """`n` demo accidents over the `years` years up to and including `end`, deterministic for a given seed."""
    if n < 0 or years < 1:
        raise ValueError("n must be >= 0 and years >= 1")
    rng = np.random.default_rng(seed)
    outline = city_outline()
    shapely.prepare(outline)
    to_3006 = transformer(WGS84, SWEREF99TM)
    homes = np.array([(p.x, p.y) for p in (d.geom.representative_point() for d in demo_districts())])
    lon, lat, weight = (np.array(col, dtype=float) for col in (list(zip(*_HOTSPOTS, strict=True))[k]
                                                               for k in (1, 2, 4)))
    centres = np.column_stack(to_3006.transform(lon, lat))
    water = np.column_stack(to_3006.transform(*(np.array(c) for c in zip(*_WATERSIDE, strict=True))))

    cat = rng.choice(len(ACCIDENT_CATEGORIES), size=n, p=ACCIDENT_SHARES)
    x, y = np.empty(n), np.empty(n)
    todo = np.arange(n)
    for _ in range(100):
        if not len(todo):
            break
        for c, draw in enumerate((
                lambda m: _road_points(rng, m),
                lambda m: _around(rng, homes, np.ones(len(homes)), HOME_SIGMA_M, m),
                lambda m: _around(rng, centres, weight, CENTRE_SIGMA_M, m),
                lambda m: _around(rng, water, np.ones(len(water)), WATER_SIGMA_M, m),
                lambda m: _uniform_inside(rng, outline, m))):
            members = todo[cat[todo] == c]
            if len(members):
                x[members], y[members] = draw(len(members))
        todo = todo[~shapely.contains_xy(outline, x[todo], y[todo])]
    x[todo], y[todo] = _uniform_inside(rng, outline, len(todo))

    start, stop = _window(end, years)
    slots = np.arange(start.astype("datetime64[h]"), stop.astype("datetime64[h]"))
    local = stockholm_local(slots)
    hour = (local.astype("datetime64[h]").astype(np.int64) % 24).astype(int)
    month = (local.astype("datetime64[M]").astype(np.int64) % 12).astype(int)
    weights = _HOURS[:, hour] * (1 + _SEASON_AMPLITUDE[:, None] * np.cos(2 * np.pi * (month - _SEASON_PEAK[:, None])
                                                                          / 12))
    return frozen_batch(rng, x, y, cat, ACCIDENT_CATEGORIES, slots, weights)
