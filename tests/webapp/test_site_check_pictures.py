"""The site check names the accepted situation pictures with annotations at the site and counts their drawn
hotspots in the crime verdict; drafts, submitted and returned pictures never count."""
from __future__ import annotations

from tests.conftest import PICTURE_PEOPLE, token_headers

SITE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.0735, 59.3143]},
        "properties": {"land_use": "B", "buffer_m": 50, "title": "Nära torget"}}
NEAR = {"type": "Polygon", "coordinates": [[[18.0730, 59.3140], [18.0740, 59.3140], [18.0740, 59.3146],
                                            [18.0730, 59.3146], [18.0730, 59.3140]]]}
FAR = {"type": "Point", "coordinates": [18.0900, 59.3100]}


def _picture(client, heads, topic, drawn, *, accept):
    picture = client.post("/api/pictures", headers=heads["member"], json={
        "district": "11", "year": 2024, "tertial": 3, "topic": topic}).get_json()["id"]
    for geometry, kind in drawn:
        assert client.post(f"/api/pictures/{picture}/annotations", headers=heads["member"], json={
            "type": "Feature", "geometry": geometry,
            "properties": {"kind": kind, "severity": 3, "title": "Hemlig rubrik"}}).status_code == 201
    client.post(f"/api/pictures/{picture}/submit", headers=heads["member"])
    if accept:
        assert client.post(f"/api/pictures/{picture}/accept", headers=heads["city"]).status_code == 200
    return picture


def test_the_check_lists_the_accepted_pictures_at_the_site_and_their_hotspots(client, db_session):
    heads = {key: token_headers(db_session, f"{key}-sc@example.se", role, districts)
             for key, role, districts in PICTURE_PEOPLE}
    before = client.post("/api/site-checks", json=SITE, headers=heads["viewer"]).get_json()
    crime = lambda body: next(h for h in body["hazards"] if h["hazard"] == "crime")  # noqa: E731
    accepted = _picture(client, heads, "crime", [(NEAR, "hotspot"), (NEAR, "observation"), (FAR, "hotspot")],
                        accept=True)
    _picture(client, heads, "accidents", [(NEAR, "hotspot")], accept=False)          # submitted, not published
    after = client.post("/api/site-checks", json=SITE, headers=heads["viewer"]).get_json()
    pictures = after["situation_pictures"]
    assert pictures["status"] == "found" and pictures["hotspots"] - before["situation_pictures"]["hotspots"] == 1
    mine = [p for p in pictures["pictures"] if p["id"] == accepted]
    assert mine == [{"id": accepted, "district": "11", "year": 2024, "tertial": 3, "topic": "crime",
                     "annotations": 2, "by_kind": {"hotspot": 1, "observation": 1}}]
    assert "Hemlig rubrik" not in str(pictures)          # titles stay in the picture
    assert crime(after)["values"]["drawn_hotspots"] == crime(before)["values"]["drawn_hotspots"] + 1
    report = client.get(f"/sites/{after['id']}", headers=heads["viewer"]).get_data(as_text=True)
    assert f'href="/pictures/{accepted}"' in report and "2024 T3, Brott" in report
