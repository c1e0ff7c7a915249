"""The administrator's imports over HTTP: `POST /api/imports` (multipart/form-data: `target`, `file`, the options
`riskkarta import …` takes for that target, and for incident layers an optional `category_map` file) starts the
import and answers 202 with the job; `GET /api/imports/<id>` is its state, progress and then its summary or
problem; `GET /api/imports` the latest jobs. Administrators only (401 / 403)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from webapp import gate, ratelimit
from webapp.auth import current_account
from webapp.db import get_session
from webapp.services.imports import jobs
from webapp.services.imports.uploads import Upload

bp = Blueprint("imports", __name__, url_prefix="/api/imports")


def _settings():
    return current_app.extensions["riskkarta.settings"]


def job_json(job: jobs.Job) -> dict:
    return {**job.to_json(), "links": {"self": url_for("imports.get_import", job_id=job.id)}}


def _upload(name: str) -> Upload | None:
    found = request.files.get(name)
    return Upload(found.filename or "", found.stream) if found is not None and found.filename else None


@bp.post("")
@gate.takes_uploads
@ratelimit.limited("imports")
def start_import():
    """Upload a file and import it in the background: 202 with the job and its address."""
    user = current_account()
    jobs.check_admin(user)  # before the body is read: a request that may not import is never spooled
    fields = gate.form_fields()
    fields.pop("csrf_token", None)  # a form's own CSRF field, checked already (webapp/auth.py)
    target = fields.pop("target", "").strip()
    job = jobs.start(get_session(), _settings(), user, target, _upload("file"), fields,
                     category_map=_upload("category_map"))
    response = jsonify(job_json(job))
    response.status_code = 202
    response.headers["Location"] = url_for("imports.get_import", job_id=job.id)
    return response


@bp.get("/<int:job_id>")
def get_import(job_id: int):
    return jsonify(job_json(jobs.get(get_session(), _settings(), job_id, current_account())))


@bp.get("")
def list_imports():
    return jsonify(imports=[job_json(j) for j in jobs.latest(get_session(), _settings(), current_account())])
