"""Comparing two periods of a district's picture finds exactly what was planted between them: additions, removals,
moves beyond the tolerance and re-ratings, matched through copy-forward links across a period in between."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PICTURE_PEOPLE, token_headers

LON, LAT = 18.0735, 59.3143


def _point(dx_m: float = 0.0) -> dict:
    return {"type": "Point", "coordinates": [LON + dx_m / 56_800, LAT]}  # ~56.8 km per degree of longitude here


@pytest.fixture()
def heads(db_session):
    return {"public": {}} | {key: token_headers(db_session, f"{key}-cmp@example.se", role, districts)
                             for key, role, districts in PICTURE_PEOPLE}


@pytest.fixture()
def periods(client, heads):
    """2025 T2 with five annotations; copied to 2025 T3, then to 2026 T2, where the changes are made."""
    member = heads["member"]
    first = client.post("/api/pictures", headers=member, json={"district": "11", "year": 2025, "tertial": 2,
                                                               "topic": "crime"}).get_json()["id"]
    for title, kind, severity in (("Stilla", "hotspot", 2), ("Flyttad", "hotspot", 3), ("Omvärderad", "hotspot", 2),
                                  ("Åtgärden", "measure", 2), ("Borttagen", "observation", 1)):
        props = {"kind": kind, "severity": severity, "title": title}
        if kind == "measure":
            props |= {"measure_type": "social", "measure_status": "planned"}
        assert client.post(f"/api/pictures/{first}/annotations", headers=member, json={
            "type": "Feature", "geometry": _point(), "properties": props}).status_code == 201
    middle = client.post(f"/api/pictures/{first}/copy-forward", headers=member).get_json()["id"]
    last = client.post(f"/api/pictures/{middle}/copy-forward", headers=member,
                       json={"year": 2026, "tertial": 2}).get_json()["id"]
    annotations = f"/api/pictures/{last}/annotations"
    by_title = {f["properties"]["title"]: f for f in client.get(annotations, headers=member).get_json()["features"]}

    def change(title: str, body: dict) -> None:
        f = by_title[title]
        response = client.patch(f"{annotations}/{f['id']}", headers=member | {"If-Match": '"1"'}, json=body)
        assert response.status_code == 200, response.get_json()

    change("Stilla", {"geometry": _point(1.5)})                    # within the 10 m tolerance: unchanged
    change("Flyttad", {"geometry": _point(200)})
    change("Omvärderad", {"properties": {"severity": 4}})
    change("Åtgärden", {"properties": {"measure_status": "done"}})
    assert client.delete(f"{annotations}/{by_title['Borttagen']['id']}", headers=member | {"If-Match": '"1"'}
                         ).status_code == 204
    assert client.post(annotations, headers=member, json={"type": "Feature", "geometry": _point(50), "properties": {
        "kind": "incident_area", "severity": 3, "title": "Ny"}}).status_code == 201
    return first, last


def _compare(client, heads, who="member", **query):
    params = {"district": "11", "topic": "crime", "from": "2025-2", "to": "2026-2"} | query
    return client.get("/api/pictures/compare", query_string=params, headers=heads[who])


def test_compare_finds_exactly_the_planted_changes(client, heads, periods):
    response = _compare(client, heads)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    found = {f["properties"]["title"]: f["properties"]["changes"] for f in body["features"]}
    assert found == {"Stilla": ["unchanged"], "Flyttad": ["moved"], "Omvärderad": ["rerated"],
                     "Åtgärden": ["rerated"], "Borttagen": ["removed"], "Ny": ["added"]}
    assert body["summary"] == {"added": 1, "removed": 1, "moved": 1, "rerated": 2, "unchanged": 1}
    assert (body["from"]["picture"], body["to"]["picture"]) == periods
    moved = next(f for f in body["features"] if f["properties"]["title"] == "Flyttad")["properties"]
    assert 195 < moved["distance_m"] < 205 and moved["before_geometry"]["type"] == "Point"
    rerated = next(f for f in body["features"] if f["properties"]["title"] == "Omvärderad")["properties"]
    assert (rerated["before"]["severity"], rerated["severity"]) == (2, 4)
    # A tolerance above the move makes it unchanged; one below the small move makes that a move.
    wide = {f["properties"]["title"]: f["properties"]["changes"] for f in
            _compare(client, heads, tolerance="500").get_json()["features"]}
    assert wide["Flyttad"] == ["unchanged"]
    tight = {f["properties"]["title"]: f["properties"]["changes"] for f in
             _compare(client, heads, tolerance="0").get_json()["features"]}
    assert tight["Stilla"] == ["moved"]


def test_compare_refuses_bad_periods_and_hides_what_the_user_may_not_read(client, heads, periods):
    for query in ({"from": "2025"}, {"to": "2026-4"}, {"from": "2026-2", "to": "2025-2"}, {"topic": "nope"},
                  {"tolerance": "-1"}, {"district": ""}, {"from": "２０２５-2"}, {"from": "2025-2\n"}):
        response = _compare(client, heads, **query)
        assert response.status_code == 400 and response.mimetype == "application/problem+json", query
    assert _compare(client, heads, to="2027-1").status_code == 404
    for who in ("other", "viewer", "public"):                 # drafts of another district: not there for them
        assert _compare(client, heads, who=who).status_code == 404, who
    assert _compare(client, heads, who="city").status_code == 200


def test_the_compare_page_shows_the_changes_on_a_map_and_as_a_table(client, heads, periods):
    query = "district=11&topic=crime&from=2025-2&to=2026-2"
    page = client.get("/pictures/compare?" + query, headers=heads["member"]).get_data(as_text=True)
    assert "Jämför perioder: Södermalm, 2025 T2 → 2026 T2" in page
    assert "Tillkommen: 1" in page and "Borttagen: 1" in page and "Flyttad: 1" in page and "Omvärderad: 2" in page
    table = page.split("<tbody>")[1].split("</tbody>")[0]
    assert table.index("Ny") < table.index("Borttagen") < table.index("Flyttad") < table.index("Omvärderad")
    assert "2 → 4" in table and "Planerad → Klar" in table
    moved = re.search(r"<td>(\d+[.,]\d)</td></tr>", table.split("Flyttad", 1)[1]).group(1)
    assert "," in moved, moved                                    # the distance with the Swedish decimal mark
    assert '"what": "Flyttad"' in page                            # the map's tooltip: the change in words
    missing = client.get("/pictures/compare?" + query, headers=heads["other"])
    assert missing.status_code == 404 and "Inget att jämföra" in missing.get_data(as_text=True)
    bad = client.get("/pictures/compare?district=11&topic=crime&from=2025&to=2026-2", headers=heads["member"])
    assert bad.status_code == 400 and "ÅR-TERTIAL" in bad.get_data(as_text=True)
    empty = client.get("/pictures/compare", headers=heads["member"])
    assert empty.status_code == 200 and 'id="cmp-district"' in empty.get_data(as_text=True)
