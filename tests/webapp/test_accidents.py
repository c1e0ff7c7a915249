"""Accidents, the second incident layer: its own categories (English and Swedish names, STRADA's types), an import
that replaces only the accidents, its own cells, hotspots and OGC collections with the same privacy as crime, and
its own verdict in the site check."""
from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import Point
from sqlalchemy import text

from layers.accidents import DEFINITION as ACCIDENTS
from layers.crime import K_ANONYMITY as K
from tests.webapp.test_incident_categories import incident_csv
from webapp.errors import ProblemError
from webapp.services.imports import incidents

ROLES = ["public", "viewer", "committee", "city", "admin"]


def per_layer(session) -> dict[str, int]:
    return dict(session.execute(text("SELECT layer, count(*) FROM incident GROUP BY layer")).all())


def test_the_demo_has_accidents_of_every_class_beside_the_crime(db_session):
    counts = per_layer(db_session)
    assert counts["crime"] > 0 and counts["accidents"] > 0
    classes = {c for (c,) in db_session.execute(text("SELECT DISTINCT category FROM incident "
                                                     "WHERE layer = 'accidents'")).all()}
    assert classes == {c.key for c in ACCIDENTS.classes}
    demo = db_session.execute(text("SELECT is_demo FROM layer WHERE slug = 'accidents'")).scalar_one()
    assert demo is True


@pytest.mark.parametrize(("value", "cls"), [
    ("Trafikolycka", "traffic"), ("collision", "traffic"), ("cykelolycka", "traffic"), ("lägenhetsbrand", "fire"),
    ("Fire", "fire"), ("halkolycka", "fall"), ("fall från höjd", "fall"), ("Drunkning", "drowning"),
    ("near-drowning", "drowning"), ("förgiftning", "other"), ("Traffic injury", "traffic"), ("Brand", "fire"),
])
def test_accident_names_land_in_the_accident_classes(db_session, tmp_path, value, cls):
    incidents.import_csv(db_session, incident_csv(tmp_path / "one.csv", [value]), layer=ACCIDENTS)
    found = db_session.execute(text("SELECT category FROM incident WHERE layer = 'accidents'")).scalars().all()
    assert found == [cls]


def test_an_accidents_import_replaces_only_the_accidents(db_session, tmp_path):
    before = per_layer(db_session)
    result = incidents.import_csv(db_session, incident_csv(tmp_path / "a.csv", ["trafikolycka"] * 7 + ["okänt"]),
                                  layer=ACCIDENTS)
    assert result.slug == "accidents" and result.count == 8
    assert any("to other: okänt 1 (unrecognised)" in note for note in result.notes)
    after = per_layer(db_session)
    assert after["crime"] == before["crime"] and after["accidents"] == 8
    cells = db_session.execute(text("SELECT sum(n) FROM incident_cell WHERE layer = 'accidents' AND size_m = 250"))
    assert cells.scalar_one() == 8


def test_a_category_map_for_accidents_names_accident_classes(db_session, tmp_path):
    mapping = tmp_path / "map.csv"
    mapping.write_text("code,class\nT1,traffic\nB2,violence\n", encoding="utf-8")
    with pytest.raises(ProblemError) as refused:
        incidents.import_csv(db_session, incident_csv(tmp_path / "a.csv", ["T1"]), category_map=mapping,
                             layer=ACCIDENTS)
    assert "'violence' is not a class of accidents" in refused.value.detail
    mapping.write_text("code,class\nT1,Trafikskada\n", encoding="utf-8")
    incidents.import_csv(db_session, incident_csv(tmp_path / "a.csv", ["T1"]), category_map=mapping, layer=ACCIDENTS)
    assert db_session.execute(text("SELECT category FROM incident WHERE layer = 'accidents'")).scalars().all() \
        == ["traffic"]


