#!/usr/bin/env python3
"""Benchmark every case of issue 21 against its floor in one run: a table with ratios and targets, and JSON.

    .venv/bin/python scripts/bench.py [--seconds 15] [--warmup 5] [--sites 200] [--json bench.json]

Run by hand on the demo city (`make run` loads it: 100,000 crime incidents), never as a test. It starts its own
gunicorn (2 workers × 4 threads, rate limits off, tile cache off, role `city` so incident points are served),
loads it with `wrk -t2 -c8` per case (a Lua script picks one of the case's URLs at random per request), and runs
the same SQL / raster work in a tight loop in two Python processes with no web layer (the floor; PERFORMANCE.md):

- OGC items, 1 km² bbox, limit 100: `crime` (points) and `hazardous-goods` (a vector layer, boxes on its routes);
  crime's boxes also against MapServer 8's OGC API Features over the same table and database, as a peer (FastCGI,
  2 mapserv processes behind nginx; scripts/bench_mapserver.py) when `mapserv`, spawn-fcgi and nginx are installed;
- MVT z10 / z13 / z15 of crime, PNG z12 / z14 / z16 of flood (the cases of scripts/bench_layers.py);
- the site check: `site_check.evaluate` for random points with a 50 m buffer, in-process and sequential, against
  the same reads done bare (scripts/bench_site_check.py);
- the hotspot recompute of the loaded incidents (every period, category and band; rolled back) against its bare
  counting query (scripts/bench_hotspots.py).

It reports the workers' resident memory after the wrk cases. Needs wrk: `sudo apt-get install wrk` (Debian).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_hotspots  # noqa: E402
import bench_layers  # noqa: E402
import bench_mapserver  # noqa: E402
import bench_site_check  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from webapp.config import Settings  # noqa: E402
from webapp.db import make_engine, normalise_url  # noqa: E402

VECTOR_LAYER = "hazardous-goods"
# The floor of a vector layer's page: the statement of ITEMS_FLOOR over layer_feature.
VECTOR_ITEMS_FLOOR = """
    SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
        'type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(ST_Transform(geom, 4326))::json,
        'properties', (jsonb_build_object('class', class) || properties)::json)), '[]'::json))::text
    FROM (SELECT id, geom, class, properties FROM layer_feature
          WHERE layer_id = :layer AND geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006) LIMIT 100) AS t
"""
TARGETS = {
    "items": ("≥ 0.35 × floor", lambda r: r["ratio"] >= 0.35),
    "MVT z10": ("p50 < 100 ms", lambda r: r["p50_ms"] < 100),
    "MVT z13": ("≥ 0.8 × floor", lambda r: r["ratio"] >= 0.8),
    "MVT z15": ("≥ 0.8 × floor", lambda r: r["ratio"] >= 0.8),
    "PNG": ("≥ 0.9 × floor", lambda r: r["ratio"] >= 0.9),
    "site check": ("p95 < 50 ms", lambda r: r["p95_ms"] < 50),
    "hotspot": ("< 10 s at 1M incidents", None),
}
CRIME_ITEMS = "items 1 km², limit 100, crime (city)"
PEER_TARGET = 1.2  # Riskkarta's crime items ÷ MapServer's


def target_of(name: str) -> tuple[str, object]:
    for prefix, target in TARGETS.items():
        if name.startswith(prefix):
            return target
    return ("", None)


def vector_boxes(conn, layer_id: int, count: int = 25) -> list[tuple[float, float, float, float]]:
    """1 km² boxes (EPSG:3006) centred on vertices of the layer's features, picked with a fixed seed."""
    conn.execute(text("SELECT setseed(0.21)"))
    rows = conn.execute(text("""
        SELECT ST_X(p), ST_Y(p) FROM (SELECT (ST_DumpPoints(geom)).geom AS p FROM layer_feature
                                      WHERE layer_id = :layer) AS v ORDER BY random() LIMIT :n"""),
                        {"layer": layer_id, "n": count}).all()
    return [(x - 500, y - 500, x + 500, y + 500) for x, y in rows]


