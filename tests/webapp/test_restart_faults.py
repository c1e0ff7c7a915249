"""Faults: PostgreSQL restarted under concurrent reads and writes (requests in flight get 503 problem+json with
Retry-After, never a 500; service is normal right after; every write answered 201 is stored, every other is not);
a statement past its time limit; a full disk for the raster folder; two writers on one annotation."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.conftest import ROOT, committed_token, serving
from webapp import db

SITE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.07, 59.31]},
        "properties": {"land_use": "C", "title": "Omstart"}}


def _localdb(command: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "localdb.py"), command], check=True,
                   stdout=subprocess.DEVNULL)


def test_a_database_restart_under_traffic_gives_503_then_normal_service(settings, database_url):
    token = committed_token(database_url, "viewer@demo.riskkarta.se")
    with serving(dataclasses.replace(settings, anonymous_role="viewer")) as url:
        stop = threading.Event()
        answers: list[tuple[str, int, str, str | None]] = []
        lock = threading.Lock()

        def client(kind: str) -> None:
            with requests.Session() as http:
                while not stop.is_set():
                    try:
                        if kind == "write":
                            r = http.post(url + "/api/site-checks", json=SITE, headers=token, timeout=30)
                        else:
                            r = http.get(url + ("/api/districts" if kind == "read" else
                                                "/ogc/collections/districts/items?limit=5"), timeout=30)
                    except requests.RequestException as exc:  # the server itself must stay up
                        with lock:
                            answers.append((kind, 0, str(exc)[:100], None))
                        continue
                    with lock:
                        answers.append((kind, r.status_code, r.headers.get("Content-Type", ""),
                                        r.headers.get("Retry-After")))
                    time.sleep(0.01)

        threads = [threading.Thread(target=client, args=(kind,)) for kind in ("read", "read", "ogc", "write")]
        for t in threads:
            t.start()
        time.sleep(1.0)
        _localdb("stop")
        time.sleep(1.5)
        _localdb("start")
        time.sleep(2.0)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        # Right after: normal service on every kind of request.
        assert requests.get(url + "/api/districts", timeout=10).status_code == 200
        assert requests.post(url + "/api/site-checks", json=SITE, headers=token, timeout=30).status_code == 201

    statuses = {s for _, s, _, _ in answers}
    assert 0 not in statuses, [a for a in answers if a[1] == 0][:3]
    assert statuses <= {200, 201, 503}, sorted(statuses)
    unavailable = [a for a in answers if a[1] == 503]
    assert unavailable, "the restart was not seen by any request"
    assert all(a[2].startswith("application/problem+json") and a[3] and a[3].isdigit() for a in unavailable)
    assert any(a[1] in (200, 201) for a in answers[-8:])
    # No half-written change: every write answered 201 is stored, and nothing else is.
    created = sum(1 for kind, s, _, _ in answers if kind == "write" and s == 201)
    engine = create_engine(db.normalise_url(database_url))
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM site_check WHERE title = 'Omstart' AND "
                                         "created_by = 'viewer@demo.riskkarta.se'")).scalar_one()
        connection.execute(text("DELETE FROM site_check WHERE title = 'Omstart'"))
        connection.commit()
    engine.dispose()
    assert stored == created + 1


def test_a_statement_past_its_time_limit_is_a_503_not_a_hang(settings, database_url):
    from webapp import create_app

    app = create_app(dataclasses.replace(settings, statement_timeout_ms=1))
    response = app.test_client().get("/api/districts")
    app.extensions["riskkarta.engine"].dispose()
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"].isdigit()
    assert "too long" in response.get_json()["detail"]


def test_a_full_disk_for_the_raster_folder_refuses_the_import_and_keeps_the_old_layer(throwaway_database, tmp_path):
    """The raster folder on a 2 MB file system (tmpfs needs root; the tests run as root here)."""
    import numpy as np
    import rasterio
    from click.testing import CliRunner
    from rasterio.transform import from_origin

    from webapp.cli import main

    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        source = tmp_path / "flood.tif"
        with rasterio.open(source, "w", driver="GTiff", width=2000, height=2000, count=1, dtype="float32",
                           crs="EPSG:3006", transform=from_origin(670_000, 6_580_000, 2, 2)) as ds:
            ds.write(np.random.default_rng(1).random((1, 2000, 2000), dtype="float32"))
        with throwaway_database("riskkarta_full_disk") as database:
            db.upgrade(database.url)
            env = {"DATABASE_URL": database.url, "RISKKARTA_DATA_DIR": str(mount)}
            result = CliRunner().invoke(main, ["import", "layer", "flood", str(source)], env=env)
            assert result.exit_code != 0 and "Traceback" not in result.output
            errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
            assert len(errors) == 1 and "space" in errors[0].lower(), result.output
            engine = create_engine(db.normalise_url(database.url))
            with engine.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM raster_asset")).scalar_one() == 0
            engine.dispose()
            assert not any(Path(mount).rglob("*.tif"))  # no half-written file left behind
    finally:
        subprocess.run(["umount", str(mount)], check=False)