def test_the_cli_imports_accidents_and_a_bad_row_is_one_error_line(throwaway_database, tmp_path: Path):
    from click.testing import CliRunner

    from webapp import db
    from webapp.cli import main

    with throwaway_database("riskkarta_test_accidents_cli") as database:
        db.upgrade(database.url)
        env = {"DATABASE_URL": database.url, "RISKKARTA_DATA_DIR": str(tmp_path / "data")}
        good = incident_csv(tmp_path / "good.csv", ["trafikolycka", "brand", "drunkning"])
        ok = CliRunner().invoke(main, ["import", "layer", "accidents", str(good)], env=env)
        assert ok.exit_code == 0 and "3 incidents" in ok.output, ok.output
        bad = tmp_path / "bad.csv"
        bad.write_text("occurred_at,category,x,y\nnot a date,fire,674000,6580000\n", encoding="utf-8")
        out = CliRunner().invoke(main, ["import", "layer", "accidents", str(bad)], env=env)
        errors = [line for line in out.output.splitlines() if line.startswith("Error:")]
        assert out.exit_code != 0 and len(errors) == 1 and "Line 2" in errors[0] and "Traceback" not in out.output


@pytest.mark.parametrize("role", ROLES)
def test_the_accident_collections_keep_points_for_the_cleared_and_no_count_under_k(client, as_role, role):
    as_role(role)
    points = client.get("/ogc/collections/accidents/items?f=json&limit=5")
    assert points.status_code == (200 if role in {"city", "admin"} else 404)
    cells = client.get("/ogc/collections/accidents-cells/items?f=json&limit=1000").get_json()["features"]
    assert cells and all(f["properties"]["n"] >= K for f in cells)
    assert {f["properties"]["class"] for f in cells} <= {c.key for c in ACCIDENTS.classes}
    hot = client.get("/ogc/collections/accidents-hotspots/items?f=json&limit=10000&hotspot=significant").get_json()
    assert hot["features"] and all(f["properties"]["n"] is None or f["properties"]["n"] >= K
                                   for f in hot["features"])
    runs = {f["properties"]["run"] for f in hot["features"]}
    crime = client.get("/ogc/collections/hotspots/items?f=json&limit=10000&hotspot=significant").get_json()
    assert runs.isdisjoint({f["properties"]["run"] for f in crime["features"]})


def test_the_site_check_gives_accidents_their_own_verdict(db_session):
    from layers.site_rules import SiteRules
    from webapp.services.site_check import SiteInput, evaluate

    x, y = db_session.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM incident WHERE layer = 'accidents' "
                                   "AND category = 'traffic' LIMIT 1")).one()
    result = evaluate(db_session, SiteInput(geom=Point(x, y).buffer(100), land_use="B"), SiteRules(), "viewer")
    hazards = {h["hazard"]: h for h in result.to_json()["hazards"]}
    accidents, crime = hazards["accidents"], hazards["crime"]
    assert accidents["layer"]["slug"] == "accidents" and accidents["level"] in ("low", "moderate", "high",
                                                                                 "very_high")
    shown = accidents["values"]["incidents_within_radius"]
    assert shown == f"< {K}" or shown >= K
    near = db_session.execute(text(
        "SELECT count(*) FROM incident WHERE layer = 'accidents' AND ST_DWithin(geom, ST_Buffer(ST_SetSRID("
        "ST_MakePoint(:x, :y), 3006), 100), 250) AND occurred_at >= now() - interval '12 months'"),
        {"x": x, "y": y}).scalar_one()
    assert shown == (near if near >= K else f"< {K}")
    assert accidents["values"]["computed_hotspots"] != "no data yet" and crime["values"] != accidents["values"]


def test_the_monthly_statistics_cover_accidents_too(client, as_role):
    as_role("viewer")
    data = client.get("/api/statistics/incidents?layer=accidents&district=11").get_json()
    assert {s["category"] for s in data["series"]} == {"all"} | {c.key for c in ACCIDENTS.classes}
    assert all(n is None or n == 0 or n >= K for s in data["series"] for n in s["counts"])
    crime = client.get("/api/statistics/incidents?district=11").get_json()
    assert "violence" in {s["category"] for s in crime["series"]}
    bad = client.get("/api/statistics/incidents?layer=weather")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json" and "layer" in bad.get_json()["detail"]
    page = client.get("/statistics?layer=accidents&lang=en").get_data(as_text=True)
    assert 'id="s-layer"' in page and "Traffic injury" in page
