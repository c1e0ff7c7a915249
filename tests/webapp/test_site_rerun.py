"""A re-run against unchanged layers finds nothing changed: it checks the very site that was saved, not the saved
GeoJSON (rounded to centimetres, enough to move an edge across a rounding or a raster cell and invent a change)."""
from __future__ import annotations

import re

from shapely.geometry import LineString, box

from layers.site_rules import SiteRules
from webapp.services import site_check
from webapp.services.imports.layers import replace_features
from webapp.services.site_check import SiteInput

ROUTE_Y = 6_578_000.0
# The site's south edge 70.0549 m from the route: 70.1 m as measured, 70.0 m from the centimetre-rounded edge.
SITE = box(674_000.0, ROUTE_Y + 70.0549, 674_060.0, ROUTE_Y + 130.0)


def test_a_rerun_against_the_same_layers_lists_no_changes(db_session, client):
    replace_features(db_session, "hazardous-goods", [("primary", {"name": "Testleden"}, LineString(
        [(672_000, ROUTE_Y), (677_000, ROUTE_Y)]))], source="test", licence="", is_demo=False)
    rules, site = SiteRules(), SiteInput(geom=SITE, land_use="C", how={"given_as": "drawn"})
    result = site_check.evaluate(db_session, site, rules, "viewer")
    assert result.verdict("hazardous_goods").value("nearest")["primary"]["distance_m"] == 70.1
    first = site_check.save(db_session, site, result)
    again = site_check.load(db_session, site_check.rerun(db_session, first, rules, "viewer"))
    assert again.result.changes == ()
    assert [v.to_json() for v in again.result.verdicts] == [v.to_json() for v in result.verdicts]
    html = client.get(f"/sites/{again.id}?lang=sv").get_data(as_text=True)
    section = re.search(r'<section class="changes".*?</section>', html, re.S).group(0)
    assert "Inga ändringar" in section and "<table" not in section
