"""The incident import reports every row it refuses and why (bad dates, bad coordinates, positions outside the
area, swapped lon/lat, duplicates by the export's id or as identical rows) and imports nothing then; each incident
keeps a stable source id, so the same file imported again gives the same incidents."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from webapp.errors import ProblemError
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
