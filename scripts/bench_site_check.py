#!/usr/bin/env python3
"""Benchmark the site check: p50/p95 over random sites across the city, per hazard, against the bare work.

    .venv/bin/python scripts/bench_site_check.py [--sites 1000] [--largest] [--http] [--email EMAIL]

Run by hand on the demo city (`riskkarta db up && riskkarta demo load --if-empty`). For points (50 m buffer) and
1 ha squares at random places in the districts it times (1) `site_check.evaluate` in-process, with the time of each
hazard, and (2) the same reads done bare — the same SQL statements executed directly and rasterio windowed reads
with a mask — with no service code around them; with --http also (3) POST /api/site-checks end to end through
gunicorn (2 workers, sequential requests, rate limits off, signed in with a bearer token made for the demo viewer
and revoked afterwards; the checks it saves are deleted afterwards). Targets (issue 4): p95 < 50 ms for a point,
< 200 ms for a 1 ha polygon, every hazard.

--largest times the largest site the API accepts instead: a comb of 4,997 vertices and 193 ha (the vertex limit is
5,000, the area limit 200 ha; no buffer, which would take it over), placed at random over the city, in-process (and
with --http through the API). It has no bare reads: ST_DWithin on such a site, the bare incident count, takes tens of
seconds, which is why the check does not run it.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))  # its sibling bench_layers, also when imported by path

import bench_layers  # noqa: E402
import numpy as np  # noqa: E402
import rasterio  # noqa: E402
import shapely  # noqa: E402
import shapely.affinity  # noqa: E402
from rasterio.features import geometry_mask  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from geo.crs import SWEREF99TM, WGS84, transform_geom  # noqa: E402
from layers.site_rules import SiteRules  # noqa: E402
from webapp.config import Settings  # noqa: E402
from webapp.db import make_engine  # noqa: E402
from webapp.errors import ProblemError  # noqa: E402
from webapp.services.accounts import DEMO_USERS  # noqa: E402
from webapp.services.accounts import tokens as api_tokens  # noqa: E402
from webapp.services.catalog import visible_layers  # noqa: E402
from webapp.services.hazards import crime, drinking_water, hazardous_goods  # noqa: E402
from webapp.services.site_check import SiteInput, evaluate  # noqa: E402

INCIDENT_LAYERS = ("crime", "accidents")
DEMO_VIEWER = next(email for email, role, _ in DEMO_USERS if role == "viewer")


def comb(teeth: int, width: float = 6000.0, height: float = 2400.0, area: float = 1.93e6) -> shapely.Polygon:
    """A legal 193 ha site of 4 × teeth vertices: a spine and thin teeth, the worst case for a buffer (the same
    shape as tests/geo/test_nearby.comb)."""
    pitch, spine = width / teeth, 40.0
    tooth = (area - width * spine) / (teeth * (height - spine))
    ring = [(0.0, 0.0), (width, 0.0)]
    for k in range(teeth - 1, -1, -1):
        left = k * pitch
        ring += [(left + tooth, spine), (left + tooth, height), (left, height), (left, spine)]
    return shapely.Polygon(ring[:2] + ring[4:]).buffer(0)


def city_of(session: Session) -> shapely.Geometry:
    wkb = session.execute(text("SELECT ST_AsBinary(ST_Union(geom)) FROM district")).scalar_one()
    city = shapely.from_wkb(bytes(wkb))
    shapely.prepare(city)
    return city


def random_sites(city: shapely.Geometry, count: int, seed: int = 7) -> list[shapely.Point]:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = city.bounds
    found: list[shapely.Point] = []
    while len(found) < count:
        xs, ys = rng.uniform(x0, x1, count), rng.uniform(y0, y1, count)
        points = shapely.points(xs, ys)
        found += [p for p in points[shapely.contains(city, points)] if city.contains(p.buffer(80))]
    return found[:count]


def placements(city: shapely.Geometry, shape: shapely.Geometry, count: int, seed: int = 7) -> list[shapely.Geometry]:
    """`shape` moved to `count` random places where it touches the city."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = city.bounds
    sx0, sy0, sx1, sy1 = shape.bounds
    found: list[shapely.Geometry] = []
    while len(found) < count:
        moved = shapely.affinity.translate(shape, rng.uniform(x0 - sx0, x1 - sx1), rng.uniform(y0 - sy0, y1 - sy1))
        if city.intersects(moved):
            found.append(moved)
    return found


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
    for slug in INCIDENT_LAYERS:
        if slug in layers:
            session.execute(crime.CRIME_NEAR, {"wkb": wkb, "radius": 250.0, "months": 12, "layer": slug}).one()
    session.execute(text("SELECT code FROM district WHERE ST_Intersects(geom, ST_GeomFromWKB(:wkb, 3006))"),
                    {"wkb": wkb}).all()


