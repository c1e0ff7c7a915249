"""Imports uploaded through the web (`/admin`, `POST /api/imports`): the same worker as `riskkarta import …`
(imports/worker.py: its own process, memory and time limits, one transaction, a lock per target), started from a
background thread of the web app, with its progress and then its summary or problem kept in `import_job`.

The web app writes only the job's row (as its own database role); the worker imports as the owner
(`Settings.owner_url`). A job whose row has not changed for longer than the import time limit is reported as failed:
the server stopped while it ran. Only administrators import."""
from __future__ import annotations

import json
import logging
import secrets
import shutil
import threading
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from webapp.config import Settings
from webapp.errors import ProblemError, needs_sign_in, not_found
from webapp.services.imports import summary, uploads, worker
from webapp.services.imports.uploads import Upload

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 0.5  # the job's row is written at most this often while the worker reports progress
STALE_MARGIN_S = 60  # beyond the import time limit, before a silent job counts as failed
LATEST = 20


@dataclass(frozen=True)
class Job:
    """An uploaded import as the administrator sees it."""

    id: int
    target: str
    filename: str
    options: dict[str, Any]
    state: str  # queued | running | done | failed
    done: int
    total: int | None
    label: str | None
    result: dict[str, Any] | None  # {"summary": [lines as the CLI prints them], "details": {...}}
    problem: dict[str, Any] | None  # {"status", "type", "title", "detail"}
    created_by: str | None  # the administrator's email
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "target": self.target, "filename": self.filename, "options": self.options,
                "state": self.state, "progress": {"done": self.done, "total": self.total, "label": self.label},
                "result": self.result, "problem": self.problem, "created_by": self.created_by,
                "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None}


def check_admin(user) -> None:
    """401 for a request that is not signed in, 403 for anyone but an active administrator."""
    if user is None:
        raise needs_sign_in("Imports need a signed-in administrator (a session from /login, or a bearer token).")
    if not user.active or user.role != "admin":
        raise ProblemError(403, "forbidden", "Not allowed", "Only an administrator imports data.")


_SELECT = """
    SELECT j.id, j.target, j.filename, j.options, j.state, j.done, j.total, j.label, j.result, j.problem,
           u.email AS created_by, j.created_at, j.updated_at, j.finished_at,
           (j.state IN ('queued', 'running') AND j.updated_at < now() - make_interval(secs => :stale_s)) AS stale
    FROM import_job j LEFT JOIN app_user u ON u.id = j.created_by"""


def _stale_s(settings: Settings) -> int:
    return settings.import_timeout_s + STALE_MARGIN_S


def _job(row) -> Job:
    fields = {k: v for k, v in row._mapping.items() if k != "stale"}
    if row.stale:
        fields |= {"state": "failed", "problem": {
            "status": 500, "type": "urn:riskkarta:problem:import-interrupted", "title": "Import interrupted",
            "detail": "The server stopped during the import: nothing was heard from it for longer than the import "
                      "time limit. An import is all or nothing; see whether the version went up, and upload the "
                      "file again if it did not."}}
    return Job(**fields)


def get(session: Session, settings: Settings, job_id: int, user) -> Job:
    """One uploaded import; 404 when there is none of that id."""
    check_admin(user)
    row = session.execute(text(_SELECT + " WHERE j.id = :id"), {"id": job_id, "stale_s": _stale_s(settings)}).first()
    if row is None:
        raise not_found("Import", f"There is no import {job_id}.")
    return _job(row)


def latest(session: Session, settings: Settings, user, limit: int = LATEST) -> list[Job]:
    """The latest uploaded imports, newest first."""
    check_admin(user)
    rows = session.execute(text(_SELECT + " ORDER BY j.created_at DESC, j.id DESC LIMIT :limit"),
                           {"limit": limit, "stale_s": _stale_s(settings)}).all()
    return [_job(row) for row in rows]


def _refuse_running(session: Session, settings: Settings, target: str) -> None:
    running = session.execute(text(
        "SELECT id FROM import_job WHERE target = :target AND state IN ('queued', 'running') "
        "AND updated_at >= now() - make_interval(secs => :stale_s) ORDER BY id LIMIT 1"),
        {"target": target, "stale_s": _stale_s(settings)}).scalar()
    if running is not None:
        raise ProblemError(409, "import-running", "Import running",
                           f"Another import of {target} is running (import {running}); wait for it to finish, then "
                           "try again. Nothing was changed.", running=running)


