"""The city's view of a period (`/city`): every district with each topic's situation picture status, who submitted
it when, the pictures waiting for the city office's decision (accept, or return with a comment), and what the
reported pictures hold as counts by kind and severity. Read-only for everyone but the city office."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from webapp.auth import current_account, current_role
from webapp.db import get_session
from webapp.i18n import N_, current_language, gettext_in
from webapp.pages import bp
from webapp.pages.pictures import EDITOR_TEXTS
from webapp.reports.pictures import KIND_NAMES, SEVERITY_NAMES, STATUS_NAMES, TOPIC_NAMES
from webapp.services import pictures
from webapp.services.pictures import city

CELL_NAMES = STATUS_NAMES | {"missing": N_("Missing"), "not_published": N_("Not published")}


def _period() -> tuple[int, int, str | None]:
    year, tertial = pictures.current_period()
    problem = None
    for name, low, high in (("year", 2000, 2100), ("tertial", 1, 3)):
        raw = request.args.get(name) or ""
        if not raw:
            continue
        if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
            problem = N_("That period is unknown; showing the current one instead.")
            return *pictures.current_period(), problem
        if name == "year":
            year = int(raw)
        else:
            tertial = int(raw)
    return year, tertial, problem


@bp.get("/city")
def city_page():
    lang = current_language()
    user, role = current_account(), current_role()
    if not city.may_view(role):
        return redirect(url_for("pages.login_form", next=request.path))
    year, tertial, problem = _period()
    found = city.period(get_session(), year, tertial, user, role)
    deciding = bool(user and user.active and user.role == "city")
    waiting = [(row, topic, cell) for row in found.rows for topic, cell in row.cells.items()
               if cell.status == "submitted" and deciding]
    decide = [{"id": cell.picture.id, "district": row.name, "topic": gettext_in(lang, TOPIC_NAMES[topic]),
               "by": cell.submitted_by, "at": cell.submitted_at, "version": cell.picture.version,
               "accept": url_for("pictures.accept", picture_id=cell.picture.id),
               "return": url_for("pictures.return_", picture_id=cell.picture.id)} for row, topic, cell in waiting]
    page = render_template(
        "city.html", city=found, problem=gettext_in(lang, problem) if problem else None, decide=decide,
        topics=[(k, gettext_in(lang, v)) for k, v in TOPIC_NAMES.items()],
        cell_names={k: gettext_in(lang, v) for k, v in CELL_NAMES.items()},
        kinds=[(k, gettext_in(lang, v)) for k, v in KIND_NAMES.items()],
        severities=[(k, gettext_in(lang, v)) for k, v in SEVERITY_NAMES.items()],
        config={"texts": {k: gettext_in(lang, EDITOR_TEXTS[k]) for k in
                          ("accepted", "returned", "comment_required", "picture_changed", "could_not_save",
                           "sign_in_again", "forbidden", "network")}},
        json_url=url_for("city.city_period", year=year, tertial=tertial))
    return page, 400 if problem else 200