def wrk_cases(args, db_url: str, versions: dict, flood: str, layer_id: int, boxes: list,
              settings_url: str) -> tuple[list, list]:
    """The HTTP cases through one gunicorn: their rows (with MapServer's beside crime items when it is installed),
    and the workers' RSS (MB) after them."""
    cases = bench_layers.layer_cases(versions, flood)
    floor_params = [{"layer": layer_id, **dict(zip(("x0", "y0", "x1", "y1"), b, strict=True))} for b in boxes]
    vector = ("items 1 km², limit 100, " + VECTOR_LAYER, bench_layers.item_paths(VECTOR_LAYER, boxes),
              ("sql-index", (VECTOR_ITEMS_FLOOR, floor_params)))
    cases[0] = (CRIME_ITEMS, *cases[0][1:])
    cases.insert(1, vector)
    if args.only:
        cases = [case for case in cases if any(word in case[0] for word in args.only)]
    rows = []
    with bench_layers.gunicorn(dict(os.environ, **bench_layers.BENCH_ENV)) as server:
        for name, paths, (kind, payload) in cases:
            bench_layers.wrk(paths, args.warmup)
            rps, p50 = bench_layers.wrk(paths, args.seconds)
            peer = mapserver_case(args, settings_url) if name == CRIME_ITEMS else None
            base = bench_layers.floor(kind, payload, args.seconds, db_url)
            rows.append({"case": name, "rps": rps, "p50_ms": p50, "floor": base, "ratio": rps / base})
            print(f"  {name:44} {rps:8.1f} req/s  p50 {p50:7.1f} ms  floor {base:8.1f}/s  ratio {rps / base:5.2f}",
                  flush=True)
            if peer:
                peer.update(floor=base, ratio=peer["rps"] / base, riskkarta_over=rps / peer["rps"])
                rows.append(peer)
                print(f"  {'  MapServer 8, same boxes':44} {peer['rps']:8.1f} req/s  p50 {peer['p50_ms']:7.1f} ms  "
                      f"Riskkarta ÷ MapServer {peer['riskkarta_over']:5.2f}", flush=True)
        rss = bench_layers.worker_rss_mb(server)
    return rows, rss


def mapserver_case(args, database_url: str) -> dict | None:
    """wrk on MapServer 8's OGC API items over the crime boxes (a peer, started and stopped here); None, with
    one line saying why, when it is not installed or fails."""
    if gone := bench_mapserver.missing():
        print(f"  MapServer peer skipped: {', '.join(gone)} not installed (apt-get install --no-install-recommends "
              "cgi-mapserver spawn-fcgi nginx-light)", flush=True)
        return None
    paths = bench_mapserver.items_paths(bench_layers.bboxes_1km2(25))
    try:
        with bench_mapserver.mapserver(database_url) as base:
            bench_layers.wrk(paths, args.warmup, base)
            rps, p50 = bench_layers.wrk(paths, args.seconds, base)
    except Exception as error:  # a peer that fails must not stop the bench
        print(f"  MapServer peer failed, skipped: {error!r}", flush=True)
        return None
    return {"case": f"items 1 km², limit 100, crime — {bench_mapserver.NAME}", "rps": rps, "p50_ms": p50,
            "peer": "MapServer 8.0"}


def site_check_case(settings: Settings, count: int) -> dict:
    """`evaluate` for `count` random points (50 m buffer), sequential in one process, against the bare reads."""
    import rasterio

    from layers.site_rules import SiteRules
    from webapp.services.catalog import visible_layers

    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        layers = {info.slug: info for info in visible_layers(session, "viewer")}
        rasters = {slug: rasterio.open(layers[slug].raster.path) for slug in ("flood", "heat")}
        sites = [(p, 50.0) for p in bench_site_check.random_sites(bench_site_check.city_of(session), count)]
        totals, _, bare = bench_site_check.time_evaluate(
            session, sites, SiteRules(), "viewer",
            lambda area: bench_site_check.bare(session, layers, rasters, area))
        session.rollback()
    engine.dispose()
    p50, bare_p50 = statistics.median(totals), statistics.median(bare)
    return {"case": f"site check, point + 50 m ({count}, in-process)", "rps": 1000 / statistics.mean(totals),
            "p50_ms": p50, "p95_ms": bench_site_check.pct(totals, 95), "floor": 1000 / statistics.mean(bare),
            "floor_p50_ms": bare_p50, "ratio": statistics.mean(bare) / statistics.mean(totals)}


def hotspot_case(settings: Settings) -> dict:
    """One full recompute of the loaded crime incidents, rolled back, against the bare counting query."""
    from webapp.services.hotspots import compute as hotspots

    engine = make_engine(settings.owner_url)
    parameters = hotspots.Parameters()
    with Session(engine) as session:
        incidents = session.execute(text("SELECT count(*) FROM incident WHERE layer = 'crime'")).scalar()
        started = time.perf_counter()
        outcome = hotspots.compute(session, parameters=parameters)
        total = time.perf_counter() - started
        bare = min(bench_hotspots.floor(session, parameters) for _ in range(3))
        session.rollback()
    engine.dispose()
    return {"case": f"hotspot recompute, {incidents:,} incidents ({len(outcome.runs)} runs)", "rps": 1 / total,
            "p50_ms": total * 1000, "floor": 1 / bare, "ratio": bare / total,
            "split_s": {"sql": outcome.sql_seconds, "python": outcome.python_seconds, "store": outcome.store_seconds}}


