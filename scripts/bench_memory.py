#!/usr/bin/env python3
"""How much memory a gunicorn worker holds after a sweep of every layer's tiles and many site checks (issue 21:
each worker under 300 MB, every cache bounded by configuration).

    .venv/bin/python scripts/bench_memory.py [--workers 2] [--zooms 8-16] [--checks 1000] [--threads 4]

Run by hand on the demo city (`riskkarta db up && riskkarta demo load --if-empty`). It starts the app as `riskkarta
serve` does (gunicorn with webapp/serving.py, rate limits off, anonymous role `city` so that incident points are
served too), requests every tile of every layer with data at every zoom over the city's districts, then POSTs site
checks (points with a 50 m buffer and 1 ha squares at random places over the city) signed in with a bearer token
made for the demo city account, and prints each worker's resident memory (VmRSS) before and after. The token is
revoked and the checks it saved are deleted afterwards. The cache bounds come from the environment as for the app
(RISKKARTA_GDAL_CACHEMAX_MB, RISKKARTA_TILE_CACHE_MB, ...: README, Configuration), so one run can compare settings.

tests/webapp/test_memory.py runs a smaller sweep with these functions against the test database.
"""
from __future__ import annotations

import argparse
import math
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.tiles import tile_for_lonlat  # noqa: E402

