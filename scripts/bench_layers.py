#!/usr/bin/env python3
"""Benchmark the layer service against the raw database/raster work (the floor) and the peers' figures.

    .venv/bin/python scripts/bench_layers.py [--seconds 15] [--warmup 5]

Run by hand on the demo city (`make run` loads it). It starts its own gunicorn (2 workers × 4 threads,
tile cache off, rate limits off, role `city` so incident points are served) on 127.0.0.1:5077, loads it with
`wrk -t2 -c8` over tiles spread across the city, and runs the same SQL / raster reads in a tight loop in two
processes with no web layer. It prints requests/s, p50 latency and the ratio to the floor, beside the peers'
figures measured on this kind of machine (PERFORMANCE.md). Needs wrk (Debian package `wrk`); rio-tiler is used
for the PNG floor when it is installed (`pip install rio-tiler`), otherwise the floor is our own read + PNG
encoding. scripts/bench.py runs these cases and the rest (vector items, site check, hotspots) in one table.
"""
from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from geo.crs import SWEREF99TM, WGS84, transformer  # noqa: E402
from geo.tiles import tile_bounds_3006, tile_for_lonlat  # noqa: E402
from webapp.config import Settings  # noqa: E402
from webapp.db import normalise_url  # noqa: E402

PORT = 5077
CENTRE = (18.0649, 59.3326)  # Sergels torg
# Requests/s of the peers on this machine (PERFORMANCE.md, mean of two runs), by case.
PEERS = {
    "items 1 km², limit 100": "pygeoapi 56, tipg 122, MapServer 382–429",
    "MVT z10": "tipg 4.8", "MVT z13": "tipg 74", "MVT z15": "tipg 240",
    "PNG z12": "TiTiler 29", "PNG z14": "TiTiler 28", "PNG z16": "TiTiler 48",
}
TARGETS = {"items": "≥ 0.3 × floor", "MVT z10": "p50 < 100 ms", "MVT": "≥ 0.8 × floor",
           "PNG": "≥ 0.9 × floor, ≥ 1.2 × TiTiler"}

ITEMS_FLOOR = """
    SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
        'type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(ST_Transform(geom, 4326))::json,
        'properties', json_build_object('category', category))), '[]'::json))::text
    FROM (SELECT id, geom, category FROM incident
          WHERE layer = 'crime' AND geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006)
          LIMIT 100) AS t
"""
MVT_FLOOR = """
    SELECT ST_AsMVT(t, 'crime', 4096, 'geom') FROM (
        SELECT id, category, ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(:z, :x, :y), 4096, 256) AS geom
        FROM incident WHERE geom && ST_Transform(ST_TileEnvelope(:z, :x, :y), 3006)) AS t
"""


def tiles_around(z: int, count: int) -> list[tuple[int, int, int]]:
    """Up to `count` tiles in a square around the centre, the busiest part of the city."""
    cx, cy = tile_for_lonlat(*CENTRE, z)
    side = max(1, int(count ** 0.5))
    half = side // 2
    return [(z, cx + dx, cy + dy) for dx in range(-half, side - half) for dy in range(-half, side - half)][:count]


def bboxes_1km2(count: int) -> list[tuple[float, float, float, float]]:
    """1 km² boxes (EPSG:3006) on a grid over the inner city."""
    x, y = transformer(WGS84, SWEREF99TM).transform(*CENTRE)
    return [(x + dx - 500, y + dy - 500, x + dx + 500, y + dy + 500)
            for dx in range(-2000, 2001, 1000) for dy in range(-2000, 2001, 1000)][:count]


def _loop(args) -> int:
    kind, payload, seconds, db_url = args
    if kind in ("sql", "sql-index"):
        sql, params = payload
        engine = create_engine(db_url)
        done, end = 0, time.perf_counter() + seconds
        with engine.connect() as conn:
            if kind == "sql-index":
                # The items floors get the index plan. With incidents stored in spatial order, PostgreSQL's guess
                # for `LIMIT 100` over a dense box is a sequential scan (it assumes the matching rows spread evenly
                # and so come early), which then reads half the table: 10-20 ms instead of 1 ms, a floor too low.
                conn.execute(text("SET enable_seqscan = off"))
            while time.perf_counter() < end:
                conn.execute(text(sql), params[done % len(params)]).scalar()
                done += 1
        engine.dispose()
        return done
    path, tile_list = payload
    done, end = 0, time.perf_counter() + seconds
    try:
        from rio_tiler.io import Reader

        with Reader(path) as reader:
            while time.perf_counter() < end:
                z, x, y = tile_list[done % len(tile_list)]
                # A tile outside the raster makes rio-tiler raise; it still counts as answered.
                with contextlib.suppress(Exception):
                    image = reader.tile(x, y, z)
                    image.rescale(in_range=((0, 300),))
                    image.render(img_format="PNG")
                done += 1
    except ImportError:
        from geo import png, raster

        while time.perf_counter() < end:
            z, x, y = tile_list[done % len(tile_list)]
            png.render_png(raster.read_tile(path, z, x, y), [(None, None, "#08306b")])
            done += 1
    return done


def floor(kind: str, payload, seconds: float, db_url: str) -> float:
    with multiprocessing.Pool(2) as pool:
        counts = pool.map(_loop, [(kind, payload, seconds, db_url)] * 2)
    return sum(counts) / seconds


