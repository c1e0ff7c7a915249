"""A load test with locust, on loopback only and bounded in time: a realistic mix of tiles and feature reads over
random places, site checks and a few committee writes, against one app instance under gunicorn as `riskkarta serve`
runs it, or against the loopback cluster (README: Scaling), or both in turn. Prints requests/s, p50, p95, p99 and
errors per endpoint, and every status seen; writes the numbers as JSON.

    .venv/bin/pip install -e '.[load]'          # locust, once
    .venv/bin/python scripts/load_test.py --users 24 --seconds 60
    .venv/bin/python scripts/load_test.py --cluster      # the same mix through nginx → HAProxy → 2 instances → ...
    .venv/bin/python scripts/load_test.py --both         # one instance, then the cluster; a side-by-side summary
    .venv/bin/python scripts/load_test.py --restart-db   # stop and start PostgreSQL (the cluster: its primary) half way

One instance: its own server (--workers, rate limits off: one machine plays every user; anonymous requests as
`viewer`) on a free loopback port against the configured database (DATABASE_URL, or the local cluster with the demo
city). The cluster: scripts/cluster.py starts its own (full demo city; `--small` for the test's size) in
.riskkarta/cluster-load (never a user's .riskkarta/cluster or the test's), with the same settings, tokens made in its
own database, and stops and removes it at the end, also on failure or Ctrl-C. Run by hand, never in `make test`.
"""
from __future__ import annotations

import argparse
import csv
import importlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import requests
from local_app import ROOT, fail, make_token, revoke_tokens, served

# The cluster the load test starts for itself: apart from a user's (.riskkarta/cluster) and the test's (-test).
CLUSTER_DIR = ROOT / ".riskkarta" / "cluster-load"
# Both runs: rate limits off (one machine plays every user), anonymous requests as the demo's viewer.
SETTINGS = {"RISKKARTA_RATE_LIMITS": "off", "RISKKARTA_ANONYMOUS_ROLE": "viewer"}

