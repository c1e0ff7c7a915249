"""Incident categories: the crime layer's English and Swedish names, a city's own map (--category-map), and the
summary of what went to "other"; plus incident CSVs in other encodings."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.webapp.test_layer_import import ROUTE_A, geojson_file, shapely_text, state
from webapp import db
from webapp.cli import main
from webapp.errors import ProblemError
from webapp.services.imports import incidents


def categories_of(session):
    rows = session.execute(shapely_text("SELECT category, count(*) FROM incident WHERE layer = 'crime' "
                                        "GROUP BY 1")).all()
    return {category: n for category, n in rows}


def incident_csv(path: Path, categories: list[str]) -> Path:
    lines = ["occurred_at,category,x,y"] + [f"2026-05-01 12:00,{c},{674000 + i},6580000"
                                            for i, c in enumerate(categories)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("value", "cls"), [
    ("assault", "violence"), ("Aggravated assault", "violence"), ("rape", "violence"), ("MURDER", "violence"),
    ("mugging", "robbery"), ("robbery", "robbery"), ("burglary", "theft"), ("shoplifting", "theft"),
    ("bicycle_theft", "theft"), ("break-in", "theft"), ("vandalism", "vandalism"), ("graffiti", "vandalism"),
    ("drug offence", "drugs"), ("narcotics", "drugs"), ("fraud", "other"), ("traffic", "other"),
    ("misshandel", "violence"), ("Grov misshandel", "violence"), ("olaga hot", "violence"), ("Rån", "robbery"),
    ("personrån", "robbery"), ("bostadsinbrott", "theft"), ("Snatteri", "theft"), ("klotter", "vandalism"),
    ("Skadegörelse", "vandalism"), ("ringa  narkotikabrott", "drugs"), ("bedrägeri", "other"),
    ("Övrigt", "other"),
])
def test_english_and_swedish_category_names_land_in_their_classes(db_session, tmp_path, value, cls):
    incidents.import_csv(db_session, incident_csv(tmp_path / "one.csv", [value]))
    assert categories_of(db_session) == {cls: 1}


def test_the_summary_lists_the_values_that_went_to_other(db_session, tmp_path):
    values = (["assault"] * 5 + ["fraud"] * 4 + ["traffic"] * 3 + ["Okänt"] * 2 + ["okänt"]
              + [f"kod {n}" for n in range(12)] + ["burglary"])
    result = incidents.import_csv(db_session, incident_csv(tmp_path / "mixed.csv", values))
    assert result.notes[0] == "other 22, violence 5, theft 1"
    # Most frequent first (ties by value), case-insensitive under the first spelling seen, 10 named, the rest
    # counted; values no table knows are marked, with the hint.
    assert result.notes[1] == (
        "to other: fraud 4, Okänt 3 (unrecognised), traffic 3, kod 0 1 (unrecognised), kod 1 1 (unrecognised), "
        "kod 10 1 (unrecognised), kod 11 1 (unrecognised), kod 2 1 (unrecognised), kod 3 1 (unrecognised), "
        "kod 4 1 (unrecognised), and 5 more values with 5 incidents; map values with --category-map")


@pytest.mark.parametrize(("value", "cls"), [("Stöld/inbrott", "theft"), ("Misshandel och våld", "violence"),
                                            ("Narkotika & narkotikabrott", "drugs")])
def test_a_value_that_names_known_categories_of_one_class_is_that_class(db_session, tmp_path, value, cls):
    incidents.import_csv(db_session, incident_csv(tmp_path / "one.csv", [value]))
    assert categories_of(db_session) == {cls: 1}


def test_a_value_that_names_categories_of_different_classes_stays_unrecognised(db_session, tmp_path):
    result = incidents.import_csv(db_session, incident_csv(tmp_path / "mixed.csv", ["stöld/misshandel"] * 2))
    assert result.notes[1].startswith("to other: stöld/misshandel 2 (unrecognised)")


def test_no_other_line_when_nothing_went_to_other(db_session, tmp_path):
    result = incidents.import_csv(db_session, incident_csv(tmp_path / "clean.csv", ["assault", "stöld"]))
    assert result.notes[0] == "violence 1, theft 1" and len(result.notes) == 2
    assert result.notes[1].startswith("hotspots: ")         # recomputed with the import, no "to other" line


def test_values_mapped_to_other_on_purpose_are_listed_without_the_hint(db_session, tmp_path):
    result = incidents.import_csv(db_session, incident_csv(tmp_path / "o.csv", ["fire", "fire", "disturbance"]))
    assert result.notes[1] == "to other: fire 2, disturbance 1"


def test_an_incident_csv_in_another_encoding_and_a_bad_crs(db_session, tmp_path):
    path = tmp_path / "ansi.csv"
    path.write_bytes("tid;brottstyp;x;y\n2026-06-05 23:10;Rån;674000;6580000\n".encode("cp1252"))
    incidents.import_csv(db_session, path, encoding="cp1252")
    assert categories_of(db_session) == {"robbery": 1}
    with pytest.raises(ProblemError, match="--encoding 'latin-9000' is not an encoding"):
        incidents.import_csv(db_session, path, encoding="latin-9000")
    with pytest.raises(ProblemError, match="--crs: CRS EPSG:9999 is not supported"):
        incidents.import_csv(db_session, path, encoding="cp1252", crs="EPSG:9999")


CITY_CODES = ["B12", "b12", "V01", "fraud", "X9", "assault"]


@pytest.mark.parametrize(("name", "content"), [
    ("map.csv", "källvärde;klass\nB12;theft\nV01;Våld\nFRAUD;theft\n"),
    ("map.json", json.dumps({"B12": "theft", "v01": "violence", "fraud": "Stöld"})),
], ids=["a CSV map with a header", "a JSON map"])
def test_a_category_map_maps_the_citys_own_codes(db_session, tmp_path, name, content):
    (tmp_path / name).write_text(content, encoding="utf-8")
    result = incidents.import_csv(db_session, incident_csv(tmp_path / "codes.csv", CITY_CODES),
                                  category_map=tmp_path / name)
    # The map goes before the table (fraud -> theft here); what it does not name still goes through the table.
    assert categories_of(db_session) == {"theft": 3, "violence": 2, "other": 1}
    assert result.notes[1] == "to other: X9 1 (unrecognised); map values with --category-map"


BAD_MAPS = [
    ("unknown.csv", "B12,theft\nV01,violense\n", "map unknown.csv, line 2: 'violense' is not a class of crime; "
                                                 "its classes are violence, robbery, theft, vandalism, drugs, other."),
    ("header.csv", "value,violense\nB12,theft\n", "line 1: 'violense' is not a class"),
    ("three.csv", "B12,theft,extra\n", "line 1: give two columns (source value, class), not 3"),
    ("twice.csv", "B12,theft\nb12,drugs\n", "line 2: 'b12' is mapped to both theft and drugs"),
    ("empty.csv", "\n\n", "maps nothing"),
    ("broken.json", '{"B12": "theft",', "is not valid JSON"),
    ("list.json", '["B12", "theft"]', "must be a JSON object"),
    ("number.json", '{"B12": 3}', "key 'B12': give the class as text"),
    ("unknown.json", '{"B12": "arson"}', "key 'B12': 'arson' is not a class of crime"),
    ("latin1.csv", "B12,stöld\n".encode("cp1252"), "is not UTF-8 text"),
    ("missing.csv", None, "cannot be read: No such file or directory"),
]


def write_map(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "content", "fragment"), BAD_MAPS, ids=[m[0] for m in BAD_MAPS])
def test_a_bad_category_map_refuses_the_import(db_session, tmp_path, name, content, fragment):
    before = state(db_session, "crime")
    with pytest.raises(ProblemError) as refused:
        incidents.import_csv(db_session, incident_csv(tmp_path / "codes.csv", CITY_CODES),
                             category_map=write_map(tmp_path, name, content))
    assert fragment in refused.value.detail and "\n" not in refused.value.detail
    assert state(db_session, "crime") == before


def test_cli_category_map_reaches_the_crime_importer(throwaway_database, tmp_path):
    """--category-map goes through ImportOptions to the hazard's importer; a bad map is one Error: line."""
    with throwaway_database("riskkarta_test_category_map_cli") as database:
        db.upgrade(database.url)
        env = {"DATABASE_URL": database.url, "RISKKARTA_DATA_DIR": str(tmp_path / "data")}
        runner = CliRunner()
        codes = incident_csv(tmp_path / "codes.csv", CITY_CODES)
        good = write_map(tmp_path, "map.json", json.dumps({"B12": "theft", "V01": "violence"}))
        ok = runner.invoke(main, ["import", "layer", "crime", str(codes), "--category-map", str(good)], env=env)
        assert ok.exit_code == 0, ok.output
        assert "crime: theft 2, violence 2, other 2" in ok.output
        assert "crime: to other: fraud 1, X9 1 (unrecognised); map values with --category-map" in ok.output
        for name, content, fragment in BAD_MAPS:
            bad = runner.invoke(main, ["import", "layer", "crime", str(codes), "--category-map",
                                       str(write_map(tmp_path, name, content))], env=env)
            assert bad.exit_code == 1 and fragment in bad.output, bad.output
            lines = [line for line in bad.output.splitlines() if line.strip() and "checking" not in line
                     and "reading" not in line]
            assert lines == [lines[0]] and lines[0].startswith("Error: Import refused: The category map")
            assert "Traceback" not in bad.output
        route = geojson_file(tmp_path / "ok.geojson", [({"class": "primary"}, ROUTE_A)])
        vector = runner.invoke(main, ["import", "layer", "hazardous-goods", str(route), "--category-map",
                                      str(good)], env=env)
        assert vector.exit_code == 1 and "hazardous-goods has no categories to map" in vector.output
        engine = db.make_engine(database.url)
        from sqlalchemy.orm import Session

        with Session(engine) as session:
            assert state(session, "crime") == (1, 6) and state(session, "hazardous-goods")[0] == 0
        engine.dispose()
