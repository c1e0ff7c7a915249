"""Perceived safety: the survey import (codes or names, decimal commas, populations; all or nothing, with the line
of the first bad row), a re-import replacing what it repeats, the divergence flag, the recorded crime beside it (not
the accidents), the demo survey, the page in both languages and the command's one Error line."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from layers.accidents import DEFINITION as ACCIDENTS
from webapp import db
from webapp.cli import main
from webapp.errors import ProblemError
from webapp.services import survey
from webapp.services.imports import incidents

HEADER = "district;year;indicator;question;value;sample_size;population;source\n"


def write(tmp_path, body: str, name: str = "survey.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding=encoding)
    return path


def count(db_session) -> int:
    return db_session.execute(text("SELECT count(*) FROM survey_result WHERE NOT is_demo")).scalar_one()


def test_an_import_reads_codes_names_and_decimal_commas_and_replaces_what_it_repeats(db_session, tmp_path):
    path = write(tmp_path, "11;2030;unsafe_outdoors_night;Otrygg ute sent;23,5;812;140 000;Trygghetsmätningen 2030\n"
                           "Östermalm;2030;unsafe_outdoors_night;Otrygg ute sent;12.0;640;;Trygghetsmätningen 2030\n")
    result = survey.import_csv(db_session, path)
    assert (result.rows, result.districts, result.years, result.populations) == (2, 2, (2030,), 1)
    value, sample = db_session.execute(text("SELECT value, sample_size FROM survey_result WHERE district_code = '11' "
                                            "AND year = 2030")).one()
    assert (value, sample) == (23.5, 812)
    again = write(tmp_path, "11;2030;unsafe_outdoors_night;Otrygg ute sent;25;900;;Trygghetsmätningen 2030\n", "b.csv")
    survey.import_csv(db_session, again)
    assert count(db_session) == 2
    assert db_session.execute(text("SELECT value FROM survey_result WHERE district_code = '11' AND year = 2030"))\
        .scalar_one() == 25.0


@pytest.mark.parametrize(("row", "message"), [
    ("Atlantis;2030;x;Fråga;10;;;Källa", "Line 3: there is no district 'Atlantis'"),
    ("11;2030;x;Fråga;120;;;Källa", "Line 3: value 120 is a share in per cent"),
    ("11;20x0;x;Fråga;10;;;Källa", "Line 3: year '20x0' is not a number"),
    ("11;2030;x;Fråga;10;0;;Källa", "sample_size is at least 1"),
    ("11;2030;x;;10;;;Källa", "the question is text"),
    ("11;2030;X Y;Fråga;10;;;Källa", "indicator 'X Y' is a key"),
    ("11;2030;x;Fråga;10;;;", "say where the result comes from"),
    ("11;2030;a;Fråga;10;;;Källa", "is given twice"),
    ("11;2030;x;Fråga;nan;;;Källa", "is not a number"),
    ("11;2030;x;Fråga;10;;-5;Källa", "population is at least 1"),
])
def test_a_bad_row_refuses_the_whole_file(db_session, tmp_path, row, message):
    path = write(tmp_path, f"11;2030;a;Fråga;10;;;Källa\n{row}\n")
    with pytest.raises(ProblemError, match=message):
        survey.import_csv(db_session, path)
    assert count(db_session) == 0


def test_files_that_cannot_be_read_are_refused(db_session, tmp_path):
    with pytest.raises(ProblemError, match="lacks value"):
        (tmp_path / "cols.csv").write_text("district;year;indicator;question\n11;2030;a;b\n", encoding="utf-8")
        survey.import_csv(db_session, tmp_path / "cols.csv")
    latin = write(tmp_path, "Östermalm;2030;a;Fråga;10;;;Källa\n", "latin.csv", encoding="latin-1")
    with pytest.raises(ProblemError, match="not UTF-8"):
        survey.import_csv(db_session, latin)
    assert survey.import_csv(db_session, latin, encoding="latin-1").rows == 1
    with pytest.raises(ProblemError, match="no survey results"):
        survey.import_csv(db_session, write(tmp_path, "", "empty.csv"))


def test_a_district_that_feels_far_less_safe_than_its_recorded_crime_is_flagged(db_session):
    rows = survey.overview(db_session, "unsafe_outdoors_night", 2025)      # the demo survey
    flagged = [r for r in rows if r.flag]
    assert flagged and all(r.value is not None and r.rate is not None for r in flagged)
    assert all(abs(r.divergence) >= survey.DIVERGENCE_SD for r in flagged)
    assert all(r.incidents is None or r.incidents >= 5 for r in rows)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_page_shows_the_map_the_chart_and_the_table(client, lang):
    response = client.get(f"/safety?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="safety-map"' in html and 'id="safety-chart"' in html and 'id="safety-table"' in html
    assert 'class="flagged"' in html
    assert ("Känns otryggare än den anmälda brottsligheten antyder" if lang == "sv"
            else "Feels less safe than recorded crime suggests") in html
    assert client.get(f"/safety?indicator=<script>&year=abc&lang={lang}").status_code == 200


def test_the_command_says_what_is_wrong_in_one_line(throwaway_database, tmp_path):
    with throwaway_database("riskkarta_test_survey_cli") as database:
        db.upgrade(database.url)
        env = {"DATABASE_URL": database.url, "RISKKARTA_DATA_DIR": str(tmp_path / "data")}
        result = CliRunner().invoke(main, ["import", "survey", str(write(tmp_path, "11;2030;a;F;10;;;K\n"))], env=env)
        assert result.exit_code == 1
        assert result.output.strip().splitlines() == [
            "Error: Import refused: Line 2: there is no district '11' (give its code or name)."]


def test_the_survey_is_an_ogc_collection_for_a_map_coloured_by_the_indicator(client, as_role):
    as_role("viewer")
    listed = client.get("/ogc/collections?f=json").get_json()["collections"]
    assert "survey" in {c["id"] for c in listed}
    body = client.get("/ogc/collections/survey/items?f=json&limit=100&year=2025&indicator=unsafe_outdoors_night")
    assert body.status_code == 200
    features = body.get_json()["features"]
    assert features and {f["properties"]["year"] for f in features} == {2025}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") and 0 <= f["properties"]["value"] <= 100
               and f["properties"]["question"] for f in features)
    one = client.get(f"/ogc/collections/survey/items/{features[0]['id']}?f=json").get_json()
    assert one["properties"] == features[0]["properties"]
    assert client.get("/ogc/collections/survey/items/nothing_here?f=json").status_code == 404


def test_the_recorded_rate_counts_crime_and_not_accidents(db_session):
    indicator, _, years = survey.indicators(db_session)[0]
    year = years[0]
    x, y = db_session.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM district "
                                   "WHERE code = '11') AS s")).one()
    crimes = db_session.execute(text(
        "SELECT count(*) FROM incident AS i JOIN district AS d ON d.id = i.district_id WHERE d.code = '11' "
        "AND i.layer = 'crime' AND extract(year FROM i.occurred_at AT TIME ZONE 'Europe/Stockholm') = :year"),
        {"year": year}).scalar_one()
    before = next(r for r in survey.overview(db_session, indicator, year) if r.code == "11")
    assert before.incidents == (crimes if crimes >= 5 else None)
    incidents.replace_all(db_session, [(f"{year}-06-01T12:00:00+02:00", "traffic", x + i, y) for i in range(50)],
                          source="test", is_demo=False, layer=ACCIDENTS)
    after = next(r for r in survey.overview(db_session, indicator, year) if r.code == "11")
    assert (after.incidents, after.rate) == (before.incidents, before.rate)