LOCUSTFILE = r'''
import json, os, random
from collections import Counter
from locust import HttpUser, between, events, task

STATUSES = Counter()
CACHE = Counter()  # nginx's X-Cache-Status per tile endpoint (the cluster; one instance sends none)
TOKEN = {"Authorization": "Bearer " + os.environ["LOAD_VIEWER_TOKEN"]}
COMMITTEE = {"Authorization": "Bearer " + os.environ["LOAD_COMMITTEE_TOKEN"]}
PICTURE = os.environ["LOAD_PICTURE"]
VERSIONS = json.loads(os.environ["LOAD_VERSIONS"])
VECTOR = [s for s in ("crime", "accidents", "hazardous-goods", "drinking-water") if s in VERSIONS]
# Inner Stockholm in tiles and degrees.
LON, LAT = (17.90, 18.15), (59.28, 59.36)

def tile(z):
    import math
    lon, lat = random.uniform(*LON), random.uniform(*LAT)
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y

@events.request.add_listener
def _count(name, response, exception, **kw):
    status = getattr(response, "status_code", 0) if response is not None else 0
    STATUSES[f"{name} {status}"] += 1
    cache = response.headers.get("X-Cache-Status") if response is not None and hasattr(response, "headers") else None
    if cache:
        CACHE[f"{name} {cache}"] += 1

@events.quitting.add_listener
def _write(environment, **kw):
    with open(os.environ["LOAD_STATUSES"], "w") as f:
        json.dump({"statuses": STATUSES, "cache": CACHE}, f)

class Visitor(HttpUser):
    wait_time = between(0.05, 0.3)

    def _get(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.status_code in (200, 204):
                r.success()
            else:
                r.failure(f"{r.status_code}")

    @task(6)
    def vector_tile(self):
        slug = random.choice(VECTOR)
        z, x, y = tile(random.choice([12, 13, 14, 15]))
        self._get(f"/tiles/{slug}/{VERSIONS[slug]}/{z}/{x}/{y}.mvt", "tile mvt")

    @task(4)
    def raster_tile(self):
        slug = random.choice(["flood", "heat"])
        z, x, y = tile(random.choice([12, 13, 14]))
        self._get(f"/tiles/{slug}/{VERSIONS[slug]}/{z}/{x}/{y}.png", "tile png")

    @task(4)
    def items(self):
        lon, lat = random.uniform(*LON), random.uniform(*LAT)
        bbox = f"{lon:.5f},{lat:.5f},{lon + 0.0175:.5f},{lat + 0.009:.5f}"
        collection = random.choice(["hazardous-goods", "drinking-water", "districts", "crime-cells"])
        self._get(f"/ogc/collections/{collection}/items?bbox={bbox}&limit=100", "ogc items 1 km²")

    @task(1)
    def site_check(self):
        lon, lat = random.uniform(*LON), random.uniform(*LAT)
        body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"land_use": random.choice("ABC"), "title": "Lasttest"}}
        with self.client.post("/api/site-checks", json=body, headers=TOKEN, name="site check",
                              catch_response=True) as r:
            r.success() if r.status_code in (201, 422) else r.failure(f"{r.status_code}")

    @task(1)
    def committee_write(self):
        lon, lat = random.uniform(18.03, 18.10), random.uniform(59.305, 59.32)
        body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"kind": "observation", "severity": random.randint(1, 4), "title": "Lasttest"}}
        with self.client.post(PICTURE + "/annotations", json=body, headers=COMMITTEE, name="annotation write",
                              catch_response=True) as r:
            r.success() if r.status_code == 201 else r.failure(f"{r.status_code}")
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of the one instance")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--cluster", action="store_true", help="against the loopback cluster instead (its own)")
    target.add_argument("--both", action="store_true", help="one instance, then the cluster; side by side")
    parser.add_argument("--small", action="store_true", help="the cluster with the test's small demo city")
    parser.add_argument("--restart-db", action="store_true",
                        help="stop and start PostgreSQL half way (the cluster: its primary)")
    parser.add_argument("--json", type=Path, default=ROOT / ".riskkarta" / "load_test.json")
    args = parser.parse_args()
    # Only looked for, not imported: locust patches the standard library (gevent) and must be first to load, which
    # it is in its own process below.
    if importlib.util.find_spec("locust") is None:
        fail("locust is not installed: .venv/bin/pip install -e '.[load]'")
    # A kill ends the run like Ctrl-C: through the `finally`s, so that a cluster never outlives the script.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ.update(SETTINGS)  # what scripts/cluster.py passes on to its instances
    targets = ["one", "cluster"] if args.both else ["cluster"] if args.cluster else ["one"]
    results = {}
    for name in targets:
        results[name] = run_one(args) if name == "one" else run_cluster(args)
        report(name, results[name], args)
    write_json(results, args)
    if args.both:
        compare(results["one"], results["cluster"])
    if "cluster" in results:
        notes(args)


def run_one(args) -> dict:
    """One `riskkarta serve` with args.workers workers on the configured database."""
    from webapp.config import Settings

    env = {**os.environ, **SETTINGS}
    with served(env, workers=args.workers) as url:
        def restart():
            localdb = [sys.executable, str(ROOT / "scripts" / "localdb.py")]
            subprocess.run([*localdb, "stop"], check=True, stdout=subprocess.DEVNULL)
            time.sleep(2)
            subprocess.run([*localdb, "start"], check=True, stdout=subprocess.DEVNULL)
        return session(url, env, Settings.from_env().owner_url, args, restart)


def run_cluster(args) -> dict:
    """The loopback cluster in CLUSTER_DIR, started here, loaded, and stopped and removed whatever happens."""
    os.environ["RISKKARTA_CLUSTER_DIR"] = str(CLUSTER_DIR)
    cluster = importlib.import_module("cluster")  # reads RISKKARTA_CLUSTER_DIR when imported
    if cluster.load_state():  # one a killed run left behind
        cluster.stop(graceful=False)
    try:
        state = cluster.start(small=args.small)
        url = f"http://127.0.0.1:{state['nginx']}"

        def restart():
            script = [sys.executable, str(ROOT / "scripts" / "cluster.py"), "db"]
            subprocess.run([*script, "stop", "primary"], check=True, stdout=subprocess.DEVNULL)
            time.sleep(2)
            subprocess.run([*script, "start", "primary"], check=True, stdout=subprocess.DEVNULL)
        return session(url, cluster.app_env(state), cluster.db_url(state["primary"], cluster.OWNER), args, restart)
    finally:
        apps = list((cluster.load_state() or {}).get("pids", {}).values())
        cluster.main(["clean"])
        reap(apps)


def reap(pids: list[int], seconds: float = 20) -> None:
    """An app instance still busy after the cluster's stop (it waits 10 s) gets more time, then SIGKILL: nothing the
    load test started outlives it."""
    deadline = time.monotonic() + seconds
    while True:
        alive = []
        for pid in pids:
            with suppress(ChildProcessError):  # started in this process (cluster.start): reap it, no zombie
                os.waitpid(pid, os.WNOHANG)
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return
        if time.monotonic() > deadline:
            for pid in alive:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            print(f"load test: app instances {alive} killed", file=sys.stderr)
            return
        time.sleep(0.2)


def session(url: str, env: dict, owner_url: str, args, restart) -> dict:
    """Tokens and a situation picture for the run, locust, and the database left as it was."""
    (viewer_id, viewer), (committee_id, committee) = (make_token(env, "viewer@demo.riskkarta.se", "load test"),
                                                      make_token(env, "sodermalm@demo.riskkarta.se", "load test"))
    picture, created = None, False
    try:
        layers = requests.get(url + "/api/layers", timeout=30).json()["layers"]
        versions = {layer["slug"]: layer["version"] for layer in layers}
        made = requests.post(url + "/api/pictures", headers={"Authorization": f"Bearer {committee}"},
                             timeout=30, json={"district": "11", "year": 2026, "tertial": 3, "topic": "accidents"})
        created = made.status_code == 201
        picture = made.headers.get("Location") or f"/api/pictures/{made.json().get('existing')}"
        with restarting(restart if args.restart_db else None, args.seconds / 2):
            return run_locust(url, {**env, "LOAD_VIEWER_TOKEN": viewer, "LOAD_COMMITTEE_TOKEN": committee,
                                    "LOAD_PICTURE": picture, "LOAD_VERSIONS": json.dumps(versions)}, args)
    finally:
        clean_up(owner_url, picture, created)
        revoke_tokens(env, [viewer_id, committee_id])


@contextmanager
def restarting(restart, after: float):
    """`restart` (the database stopped and started) in a thread, `after` seconds into the block."""
    if restart is None:
        yield
        return

    def later():
        time.sleep(after)
        restart()
        print(f"load test: PostgreSQL restarted at {after:.0f} s", file=sys.stderr)
    thread = threading.Thread(target=later, daemon=True)
    thread.start()
    yield
    thread.join(timeout=30)


def run_locust(url: str, env: dict, args) -> dict:
    """locust, headless, for args.seconds: its per-endpoint rows, every status seen and nginx's cache statuses."""
    with tempfile.TemporaryDirectory() as tmp:
        locustfile = Path(tmp) / "locustfile.py"
        locustfile.write_text(LOCUSTFILE)
        statuses = Path(tmp) / "statuses.json"
        done = subprocess.run([str(ROOT / ".venv/bin/locust"), "-f", str(locustfile), "--headless", "--host", url,
                               "-u", str(args.users), "-r", str(max(1, args.users // 4)), "-t", f"{args.seconds}s",
                               "--csv", str(Path(tmp) / "run"), "--only-summary", "--loglevel", "WARNING"],
                              env={**env, "LOAD_STATUSES": str(statuses)}, check=False, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        broken = [line for line in done.stderr.splitlines() if "Error" in line and "locust.user.task" in line]
        if broken:  # a task that raised is not a request: say so instead of hiding it in the figures
            print(f"load test: {len(broken)} task errors in the locustfile, first: {broken[0]}", file=sys.stderr)
        rows = list(csv.DictReader((Path(tmp) / "run_stats.csv").open()))
        counted = json.loads(statuses.read_text()) if statuses.exists() else {}
    table = [{"endpoint": row["Name"], "requests": int(row["Request Count"]), "rps": float(row["Requests/s"]),
              "p50": float(row["50%"] or 0), "p95": float(row["95%"] or 0), "p99": float(row["99%"] or 0),
              "errors": int(row["Failure Count"])} for row in rows]
    return {"url": url, "endpoints": table, "statuses": counted.get("statuses", {}), "cache": counted.get("cache", {})}


def clean_up(owner_url: str, picture: str | None, created: bool) -> None:
    """Leave the database as it was: the run's saved checks and annotations gone (its picture too if it made it)."""
    from sqlalchemy import text

    from webapp.db import make_engine

    engine = make_engine(owner_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM site_check WHERE title = 'Lasttest'"))
        if picture:
            picture_id = int(picture.rstrip("/").rsplit("/", 1)[1])
            connection.execute(text("DELETE FROM annotation WHERE picture_id = :p AND title = 'Lasttest'"),
                               {"p": picture_id})
            if created:
                connection.execute(text("DELETE FROM situation_picture WHERE id = :p AND NOT EXISTS "
                                        "(SELECT 1 FROM annotation WHERE picture_id = :p)"), {"p": picture_id})
    engine.dispose()


def hit_share(cache: dict) -> float | None:
    """The share of tile requests nginx answered from its cache (HIT; MISS, EXPIRED, BYPASS... went to an app)."""
    total = sum(cache.values())
    return sum(v for k, v in cache.items() if k.endswith(" HIT")) / total if total else None


def report(name: str, result: dict, args) -> None:
    what = (f"one instance, {args.workers} gunicorn workers" if name == "one" else
            f"the cluster{' (small demo city)' if args.small else ''}: nginx → HAProxy → 2 instances × 2 workers → "
            "PgBouncer → primary/standby")
    print(f"load test: {args.users} users for {args.seconds} s, {what}, {os.cpu_count()} cores"
          f"{', PostgreSQL restarted half way' if args.restart_db else ''} ({result['url']})")
    print(f"{'endpoint':<22} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7}")
    for entry in result["endpoints"]:
        print(f"{entry['endpoint']:<22} {entry['requests']:>9,} {entry['rps']:>8.1f} {entry['p50']:>7.0f} "
              f"{entry['p95']:>7.0f} {entry['p99']:>7.0f} {entry['errors']:>7,}")
    seen = result["statuses"]
    print("statuses: " + ", ".join(f"{k}: {v:,}" for k, v in sorted(seen.items())))
    server_errors = {k: v for k, v in seen.items() if k.rsplit(" ", 1)[1].startswith("5") and not k.endswith(" 503")}
    print("5xx other than 503: " + (", ".join(f"{k}: {v}" for k, v in server_errors.items()) or "none"))
    if result["cache"]:
        share = hit_share(result["cache"])
        print(f"nginx tile cache: {share:.0%} hits (" + ", ".join(f"{k}: {v:,}" for k, v in
                                                                  sorted(result["cache"].items())) + ")")
    print()


def ratio(cluster: float, one: float) -> str:
    return f"{cluster / one:.2f}" if one else "–"


def compare(one: dict, cluster: dict) -> None:
    """Per endpoint and in total: req/s, p50, p95 and errors of each run, and cluster ÷ one."""
    print("one instance vs the cluster, same users and seconds (× = cluster ÷ one)")
    print(f"{'endpoint':<18} {'req/s':>7} {'cluster':>7} {'×':>5}   {'p50 ms':>6} {'cluster':>7} {'×':>5}   "
          f"{'p95 ms':>6} {'cluster':>7} {'×':>5}   {'errors':>6} {'cluster':>7}")
    theirs = {entry["endpoint"]: entry for entry in cluster["endpoints"]}
    for a in one["endpoints"]:
        b = theirs.get(a["endpoint"], {"rps": 0, "p50": 0, "p95": 0, "errors": 0})
        label = "total" if a["endpoint"] == "Aggregated" else a["endpoint"]
        print(f"{label:<18} {a['rps']:>7.1f} {b['rps']:>7.1f} {ratio(b['rps'], a['rps']):>5}   "
              f"{a['p50']:>6.0f} {b['p50']:>7.0f} {ratio(b['p50'], a['p50']):>5}   "
              f"{a['p95']:>6.0f} {b['p95']:>7.0f} {ratio(b['p95'], a['p95']):>5}   "
              f"{a['errors']:>6,} {b['errors']:>7,}")
    print()


def notes(args) -> None:
    print(f"notes: on this one {os.cpu_count()}-core machine the cluster shares the cores with everything else "
          "(2 PostgreSQL servers, 2 PgBouncers, 2 instances × 2 workers, HAProxy, nginx and locust itself), so it "
          "shows the shape (every hop works under load, reads on the standby, transaction pooling) and what nginx's "
          "tile cache takes off the apps, not more capacity: that takes the parts on machines of their own. The "
          "cluster also starts cold (empty tile cache, fresh database buffers), while one instance runs on a "
          "database that has been in use.")
    # Each user waits 0.05–0.3 s (0.175 s on average) between its requests: a closed loop with a ceiling.
    print(f"notes: {args.users} users who wait 0.175 s on average between requests send at most "
          f"{args.users / 0.175:.0f} req/s; while both runs sit near that ceiling, their req/s are the same by "
          "construction and the latencies are the comparison (more --users to find where one instance saturates).")


def write_json(results: dict, args) -> None:
    for result in results.values():
        if result["cache"]:
            result["tile_cache_hit_share"] = hit_share(result["cache"])
    meta = {"users": args.users, "seconds": args.seconds, "workers": args.workers, "cores": os.cpu_count(),
            "restart_db": args.restart_db}
    if len(results) == 1:
        ((name, result),) = results.items()
        data = {**meta, "target": name, "small": args.small if name == "cluster" else None, **result}
    else:
        data = {**meta, "small": args.small, **results, "ratio_cluster_to_one": {
            a["endpoint"]: {key: (b[key] / a[key] if a[key] else None) for key in ("rps", "p50", "p95")}
            for a in results["one"]["endpoints"]
            for b in results["cluster"]["endpoints"] if b["endpoint"] == a["endpoint"]}}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(data, indent=2))
    print(f"load test: written {args.json}")
    print()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # everything started has been stopped on the way out
        print("load test: interrupted", file=sys.stderr)
        sys.exit(130)