def wrk(paths: list[str], seconds: float, base: str = f"http://127.0.0.1:{PORT}") -> tuple[float, float]:
    """Requests/s and p50 latency (ms) of wrk -t2 -c8 over the paths, picked at random, on `base` (the bench's
    gunicorn unless told)."""
    lua = "paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n" \
          "request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{int(seconds)}s", "--latency", "-s", script.name,
                          base], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    ms = float(p50[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50[2]]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(f"  warning: {non2xx[1]} error responses", file=sys.stderr)
    return rps, ms


@contextlib.contextmanager
def gunicorn(env: dict):
    """gunicorn as the benches measure it (2 workers × 4 threads) on PORT, for the `with` block, once it answers.
    Its output (the app logs a line per request) goes to a file whose tail is shown when the block fails."""
    with tempfile.NamedTemporaryFile("w+", prefix="bench-", suffix=".log") as log:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{PORT}", "--workers",
                                   "2", "--worker-class", "gthread", "--threads", "4", "--log-level", "warning",
                                   "webapp:create_app()"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                sys.exit("bench: the server did not start")
            yield server
        except Exception:
            log.seek(0)
            print("".join(log.readlines()[-20:]), file=sys.stderr)
            raise
        finally:
            server.terminate()
            server.wait()


def item_paths(collection: str, boxes: list[tuple[float, float, float, float]], limit: int = 100) -> list[str]:
    """Items URLs of `collection` for EPSG:3006 boxes, asked as CRS84 bboxes (the default a client sends)."""
    lonlat = transformer(SWEREF99TM, WGS84)
    paths = []
    for x0, y0, x1, y1 in boxes:
        w, s = lonlat.transform(x0, y0)
        e, n = lonlat.transform(x1, y1)
        paths.append(f"/ogc/collections/{collection}/items?bbox={w:.6f},{s:.6f},{e:.6f},{n:.6f}&limit={limit}")
    return paths


def layer_cases(versions: dict[str, int], flood: str) -> list[tuple[str, list[str], tuple]]:
    """(name, URL paths, floor work) for crime items, MVT z10/13/15 and PNG z12/14/16."""
    boxes = bboxes_1km2(25)
    cases = [("items 1 km², limit 100", item_paths("crime", boxes),
              ("sql-index", (ITEMS_FLOOR, [dict(zip(("x0", "y0", "x1", "y1"), b, strict=True)) for b in boxes])))]
    for z in (10, 13, 15):
        tl = tiles_around(z, 1 if z == 10 else 25)
        paths = [f"/tiles/crime/{versions['crime']}/{z}/{x}/{y}.mvt" for z, x, y in tl]
        cases.append((f"MVT z{z}", paths, ("sql", (MVT_FLOOR, [{"z": z, "x": x, "y": y} for z, x, y in tl]))))
    for z in (12, 14, 16):
        tl = [t for t in tiles_around(z, 25) if tile_bounds_3006(*t)]
        paths = [f"/tiles/flood/{versions['flood']}/{z}/{x}/{y}.png" for z, x, y in tl]
        cases.append((f"PNG z{z}", paths, ("raster", (flood, tl))))
    return cases


def worker_rss_mb(server: subprocess.Popen) -> list[int]:
    """Resident memory of the gunicorn workers (children of `server`), in MB."""
    rss = subprocess.run(["ps", "--ppid", str(server.pid), "-o", "rss="], capture_output=True, text=True).stdout
    return [int(kb) // 1024 for kb in rss.split()]


BENCH_ENV = {"RISKKARTA_ANONYMOUS_ROLE": "city", "RISKKARTA_TILE_CACHE_MB": "0", "RISKKARTA_RATE_LIMITS": "off"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=5)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench: wrk is needed (apt-get install wrk)")
    settings = Settings.from_env()
    db_url = normalise_url(settings.database_url)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        versions = dict(conn.execute(text("SELECT slug, version FROM layer")).all())
        flood = conn.execute(text("SELECT r.path FROM raster_asset r JOIN layer l ON l.id = r.layer_id "
                                  "WHERE l.slug = 'flood'")).scalar()
        incidents = conn.execute(text("SELECT count(*) FROM incident")).scalar()
    engine.dispose()
    if not incidents or not flood:
        sys.exit("bench: load the demo city first (make run, or riskkarta demo load)")
    print(f"data: {incidents:,} incidents; flood COG {flood}")
    with gunicorn(dict(os.environ, **BENCH_ENV)) as server:
        for name, paths, (kind, payload) in layer_cases(versions, flood):
            wrk(paths, args.warmup)
            rps, p50 = wrk(paths, args.seconds)
            base = floor(kind, payload, args.seconds, db_url)
            print(f"{name:24} {rps:8.1f} req/s  p50 {p50:7.1f} ms   floor {base:8.1f}/s   ratio {rps / base:5.2f}   "
                  f"peers: {PEERS.get(name, '')}", flush=True)
        print(f"worker RSS after the run: {', '.join(f'{mb} MB' for mb in worker_rss_mb(server))} "
              "(target < 300 MB)")
    print("\ntargets (DESIGN.md §8):", "; ".join(f"{k}: {v}" for k, v in TARGETS.items()))
    print("note: MVT z<13 serves k-anonymous cells (points from z13 for city/admin), the floor draws raw points.")


if __name__ == "__main__":
    main()
