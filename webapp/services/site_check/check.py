"""The planner's site check: one site and an intended land use in, a sourced verdict per hazard out.

`evaluate` is the one function behind the JSON API, the report page and the PDF: it asks every registered hazard's
evaluator (webapp.services.hazards) for its verdict and returns one typed CheckResult."""
from __future__ import annotations

import time

from sqlalchemy.orm import Session

from geo.crs import SWEREF99TM, WGS84, transform_geom
from geo.geojson import to_geojson
from layers.rules import LAND_USE_GROUPS, VULNERABLE
from layers.site_rules import SiteRules
from webapp.i18n import both
from webapp.services import catalog, districts, hazards, pictures
from webapp.services.pictures import covering
from webapp.services.site_check.inputs import SiteInput, bad_input
from webapp.services.site_check.result import CheckResult, DistrictHit, LandUse, Site


def evaluate(session: Session, site: SiteInput, rules: SiteRules, role: str) -> CheckResult:
    """Check a site against every hazard the role may see; refuses a site outside the city."""
    area = site.area()
    touched = districts.touching(session, area)
    if not touched:
        raise bad_input("The site lies outside the city's districts; Riskkarta checks sites within the city.")
    layers = {info.slug: info for info in catalog.visible_layers(session, role)}
    at_site = covering.covering(session, area) if role in pictures.READERS else None
    verdicts, timings = [], {}
    for evaluator in hazards.evaluators():
        context = hazards.SiteContext(session=session, area=area, group=site.land_use, vulnerable=bool(site.vulnerable),
                                      rules=rules.for_hazard(evaluator.key, evaluator.definition.rules),
                                      layers=layers, pictures=at_site)
        started = time.perf_counter()
        found = evaluator.evaluate(context)
        if found is not None:
            verdicts.append(found)
            timings[evaluator.key] = round((time.perf_counter() - started) * 1000, 2)
    centroid = transform_geom(area.centroid, SWEREF99TM, WGS84)
    return CheckResult(
        site=Site(kind="point" if site.is_point else "polygon", buffer_m=site.buffer_m if site.is_point else None,
                  area_m2=round(area.area, 1), geometry=to_geojson(area), given=to_geojson(site.geom),
                  centroid=(round(centroid.x, 6), round(centroid.y, 6)), how=site.how),
        land_use=LandUse(site.land_use, both(LAND_USE_GROUPS[site.land_use]), tuple(site.vulnerable),
                         tuple(both(VULNERABLE[v]) for v in site.vulnerable)),
        districts=tuple(DistrictHit(d.code, d.name, d.committee) for d in touched),
        situation_pictures=at_site if at_site is not None else
        {"status": "hidden", "note": both("Situation pictures are shown to the city's staff only.")},
        verdicts=tuple(verdicts),
        layer_versions={slug: info.version for slug, info in layers.items()},
        timings_ms=timings)
