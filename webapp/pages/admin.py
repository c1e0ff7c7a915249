"""The administrator's page (`/admin`): upload a file into the districts, a layer or the safety survey with the
options the CLI takes, follow the import's progress (admin.js polls `GET /api/imports/<id>`), then read its summary
or its problem; below, the latest imports and every layer's version and last import. Administrators only: anyone
else gets the error page (401, 403)."""
from __future__ import annotations

from flask import current_app, render_template, url_for

from webapp.auth import current_account
from webapp.db import get_session
from webapp.i18n import N_, current_language, gettext_in
from webapp.pages import bp
from webapp.services import catalog
from webapp.services.imports import jobs
from webapp.services.imports.uploads import targets

STATES = {"queued": N_("Waiting to start"), "running": N_("Importing"), "done": N_("Imported"),
          "failed": N_("Refused")}
# What admin.js says, in the page's language.
SCRIPT_TEXTS = {"uploading": N_("Uploading the file…"), "of": N_("%(done)s of %(total)s"),
                "summary": N_("The import is done."), "failed": N_("The import was refused; nothing was changed."),
                "network": N_("The server could not be reached; the import may still be running. Reload the page "
                              "to see it in the list."),
                "sign_in_again": N_("Your session has ended: sign in again."),
                "forbidden": N_("Only an administrator may import data."), "choose_file": N_("Choose a file first.")}
TARGET_TITLES = {"districts": N_("District areas"), "survey": N_("Perceived safety (the safety survey)")}


def _target_title(target: str, lang: str) -> str:
    if target in TARGET_TITLES:
        return gettext_in(lang, TARGET_TITLES[target])
    return gettext_in(lang, catalog.definition_or_404(target).title)


@bp.get("/admin")
def admin_page():
    user = current_account()
    jobs.check_admin(user)
    session = get_session()
    settings = current_app.extensions["riskkarta.settings"]
    lang = current_language()
    choices = [(t, _target_title(t, lang), t if t in TARGET_TITLES else "layer") for t in targets()]
    titles = {t: title for t, title, _ in choices}
    texts = {key: gettext_in(lang, text) for key, text in SCRIPT_TEXTS.items()}
    texts["states"] = {key: gettext_in(lang, text) for key, text in STATES.items()}
    return render_template(
        "admin.html", choices=choices, titles=titles, states=texts["states"],
        recent=jobs.latest(session, settings, user), layers=catalog.all_layers(session),
        max_upload_mb=settings.max_upload_bytes / 1_000_000, texts=texts, api=url_for("imports.start_import"))
