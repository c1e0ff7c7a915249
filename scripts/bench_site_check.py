#!/usr/bin/env python3
"""Benchmark the site check: p50/p95 over random sites across the city, per hazard, against the bare work.

    .venv/bin/python scripts/bench_site_check.py [--sites 1000] [--http]

Run by hand on the demo city (`make run` loads it). For points (50 m buffer) and 1 ha squares at random places
in the districts it times (1) `site_check.evaluate` in-process, with the time of each hazard, and (2) the same
reads done bare — the same SQL statements executed directly and rasterio windowed reads with a mask —
with no service code around them; with --http also (3) POST /api/site-checks end to end through gunicorn
(2 workers, sequential requests; the checks it saves are deleted afterwards). Targets (issue 4): p95 < 50 ms
for a point, < 200 ms for a 1 ha polygon, all five hazards.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import rasterio  # noqa: E402
import shapely  # noqa: E402
from rasterio.features import geometry_mask  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from geo.crs import SWEREF99TM, WGS84, transform_geom  # noqa: E402
from layers.site_rules import SiteRules  # noqa: E402
from webapp.config import Settings  # noqa: E402
from webapp.db import make_engine  # noqa: E402
from webapp.services.catalog import visible_layers  # noqa: E402
from webapp.services.hazards import crime, drinking_water, hazardous_goods  # noqa: E402
from webapp.services.site_check import SiteInput, evaluate  # noqa: E402

PORT = 5078
HAZARDS = ("flood", "heat", "hazardous_goods", "drinking_water", "crime")


def random_sites(session: Session, count: int, seed: int = 7) -> list[shapely.Point]:
    wkb = session.execute(text("SELECT ST_AsBinary(ST_Union(geom)) FROM district")).scalar_one()
    city = shapely.from_wkb(bytes(wkb))
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = city.bounds
    shapely.prepare(city)
    found: list[shapely.Point] = []
    while len(found) < count:
        xs, ys = rng.uniform(x0, x1, count), rng.uniform(y0, y1, count)
        points = shapely.points(xs, ys)
        found += [p for p in points[shapely.contains(city, points)] if city.contains(p.buffer(80))]
    return found[:count]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def bare(session: Session, layers: dict, rasters: dict, area: shapely.Geometry) -> None:
    """The same reads with no service code: masked windows of the open rasters and the SQL executed directly."""
    for slug in ("flood", "heat"):
        src = rasters[slug]
        window = src.window(*area.bounds).round_offsets().round_lengths()
        data = src.read(1, window=window, boundless=True, fill_value=src.nodata)
        mask = geometry_mask([area], out_shape=data.shape, transform=src.window_transform(window), invert=True)
        values = data[mask & (data != src.nodata)]
        _ = (values.max(), values.mean()) if values.size else None
    wkb = area.wkb
    session.execute(hazardous_goods.NEAREST_ROUTES, {"wkb": wkb, "layer": layers["hazardous-goods"].id,
                                                      "search": hazardous_goods.SEARCH_M}).all()
    water, routes = layers["drinking-water"].id, layers["hazardous-goods"].id
    session.execute(drinking_water.ZONES, {"layer": water, "wkb": wkb}).all()
    session.execute(drinking_water.NEAREST_FACILITY, {"layer": water, "wkb": wkb}).all()
    session.execute(drinking_water.ROUTE_IN_ZONE,
                    {"water": water, "routes": routes, "wkb": wkb, "radius": 500.0}).all()
    session.execute(crime.CRIME_NEAR, {"wkb": wkb, "radius": 250.0, "months": 12}).one()
    session.execute(text("SELECT code FROM district WHERE ST_Intersects(geom, ST_GeomFromWKB(:wkb, 3006))"),
                    {"wkb": wkb}).all()


def run_http(sites: list[shapely.Geometry]) -> tuple[list[float], list[int]]:
    env = dict(os.environ, RISKKARTA_ANONYMOUS_ROLE="viewer")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{PORT}", "--workers", "2",
                               "--worker-class", "gthread", "--threads", "4", "--log-level", "warning",
                               "webapp:create_app()"], env=env, cwd=ROOT)
    times, ids = [], []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        for site in sites:
            geometry = shapely.geometry.mapping(transform_geom(site, SWEREF99TM, WGS84))
            body = json.dumps({"type": "Feature", "geometry": geometry,
                               "properties": {"land_use": "C", "buffer_m": 50}}).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{PORT}/api/site-checks", data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            started = time.perf_counter()
            with urllib.request.urlopen(request) as response:
                ids.append(json.loads(response.read())["id"])
            times.append((time.perf_counter() - started) * 1000)
    finally:
        server.terminate()
        server.wait()
    return times, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--http", action="store_true", help="also time POST /api/site-checks through gunicorn")
    args = parser.parse_args()
    engine = make_engine(Settings.from_env().database_url)
    rules = SiteRules()
    with Session(engine) as session:
        layers = {info.slug: info for info in visible_layers(session, "viewer")}
        if not all(layers.get(s) and layers[s].has_data for s in ("flood", "heat", "hazardous-goods", "crime")):
            sys.exit("bench: load the demo city first (make run, or riskkarta demo load)")
        points = random_sites(session, args.sites)
        rasters = {slug: rasterio.open(layers[slug].raster.path) for slug in ("flood", "heat")}
        cases = {"point, 50 m buffer": [(p, 50.0) for p in points],
                 "1 ha polygon": [(shapely.box(p.x - 50, p.y - 50, p.x + 50, p.y + 50), 0.0) for p in points]}
        for name, sites in cases.items():
            totals, per_hazard, bare_times = [], {h: [] for h in HAZARDS}, []
            for geom, buffer_m in sites[:20]:  # warm caches and connections
                evaluate(session, SiteInput(geom=geom, land_use="C", buffer_m=buffer_m), rules, "viewer")
            for geom, buffer_m in sites:
                site = SiteInput(geom=geom, land_use="C", buffer_m=buffer_m)
                started = time.perf_counter()
                result = evaluate(session, site, rules, "viewer")
                totals.append((time.perf_counter() - started) * 1000)
                for h, ms in result.timings_ms.items():
                    per_hazard[h].append(ms)
                started = time.perf_counter()
                bare(session, layers, rasters, site.area())
                bare_times.append((time.perf_counter() - started) * 1000)
            print(f"{name}: {len(sites)} sites")
            print(f"  evaluate   p50 {pct(totals, 50):6.1f} ms   p95 {pct(totals, 95):6.1f} ms")
            print(f"  bare reads p50 {pct(bare_times, 50):6.1f} ms   p95 {pct(bare_times, 95):6.1f} ms   "
                  f"(evaluate / bare at p50: {pct(totals, 50) / pct(bare_times, 50):.2f})")
            for h in HAZARDS:
                print(f"    {h:16} p50 {pct(per_hazard[h], 50):6.2f} ms   p95 {pct(per_hazard[h], 95):6.2f} ms")
        if args.http:
            times, ids = run_http(points[:300])
            print(f"HTTP POST /api/site-checks, point: p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms "
                  f"({len(times)} sequential requests, saved and then deleted)")
            session.execute(text("DELETE FROM site_check WHERE id = ANY(:ids)"), {"ids": ids})
            session.commit()
    engine.dispose()


if __name__ == "__main__":
    main()
