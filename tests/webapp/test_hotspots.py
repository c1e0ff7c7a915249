"""Computed hotspots end to end: an incident import recomputes them; a planted cluster comes out hot at 99 % and
the background does not; every run keeps its parameters, counts and layer version; bad parameters are refused;
the site check's crime verdict takes the significant cells the site touches, and counts the incidents near a
jagged 5,000-vertex-class site exactly and fast."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Point
from sqlalchemy import text

from geo.hotspots import Grid
from layers.site_rules import SiteRules
from webapp.errors import ProblemError
from webapp.services import hotspots
from webapp.services.hotspots import compute
from webapp.services.imports import incidents
from webapp.services.site_check import SiteInput, evaluate

CLUSTER = (674_000.0, 6_578_500.0)     # Södermalm in the demo city


def planted(rng: np.random.Generator, cluster: int = 400, background: int = 3000) -> list[tuple]:
    """Background incidents spread over the inner city and a tight cluster, all in September 2026."""
    xs = np.concatenate([rng.uniform(668_000, 680_000, background), rng.normal(CLUSTER[0], 60, cluster)])
    ys = np.concatenate([rng.uniform(6_574_000, 6_586_000, background), rng.normal(CLUSTER[1], 60, cluster)])
    cats = ["theft"] * background + ["violence"] * cluster
    return [(f"2026-09-{1 + k % 28:02d}T{k % 24:02d}:30:00+02:00", c, float(x), float(y))
            for k, (c, x, y) in enumerate(zip(cats, xs, ys, strict=True))]


def crime(result):
    return next(v for v in result.to_json()["hazards"] if v["hazard"] == "crime")


def test_an_import_recomputes_the_hotspots_and_the_planted_cluster_is_hot(db_session):
    incidents.replace_all(db_session, planted(np.random.default_rng(1)), source="test", is_demo=False)
    outcome = incidents.last_hotspots(db_session)
    assert outcome is not None and outcome.runs
    main = hotspots.find(db_session)
    assert main is not None and main.period == "12m" and main.category is None and main.band == "all"
    assert main.incidents + outcome.outside == 3400 and outcome.outside > 0    # some fall in the water
    assert main.params["shape"] == "hex" and main.params["band_m"] == 500.0
    version = db_session.execute(text("SELECT version FROM layer WHERE slug = 'crime'")).scalar_one()
    assert main.layer_version == version
    i, j = Grid("hex", 250.0).index(np.array([CLUSTER[0]]), np.array([CLUSTER[1]]))
    cls, n = db_session.execute(text('SELECT "class", n FROM hotspot_cell WHERE run_id = :r AND i = :i AND j = :j'),
                                {"r": main.id, "i": int(i[0]), "j": int(j[0])}).one()
    assert cls == 3 and n > 50
    far = db_session.execute(text('SELECT count(*) FROM hotspot_cell AS h JOIN grid_cell AS g ON g.grid = :g '
                                  'AND g.i = h.i AND g.j = h.j WHERE h.run_id = :r AND h."class" > 0 '
                                  "AND NOT ST_DWithin(g.geom, ST_SetSRID(ST_MakePoint(:x, :y), 3006), 1000)"),
                             {"g": main.grid, "r": main.id, "x": CLUSTER[0], "y": CLUSTER[1]}).scalar_one()
    assert far == 0                                   # the uniform background has no hotspot after the FDR
    kinds = {(r.period, r.category, r.band) for r in hotspots.runs(db_session)}
    assert {("12m", None, "night"), ("12m", "violence", "all"), ("2026", None, "all"), ("2026-3", None, "all"),
            ("12m", None, "weekend")} <= kinds
    theft = hotspots.find(db_session, category="theft")
    assert 0 < theft.incidents < main.incidents and theft.cold > 0   # the empty outskirts are cold beside it


def test_a_recompute_retires_the_runs_before_it_and_their_cells(db_session):
    incidents.replace_all(db_session, planted(np.random.default_rng(2)), source="test", is_demo=False)
    first = hotspots.find(db_session)
    compute.compute(db_session, periods=["12m"], categories=["all"], bands=["all"])
    second = hotspots.find(db_session)
    assert second.id != first.id and not hotspots.run(db_session, first.id).current
    assert db_session.execute(text("SELECT count(*) FROM hotspot_cell WHERE run_id = :r"),
                              {"r": first.id}).scalar_one() == 0
    assert hotspots.find(db_session, category="violence") is not None      # the other kinds stay current


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"periods": ["1999"]}, "No incidents fall in 1999"),
    ({"categories": ["arson"]}, "No incidents are of arson"),
])
def test_unknown_periods_and_categories_are_refused(db_session, kwargs, message):
    incidents.replace_all(db_session, planted(np.random.default_rng(3), 50, 200), source="test", is_demo=False)
    with pytest.raises(ProblemError, match=message):
        compute.compute(db_session, **kwargs)


@pytest.mark.parametrize(("shape", "cell", "band", "message"), [
    ("hex", 10.0, 500.0, "cell size"), ("square", 250.0, 100.0, "distance band"), ("hex", 250.0, 1e6, "at most")])
def test_bad_parameters_are_refused(shape, cell, band, message):
    with pytest.raises(ProblemError, match=message):
        compute.checked_parameters(shape, cell, band)


def test_the_crime_verdict_takes_the_hotspot_the_site_touches(db_session):
    incidents.replace_all(db_session, planted(np.random.default_rng(4)), source="test", is_demo=False)
    rules = SiteRules()
    at = crime(evaluate(db_session, SiteInput(geom=Point(*CLUSTER), land_use="C"), rules, "viewer"))
    assert at["values"]["computed_hotspots"] >= 1 and at["values"]["hotspot_confidence"] == "99 %"
    assert at["level"] in ("high", "very_high") and "Gi*" in at["sentence"]["en"]
    x, y = db_session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM district) AS d "
        "WHERE ST_Distance(p, ST_SetSRID(ST_MakePoint(:x, :y), 3006)) > 4000 LIMIT 1"),
        {"x": CLUSTER[0], "y": CLUSTER[1]}).one()
    away = crime(evaluate(db_session, SiteInput(geom=Point(x, y), land_use="C"), rules, "viewer"))
    assert away["values"]["computed_hotspots"] == 0


def test_incidents_near_a_jagged_site_are_counted_exactly(db_session):
    from tests.geo.test_nearby import comb

    incidents.replace_all(db_session, planted(np.random.default_rng(5)), source="test", is_demo=False)
    site = shapely.affinity.translate(comb(1249, width=3000.0, height=1200.0, area=6e5), 672_000, 6_577_000)
    assert shapely.get_num_coordinates(site) > 4000
    result = crime(evaluate(db_session, SiteInput(geom=site, land_use="C"), SiteRules(), "viewer"))
    points = db_session.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM incident WHERE layer = 'crime'")).all()
    expected = sum(site.distance(Point(x, y)) <= 250 for x, y in points)
    assert result["values"]["incidents_within_radius"] == expected