def time_evaluate(session: Session, sites: list[tuple[shapely.Geometry, float]], rules: SiteRules, role: str,
                  with_bare=None) -> tuple[list[float], dict[str, list[float]], list[float]]:
    """Total and per-hazard milliseconds of `evaluate` for each site (after a warm-up), and of the bare reads."""
    for geom, buffer_m in sites[:min(20, max(1, len(sites) // 10))]:  # warm caches and connections
        evaluate(session, SiteInput(geom=geom, land_use="C", buffer_m=buffer_m), rules, role)
    totals, per_hazard, bare_times = [], {}, []
    for geom, buffer_m in sites:
        site = SiteInput(geom=geom, land_use="C", buffer_m=buffer_m)
        started = time.perf_counter()
        result = evaluate(session, site, rules, role)
        totals.append((time.perf_counter() - started) * 1000)
        for hazard, ms in result.timings_ms.items():
            per_hazard.setdefault(hazard, []).append(ms)
        if with_bare is not None:
            started = time.perf_counter()
            with_bare(site.area())
            bare_times.append((time.perf_counter() - started) * 1000)
    return totals, per_hazard, bare_times


def print_case(name: str, count: int, totals: list[float], per_hazard: dict[str, list[float]],
               bare_times: list[float]) -> None:
    print(f"{name}: {count} sites")
    print(f"  evaluate   p50 {pct(totals, 50):8.1f} ms   p95 {pct(totals, 95):8.1f} ms")
    if bare_times:
        print(f"  bare reads p50 {pct(bare_times, 50):8.1f} ms   p95 {pct(bare_times, 95):8.1f} ms   "
              f"(evaluate / bare at p50: {pct(totals, 50) / pct(bare_times, 50):.2f})")
    for hazard, values in per_hazard.items():
        print(f"    {hazard:16} p50 {pct(values, 50):8.2f} ms   p95 {pct(values, 95):8.2f} ms")


def bench_token(settings: Settings, email: str) -> tuple[str, int]:
    """A bearer token for `email` (the demo viewer by default), made as `riskkarta tokens create` makes one."""
    engine = make_engine(settings.owner_url)
    try:
        with Session(engine) as session:
            token, token_id = api_tokens.create_token(session, email, "bench_site_check", actor="bench")
            session.commit()
    except ProblemError as exc:
        sys.exit(f"bench: no token for {email} ({exc.detail}); load the demo city or give an existing account "
                 "with --email")
    finally:
        engine.dispose()
    return token, token_id


def clean_up(settings: Settings, token_id: int, ids: list[int]) -> None:
    """Revoke the bench's token and delete the checks it saved."""
    engine = make_engine(settings.owner_url)
    with Session(engine) as session:
        api_tokens.revoke_token(session, token_id, actor="bench")
        session.execute(text("DELETE FROM site_check WHERE id = ANY(:ids)"), {"ids": ids})
        session.commit()
    engine.dispose()


def run_http(sites: list[tuple[shapely.Geometry, float]], token: str, ids: list[int]) -> list[float]:
    """POST each site to /api/site-checks through gunicorn, sequentially: the milliseconds of each; the saved
    checks' ids go to `ids` as they come (for the clean-up, however the run ends)."""
    env = dict(os.environ, RISKKARTA_RATE_LIMITS="off")  # the bench's sequential requests are not an attack
    times = []
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    with bench_layers.gunicorn(env):
        for site, buffer_m in sites:
            geometry = shapely.geometry.mapping(transform_geom(site, SWEREF99TM, WGS84))
            body = json.dumps({"type": "Feature", "geometry": geometry,
                               "properties": {"land_use": "C", "buffer_m": buffer_m}}).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{bench_layers.PORT}/api/site-checks", data=body,
                                             method="POST", headers=headers)
            started = time.perf_counter()
            with urllib.request.urlopen(request) as response:
                ids.append(json.loads(response.read())["id"])
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=None,
                        help="how many random sites (default 1000; 40 with --largest)")
    parser.add_argument("--largest", action="store_true",
                        help="time the largest site the API accepts (a 4,997-vertex, 193 ha comb) instead")
    parser.add_argument("--http", action="store_true", help="also time POST /api/site-checks through gunicorn")
    parser.add_argument("--email", default=DEMO_VIEWER, help="the account --http signs in as (a bearer token made "
                        "for it and revoked afterwards; default the demo viewer)")
    args = parser.parse_args()
    count = args.sites or (40 if args.largest else 1000)
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)   # the web app's own connection, as a request has it
    rules = SiteRules()
    with Session(engine) as session:
        layers = {info.slug: info for info in visible_layers(session, "viewer")}
        if not all(layers.get(s) and layers[s].has_data for s in ("flood", "heat", "hazardous-goods", "crime")):
            sys.exit("bench: load the demo city first (riskkarta db up && riskkarta demo load --if-empty)")
        city = city_of(session)
        if args.largest:
            shape = comb(1249)
            name = (f"largest site: comb of {shapely.get_num_coordinates(shape):,} vertices, "
                    f"{shape.area / 1e4:.0f} ha, no buffer")
            cases = {name: [(geom, 0.0) for geom in placements(city, shape, count)]}
            print_case(name, count, *time_evaluate(session, cases[name], rules, "viewer"))
            http_sites = cases[name]
        else:
            points = random_sites(city, count)
            rasters = {slug: rasterio.open(layers[slug].raster.path) for slug in ("flood", "heat")}
            cases = {"point, 50 m buffer": [(p, 50.0) for p in points],
                     "1 ha polygon": [(shapely.box(p.x - 50, p.y - 50, p.x + 50, p.y + 50), 0.0) for p in points]}
            for name, sites in cases.items():
                print_case(name, len(sites), *time_evaluate(
                    session, sites, rules, "viewer", lambda area: bare(session, layers, rasters, area)))
            http_sites = cases["point, 50 m buffer"][:300]
        session.rollback()
    engine.dispose()
    if args.http:
        token, token_id = bench_token(settings, args.email)
        ids: list[int] = []
        try:
            times = run_http(http_sites, token, ids)
        finally:
            clean_up(settings, token_id, ids)
        what = "largest site" if args.largest else "point"
        print(f"HTTP POST /api/site-checks, {what}: p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms "
              f"({len(times)} sequential requests as {args.email}, saved and then deleted)")


if __name__ == "__main__":
    main()
