"""Backups and restores: the database (pg_dump's custom format) and the raster folder, with a manifest of row counts
and checksums per table and a SHA-256 per raster file, so that a restore proves itself.

A backup is one folder: `database.dump`, `rasters/` (the COGs as they are) and `manifest.json`. A restore loads it
into the configured database (refusing a database that holds data unless told to replace it), puts the rasters
under the configured data folder, points the raster layers there, and then compares every count and checksum with
the manifest: any difference fails the restore loudly."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

from webapp.db import normalise_url
from webapp.errors import ProblemError

FORMAT = 1


class BackupError(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(422, "backup-failed", "Backup or restore failed", detail)


@dataclass(frozen=True)
class Summary:
    folder: Path
    tables: int
    rows: int
    rasters: int
    seconds: float


def _libpq_url(url: str) -> str:
    return normalise_url(url).replace("postgresql+psycopg2://", "postgresql://", 1)


def _tables(connection: Connection) -> list[str]:
    return list(connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys' "
        "ORDER BY tablename")).scalars())


def fingerprint(connection: Connection) -> dict[str, dict]:
    """Rows and an order-independent checksum per table (raster paths left out: they follow the data folder)."""
    found = {}
    for table in _tables(connection):
        row = connection.execute(text(
            f'SELECT count(*), coalesce(md5(string_agg(r, \'|\' ORDER BY r)), \'\') FROM '
            f'(SELECT (to_jsonb(t) - \'path\')::text AS r FROM "{table}" AS t) AS rows')).one()
        found[table] = {"rows": int(row[0]), "md5": row[1]}
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run(args: list[str], what: str) -> None:
    try:
        done = subprocess.run(args, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{args[0]} is not installed (the PostgreSQL client tools).") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(f"{what} failed: {lines[-1] if lines else f'exit code {done.returncode}'}")


def backup(database_url: str, data_dir: Path, target: Path) -> Summary:
    started = time.perf_counter()
    folder = Path(target) / time.strftime("riskkarta-%Y%m%dT%H%M%S")
    if folder.exists():
        raise BackupError(f"{folder} exists already.")
    folder.mkdir(parents=True)
    try:
        engine = create_engine(normalise_url(database_url))
        try:
            with engine.connect() as connection:
                # One snapshot for the fingerprint; pg_dump takes its own consistent snapshot right after.
                connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
                tables = fingerprint(connection)
                revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
                rasters = [Path(p) for p in connection.execute(text("SELECT path FROM raster_asset")).scalars()]
        finally:
            engine.dispose()
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(folder / "database.dump"),
              _libpq_url(database_url)], "pg_dump")
        files = {}
        for path in rasters:
            if not path.exists():
                raise BackupError(f"the raster {path} of the database is missing from the data folder.")
            relative = path.resolve().relative_to(Path(data_dir).resolve())
            copy = folder / "rasters" / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
            files[str(relative)] = _sha256(copy)
        manifest = {"format": FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "schema_revision": revision,
                    "data_dir": str(Path(data_dir).resolve()), "tables": tables, "rasters": files}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Summary(folder, len(tables), sum(t["rows"] for t in tables.values()), len(files),
                   round(time.perf_counter() - started, 2))


def restore(folder: Path, database_url: str, data_dir: Path, *, replace: bool = False) -> Summary:
    started = time.perf_counter()
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        raise BackupError(f"{folder} is not a Riskkarta backup (no readable manifest.json).") from None
    if manifest.get("format") != FORMAT or not (folder / "database.dump").is_file():
        raise BackupError(f"{folder} is not a backup this version restores (format {manifest.get('format')}).")
    for relative, digest in manifest["rasters"].items():
        copy = folder / "rasters" / relative
        if not copy.is_file() or _sha256(copy) != digest:
            raise BackupError(f"the backup's raster {relative} is missing or damaged (checksum differs).")
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.begin() as connection:
            existing = _tables(connection)
            if existing and not replace:
                raise BackupError("the database holds tables already; restore into an empty database, or pass "
                                  "--replace to drop everything in it first.")
            if existing:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              "--dbname", _libpq_url(database_url), str(folder / "database.dump")], "pg_restore")
        target = Path(data_dir).resolve()
        for relative in manifest["rasters"]:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / "rasters" / relative, destination)
            if _sha256(destination) != manifest["rasters"][relative]:
                raise BackupError(f"the raster {relative} was not copied intact to {destination}.")
        with engine.begin() as connection:
            old = manifest["data_dir"].rstrip("/") + "/"
            connection.execute(text("UPDATE raster_asset SET path = :new || substr(path, length(:old) + 1) "
                                    "WHERE starts_with(path, :old)"), {"old": old, "new": str(target) + "/"})
            found = fingerprint(connection)
    finally:
        engine.dispose()
    differ = sorted(t for t in set(found) | set(manifest["tables"]) if found.get(t) != manifest["tables"].get(t))
    if differ:
        raise BackupError(f"the restored database differs from the backup in {', '.join(differ)}.")
    return Summary(folder, len(found), sum(t["rows"] for t in found.values()), len(manifest["rasters"]),
                   round(time.perf_counter() - started, 2))
