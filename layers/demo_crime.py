"""Demo crime incidents for Stockholm: clustered points with realistic category shares and temporal rhythms.

A category is drawn first with the target shares, then a place given the category (so each place has its own
mix while the city-wide shares hold exactly in expectation), then a point around the place, then an hour
given the category. Hour patterns are in Stockholm local time; timestamps are stored in UTC. Vectorised numpy
throughout: 100 000 incidents take well under a second. No real data: the places and rates are invented.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import shapely

from geo.crs import SWEREF99TM, WGS84, transformer
from layers.demo_city import city_outline, demo_districts

__all__ = ["CATEGORIES", "CATEGORY_SHARES", "IncidentBatch", "crime_incidents", "frozen_batch", "incident_rows",
           "stockholm_local"]

CATEGORIES: tuple[str, ...] = ("violence", "robbery", "theft", "vandalism", "drugs", "other")
# Rough shares of reported crime in a Swedish city (BRÅ's statistics put theft near 40 %); invented for the demo.
CATEGORY_SHARES: tuple[float, ...] = (0.15, 0.03, 0.40, 0.20, 0.12, 0.10)

# Per-category multipliers of a place's rate, in CATEGORIES order: the place-specific mixes.
_PROFILES: dict[str, tuple[float, ...]] = {
    "centre": (1.1, 1.4, 1.3, 0.7, 1.6, 0.9),  # transit hubs: pickpockets, drug dealing
    "nightlife": (2.8, 1.3, 1.0, 0.8, 1.3, 0.8),  # bars and clubs: violence late at night
    "shopping": (0.8, 1.1, 1.9, 0.6, 0.6, 0.8),  # shopping centres: shoplifting
    "suburb": (1.2, 1.8, 0.7, 1.5, 1.7, 1.0),  # suburban centres: robbery, vandalism, open drug scenes
    "residential": (0.6, 0.5, 1.3, 1.4, 0.4, 1.0),  # bike and car theft, vandalism
    "diffuse": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
}

# (place, lon, lat, spread sigma in metres, relative weight, profile)
# fmt: off
_HOTSPOTS: tuple[tuple[str, float, float, float, float, str], ...] = (
    ("T-Centralen", 18.0595, 59.3313, 250, 10.0, "centre"),
    ("Sergels torg", 18.0637, 59.3326, 150, 8.0, "centre"),
    ("Hötorget", 18.0634, 59.3355, 200, 5.0, "shopping"),
    ("Stureplan", 18.0739, 59.3355, 180, 6.0, "nightlife"),
    ("Medborgarplatsen", 18.0735, 59.3142, 250, 5.0, "nightlife"),
    ("Slussen", 18.0719, 59.3195, 200, 4.0, "centre"),
    ("Gamla stan", 18.0710, 59.3250, 200, 2.0, "centre"),
    ("Skanstull", 18.0760, 59.3075, 250, 2.0, "nightlife"),
    ("Fridhemsplan", 18.0290, 59.3325, 250, 3.0, "centre"),
    ("Odenplan", 18.0491, 59.3430, 250, 3.0, "centre"),
    ("Gullmarsplan", 18.0810, 59.2990, 200, 2.0, "centre"),
    ("Liljeholmen", 18.0225, 59.3105, 250, 1.5, "shopping"),
    ("Hammarby sjöstad", 18.1000, 59.3040, 500, 2.0, "residential"),
    ("Kista centrum", 17.9420, 59.4030, 300, 4.0, "shopping"),
    ("Rinkeby torg", 17.9280, 59.3880, 250, 3.0, "suburb"),
    ("Tensta centrum", 17.9010, 59.3945, 250, 3.0, "suburb"),
    ("Husby", 17.9260, 59.4100, 250, 2.0, "suburb"),
    ("Skärholmen centrum", 17.9070, 59.2770, 300, 4.0, "shopping"),
    ("Farsta centrum", 18.0930, 59.2430, 300, 3.0, "shopping"),
    ("Vällingby centrum", 17.8720, 59.3630, 300, 3.0, "shopping"),
    ("Bredäng", 17.9330, 59.2950, 250, 1.5, "suburb"),
    ("Hagsätra", 18.0120, 59.2625, 250, 1.2, "suburb"),
    ("Rågsved", 18.0280, 59.2560, 250, 1.2, "suburb"),
)
# fmt: on
HOTSPOT_SHARE = 0.70  # of all incidents, around the places above
DISTRICT_SHARE = 0.15  # broad clusters around each district's centre: where people live
DISTRICT_SIGMA_M = 1500.0
# The rest (15 %) is uniform inside the city outline.

# Local hour-of-day profiles (relative rates, hour 0..23), in CATEGORIES order.
# fmt: off
_HOURS = np.array([
    [6, 5, 5, 3, 1.5, 1, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8, 7],        # violence
    [4, 4, 3, 2, 1, .6, .6, .8, 1.2, 1.5, 1.8, 2, 2.5, 2.8, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6, 5.5, 5],   # robbery
    [1.5, 1.2, 1, .7, .5, .5, .8, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7, 7.5, 8, 8, 7.5, 6.5, 5, 4, 3, 2.5, 2],  # theft
    [5, 5, 4, 3, 1.5, 1, 1, 1.2, 1.5, 1.5, 1.5, 1.8, 2, 2.2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6, 5.5],  # vandalism
    [3, 2.5, 2, 1.5, .8, .5, .5, .8, 1.5, 2.5, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 6.5, 6, 5.5, 5, 4.5, 4, 3.5],  # drugs
    [1, .8, .6, .5, .5, .6, 1, 2, 3, 3.5, 3.8, 4, 4, 4, 4, 3.8, 3.5, 3, 2.5, 2, 1.8, 1.5, 1.3, 1.2],  # other
])
# Weekday factors, Monday..Sunday.
_WEEKDAYS = np.array([
    [.85, .85, .9, .95, 1.1, 1.3, 1.1],
    [.9, .9, .95, 1, 1.1, 1.2, 1.0],
    [1, 1, 1, 1.05, 1.15, 1.2, .85],
    [.9, .9, .95, 1, 1.1, 1.25, 1.1],
    [1, 1, 1, 1.05, 1.1, 1.05, .9],
    [1.05, 1.05, 1.05, 1.05, 1, .85, .8],
])
# fmt: on
# Extra factor for Friday and Saturday nights (22:00-03:00 local): the night-life peak.
_WEEKEND_NIGHT = np.array([3.0, 1.6, 1.0, 2.2, 1.3, 1.0])
# Seasonality 1 + amplitude * cos(2 pi (month - peak) / 12), month 0 = January: summer for violence and theft.
_SEASON_AMPLITUDE = np.array([0.15, 0.10, 0.20, 0.15, 0.10, 0.05])
_SEASON_PEAK = np.array([6, 11, 6, 7, 5, 0])
# Slow linear trend per year of the window (drugs up, theft down: as in recent years' reports).
_TREND_PER_YEAR = np.array([-0.02, 0.03, -0.04, 0.0, 0.05, 0.01])


@dataclass(frozen=True, eq=False)
class IncidentBatch:
    """Incidents as parallel read-only arrays: x, y in EPSG:3006, occurred_at UTC (datetime64[s]), category keys."""

    x: np.ndarray
    y: np.ndarray
    occurred_at: np.ndarray
    category: np.ndarray

    def __len__(self) -> int:
        return len(self.x)


def _window(end: date, years: int) -> tuple[np.datetime64, np.datetime64]:
    """[start, stop) in UTC: the `years` whole years of days that end with `end`."""
    try:
        first = end.replace(year=end.year - years)
    except ValueError:  # 29 February
        first = end.replace(year=end.year - years, day=28)
    start = datetime.combine(first + timedelta(days=1), datetime.min.time())
    stop = datetime.combine(end + timedelta(days=1), datetime.min.time())
    return np.datetime64(start, "s"), np.datetime64(stop, "s")


def stockholm_local(utc: np.ndarray) -> np.ndarray:
    """UTC datetime64 values as Stockholm wall-clock time (CET/CEST, EU rule: last Sundays of March and October)."""
    utc = utc.astype("datetime64[s]")
    summer = np.zeros(utc.shape, dtype=bool)
    years = utc.astype("datetime64[Y]").astype(np.int64) + 1970
    for year in range(int(years.min()), int(years.max()) + 1) if utc.size else ():
        # The switch happens at 01:00 UTC on the last Sunday of March and of October.
        begin, end = (np.datetime64(_last_sunday(year, month), "s") + np.timedelta64(1, "h") for month in (3, 10))
        summer |= (utc >= begin) & (utc < end)
    return utc + np.where(summer, np.timedelta64(2, "h"), np.timedelta64(1, "h"))


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def _hour_weights(slots: np.ndarray, start: np.datetime64) -> np.ndarray:
    """Relative rate of each category (rows) in each UTC hour slot (columns), from its local time."""
    local = stockholm_local(slots)
    hour = (local.astype("datetime64[h]").astype(np.int64) % 24).astype(int)
    weekday = (local.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    month = (local.astype("datetime64[M]").astype(np.int64) % 12).astype(int)
    weights = _HOURS[:, hour] * _WEEKDAYS[:, weekday]
    night = ((weekday >= 4) & (weekday <= 5) & (hour >= 22)) | ((weekday >= 5) & (hour < 3))
    weights *= np.where(night, _WEEKEND_NIGHT[:, None], 1.0)
    weights *= 1 + _SEASON_AMPLITUDE[:, None] * np.cos(2 * np.pi * (month - _SEASON_PEAK[:, None]) / 12)
    elapsed_years = (slots - start).astype("timedelta64[h]").astype(np.int64) / (24 * 365.25)
    return weights * (1 + _TREND_PER_YEAR[:, None] * elapsed_years)


def _places() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cluster centres (x, y), spreads, base weights and category multipliers: hotspots, then districts."""
    lon, lat, sigma, weight, profile = (np.array(col) for col in list(zip(*_HOTSPOTS, strict=True))[1:])
    hx, hy = transformer(WGS84, SWEREF99TM).transform(lon.astype(float), lat.astype(float))
    centres = [d.geom.representative_point() for d in demo_districts()]
    x = np.concatenate([hx, [p.x for p in centres]])
    y = np.concatenate([hy, [p.y for p in centres]])
    spread = np.concatenate([sigma.astype(float), np.full(len(centres), DISTRICT_SIGMA_M)])
    base = np.concatenate([HOTSPOT_SHARE * weight / weight.sum(), np.full(len(centres), DISTRICT_SHARE / len(centres))])
    mix = np.array([_PROFILES[p] for p in profile] + [_PROFILES["diffuse"]] * len(centres))
    return x, y, spread, base, mix


