"""Bounded memory (issue 21): a gunicorn worker, as `riskkarta serve` runs it, stays under 300 MB after a sweep of
every layer's tiles over the city and a few hundred site checks, and every cache takes its bound from the settings.
The full sweep (every tile at zooms 8–16, 1,000 checks, 2 workers) is scripts/bench_memory.py, run by hand."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from rasterio.io import MemoryFile

from tests.conftest import committed_token
from webapp import create_app

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("bench_memory", ROOT / "scripts" / "bench_memory.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

LIMIT_MB = 300
ZOOMS = range(8, 17)
TILES_PER_ZOOM = 100  # per layer: every tile up to z12, then 100 spread over the city (the test stays under a minute)
SITE_CHECKS = 300


def _gdal_cache_bytes() -> int:
    """GDAL's block cache limit as GDAL itself reports it (GDALGetCacheMax64)."""
    import ctypes

    with MemoryFile() as mem, mem.open(driver="GTiff", width=1, height=1, count=1, dtype="uint8") as ds:
        ds.read()  # GDAL is loaded and its cache set up
    # rasterio's own GDAL (pyogrio, if loaded, brings another copy with its own cache).
    library = next(line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines()
                   if "libgdal" in line and "rasterio" in line)
    gdal = ctypes.CDLL(library)
    gdal.GDALGetCacheMax64.restype = ctypes.c_int64
    return gdal.GDALGetCacheMax64()


@pytest.fixture()
def restore_cache_bounds(settings):
    yield
    # The bounds are process-wide (each gunicorn worker sets them at start): the suite's own again.
    create_app(settings).extensions["riskkarta.engine"].dispose()


def test_every_cache_takes_its_bound_from_the_settings(settings, restore_cache_bounds):
    from geo import crs, raster
    from webapp.services.hazards import crime
    from webapp.services.ogc import coverages

    app = create_app(settings.with_(gdal_cachemax_mb=48, raster_open_datasets=3, coverage_cache_mb=5,
                                    transformer_cache_size=7, baseline_cache_entries=9))
    app.extensions["riskkarta.engine"].dispose()
    assert _gdal_cache_bytes() == 48 * 1024 * 1024
    assert raster._cached_handle.cache_parameters()["maxsize"] == 3
    assert crs._transformers.cache_parameters()["maxsize"] == 7
    assert coverages._recent.max_bytes == 5 * 1024 * 1024
    assert crime._max_baselines == 9


@pytest.fixture(scope="module")
def served(database_url, web_database_url, data_dir):
    """The app under gunicorn with one worker, connected as the web app's role, rate limits off, anonymous role
    `city` (incident points from z13 too); the caches at their default bounds."""
    env = {"DATABASE_URL": web_database_url, "RISKKARTA_OWNER_DATABASE_URL": database_url,
           "RISKKARTA_DATA_DIR": str(data_dir), "RISKKARTA_RATE_LIMITS": "off", "RISKKARTA_ANONYMOUS_ROLE": "city",
           "SECRET_KEY": "test-secret"}
    process = bench.start_gunicorn(bench.free_port(), 1, env)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def _port(process) -> int:
    return int(process.args[process.args.index("--bind") + 1].rsplit(":", 1)[1])


def test_a_worker_stays_under_300_mb_after_every_layer_at_every_zoom_and_many_site_checks(served, database_url):
    base = f"http://127.0.0.1:{_port(served)}"
    (worker,) = bench.worker_pids(served.pid)
    at_start = bench.rss_mb(worker)
    city = bench.city_lonlat(database_url)
    assert len(bench.tile_templates(base)) >= 6, "every demo layer has tiles"

    tiles = bench.sweep_tiles(base, city.bounds, ZOOMS, threads=4, limit_per_zoom=TILES_PER_ZOOM)
    assert set(tiles) == {200}, tiles
    headers = committed_token(database_url, "city@demo.riskkarta.se")
    checks, ids = bench.site_checks(base, headers, city, SITE_CHECKS, threads=4)
    bench.delete_checks(database_url, ids)
    assert checks == {201: SITE_CHECKS}, checks

    after = bench.rss_mb(worker)
    print(f"worker RSS: {at_start:.0f} MB at start, {after:.0f} MB after {sum(tiles.values())} tiles and "
          f"{SITE_CHECKS} site checks")
    assert after < LIMIT_MB, f"the worker holds {after:.0f} MB (at start {at_start:.0f} MB)"


LAZY_FOLIUM = """
import json, sys
from webapp import create_app
from webapp.config import Settings
app = create_app(Settings.from_env())
client = app.test_client()
paths = ["/api/health", "/api/layers", "/ogc/collections", "/ogc/collections/districts/items?limit=5"]
paths += [layer["links"]["tiles"].format(z=12, x=2253, y=1204)  # the inner city
          for layer in client.get("/api/layers").get_json()["layers"] if layer["has_data"]]
statuses = json.dumps([client.get(path).status_code for path in paths]).replace(" ", "")
print(statuses, "folium" in sys.modules, "pandas" in sys.modules)
print(client.get("/map").status_code, "folium" in sys.modules)
"""


def test_folium_is_loaded_only_when_a_page_draws_a_map(database_url, web_database_url, data_dir):
    """folium (with branca, and pandas where installed) stays out of a worker that serves tiles, items and the API."""
    import subprocess
    import sys

    env = {"DATABASE_URL": web_database_url, "RISKKARTA_DATA_DIR": str(data_dir), "RISKKARTA_RATE_LIMITS": "off",
           "SECRET_KEY": "test-secret", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", LAZY_FOLIUM], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    served, page = result.stdout.strip().splitlines()[-2:]
    statuses, folium_loaded, pandas_loaded = served.rsplit(" ", 2)
    assert set(json.loads(statuses)) <= {200, 204} and len(json.loads(statuses)) > 4, served
    assert (folium_loaded, pandas_loaded) == ("False", "False"), served
    assert page == "200 True", page
