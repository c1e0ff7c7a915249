"""The landing page (/): what each part of Riskkarta is for and for whom, and the state of the data. The layer
viewer lives at /map; an old viewer link to / that carries a view's state is sent there."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from webapp.auth import current_role
from webapp.db import get_session
from webapp.i18n import current_language, gettext_in
from webapp.pages import bp
from webapp.services import catalog, districts

# Query parameters that only the viewer reads: a link to / with any of them is an old link to the viewer.
VIEWER_STATE = frozenset({"layers", "opacity", "bbox", "period", "zoom", "center"})


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
    return render_template("landing.html", layers=layers, district_count=len(districts.refs(session)),
                           districts_demo=districts.is_demo(session))
