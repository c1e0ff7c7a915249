"""The landing page (/): what each part of Riskkarta is for and for whom, the state of the data, and a signed-in
user's own tasks. The layer viewer lives at /map; an old viewer link to / that carries a view's state is sent there."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from webapp.auth import current_account, current_role
from webapp.db import get_session
from webapp.i18n import current_language, gettext_in
from webapp.pages import bp
from webapp.reports.pictures import TOPIC_NAMES
from webapp.services import catalog, districts, pictures
from webapp.services.accounts import User, audit
from webapp.services.pictures import city

# Query parameters that only the viewer reads: a link to / with any of them is an old link to the viewer.
VIEWER_STATE = frozenset({"layers", "opacity", "bbox", "period", "zoom", "center"})
# How many of a user's saved checks the landing page lists, and how far back in the audit log it looks for them.
RECENT_CHECKS = 5
CHECK_EVENTS = 500


@bp.get("/")
def index():
    """The landing page."""
    if VIEWER_STATE & set(request.args):
        return redirect(url_for("pages.map_page", **request.args), code=301)
    session = get_session()
    lang = current_language()
    layers = [{"title": gettext_in(lang, info.definition.title), "slug": info.slug, "has_data": info.has_data,
               "is_demo": info.is_demo, "updated_at": info.updated_at, "version": info.version}
              for info in catalog.visible_layers(session, current_role())]
    user = current_account()
    return render_template("landing.html", layers=layers, district_count=len(districts.refs(session)),
                           districts_demo=districts.is_demo(session),
                           tasks=_tasks(session, user, lang) if user is not None and user.active else None)


def _link(picture_id: int, lang: str) -> str:
    return url_for("pages.picture_page", picture_id=picture_id, lang=lang if lang != "sv" else None)


def _tasks(session, user: User, lang: str) -> dict:
    """What the signed-in user has to do: a committee member's pictures due this tertial and returned pictures, the
    city office's pictures waiting for a decision, and everyone's own recent site checks."""
    year, tertial = pictures.current_period()
    names = {d.code: d.name for d in districts.refs(session)}
    role = current_role()

    def described(p: pictures.Picture) -> dict:
        return {"url": _link(p.id, lang), "district": names.get(p.district_code, p.district_code),
                "period": f"{p.year} T{p.tertial}", "topic": gettext_in(lang, TOPIC_NAMES[p.topic]),
                "comment": p.comment}

    due, returned, waiting = [], [], []
    if user.role == "committee":
        for row in city.period(session, year, tertial, user, role).rows:
            if not user.may_edit(row.code):
                continue
            missing = [gettext_in(lang, TOPIC_NAMES[t]) for t, c in row.cells.items() if c.status == "missing"]
            drafts = [described(c.picture) for c in row.cells.values() if c.status == "draft" and c.picture]
            if missing or drafts:
                due.append({"district": row.name, "missing": missing, "drafts": drafts,
                            "list_url": url_for("pages.pictures_list", district=row.code, year=year, tertial=tertial,
                                                lang=lang if lang != "sv" else None)})
        returned = [described(p) for p in pictures.find(session, user, role, status="returned")
                    if user.may_edit(p.district_code)]
    if user.role == "city":
        waiting = [described(p) for p in pictures.find(session, user, role, status="submitted")]
    return {"role": user.role, "period": f"{year} T{tertial}", "due": due, "returned": returned,
            "waiting": waiting, "checks": _recent_checks(session, user, lang)}


def _recent_checks(session, user: User, lang: str) -> list[dict]:
    """The user's own latest saved checks (made or re-run), from the audit log that records who saved each."""
    found: dict[int, dict] = {}
    for event in audit.events(session, entity="site_check", limit=CHECK_EVENTS):
        if event["actor"] != user.email or event["action"] not in ("create", "rerun") or not event["entity_id"]:
            continue
        after = event["after"] or {}
        check_id = int(event["entity_id"])
        found.setdefault(check_id, {
            "id": check_id, "at": event["at"], "overall": after.get("overall"),
            "label": after.get("title") or after.get("reference") or "",
            "url": url_for("pages.site_report", check_id=check_id, lang=lang if lang != "sv" else None)})
        if len(found) == RECENT_CHECKS:
            break
    return list(found.values())
