"""Every import runs in a worker process of its own, so that a runaway file cannot take the caller down:

- a fresh interpreter (spawn), in which GDAL starts under `geo.safe_files.GDAL_CONFIG` (no network, no embedded
  code, the file-referencing drivers off) before it is first loaded;
- an address-space limit (`Settings.import_memory_mb`) and a time limit (`Settings.import_timeout_s`): past either,
  the worker ends and the import is refused; its transaction never commits, so nothing changes;
- one transaction, holding an advisory lock per target (a layer, the districts, the survey): a second import of the
  same target while one runs gets 409 at once instead of waiting and replacing it.

The caller gets the job's result, or the ProblemError the job raised; progress is relayed to the caller's
progress factory (`progress(length, label)` → a context manager yielding `update(n)`). The audit log names the
job's `actor`: "cli" for the command, the administrator's email for a web upload (imports/jobs.py)."""
from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from webapp.errors import CONVERTERS, ProblemError

log = logging.getLogger(__name__)
ProgressFactory = Callable[[int, str], AbstractContextManager[Callable[[int], None]]]


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 4_096
    timeout_s: float = 1_800.0


def _job_layer(session, progress, *, slug: str, file: Path, options, actor: str = "cli") -> Any:
    from webapp.services import hazards
    from webapp.services.accounts import audit

    result = hazards.evaluator(slug).import_file(session, file, options, progress)
    audit.record(session, actor, "import", "layer", slug, None, {"file": file.name, **asdict(result)})
    return result


def _job_districts(session, progress, *, file: Path, options: dict, actor: str = "cli") -> Any:
    from webapp.services.accounts import audit
    from webapp.services.districts.importer import import_districts

    result = import_districts(session, file, **options)
    audit.record(session, actor, "import", "districts", None, None, {"file": file.name, **asdict(result)})
    return result


def _job_survey(session, progress, *, file: Path, source: str | None, encoding: str | None,
                actor: str = "cli") -> Any:
    from webapp.services import survey
    from webapp.services.accounts import audit

    result = survey.import_csv(session, file, source=source, encoding=encoding)
    audit.record(session, actor, "import", "survey", file.name, None, {"rows": result.rows})
    return result


JOBS = {"layer": _job_layer, "districts": _job_districts, "survey": _job_survey}


def _child(conn, job: str, lock: str, database_url: str, memory_mb: int, kwargs: dict) -> None:
    from geo.safe_files import GDAL_CONFIG

    os.environ.update(GDAL_CONFIG)  # before rasterio or pyogrio load GDAL in this fresh interpreter
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        from sqlalchemy import text
        from sqlalchemy.orm import Session

        from webapp.db import make_engine

        @contextmanager
        def progress(length: int, label: str):
            conn.send(("start", length, label))
            yield lambda n: conn.send(("step", n))
            conn.send(("end",))

        engine = make_engine(database_url)
        try:
            with Session(engine) as session, session.begin():
                if not session.execute(text("SELECT pg_try_advisory_xact_lock(hashtext(:key))"),
                                       {"key": f"riskkarta-import:{lock}"}).scalar():
                    raise ProblemError(409, "import-running", "Import running",
                                       f"Another import of {lock} is running; wait for it to finish, then try again. "
                                       "Nothing was changed.")
                result = JOBS[job](session, progress, **kwargs)
        finally:
            engine.dispose()
        conn.send(("ok", result))
    except ProblemError as exc:
        conn.send(("problem", exc.status, exc.type, exc.title, exc.detail))
    except tuple(CONVERTERS) as exc:  # a bad --crs, a geometry: the same problem the API would answer
        found = next(convert(exc) for kind, convert in CONVERTERS.items() if isinstance(exc, kind))
        conn.send(("problem", found.status, found.type, found.title, found.detail))
    except MemoryError:
        conn.send(("problem", 422, "import-too-large", "Import refused",
                   f"Reading the file needed more than the import's memory limit of {memory_mb:,} MB "
                   "(RISKKARTA_IMPORT_MEMORY_MB); nothing was changed."))
    except Exception as exc:  # the worker's own failure: logged in full here, one line for the caller
        logging.getLogger(__name__).exception("import %s failed", job)
        conn.send(("problem", 500, "import-failed", "Import failed",
                   f"The import stopped on an unexpected error ({type(exc).__name__}); nothing was changed."))
    finally:
        conn.close()


def run(job: str, lock: str, *, database_url: str, limits: Limits = Limits(),
        progress: ProgressFactory | None = None, **kwargs) -> Any:
    """Run import `job` in a worker process; its result, or its ProblemError raised here."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, job, lock, database_url, limits.memory_mb, kwargs),
                              daemon=True)
    process.start()
    child.close()
    deadline = time.monotonic() + limits.timeout_s
    bar = update = None
    outcome = None
    try:
        while outcome is None:
            if time.monotonic() > deadline:
                process.kill()
                raise ProblemError(422, "import-timeout", "Import refused",
                                   f"The import took longer than its limit of {limits.timeout_s:g} s "
                                   "(RISKKARTA_IMPORT_TIMEOUT_S) and was stopped; nothing was changed.")
            if not parent.poll(0.2):
                if not process.is_alive() and not parent.poll(0):
                    raise ProblemError(422, "import-killed", "Import refused",
                                       f"The import worker ended without an answer (exit code {process.exitcode}); "
                                       "nothing was changed.")
                continue
            try:
                message = parent.recv()
            except EOFError:
                continue
            kind = message[0]
            if kind == "start" and progress is not None:
                bar = progress(message[1], message[2])
                update = bar.__enter__()
            elif kind == "step" and update is not None:
                update(message[1])
            elif kind == "end" and bar is not None:
                bar.__exit__(None, None, None)
                bar = update = None
            elif kind in ("ok", "problem"):
                outcome = message
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
        parent.close()
    if outcome[0] == "problem":
        raise ProblemError(outcome[1], outcome[2], outcome[3], outcome[4])
    return outcome[1]
