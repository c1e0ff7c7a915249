"""Monthly incident statistics per district and category: JSON and CSV from the API and the page with its chart and
table; no count below k on any of them, and none that can be worked out from a month's total and the counts shown;
bad parameters are problems."""
from __future__ import annotations

import csv
import io

import pytest

from webapp.errors import PROBLEM_JSON
from webapp.services.imports import incidents

K = 5


@pytest.fixture()
def planted(db_session):
    """District 11 in 2026: March 7 violence + 3 theft + 2 drugs (total 12), April 3 violence (total 3)."""
    rows = [("2026-03-10T12:00:00+01:00", "violence", 674_000.0 + i, 6_578_500.0) for i in range(7)]
    rows += [("2026-03-11T12:00:00+01:00", "theft", 674_100.0 + i, 6_578_500.0) for i in range(3)]
    rows += [("2026-03-12T12:00:00+01:00", "drugs", 674_200.0 + i, 6_578_500.0) for i in range(2)]
    rows += [("2026-04-02T12:00:00+02:00", "violence", 674_000.0 + i, 6_578_600.0) for i in range(3)]
    incidents.replace_all(db_session, rows, source="test", is_demo=False)


def series(data, category):
    return next(s for s in data["series"] if s["category"] == category)


def test_counts_per_month_with_small_counts_suppressed_so_that_none_can_be_derived(client, planted):
    data = client.get("/api/statistics/incidents?district=11&from=2026-03&to=2026-05").get_json()
    assert data["months"] == ["2026-03", "2026-04", "2026-05"] and data["k"] == K
    assert series(data, "all")["counts"] == [12, None, 0]
    assert series(data, "violence")["counts"] == [7, None, 0]
    # theft 3 and drugs 2 are under k together (5 is not below k): both hidden, their sum 5 can be derived but
    # no single one of them.
    assert series(data, "theft")["counts"][0] is None and series(data, "drugs")["counts"][0] is None
    assert series(data, "all")["total"] is None                   # a suppressed month: no total that reveals it


def test_the_rule_holds_on_the_demo_city_for_every_district_and_month(client):
    data = client.get("/api/statistics/incidents").get_json()
    assert len(data["months"]) == 12
    by_district: dict[str, dict[str, list]] = {}
    for s in data["series"]:
        by_district.setdefault(s["district"], {})[s["category"]] = s["counts"]
        assert all(n is None or n == 0 or n >= K for n in s["counts"])
    for counts in by_district.values():
        for m in range(len(data["months"])):
            total = counts["all"][m]
            if total is None or total == 0:
                continue
            hidden = total - sum(c[m] or 0 for key, c in counts.items() if key != "all")
            assert hidden == 0 or hidden >= K       # what is hidden together is never under k


def test_csv_names_every_month_district_and_category(client, planted):
    response = client.get("/api/statistics/incidents?district=11&from=2026-03&to=2026-04&f=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["month", "district", "district_name", "category", "incidents"]
    assert ["2026-03", "11", "Södermalm", "all", "12"] in rows and ["2026-04", "11", "Södermalm", "all", "< 5"] in rows
    by_accept = client.get("/api/statistics/incidents?district=11", headers={"Accept": "text/csv"})
    assert by_accept.mimetype == "text/csv"


@pytest.mark.parametrize(("query", "status"), [
    ("from=2026-13", 400), ("from=26-01", 400), ("to=2026-1", 400), ("from=2026-05&to=2026-01", 400),
    ("from=1990-01&to=2026-01", 400), ("category=arson", 400), ("f=xml", 400), ("district=nope", 404),
    ("from=２０２６-01", 400)])
def test_bad_parameters_are_problems(client, query, status):
    response = client.get(f"/api/statistics/incidents?{query}")
    assert response.status_code == status and response.mimetype == PROBLEM_JSON
    assert response.get_json()["detail"]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_page_has_a_chart_and_a_table_with_the_same_numbers(client, planted, lang):
    response = client.get(f"/statistics?district=11&from=2026-03&to=2026-04&lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="statistics-chart"' in html and 'role="img"' in html
    assert "<th scope=\"row\">2026-03</th><td>12</td><td>7</td>" in html
    assert "&lt; 5" in html
    assert ("Anmälda händelser per månad" if lang == "sv" else "Reported incidents per month") in html
    bad = client.get(f"/statistics?district=11&from=2026-99&lang={lang}")
    assert bad.status_code == 200 and 'role="alert"' in bad.get_data(as_text=True)
