"""Monthly incident statistics (`/statistics`): for one district, the incidents of each month as a chart and a
table per category, counts below k shown as "< 5"; downloads as CSV and JSON for one or every district."""
from __future__ import annotations

from flask import render_template, request, url_for

from layers.base import may_see
from layers.crime import DEFINITION as CRIME
from webapp.auth import current_account, current_role
from webapp.db import get_session
from webapp.errors import ProblemError, not_found
from webapp.i18n import N_, current_language, gettext_in
from webapp.pages import bp
from webapp.services import districts, statistics


@bp.get("/statistics")
def statistics_page():
    if not may_see(current_role(), CRIME.confidentiality):
        raise not_found("Page", "There is no such page.")
    session = get_session()
    lang = current_language()
    refs = districts.refs(session)
    user = current_account()
    own = sorted(user.districts) if user is not None and user.districts else []
    chosen = request.args.get("district") or (own[0] if own else (refs[0].code if refs else None))
    problem, table = None, None
    args = {"from": request.args.get("from") or "", "to": request.args.get("to") or "",
            "category": request.args.get("category") or "all",
            "layer": request.args.get("layer") if request.args.get("layer") in statistics.LAYERS else "crime"}
    definition = statistics.LAYERS[args["layer"]]
    if chosen is not None:
        try:
            table = statistics.incidents(session, district=chosen, start=statistics.parse_month(args["from"], "from"),
                                         end=statistics.parse_month(args["to"], "to"), category=None,
                                         layer=args["layer"])
        except ProblemError as exc:
            problem = exc.detail
            table = statistics.incidents(session, district=chosen, layer=args["layer"]) if exc.status == 400 \
                else None
    series = {s.category: s for s in table.series} if table else {}
    categories = [("all", gettext_in(lang, "All categories"))] + [(c.key, gettext_in(lang, c.label))
                                                                  for c in definition.classes]
    shown = series.get(args["category"] if args["category"] in series else "all")
    most = max([n for n in (shown.counts if shown else []) if n] or [1])
    layers = [(slug, gettext_in(lang, d.check_title)) for slug, d in statistics.LAYERS.items()]
    query = {k: v for k, v in (("layer", args["layer"] if args["layer"] != "crime" else ""), ("district", chosen),
                               ("from", table.start if table else ""),
                               ("to", table.end if table else "")) if v}
    return render_template(
        "statistics.html", table=table, series=series, shown=shown, most=most, chosen=chosen, refs=refs,
        categories=categories, layers=layers, args=args, problem=problem, k=statistics.K_ANONYMITY,
        chart_label=gettext_in(lang, CHART_LABEL, district=next((d.name for d in refs if d.code == chosen), "")),
        csv=url_for("statistics.incidents", f="csv", **query),
        csv_all=url_for("statistics.incidents", f="csv", **{k: v for k, v in query.items() if k != "district"}),
        json=url_for("statistics.incidents", **query))


CHART_LABEL = N_("Reported incidents per month in %(district)s; the numbers are in the table below.")
