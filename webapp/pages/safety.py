"""Perceived safety (`/safety`): a survey indicator per district beside the incidents recorded there per 1,000
residents, as a map coloured by the indicator, a scatter chart and a table, with the districts where the two
diverge strongly flagged."""
from __future__ import annotations

import html
import json

from flask import current_app, render_template, request

from layers.base import may_see
from layers.crime import DEFINITION as CRIME
from webapp.auth import current_role
from webapp.db import get_session
from webapp.errors import not_found
from webapp.i18n import N_, current_language, gettext_in, texts
from webapp.pages import bp
from webapp.pages.maps import base_map, render
from webapp.reports import format as fmt
from webapp.services import districts, survey

# Indicator classes (lower bound in per cent, colour, pattern of the legend): light to dark, never colour alone
# (the value is in the tooltip and the table).
CLASSES = ((0, "#f2f0f7"), (10, "#cbc9e2"), (20, "#9e9ac8"), (30, "#756bb1"), (40, "#54278f"))
FLAGS = {"less_safe": N_("Feels less safe than recorded crime suggests"),
         "safer": N_("Feels safer than recorded crime suggests")}
INDICATOR_NAMES = {"unsafe_outdoors_night": N_("Unsafe outdoors late at night in the area"),
                   "worried_about_crime": N_("Often worried about crime")}


def colour(value: float | None) -> str:
    found = "#ffffff"
    for low, c in CLASSES:
        if value is not None and value >= low:
            found = c
    return found


@bp.get("/safety")
def safety_page():
    import folium

    if not may_see(current_role(), CRIME.confidentiality):
        raise not_found("Page", "There is no such page.")
    session = get_session()
    lang = current_language()
    known = survey.indicators(session)
    if not known:
        return render_template("safety.html", rows=None)
    keys = [k for k, _, _ in known]
    indicator = request.args.get("indicator") if request.args.get("indicator") in keys else keys[0]
    question, years = next((q, y) for k, q, y in known if k == indicator)
    raw = request.args.get("year") or ""
    year = int(raw) if raw.isascii() and raw.isdigit() and int(raw) in years else years[0]
    rows = survey.overview(session, indicator, year)
    by_code = {r.code: r for r in rows}
    bounds = districts.bounds_lonlat(session)
    map_parts = None
    if bounds is not None:
        collection = json.loads(districts.map_geojson(session))
        for feature in collection["features"]:
            props = feature["properties"]
            found = by_code.get(props.get("code"))
            value = found.value if found else None
            props["name"] = html.escape(str(props.get("name") or ""))
            props["shown"] = "–" if value is None else f"{value:.1f} %".replace(".", "," if lang == "sv" else ".")
            props["fill"] = colour(value)
        m = base_map(current_app.extensions["riskkarta.settings"], bounds, texts(lang).base_map, lang)
        folium.GeoJson(collection, name=gettext_in(lang, "Perceived safety"),
                       style_function=lambda f: {"fillColor": f["properties"]["fill"], "fillOpacity": 0.8,
                                                 "color": "#333333", "weight": 1},
                       tooltip=folium.GeoJsonTooltip(fields=["name", "shown"], aliases=[
                           gettext_in(lang, "District area"), gettext_in(lang, "Share")], sticky=True)).add_to(m)
        map_parts = render(m)
    with_rate = [r for r in rows if r.value is not None and r.rate is not None]
    most_rate = max([r.rate for r in with_rate] or [1.0])
    most_value = max([r.value for r in with_rate] or [1.0])
    return render_template(
        "safety.html", rows=rows, indicator=indicator, question=question, year=year, years=years,
        indicators=[(k, gettext_in(lang, INDICATOR_NAMES[k]) if k in INDICATOR_NAMES else k) for k in keys],
        flags={k: gettext_in(lang, v) for k, v in FLAGS.items()}, map=map_parts, with_rate=with_rate,
        most_rate=most_rate, most_value=most_value, classes=CLASSES, threshold=fmt.number(survey.DIVERGENCE_SD, lang),
        demo=survey.is_demo(session, indicator, year))