LIMIT_MB = 300
DEMO_CITY_USER = "city@demo.riskkarta.se"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    """gunicorn as `riskkarta serve` runs it, on loopback; returns once the app answers (the master's process)."""
    args = [sys.executable, "-m", "gunicorn", "-c", "python:webapp.serving", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--access-logfile", "/dev/null", "webapp:create_app()"]
    process = subprocess.Popen(args, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5).ok and len(worker_pids(process.pid)) \
                    == workers:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 30 s")


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: the master's child processes."""
    found: list[int] = []
    for task in Path(f"/proc/{master}/task").iterdir():
        found += [int(pid) for pid in (task / "children").read_text().split()]
    return sorted(found)


def rss_mb(pid: int) -> float:
    """The resident memory of a process in MB (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def tiles_over(bounds_lonlat: tuple[float, float, float, float], z: int, limit: int | None = None) -> list[tuple]:
    """The z/x/y of every tile over the box (lon/lat), or at most `limit` of them spread evenly over it."""
    west, south, east, north = bounds_lonlat
    x0, y0 = tile_for_lonlat(west, north, z)
    x1, y1 = tile_for_lonlat(east, south, z)
    every = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    if limit is None or len(every) <= limit:
        return every
    return [every[i] for i in np.linspace(0, len(every) - 1, limit).astype(int)]


def tile_templates(base: str) -> dict[str, str]:
    """Each layer with data: its versioned tile URL template."""
    layers = requests.get(f"{base}/api/layers", timeout=30).json()["layers"]
    return {layer["slug"]: base + layer["links"]["tiles"] for layer in layers if layer["has_data"]}


def _fetch_all(urls: list[str], threads: int, method: str = "GET", bodies: list | None = None,
              headers: dict | None = None) -> list[tuple[int, dict | None]]:
    """Send the requests, `threads` at a time; (status, JSON body of a 201) each."""
    local = threading.local()

    def one(i: int) -> tuple[int, dict | None]:
        # A new connection every 20 requests: the workers take turns accepting them, so each gets its share.
        if getattr(local, "used", 20) >= 20:
            if getattr(local, "session", None):
                local.session.close()
            local.session, local.used = requests.Session(), 0
        local.used += 1
        response = local.session.request(method, urls[i], json=bodies[i] if bodies else None, headers=headers,
                                         timeout=120)
        return response.status_code, response.json() if response.status_code == 201 else None

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(len(urls))))


def sweep_tiles(base: str, bounds_lonlat, zooms, *, threads: int = 4, limit_per_zoom: int | None = None) -> dict:
    """GET every layer's tiles at each zoom over the box; returns {status: count}."""
    urls = [template.format(z=z, x=x, y=y) for template in tile_templates(base).values() for zoom in zooms
            for z, x, y in tiles_over(bounds_lonlat, zoom, limit_per_zoom)]
    statuses: dict[int, int] = {}
    for status, _ in _fetch_all(urls, threads):
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


def random_sites(city_lonlat, count: int, seed: int = 21) -> list[dict]:
    """Site-check Features at random places in the city (lon/lat): points with a 50 m buffer and ~1 ha squares."""
    import shapely

    rng = np.random.default_rng(seed)
    west, south, east, north = city_lonlat.bounds
    shapely.prepare(city_lonlat)
    half_lat = 50 / 111_320
    sites: list[dict] = []
    while len(sites) < count:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if not city_lonlat.contains(shapely.Point(lon, lat)):
            continue
        if len(sites) % 2:
            half_lon = half_lat / math.cos(math.radians(lat))
            corners = [(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)]
            ring = [[lon + dx * half_lon, lat + dy * half_lat] for dx, dy in corners]
            geometry, props = {"type": "Polygon", "coordinates": [ring]}, {"land_use": "B"}
        else:
            geometry, props = {"type": "Point", "coordinates": [lon, lat]}, {"land_use": "C", "buffer_m": 50}
        sites.append({"type": "Feature", "geometry": geometry, "properties": props})
    return sites


def site_checks(base: str, headers: dict, city_lonlat, count: int, *, threads: int = 4) -> tuple[dict, list[int]]:
    """POST `count` site checks in the city; returns {status: count} and the ids of the saved checks."""
    sites = random_sites(city_lonlat, count)
    responses = _fetch_all([f"{base}/api/site-checks"] * count, threads, "POST", sites, headers)
    statuses: dict[int, int] = {}
    for status, _ in responses:
        statuses[status] = statuses.get(status, 0) + 1
    return statuses, [body["id"] for status, body in responses if status == 201]


def city_lonlat(database_url: str):
    """The districts' union in lon/lat (a shapely geometry; its .bounds is the box to sweep)."""
    import shapely
    from sqlalchemy import create_engine, text

    from webapp.db import normalise_url

    engine = create_engine(normalise_url(database_url))
    with engine.connect() as connection:
        wkb = connection.execute(text("SELECT ST_AsBinary(ST_Transform(ST_Union(geom), 4326)) FROM district")).scalar()
    engine.dispose()
    return shapely.from_wkb(bytes(wkb))


def delete_checks(database_url: str, ids: list[int]) -> None:
    from sqlalchemy import create_engine, text

    from webapp.db import normalise_url

    engine = create_engine(normalise_url(database_url))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM site_check WHERE id = ANY(:ids)"), {"ids": ids})
    engine.dispose()


def _zooms(text_: str) -> list[int]:
    low, _, high = text_.partition("-")
    return list(range(int(low), int(high or low) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--zooms", default="8-16", help="zoom levels, e.g. 8-16 (default)")
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4, help="requests in flight at once")
    args = parser.parse_args()

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from webapp.config import Settings
    from webapp.db import normalise_url
    from webapp.services.accounts import tokens

    settings = Settings.from_env()
    city = city_lonlat(settings.owner_url)
    engine = create_engine(normalise_url(settings.owner_url))
    with Session(engine) as session:
        token, token_id = tokens.create_token(session, DEMO_CITY_USER, name="bench_memory")
        session.commit()
    port = free_port()
    env = {"RISKKARTA_RATE_LIMITS": "off", "RISKKARTA_ANONYMOUS_ROLE": "city"}
    process = start_gunicorn(port, args.workers, env)
    base, ids = f"http://127.0.0.1:{port}", []
    try:
        workers = worker_pids(process.pid)
        before = {pid: rss_mb(pid) for pid in workers}
        print(f"{args.workers} workers, cache settings: " + ", ".join(
            f"{name}={os.environ.get(name, 'default')}" for name in (
                "RISKKARTA_GDAL_CACHEMAX_MB", "RISKKARTA_TILE_CACHE_MB", "RISKKARTA_COVERAGE_CACHE_MB",
                "RISKKARTA_RASTER_OPEN_DATASETS")))
        started = time.monotonic()
        statuses = sweep_tiles(base, city.bounds, _zooms(args.zooms), threads=args.threads)
        print(f"tiles, zooms {args.zooms}: {sum(statuses.values())} requests {statuses} in "
              f"{time.monotonic() - started:.0f} s")
        middle = {pid: rss_mb(pid) for pid in workers}
        started = time.monotonic()
        statuses, ids = site_checks(base, {"Authorization": f"Bearer {token}"}, city, args.checks,
                                    threads=args.threads)
        print(f"site checks: {args.checks} requests {statuses} in {time.monotonic() - started:.0f} s")
        after = {pid: rss_mb(pid) for pid in workers}
        print(f"{'worker':>8} {'start MB':>9} {'after tiles':>12} {'after checks':>13}")
        for pid in workers:
            print(f"{pid:>8} {before[pid]:>9.0f} {middle[pid]:>12.0f} {after[pid]:>13.0f}")
        worst = max(after.values())
        print(f"largest worker: {worst:.0f} MB — {'under' if worst < LIMIT_MB else 'OVER'} the {LIMIT_MB} MB target")
    finally:
        process.terminate()
        process.wait(timeout=30)
        with Session(engine) as session:
            tokens.revoke_token(session, token_id, actor="bench_memory")
            session.commit()
        if ids:
            delete_checks(settings.owner_url, ids)
        engine.dispose()


if __name__ == "__main__":
    main()
