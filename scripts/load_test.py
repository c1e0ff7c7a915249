"""A load test with locust, on loopback only and bounded in time: a realistic mix of tiles and feature reads over
random places, site checks and a few committee writes, against the app under gunicorn as `riskkarta serve` runs
it. Prints requests/s, p50, p95, p99 and errors per endpoint, and every status seen; writes the numbers as JSON.

    .venv/bin/pip install -e '.[load]'          # locust, once
    .venv/bin/python scripts/load_test.py --users 24 --seconds 60
    .venv/bin/python scripts/load_test.py --restart-db   # stop and start PostgreSQL in the middle

It starts its own server (2 workers, rate limits off: one machine plays every user) on a free loopback port against
the configured database (DATABASE_URL, or the local cluster with the demo city). Run by hand, never in `make test`.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from local_app import ROOT, fail, make_token, revoke_tokens, served

LOCUSTFILE = r'''
import json, os, random
from collections import Counter
from locust import HttpUser, between, events, task

STATUSES = Counter()
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

@events.quitting.add_listener
def _write(environment, **kw):
    with open(os.environ["LOAD_STATUSES"], "w") as f:
        json.dump(STATUSES, f)

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
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--restart-db", action="store_true", help="stop and start PostgreSQL half way")
    parser.add_argument("--json", type=Path, default=ROOT / ".riskkarta" / "load_test.json")
    args = parser.parse_args()
    # Only looked for, not imported: locust patches the standard library (gevent) and must be first to load, which
    # it is in its own process below.
    if importlib.util.find_spec("locust") is None:
        fail("locust is not installed: .venv/bin/pip install -e '.[load]'")
    env = {**os.environ, "RISKKARTA_RATE_LIMITS": "off", "RISKKARTA_ANONYMOUS_ROLE": "viewer"}
    (viewer_id, viewer), (committee_id, committee) = (make_token(env, "viewer@demo.riskkarta.se", "load test"),
                                                      make_token(env, "sodermalm@demo.riskkarta.se", "load test"))
    picture, created = None, False
    try:
        with served(env, workers=args.workers) as url:
            layers = requests.get(url + "/api/layers", timeout=10).json()["layers"]
            versions = {layer["slug"]: layer["version"] for layer in layers}
            made = requests.post(url + "/api/pictures", headers={"Authorization": f"Bearer {committee}"},
                                 timeout=10, json={"district": "11", "year": 2026, "tertial": 3, "topic": "accidents"})
            created = made.status_code == 201
            picture = made.headers.get("Location") or f"/api/pictures/{made.json().get('existing')}"
            rows, seen = run_locust(url, {**env, "LOAD_VIEWER_TOKEN": viewer, "LOAD_COMMITTEE_TOKEN": committee,
                                          "LOAD_PICTURE": picture, "LOAD_VERSIONS": json.dumps(versions)}, args)
    finally:
        clean_up(picture, created)
        revoke_tokens(env, [viewer_id, committee_id])
    report(rows, seen, args)


def run_locust(url: str, env: dict, args) -> tuple[list[dict], dict]:
    """locust, headless, for args.seconds; its per-endpoint rows and every status seen."""
    with tempfile.TemporaryDirectory() as tmp:
        locustfile = Path(tmp) / "locustfile.py"
        locustfile.write_text(LOCUSTFILE)
        statuses = Path(tmp) / "statuses.json"
        if args.restart_db:
            def restart():
                time.sleep(args.seconds / 2)
                localdb = [sys.executable, str(ROOT / "scripts" / "localdb.py")]
                subprocess.run([*localdb, "stop"], check=True, stdout=subprocess.DEVNULL)
                time.sleep(2)
                subprocess.run([*localdb, "start"], check=True, stdout=subprocess.DEVNULL)
                print(f"load test: PostgreSQL restarted at {args.seconds / 2:.0f} s", file=sys.stderr)
            threading.Thread(target=restart, daemon=True).start()
        done = subprocess.run([str(ROOT / ".venv/bin/locust"), "-f", str(locustfile), "--headless", "--host", url,
                               "-u", str(args.users), "-r", str(max(1, args.users // 4)), "-t", f"{args.seconds}s",
                               "--csv", str(Path(tmp) / "run"), "--only-summary", "--loglevel", "WARNING"],
                              env={**env, "LOAD_STATUSES": str(statuses)}, check=False, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        broken = [line for line in done.stderr.splitlines() if "Error" in line and "locust.user.task" in line]
        if broken:  # a task that raised is not a request: say so instead of hiding it in the figures
            print(f"load test: {len(broken)} task errors in the locustfile, first: {broken[0]}", file=sys.stderr)
        rows = list(csv.DictReader((Path(tmp) / "run_stats.csv").open()))
        return rows, json.loads(statuses.read_text()) if statuses.exists() else {}


def clean_up(picture: str | None, created: bool) -> None:
    """Leave the database as it was: the run's saved checks and annotations gone (its picture too if it made it)."""
    from sqlalchemy import text

    from webapp.config import Settings
    from webapp.db import make_engine

    engine = make_engine(Settings.from_env().owner_url)
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


def report(rows: list[dict], seen: dict, args) -> None:
    print(f"load test: {args.users} users for {args.seconds} s, {args.workers} gunicorn workers, "
          f"{os.cpu_count()} cores{', PostgreSQL restarted half way' if args.restart_db else ''}")
    print(f"{'endpoint':<22} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7}")
    table = []
    for row in rows:
        entry = {"endpoint": row["Name"], "requests": int(row["Request Count"]),
                 "rps": float(row["Requests/s"]), "p50": float(row["50%"] or 0), "p95": float(row["95%"] or 0),
                 "p99": float(row["99%"] or 0), "errors": int(row["Failure Count"])}
        table.append(entry)
        print(f"{entry['endpoint']:<22} {entry['requests']:>9,} {entry['rps']:>8.1f} {entry['p50']:>7.0f} "
              f"{entry['p95']:>7.0f} {entry['p99']:>7.0f} {entry['errors']:>7,}")
    print("statuses: " + ", ".join(f"{k}: {v:,}" for k, v in sorted(seen.items())))
    server_errors = {k: v for k, v in seen.items() if k.rsplit(" ", 1)[1].startswith("5") and not k.endswith(" 503")}
    print("5xx other than 503: " + (", ".join(f"{k}: {v}" for k, v in server_errors.items()) or "none"))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"users": args.users, "seconds": args.seconds, "workers": args.workers,
                                     "restart_db": args.restart_db, "endpoints": table, "statuses": seen}, indent=2))
    print(f"load test: written {args.json}")


if __name__ == "__main__":
    main()
