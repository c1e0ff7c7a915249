"""The committees' accepted annotations as an OGC API Features collection (`annotations`), for crisis management in
QGIS and GDAL: only accepted pictures' annotations are published, filters by district, period, topic, kind and
severity, and the public role does not see it."""
from __future__ import annotations

import pytest

from tests.conftest import PICTURE_PEOPLE, token_headers

POINT = {"type": "Point", "coordinates": [18.0735, 59.3143]}
YEAR = 2027


@pytest.fixture()
def heads(db_session):
    return {"public": {}} | {key: token_headers(db_session, f"{key}-ogc@example.se", role, districts)
                             for key, role, districts in PICTURE_PEOPLE}


def _picture(client, heads, topic: str, drawn, *, accept: bool, submit: bool = True) -> int:
    created = client.post("/api/pictures", headers=heads["member"],
                          json={"district": "11", "year": YEAR, "tertial": 2, "topic": topic})
    picture = created.get_json()["id"]
    for kind, severity, title in drawn:
        props = {"kind": kind, "severity": severity, "title": title}
        if kind == "measure":
            props |= {"measure_type": "situational", "measure_status": "done", "responsible": "Trafikkontoret"}
        assert client.post(f"/api/pictures/{picture}/annotations", headers=heads["member"], json={
            "type": "Feature", "geometry": POINT, "properties": props}).status_code == 201
    if submit:
        client.post(f"/api/pictures/{picture}/submit", headers=heads["member"])
    if accept:
        assert client.post(f"/api/pictures/{picture}/accept", headers=heads["city"]).status_code == 200
    return picture


def _titles(client, heads, query: str = "", who: str = "viewer") -> set[str]:
    response = client.get(f"/ogc/collections/annotations/items?year={YEAR}&limit=1000{query}", headers=heads[who])
    assert response.status_code == 200, response.get_data(as_text=True)
    return {f["properties"]["title"] for f in response.get_json()["features"]}


def test_only_accepted_annotations_are_published_with_their_filters(client, heads):
    _picture(client, heads, "crime", [("hotspot", 4, "Torget"), ("measure", 2, "Belysning")], accept=True)
    _picture(client, heads, "accidents", [("risk_object", 3, "Korsningen")], accept=False)            # submitted
    _picture(client, heads, "threats", [("observation", 1, "Utkastet")], accept=False, submit=False)  # a draft
    for who in ("viewer", "member", "city"):                   # not even the city office sees unpublished ones here
        assert _titles(client, heads, who=who) == {"Torget", "Belysning"}, who
    assert _titles(client, heads, "&kind=hotspot") == {"Torget"}
    assert _titles(client, heads, "&severity=2&topic=crime&district=11&tertial=2") == {"Belysning"}
    assert _titles(client, heads, "&tertial=3") == set()
    feature = client.get(f"/ogc/collections/annotations/items?year={YEAR}&kind=measure", headers=heads["viewer"])
    props = feature.get_json()["features"][0]["properties"]
    assert props["measure_status"] == "done" and props["responsible"] == "Trafikkontoret" and props["topic"] == "crime"
    one = client.get(f"/ogc/collections/annotations/items/{feature.get_json()['features'][0]['id']}",
                     headers=heads["viewer"])
    assert one.status_code == 200 and one.get_json()["properties"]["title"] == "Belysning"


def test_an_unpublished_annotation_is_not_there_by_id_and_the_public_does_not_see_the_collection(client, heads):
    draft = _picture(client, heads, "other", [("hotspot", 2, "Hemligt")], accept=False, submit=False)
    annotation = client.get(f"/api/pictures/{draft}/annotations", headers=heads["member"]).get_json()
    hidden = annotation["features"][0]["id"]
    assert client.get(f"/ogc/collections/annotations/items/{hidden}", headers=heads["city"]).status_code == 404
    listed = client.get("/ogc/collections?f=json", headers=heads["viewer"]).get_json()["collections"]
    assert "annotations" in {c["id"] for c in listed}
    public = client.get("/ogc/collections?f=json").get_json()["collections"]
    assert "annotations" not in {c["id"] for c in public}
    assert client.get("/ogc/collections/annotations/items").status_code == 404
