"""The restore drill: `riskkarta backup` of the test city, `riskkarta restore` into an empty database and another
data folder; every table's rows and checksum and every raster's SHA-256 match, and the restored service answers
tiles and raster values as the original did. A damaged backup and a non-empty target are refused."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from webapp import create_app, db
from webapp.cli import main
from webapp.services import backup


def _fingerprint(url: str) -> dict:
    engine = create_engine(db.normalise_url(url))
    with engine.connect() as connection:
        found = backup.fingerprint(connection)
    engine.dispose()
    return found


def test_a_backup_restores_into_an_empty_database_exactly(settings, database_url, data_dir, throwaway_database,
                                                           tmp_path):
    runner = CliRunner()
    made = runner.invoke(main, ["backup", str(tmp_path / "backups")],
                         env={"DATABASE_URL": database_url, "RISKKARTA_DATA_DIR": str(data_dir)})
    assert made.exit_code == 0, made.output
    folder = next((tmp_path / "backups").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"]["district"]["rows"] > 0 and manifest["tables"]["incident"]["rows"] > 0
    assert len(manifest["rasters"]) >= 2
    restored_dir = tmp_path / "restored-data"
    with throwaway_database("riskkarta_restore_drill") as target:
        env = {"DATABASE_URL": target.url, "RISKKARTA_DATA_DIR": str(restored_dir)}
        done = runner.invoke(main, ["restore", str(folder)], env=env)
        assert done.exit_code == 0, done.output
        assert "verified" in done.output
        assert _fingerprint(target.url) == _fingerprint(database_url) == manifest["tables"]
        # Restoring over it again needs --replace, and then verifies again.
        again = runner.invoke(main, ["restore", str(folder)], env=env)
        assert again.exit_code != 0 and "--replace" in again.output
        assert runner.invoke(main, ["restore", str(folder), "--replace"], env=env).exit_code == 0
        # The restored service serves as the original: raster values read from the restored data folder.
        original = create_app(settings).test_client()
        copy = create_app(dataclasses.replace(settings, database_url=target.url, data_dir=restored_dir))
        for url in ("/api/layers/flood/value?lon=18.07&lat=59.31", "/api/layers/heat/value?lon=18.0&lat=59.33",
                    "/api/districts"):
            a, b = original.get(url), copy.test_client().get(url)
            assert a.status_code == b.status_code == 200 and a.get_json() == b.get_json(), url
        copy.extensions["riskkarta.engine"].dispose()
        engine = create_engine(db.normalise_url(target.url))
        with engine.connect() as connection:
            paths = connection.execute(text("SELECT path FROM raster_asset")).scalars().all()
        engine.dispose()
        assert paths and all(p.startswith(str(restored_dir.resolve())) and Path(p).is_file() for p in paths)


def test_a_damaged_backup_is_refused_and_changes_nothing(database_url, data_dir, throwaway_database, tmp_path):
    runner = CliRunner()
    runner.invoke(main, ["backup", str(tmp_path)], env={"DATABASE_URL": database_url,
                                                          "RISKKARTA_DATA_DIR": str(data_dir)})
    folder = next(p for p in tmp_path.iterdir() if p.name.startswith("riskkarta-"))
    raster = next((folder / "rasters").rglob("*.tif"))
    raster.write_bytes(raster.read_bytes()[:-10] + b"0123456789")
    with throwaway_database("riskkarta_restore_damaged") as target:
        env = {"DATABASE_URL": target.url, "RISKKARTA_DATA_DIR": str(tmp_path / "d")}
        result = runner.invoke(main, ["restore", str(folder)], env=env)
        assert result.exit_code != 0 and "damaged" in result.output and "Traceback" not in result.output
        assert _fingerprint(target.url) == {}
    result = runner.invoke(main, ["restore", str(tmp_path / "nope")], env={"DATABASE_URL": database_url})
    assert result.exit_code != 0