def _uniform_inside(rng: np.random.Generator, outline: shapely.Geometry, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n points uniformly inside `outline`, by rejection from its bounding box."""
    xmin, ymin, xmax, ymax = outline.bounds
    xs, ys, have = [np.empty(0)], [np.empty(0)], 0
    while have < n:
        x = rng.uniform(xmin, xmax, 2 * n + 64)
        y = rng.uniform(ymin, ymax, 2 * n + 64)
        keep = shapely.contains_xy(outline, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def crime_incidents(
    n: int = 100_000, *, end: date = date(2026, 10, 31), years: int = 3, seed: int = 20261125
) -> IncidentBatch:
    """`n` demo incidents over the `years` years up to and including `end`, deterministic for a given seed."""
    if n < 0 or years < 1:
        raise ValueError("n must be >= 0 and years >= 1")
    rng = np.random.default_rng(seed)
    outline = city_outline()
    shapely.prepare(outline)

    # Category first, with the target shares; then a place given the category.
    cat = rng.choice(len(CATEGORIES), size=n, p=CATEGORY_SHARES)
    px, py, spread, base, mix = _places()
    uniform = len(base)  # index of the "anywhere in the city" component
    place_weights = np.vstack([base[:, None] * mix, np.full((1, len(CATEGORIES)), 1 - HOTSPOT_SHARE - DISTRICT_SHARE)])
    place = np.empty(n, dtype=np.int64)
    for c in range(len(CATEGORIES)):
        members = np.flatnonzero(cat == c)
        p = place_weights[:, c] / place_weights[:, c].sum()
        place[members] = rng.choice(len(p), size=len(members), p=p)

    # Gaussian scatter around the place; points that fall outside the city are redrawn around the same place.
    x = np.empty(n)
    y = np.empty(n)
    todo = np.flatnonzero(place != uniform)
    for _ in range(100):
        if not len(todo):
            break
        k = place[todo]
        x[todo] = px[k] + rng.normal(0.0, spread[k])
        y[todo] = py[k] + rng.normal(0.0, spread[k])
        todo = todo[~shapely.contains_xy(outline, x[todo], y[todo])]
    # Whatever still misses after 100 rounds (none in practice) joins the uniform background.
    background = np.concatenate([np.flatnonzero(place == uniform), todo])
    x[background], y[background] = _uniform_inside(rng, outline, len(background))

    start, stop = _window(end, years)
    slots = np.arange(start.astype("datetime64[h]"), stop.astype("datetime64[h]"))
    return frozen_batch(rng, x, y, cat, CATEGORIES, slots, _hour_weights(slots, start.astype("datetime64[h]")))


def frozen_batch(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, cat: np.ndarray, categories: tuple[str, ...],
                 slots: np.ndarray, weights: np.ndarray) -> IncidentBatch:
    """The batch of incidents at (x, y) of category indices `cat`: each gets an hour slot drawn with its category's
    `weights` (rows: categories, columns: `slots`), then a uniform second within the hour; read-only arrays."""
    cdf = np.cumsum(weights, axis=1)
    slot = np.empty(len(cat), dtype=np.int64)
    for c in range(len(categories)):
        members = np.flatnonzero(cat == c)
        slot[members] = np.searchsorted(cdf[c], rng.uniform(0.0, cdf[c, -1], len(members)), side="right")
    seconds = rng.integers(0, 3600, len(cat)).astype("timedelta64[s]")
    occurred = slots[np.minimum(slot, len(slots) - 1)].astype("datetime64[s]") + seconds
    arrays = (x, y, occurred, np.array(categories)[cat])
    for a in arrays:
        a.setflags(write=False)
    return IncidentBatch(*arrays)


def incident_rows(batch: IncidentBatch) -> Iterator[tuple[str, str, float, float]]:
    """(ISO 8601 UTC timestamp, category, x, y) per incident, e.g. for COPY into PostGIS."""
    stamps = np.datetime_as_string(batch.occurred_at, unit="s", timezone="UTC")
    yield from zip(stamps.tolist(), batch.category.tolist(), batch.x.tolist(), batch.y.tolist(), strict=True)
