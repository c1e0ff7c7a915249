"""The incident import reports every row it refuses and why (bad dates, bad coordinates, positions outside the
area or beyond the districts, swapped lon/lat, duplicates by the export's id or as identical rows) and imports nothing
then; each incident keeps a stable source id, so the same file imported again gives the same incidents."""
from __future__ import annotations

import time

import numpy as np
import pytest
import shapely
from sqlalchemy import text

from webapp.errors import ProblemError
from webapp.services import districts
from webapp.services.imports import incidents


def write(tmp_path, body: str, name: str = "incidents.csv"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def ids(db_session) -> list[str]:
    return db_session.execute(text("SELECT source_id FROM incident WHERE layer = 'crime' "
                                   "ORDER BY source_id")).scalars().all()


def test_every_refused_row_is_reported_with_its_reason_and_nothing_is_imported(db_session, tmp_path):
    before = ids(db_session)[:5]
    path = write(tmp_path, "id,occurred_at,category,lon,lat\n"
                           "A1,2026-05-01 22:30,theft,18.07,59.31\n"
                           "A2,yesterday,theft,18.07,59.31\n"
                           "A3,2026-05-01 22:30,theft,59.31,18.07\n"
                           "A1,2026-05-02 10:00,theft,18.08,59.32\n"
                           "A5,2026-05-01 22:30,theft,x,59.31\n"
                           ",2026-05-01 22:30,theft,18.07,59.31\n"
                           "A7,2026-05-01 22:30,theft,-120.0,10.0\n")
    with pytest.raises(ProblemError) as refused:
        incidents.import_csv(db_session, path)
    problem = refused.value
    rows = problem.extra["refused_rows"]
    assert [(r["line"], r["reason"]) for r in rows] == [
        (3, "bad date"), (4, "lon and lat swapped"), (5, "duplicate"), (6, "bad coordinates"), (7, "no id"),
        (8, "outside the area")]
    assert problem.detail.startswith("6 rows of incidents.csv refused (")
    assert "Line 3: 'yesterday' is not a date" in problem.detail and "nothing was imported" in problem.detail
    assert "the same incident as line 2 (id A1)" in rows[2]["detail"]
    assert ids(db_session)[:5] == before


def test_identical_rows_without_an_id_column_are_duplicates(db_session, tmp_path):
    path = write(tmp_path, "occurred_at,category,x,y\n2026-05-01 22:30,theft,674000,6580000\n"
                           "2026-05-01 22:30,theft,674000,6580000\n")
    with pytest.raises(ProblemError, match="1 row of incidents.csv refused \\(duplicate 1\\)"):
        incidents.import_csv(db_session, path)


def test_the_same_file_imported_again_gives_the_same_incidents(db_session, tmp_path):
    body = "occurred_at,category,x,y\n" + "".join(f"2026-05-0{d} 22:30,theft,{674000 + d},6580000\n"
                                                  for d in range(1, 8))
    path = write(tmp_path, body)
    incidents.import_csv(db_session, path)
    first = ids(db_session)
    assert len(first) == 7 and all(first)
    incidents.import_csv(db_session, path)
    assert ids(db_session) == first                        # nothing added, the same stable ids
    with_ids = write(tmp_path, "händelse_id,occurred_at,category,x,y\nK-1,2026-05-01 22:30,theft,674000,6580000\n",
                     "own.csv")
    incidents.import_csv(db_session, with_ids)
    assert ids(db_session) == ["K-1"]


def test_positions_beyond_the_districts_are_refused_and_those_within_the_tolerance_kept(db_session, tmp_path):
    city = districts.city_area(db_session)
    x1 = city.bounds[2]
    east = next(y for x, y in shapely.get_coordinates(city) if x == x1)   # the city's easternmost vertex
    before = ids(db_session)[:5]
    path = write(tmp_path, "id,occurred_at,category,x,y\n"
                           f"B1,2026-05-01 22:30,theft,674000,6580000\n"
                           f"B2,2026-05-01 22:30,theft,{x1 + 50},{east}\n"               # 50 m out: kept
                           f"B3,2026-05-01 22:30,theft,{x1 + 150},{east}\n"              # 150 m out
                           "B4,2026-05-01 22:30,theft,650000,6640000\n")                 # Uppsala: in Sweden
    with pytest.raises(ProblemError) as refused:
        incidents.import_csv(db_session, path)
    rows = refused.value.extra["refused_rows"]
    assert [(r["line"], r["reason"]) for r in rows] == [(4, "outside the city"), (5, "outside the city")]
    assert rows[0]["detail"].startswith(f"Line 4: the position lies more than {incidents.CITY_TOLERANCE_M:.0f} m "
                                        "outside every district")
    assert "nothing was imported" in refused.value.detail and ids(db_session)[:5] == before
    kept = write(tmp_path, "".join(path.read_text().splitlines(keepends=True)[:3]), "kept.csv")
    assert incidents.import_csv(db_session, kept).count == 2
    assert ids(db_session) == ["B1", "B2"]


def test_the_city_test_takes_a_million_points_at_once():
    city = shapely.box(0, 0, 10_000, 10_000).difference(shapely.box(4_000, 4_000, 6_000, 6_000))
    rng = np.random.default_rng(1)
    xs, ys = rng.uniform(-1_000, 11_000, 1_000_000), rng.uniform(-1_000, 11_000, 1_000_000)
    started = time.perf_counter()
    inside = incidents.in_city(city, xs, ys)
    assert time.perf_counter() - started < 5
    expected = shapely.dwithin(city, shapely.points(xs[:20_000], ys[:20_000]), incidents.CITY_TOLERANCE_M)
    assert (inside[:20_000] == expected).all() and 0 < inside.sum() < len(xs)


def test_incidents_are_stored_in_spatial_order_each_with_its_district(db_session):
    """Rows given in random order are stored along a space-filling curve: the incidents of a small box share a few
    table pages (in arrival order they would be spread over nearly all of them), and each has its district."""
    from layers.crime import DEFINITION as CRIME

    rng = np.random.default_rng(21)
    west, south, east, north = db_session.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM district) AS s"
    )).one()
    count = 6000
    xs, ys = rng.uniform(west, east, count), rng.uniform(south, north, count)
    rows = [("2026-05-01T22:30:00+02:00", CRIME.classes[0].key, float(x), float(y))
            for x, y in zip(xs, ys, strict=True)]
    incidents.replace_all(db_session, rows, source="test", is_demo=False, layer=CRIME)

    pages = "count(DISTINCT (ctid::text::point)[0])"
    all_pages = db_session.execute(text(f"SELECT {pages} FROM incident WHERE layer = 'crime'")).scalar()
    cx, cy = (west + east) / 2, (south + north) / 2
    side = ((east - west) * (north - south) / count * 150) ** 0.5  # a square holding about 150 of them
    in_box, box_pages = db_session.execute(text(
        f"SELECT count(*), {pages} FROM incident WHERE layer = 'crime' "
        "AND geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006)"),
        {"x0": cx - side / 2, "y0": cy - side / 2, "x1": cx + side / 2, "y1": cy + side / 2}).one()
    assert in_box >= 50 and all_pages >= 20
    assert box_pages <= all_pages / 4, f"{in_box} incidents of a small box on {box_pages} of {all_pages} pages"

    # The district of each, as assign_districts would choose it (nothing left for it to change).
    assert incidents.assign_districts(db_session, "crime") == 0
    inside = db_session.execute(text("SELECT count(*) FROM incident i WHERE layer = 'crime' AND EXISTS "
                                     "(SELECT 1 FROM district d WHERE ST_Intersects(d.geom, i.geom))")).scalar()
    assert db_session.execute(text("SELECT count(district_id) FROM incident WHERE layer = 'crime'")).scalar() == inside


def test_incident_ids_keep_the_order_the_rows_came_in(db_session):
    """Only the storage follows space: ids are drawn in the rows' order (were they in spatial order, PostgreSQL's
    plan for a dense box's first page would read most of the table)."""
    from layers.crime import DEFINITION as CRIME

    rows = [("2026-05-01T22:30:00+02:00", CRIME.classes[0].key, 674000.0 + 700 * ((7 * i) % 11), 6580000.0,
             f"order-{i}") for i in range(11)]
    incidents.replace_all(db_session, rows, source="test", is_demo=False, layer=CRIME)
    by_id = db_session.execute(text("SELECT source_id FROM incident WHERE layer = 'crime' ORDER BY id")).scalars()
    assert list(by_id) == [f"order-{i}" for i in range(11)]
    by_place = db_session.execute(text("SELECT source_id FROM incident WHERE layer = 'crime' ORDER BY ctid")).scalars()
    assert list(by_place) != [f"order-{i}" for i in range(11)]  # stored west to east, not as they came
