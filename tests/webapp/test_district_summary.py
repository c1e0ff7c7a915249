"""Each layer's summary inside a district (Evaluator.district_summary): the defaults of the kinds on layers with
known answers, the crime hazard's k-anonymous counts, and a hazard registered at run time getting its kind's
default."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from rasterio.transform import from_origin
from shapely.geometry import LineString, box
from sqlalchemy import text

from geo import raster
from layers import registry
from layers.base import LayerClass, LayerDefinition
from webapp.services import catalog, hazards
from webapp.services.hazards import Evaluator
from webapp.services.hazards import district as defaults
from webapp.services.hazards.crime import k_anonymous
from webapp.services.imports.layers import register_raster, replace_features

CATEGORIES = ["violence", "robbery", "theft", "vandalism", "drugs", "other"]


def district_geom(session, code: str):
    wkb = session.execute(text("SELECT ST_AsBinary(geom) FROM district WHERE code = :c"), {"c": code}).scalar_one()
    return shapely.from_wkb(bytes(wkb))


def summary(session, slug: str, code: str = "11", role: str = "admin"):
    info = catalog.get_layer(session, slug, role)
    return hazards.evaluator(slug).district_summary(session, info, district_geom(session, code))


def values(rows) -> dict[str, object]:
    return {row.label["en"]: row.value for row in rows}


def test_a_vector_layer_counts_its_features_by_class_inside_the_district(db_session):
    soder = district_geom(db_session, "11")
    inside = LineString([(soder.centroid.x - 200, soder.centroid.y), (soder.centroid.x + 200, soder.centroid.y)])
    far_away = district_geom(db_session, "1").centroid.buffer(100).exterior
    replace_features(db_session, "hazardous-goods", [("primary", {"name": "A"}, inside),
                                                     ("secondary", {"name": "B"}, inside),
                                                     ("secondary", {"name": "C"}, inside),
                                                     ("primary", {"name": "Far"}, far_away)],
                     source="test", licence="", is_demo=False)
    rows = summary(db_session, "hazardous-goods")
    assert values(rows) == {"Primary route": 1, "Secondary route": 2}
    assert [row.kind for row in rows] == ["number", "number"]
    assert summary(db_session, "hazardous-goods", code="24") == []  # nothing of it in Skärholmen


def test_a_raster_layer_gives_each_class_its_share_of_the_mapped_area(db_session, tmp_path):
    soder = district_geom(db_session, "11")
    x0, y0 = round(soder.centroid.x), round(soder.centroid.y)
    depth = np.zeros((40, 40), dtype="uint16")
    depth[:, :20] = 20  # 0.2 m
    depth[:, 20:] = 60  # 0.6 m
    depth[30:, :] = 65535  # no data: left out of the shares
    path = tmp_path / "flood.tif"
    raster.write_cog(path, depth, from_origin(x0, y0, 1.0, 1.0), nodata=65535)
    register_raster(db_session, "flood", path, source="test", licence="", is_demo=False, scale=0.01, offset=0.0,
                    nodata=65535, units="m")
    rows = summary(db_session, "flood")
    shares = [row.value for row in rows]
    assert [row.kind for row in rows] == ["share"] * 5
    assert shares == [0.0, 0.5, 0.0, 0.5, 0.0]  # < 0.1, 0.1–0.3, 0.3–0.5, 0.5–1.0, > 1.0 m


def test_a_raster_summary_is_an_overview_read(db_session, monkeypatch):
    """The demo flood raster over a whole district is read at about MAX_CELLS cells, through sample_values only."""
    calls = []
    real = raster.sample_values

    def spy(path, geom, **kwargs):
        found = real(path, geom, **kwargs)
        calls.append((kwargs.get("max_cells"), found.size))
        return found

    monkeypatch.setattr(raster, "sample_values", spy)
    monkeypatch.setattr(raster, "zonal_stats", lambda *a, **k: pytest.fail("a full-resolution read"))
    rows = summary(db_session, "flood")
    assert calls and calls[0][0] == defaults.MAX_CELLS and 0 < calls[0][1] <= defaults.MAX_CELLS
    assert sum(row.value for row in rows) == pytest.approx(1.0, abs=1e-3)
    heat = summary(db_session, "heat")
    assert len(heat) == 5 and sum(row.value for row in heat) == pytest.approx(1.0, abs=1e-3)


def test_crime_counts_the_districts_incidents_of_the_last_12_months_and_never_one_under_5(db_session):
    db_session.execute(text("DELETE FROM incident"))
    centre = district_geom(db_session, "11").centroid
    rows = [("theft", 0, 12), ("robbery", 0, 2), ("drugs", 0, 1), ("theft", 400, 30)]  # (category, days ago, n)
    for category, days, n in rows:
        db_session.execute(text(
            "INSERT INTO incident (occurred_at, category, source, geom) SELECT now() - make_interval(days => :days), "
            ":category, 'test', ST_SetSRID(ST_MakePoint(:x, :y), 3006) FROM generate_series(1, :n)"),
            {"days": days, "category": category, "x": centre.x, "y": centre.y, "n": n})
    found = values(summary(db_session, "crime"))
    # 15 in the last year (the 30 thefts are older); robbery and drugs are under 5, so theft is pooled with them:
    # "12 thefts" next to a total of 15 would give the 3 away.
    assert found == {"All reported incidents": 15, "Other categories together": 15}
    assert summary(db_session, "crime", code="24")[0].value == "< 5"


@given(st.dictionaries(st.sampled_from(CATEGORIES), st.integers(0, 40)))
def test_no_count_under_k_can_be_shown_or_worked_out(counts):
    k = 5
    shown, pooled, pool = k_anonymous(counts, CATEGORIES, k)
    total = sum(counts.values())
    assert all(n >= k for _c, n in shown)
    assert pool == 0 or pool >= k or total < k
    assert sum(n for _c, n in shown) + pool == total
    assert sorted([c for c, _n in shown] + pooled) == sorted(set(CATEGORIES) | set(counts))


LANDSLIDE = LayerDefinition(
    slug="landslide", hazard="landslide", kind="vector", geometry="polygon", title="Landslides: risk zones",
    description="Zones at risk of landslides.", classes=(LayerClass("zone-high", "High risk", "#8c510a"),))


def test_a_hazard_registered_at_run_time_gets_its_kinds_default(db_session):
    registry.register(LANDSLIDE, Evaluator(LANDSLIDE))
    try:
        centre = district_geom(db_session, "11").centroid
        replace_features(db_session, "landslide", [("zone-high", {}, box(centre.x, centre.y, centre.x + 50,
                                                                         centre.y + 50))],
                         source="SGI (test)", licence="CC0", is_demo=False)
        assert values(summary(db_session, "landslide")) == {"High risk": 1}
        assert hazards.evaluator("landslide").district_measure(None)["en"] == "Features"
    finally:
        registry.unregister("landslide")