def print_table(rows: list[dict], rss: list[int]) -> None:
    print("\n| case | req/s | p50 ms | floor req/s | ÷ floor | target | met |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        target, check = target_of(row["case"].split(",")[0].replace(" 1 km²", ""))
        met = "" if check is None else ("yes" if check(row) else "no")
        if "peer" in row:  # the peer's target is Riskkarta's: ahead of it by PEER_TARGET
            target = f"Riskkarta ≥ {PEER_TARGET} × this ({row['riskkarta_over']:.2f})"
            met = "yes" if row["riskkarta_over"] >= PEER_TARGET else "no"
        row["target"], row["met"] = target, met or None
        print(f"| {row['case']} | {row['rps']:,.1f} | {row['p50_ms']:,.1f} | {row['floor']:,.1f} | "
              f"{row['ratio']:.2f} | {target} | {met} |")
    print(f"\nworker RSS after the HTTP cases: {', '.join(f'{mb} MB' for mb in rss)} (target < 300 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="seconds of wrk and of each floor per case")
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--sites", type=int, default=200, help="random sites for the site check")
    parser.add_argument("--json", type=Path, default=Path("bench.json"), help="where to write the results")
    parser.add_argument("--only", nargs="*", default=[], help="only the HTTP cases whose name holds one of these")
    parser.add_argument("--skip", nargs="*", default=[], choices=("http", "site-check", "hotspots"))
    args = parser.parse_args()
    if "http" not in args.skip and shutil.which("wrk") is None:
        sys.exit("bench: wrk is needed: `sudo apt-get install wrk` (Debian package), or --skip http")
    settings = Settings.from_env()
    db_url = normalise_url(settings.database_url)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        versions = dict(conn.execute(text("SELECT slug, version FROM layer")).all())
        layer_id = conn.execute(text("SELECT id FROM layer WHERE slug = :s"), {"s": VECTOR_LAYER}).scalar()
        flood = conn.execute(text("SELECT r.path FROM raster_asset r JOIN layer l ON l.id = r.layer_id "
                                  "WHERE l.slug = 'flood'")).scalar()
        incidents = conn.execute(text("SELECT count(*) FROM incident WHERE layer = 'crime'")).scalar()
        boxes = vector_boxes(conn, layer_id) if layer_id else []
        pg = {k: conn.execute(text(f"SHOW {k}")).scalar() for k in ("max_parallel_workers_per_gather", "jit")}
    engine.dispose()
    if not incidents or not flood or not boxes:
        sys.exit("bench: load the demo city first (make run, or .venv/bin/riskkarta demo load)")
    if incidents < 100_000:
        print(f"bench: only {incidents:,} crime incidents (the test size?); the figures compare with 100,000: "
              ".venv/bin/riskkarta demo load", file=sys.stderr)
    print(f"data: {incidents:,} crime incidents; flood COG {flood}; PostgreSQL {pg}; {os.cpu_count()} cores")
    rows, rss = [], []
    if "http" not in args.skip:
        http_rows, rss = wrk_cases(args, db_url, versions, flood, layer_id, boxes, settings.database_url)
        rows += http_rows
    if "site-check" not in args.skip:
        rows.append(site_check_case(settings, args.sites))
        print(f"  {rows[-1]['case']}: p50 {rows[-1]['p50_ms']:.1f} ms, p95 {rows[-1]['p95_ms']:.1f} ms", flush=True)
    if "hotspots" not in args.skip:
        rows.append(hotspot_case(settings))
        print(f"  {rows[-1]['case']}: {rows[-1]['p50_ms'] / 1000:.2f} s", flush=True)
    print_table(rows, rss)
    peer = next((row for row in rows if "peer" in row), None)
    over = round(peer["riskkarta_over"], 3) if peer else None
    result = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.node(),
              "cores": os.cpu_count(), "incidents": incidents, "postgres": pg,
              "seconds": args.seconds, "rows": rows, "worker_rss_mb": rss,
              "riskkarta_over_mapserver": over, "riskkarta_over_mapserver_target": PEER_TARGET}
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"written {args.json}")
    print("notes: MVT z10 serves k-anonymous cells (points from z13 for city), its floor draws raw points; the "
          "site check and the hotspot recompute are timed in-process, sequentially; hotspots' target is for 1M "
          "incidents (scripts/bench_hotspots.py --incidents 1000000).")
    if peer:
        print(f"Riskkarta ÷ MapServer (crime items, same boxes, same database): {over:.2f} (target ≥ {PEER_TARGET}: "
              f"{'met' if over >= PEER_TARGET else 'not met'}); MapServer's row shares Riskkarta's floor.")


if __name__ == "__main__":
    main()