def start(session: Session, settings: Settings, user, target: str, upload: Upload | None,
          options: Mapping[str, str], *, category_map: Upload | None = None) -> Job:
    """Keep the upload under the data folder, record the job (committed: the thread writes to its row) and run the
    import in the worker from a background thread. Refuses before anything runs: 422 for an unknown target or
    option, 400 without a file, 413 for a file too large, 409 while another import of the target runs."""
    check_admin(user)
    job = uploads.job_of(target)
    checked = uploads.checked_options(job, options)
    if upload is None or not upload.filename:
        raise ProblemError(400, "missing-file", "No file", "Choose the file to import (the form field `file`).",
                           pointer="file")
    if category_map is not None and job != "layer":
        raise ProblemError(422, "unknown-option", "Unknown option",
                           "A category map is for incident layers such as crime.", pointer="category_map")
    _refuse_running(session, settings, target)
    folder = settings.data_dir / "uploads" / secrets.token_hex(12)
    try:
        path = uploads.save(folder, upload, settings.max_upload_bytes)
        mapping = uploads.save(folder / "map", category_map, settings.max_upload_bytes) if category_map else None
        arguments = uploads.worker_arguments(job, target, path, checked, data_dir=settings.data_dir,
                                             category_map=mapping, actor=user.email)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    stored = checked | ({"category_map": mapping.name} if mapping else {})
    job_id = session.execute(text(
        "INSERT INTO import_job (target, filename, options, created_by) "
        "VALUES (:target, :filename, CAST(:options AS jsonb), :user) RETURNING id"),
        {"target": target, "filename": path.name, "options": json.dumps(stored), "user": user.id}).scalar_one()
    session.commit()
    thread = threading.Thread(target=_run, args=(settings, job_id, job, arguments, folder), daemon=True,
                              name=f"import-{job_id}")
    thread.start()
    return get(session, settings, job_id, user)


class _Row:
    """The job's row, written by the thread through the web app's own connection."""

    COLUMNS = frozenset({"state", "done", "total", "label", "result", "problem"})

    def __init__(self, engine: Engine, job_id: int) -> None:
        self.engine, self.job_id = engine, job_id

    def write(self, *, finished: bool = False, **values) -> None:
        if not set(values) <= self.COLUMNS:  # the column names go into the statement: an allow-list
            raise ValueError(f"not a job column: {sorted(set(values) - self.COLUMNS)}")
        sets = ", ".join(f"{name} = CAST(:{name} AS jsonb)" if name in ("result", "problem") else f"{name} = :{name}"
                         for name in values)
        params = {k: json.dumps(v, default=str) if k in ("result", "problem") else v for k, v in values.items()}
        with self.engine.begin() as connection:
            connection.execute(text(f"UPDATE import_job SET {sets}, updated_at = now()"
                                    f"{', finished_at = now()' if finished else ''} WHERE id = :id"),
                               params | {"id": self.job_id})

    @contextmanager
    def progress(self, length: int, label: str):
        """The worker's progress factory: done/total/label on the row, at most every PROGRESS_EVERY_S."""
        counted = {"done": 0, "at": time.monotonic()}
        self.shown(state="running", done=0, total=length, label=label)

        def update(n: int) -> None:
            counted["done"] += n
            if time.monotonic() - counted["at"] >= PROGRESS_EVERY_S:
                counted["at"] = time.monotonic()
                self.shown(done=counted["done"])

        yield update
        self.shown(done=counted["done"])

    def shown(self, **values) -> None:
        """Progress is for the eye: a write that fails is logged, and the import goes on."""
        try:
            self.write(**values)
        except Exception:
            log.warning("import job %s: progress not written", self.job_id, exc_info=True)


def _run(settings: Settings, job_id: int, job: str, arguments: dict[str, Any], folder: Path) -> None:
    """The background thread: run the worker, keep its outcome on the row, delete the upload."""
    from webapp.db import make_engine

    engine = make_engine(settings.database_url)
    row = _Row(engine, job_id)
    try:
        row.write(state="running")
        limits = worker.Limits(memory_mb=settings.import_memory_mb, timeout_s=settings.import_timeout_s)
        lock = arguments.get("slug", job)
        try:
            result = worker.run(job, lock, database_url=settings.owner_url, limits=limits, progress=row.progress,
                                **arguments)
        except ProblemError as exc:
            row.write(state="failed", finished=True, problem=exc.to_dict())
        except Exception as exc:  # the worker's own machinery failed: logged here, one line for the job
            log.exception("import job %s failed", job_id)
            row.write(state="failed", finished=True, problem={
                "status": 500, "type": "urn:riskkarta:problem:import-failed", "title": "Import failed",
                "detail": f"The import stopped on an unexpected error ({type(exc).__name__}); nothing was changed."})
        else:
            lines = summary.lines(job, result, slug=arguments.get("slug"), filename=arguments["file"].name)
            row.write(state="done", finished=True, result={"summary": lines, "details": asdict(result)})
    except Exception:  # the database went away: the job is reported failed once it has been silent too long
        log.exception("import job %s: its row could not be written", job_id)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        engine.dispose()
