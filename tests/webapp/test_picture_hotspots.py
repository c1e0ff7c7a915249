"""A committee takes a computed hotspot into its own district's picture: the hot cells in the district come in
clusters, a cluster becomes a hotspot annotation with the run's statistics attached (z, p, period, parameters,
counts only from k); other districts, the city office, stale runs, cells outside the district and bad bodies are
refused and nothing is written."""
from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from tests.conftest import token_headers
from webapp.errors import PROBLEM_JSON
from webapp.services.hotspots import compute
from webapp.services.imports import incidents


@pytest.fixture()
def setup(client, db_session):
    x, y = db_session.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p "
                                   "FROM district WHERE code = '11') AS d")).one()
    rng = np.random.default_rng(18)
    xs = np.concatenate([rng.normal(x, 50, 300), rng.uniform(x - 6000, x + 6000, 1500)])
    ys = np.concatenate([rng.normal(y, 50, 300), rng.uniform(y - 6000, y + 6000, 1500)])
    rows = [(f"2026-09-{1 + k % 28:02d}T21:00:00+02:00", "violence", float(a), float(b))
            for k, (a, b) in enumerate(zip(xs, ys, strict=True))]
    incidents.replace_all(db_session, rows, source="test", is_demo=False)
    heads = {key: token_headers(db_session, f"{key}@example.se", role, districts)
             for key, role, districts in (("member", "committee", ("11",)), ("other", "committee", ("10",)),
                                          ("city", "city", ()))}
    picture = client.post("/api/pictures", json={"district": "11", "year": 2037, "tertial": 2, "topic": "crime"},
                          headers=heads["member"]).headers["Location"]
    return picture, heads


def count(db_session) -> int:
    return db_session.execute(text("SELECT count(*) FROM annotation WHERE statistics IS NOT NULL")).scalar_one()


def test_a_member_takes_the_strongest_cluster_into_the_picture(client, db_session, setup):
    picture, heads = setup
    found = client.get(picture + "/hotspots", headers=heads["member"]).get_json()
    assert found["run"]["period"] == "12m" and found["clusters"]
    best = found["clusters"][0]
    assert best["class"] == 3 and all(c["n"] is None or c["n"] >= 5 for c in best["cells"])
    body = {"run": found["run"]["id"], "cells": [c["id"] for c in best["cells"]]}
    created = client.post(picture + "/annotations/from-hotspot", json=body, headers=heads["member"])
    assert created.status_code == 201, created.get_json()
    feature = created.get_json()
    props = feature["properties"]
    assert props["kind"] == "hotspot" and props["severity"] == 3 and "Gi*" in props["title"]
    stats = props["statistics"]
    assert stats["run"] == body["run"] and stats["period"] == "12m" and stats["parameters"]["band_m"] == 500.0
    assert stats["z_max"] == best["z_max"] and len(stats["cells"]) == len(best["cells"])
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    listed = client.get(picture + "/annotations", headers=heads["member"]).get_json()["features"]
    assert [f["properties"]["statistics"]["run"] for f in listed] == [body["run"]]


def test_no_one_else_takes_hotspots_into_the_picture_and_bad_requests_write_nothing(client, db_session, setup):
    picture, heads = setup
    found = client.get(picture + "/hotspots", headers=heads["member"]).get_json()
    run, cells = found["run"]["id"], [c["id"] for c in found["clusters"][0]["cells"]]
    before = count(db_session)
    for who, status in (("other", 404), ("city", 403)):          # a neighbour does not even see the draft
        response = client.post(picture + "/annotations/from-hotspot", json={"run": run, "cells": cells},
                               headers=heads[who])
        assert response.status_code == status and response.mimetype == PROBLEM_JSON
    anonymous = client.post(picture + "/annotations/from-hotspot", json={"run": run, "cells": cells})
    assert anonymous.status_code == 404                      # as for every draft: not signed in, not there
    outside = db_session.execute(text(
        'SELECT concat_ws(\'_\', h.run_id, h.i, h.j) FROM hotspot_cell h JOIN grid_cell g ON g.grid = \'hex-250\' '
        'AND g.i = h.i AND g.j = h.j WHERE h.run_id = :r AND h."class" > 0 AND NOT ST_Intersects(g.geom, '
        "(SELECT geom FROM district WHERE code = '11')) LIMIT 1"), {"r": run}).scalar()
    bodies = [[], "cells", {"run": run}, {"run": "1", "cells": cells}, {"run": run, "cells": ["x"]},
              {"run": run, "cells": [f"{run + 999}_1_1"]}, {"run": run, "cells": cells, "colour": "red"},
              {"run": run, "cells": cells, "severity": 9}, {"run": run, "cells": [f"{run}_1_1"]}]
    if outside:
        bodies.append({"run": run, "cells": [outside]})
    for body in bodies:
        response = client.post(picture + "/annotations/from-hotspot", json=body, headers=heads["member"])
        assert response.status_code == 422, (body, response.get_json())
        assert response.mimetype == PROBLEM_JSON and response.get_json()["detail"]
    compute.compute(db_session, periods=["12m"], categories=["all"], bands=["all"])    # the run is retired
    stale = client.post(picture + "/annotations/from-hotspot", json={"run": run, "cells": cells},
                        headers=heads["member"])
    assert stale.status_code == 422 and "current" in stale.get_json()["detail"]
    assert count(db_session) == before


def test_an_accidents_picture_takes_the_accident_hotspots_not_the_crime_ones(client, db_session, setup):
    from layers.accidents import DEFINITION as ACCIDENTS

    crime_picture, heads = setup
    x, y = db_session.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p "
                                   "FROM district WHERE code = '11') AS d")).one()
    rng = np.random.default_rng(19)
    xs = np.concatenate([rng.normal(x, 50, 200), rng.uniform(x - 6000, x + 6000, 1500)])
    ys = np.concatenate([rng.normal(y, 50, 200), rng.uniform(y - 6000, y + 6000, 1500)])
    rows = [(f"2026-09-{1 + k % 28:02d}T08:00:00+02:00", "traffic", float(a), float(b))
            for k, (a, b) in enumerate(zip(xs, ys, strict=True))]
    incidents.replace_all(db_session, rows, source="test", is_demo=False, layer=ACCIDENTS)
    picture = client.post("/api/pictures", json={"district": "11", "year": 2037, "tertial": 2, "topic": "accidents"},
                          headers=heads["member"]).headers["Location"]
    found = client.get(picture + "/hotspots", headers=heads["member"]).get_json()
    assert found["layer"] == "accidents" and found["run"]["layer"] == "accidents" and found["clusters"]
    crime_run = client.get(crime_picture + "/hotspots", headers=heads["member"]).get_json()["run"]
    assert crime_run["layer"] == "crime" and crime_run["id"] != found["run"]["id"]
    before = count(db_session)
    cells = [c["id"] for c in found["clusters"][0]["cells"]]
    wrong = client.post(picture + "/annotations/from-hotspot", json={"run": crime_run["id"], "cells": cells},
                        headers=heads["member"])
    assert wrong.status_code == 422 and wrong.mimetype == PROBLEM_JSON and count(db_session) == before
    taken = client.post(picture + "/annotations/from-hotspot", json={"run": found["run"]["id"], "cells": cells},
                        headers=heads["member"])
    assert taken.status_code == 201, taken.get_json()
    assert taken.get_json()["properties"]["statistics"]["layer"] == "accidents"
