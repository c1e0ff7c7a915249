"""OGC API Tiles for every layer: each collection links its tilesets, the WebMercatorQuad tileset's URL template is the
layer's current /tiles URL and fetches real tiles, the tile matrix set is the standard one (and GDAL 3.6 reads it),
and the role rules hold (404 for what a role may not see, private tiles stay private, crime cells vs points)."""
from __future__ import annotations

import json
import shutil
import subprocess
from urllib.parse import urlsplit

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from geo.tiles import tile_for_lonlat
from layers.crime import POINTS_MIN_ZOOM
from webapp.errors import PROBLEM_JSON

REL = "http://www.opengis.net/def/rel/ogc/1.0/"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
CITY_HALL = (18.0545, 59.3275)


def _json(response, status=200):
    assert response.status_code == status, response.data[:500]
    return json.loads(response.data)


def _problem(response, status=404) -> dict:
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == PROBLEM_JSON
    return json.loads(response.data)


def _rel(body, rel) -> dict:
    return next(link for link in body["links"] if link["rel"] == rel)


def _tileset(client, collection_id: str) -> dict:
    listed = _json(client.get(_rel(_json(client.get(f"/ogc/collections/{collection_id}")), _tilesets_rel(
        client, collection_id))["href"]))
    assert [t["tileMatrixSetURI"] for t in listed["tilesets"]] == [TMS_URI]
    return _json(client.get(_rel(listed["tilesets"][0], "self")["href"]))


def _tilesets_rel(client, collection_id: str) -> str:
    rels = {link["rel"] for link in _json(client.get(f"/ogc/collections/{collection_id}"))["links"]}
    found = rels & {REL + "tilesets-vector", REL + "tilesets-map"}
    assert len(found) == 1, rels
    return found.pop()


def _tile_url(tileset: dict, z: int, lon: float, lat: float) -> str:
    template = _rel(tileset, "item")["href"]
    x, y = tile_for_lonlat(lon, lat, z)
    parts = urlsplit(template.replace("{tileMatrix}", str(z)).replace("{tileCol}", str(x))
                     .replace("{tileRow}", str(y)))
    return parts.path


def _zooms(tileset: dict) -> list[int]:
    return [int(limit["tileMatrix"]) for limit in tileset["tileMatrixSetLimits"]]


@pytest.mark.parametrize("collection_id, kind", [("hazardous-goods", "vector"), ("drinking-water", "vector"),
                                                 ("crime-cells", "vector"), ("flood", "map"), ("heat", "map")])
def test_every_layer_links_its_tilesets(client, as_role, collection_id, kind):
    as_role("viewer")
    assert _tilesets_rel(client, collection_id) == f"{REL}tilesets-{kind}"
    tileset = _tileset(client, collection_id)
    assert tileset["dataType"] == kind and tileset["crs"].endswith("/EPSG/0/3857")
    assert _rel(tileset, REL + "tiling-scheme")["href"].endswith("/ogc/tileMatrixSets/WebMercatorQuad")
    item = _rel(tileset, "item")
    assert item["type"] == ("application/vnd.mapbox-vector-tile" if kind == "vector" else "image/png")
    assert {"{tileMatrix}", "{tileRow}", "{tileCol}"} <= {p for p in ("{tileMatrix}", "{tileRow}", "{tileCol}")
                                                          if p in item["href"]}


def test_districts_have_no_tiles(client):
    assert not {link["rel"] for link in _json(client.get("/ogc/collections/districts"))["links"]} & {
        REL + "tilesets-vector", REL + "tilesets-map"}
    _problem(client.get("/ogc/collections/districts/tiles"))


def test_a_vector_tilesets_template_fetches_the_route_under_it(client, db_session):
    name, lon, lat = db_session.execute(text(
        "SELECT f.properties->>'name', ST_X(p), ST_Y(p) FROM layer_feature f JOIN layer l ON l.id = f.layer_id, "
        "LATERAL ST_Transform(ST_LineInterpolatePoint(ST_GeometryN(f.geom, 1), 0.5), 4326) AS p "
        "WHERE l.slug = 'hazardous-goods' ORDER BY f.id LIMIT 1")).one()
    tileset = _tileset(client, "hazardous-goods")
    version = _json(client.get("/api/layers/hazardous-goods"))["version"]
    url = _tile_url(tileset, 14, lon, lat)
    assert url.startswith(f"/tiles/hazardous-goods/{version}/14/")
    response = client.get(url)
    assert response.status_code == 200 and "immutable" in response.headers["Cache-Control"]
    assert name in {f["properties"]["name"] for f in mapbox_vector_tile.decode(response.data)["hazardous-goods"][
        "features"]}
    x, y = tile_for_lonlat(lon, lat, 14)
    limit = next(limit for limit in tileset["tileMatrixSetLimits"] if limit["tileMatrix"] == "14")
    assert limit["minTileCol"] <= x <= limit["maxTileCol"] and limit["minTileRow"] <= y <= limit["maxTileRow"]
    assert _zooms(tileset) == list(range(23))


def test_a_map_tilesets_template_fetches_a_png_of_the_raster(client):
    tileset = _tileset(client, "flood")
    response = client.get(_tile_url(tileset, 12, *CITY_HALL))
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG") and len(response.data) > 200  # drawn, not the empty tile
    assert tileset["boundingBox"]["crs"].endswith("/CRS84")


def test_the_tile_matrix_set_is_the_standard_webmercatorquad(client):
    listed = _json(client.get("/ogc/tileMatrixSets"))
    assert [t["id"] for t in listed["tileMatrixSets"]] == ["WebMercatorQuad"]
    tms = _json(client.get(_rel(listed["tileMatrixSets"][0], "self")["href"]))
    assert tms["id"] == "WebMercatorQuad" and tms["uri"] == TMS_URI and tms["crs"].endswith("/EPSG/0/3857")
    assert len(tms["tileMatrices"]) == 25
    first, last = tms["tileMatrices"][0], tms["tileMatrices"][-1]
    # OGC 17-083r4 Annex D.1: the values every WebMercatorQuad client expects.
    assert first["scaleDenominator"] == pytest.approx(559082264.028717) and first["cellSize"] == pytest.approx(
        156543.033928041)
    assert first["pointOfOrigin"] == pytest.approx([-20037508.3427892, 20037508.3427892])
    assert (last["id"], last["matrixWidth"], last["tileWidth"]) == ("24", 2**24, 256)
    _problem(client.get("/ogc/tileMatrixSets/WorldCRS84Quad"))
    _problem(client.get("/ogc/collections/flood/tiles/WorldCRS84Quad"))


def test_gdal_reads_the_tile_matrix_set(client, tmp_path):
    if shutil.which("gdal_translate") is None:
        pytest.skip("gdal-bin is not installed")
    definition = tmp_path / "WebMercatorQuad.json"
    definition.write_bytes(client.get("/ogc/tileMatrixSets/WebMercatorQuad").data)
    source, target = tmp_path / "in.tif", tmp_path / "out.tif"
    with client.get("/ogc/collections/heat/coverage?bbox=18.0,59.3,18.1,59.35") as response:
        source.write_bytes(response.data)
    result = subprocess.run(["gdal_translate", "-q", "-of", "COG", "-co", f"TILING_SCHEME={definition}",
                             str(source), str(target)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr  # GDAL 3.6 reads the scheme (its 1.0 members) and tiles on it
    info = subprocess.run(["gdalinfo", str(target)], capture_output=True, text=True, timeout=60).stdout
    assert 'ID["EPSG",3857]' in info and "ZOOM_LEVEL=" in info


@pytest.mark.parametrize("path", ["/tiles", "/tiles/WebMercatorQuad"])
def test_a_layer_the_role_may_not_see_has_no_tiles_and_private_ones_stay_private(client, as_role, path):
    as_role("public")
    _problem(client.get(f"/ogc/collections/drinking-water{path}"))
    as_role("viewer")
    response = client.get(f"/ogc/collections/drinking-water{path}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-cache"
    assert client.get(f"/ogc/collections/hazardous-goods{path}").headers["Cache-Control"] == "no-cache"


def test_crime_tiles_are_cells_for_the_viewer_and_split_into_cells_and_points_for_the_city(client, as_role):
    as_role("viewer")
    cells = _tileset(client, "crime-cells")
    assert _zooms(cells) == list(range(23)) and "/tiles/crime/" in _rel(cells, "item")["href"]
    _problem(client.get("/ogc/collections/crime/tiles"))
    as_role("city")
    assert _zooms(_tileset(client, "crime-cells")) == list(range(POINTS_MIN_ZOOM))
    points_response = client.get("/ogc/collections/crime/tiles/WebMercatorQuad")
    assert "private" in points_response.headers["Cache-Control"]
    points = _json(points_response)
    assert _zooms(points) == list(range(POINTS_MIN_ZOOM, 23))
    tile = client.get(_tile_url(points, POINTS_MIN_ZOOM + 1, *CITY_HALL))
    assert tile.status_code == 200 and "private" in tile.headers["Cache-Control"]
    features = mapbox_vector_tile.decode(tile.data)["crime"]["features"]
    assert features and "n" not in features[0]["properties"]  # points, not cells


@pytest.mark.parametrize("path", ["/ogc/collections/flood/tiles", "/ogc/collections/flood/tiles/WebMercatorQuad",
                                  "/ogc/tileMatrixSets", "/ogc/tileMatrixSets/WebMercatorQuad",
                                  "/ogc/collections/flood", "/ogc/collections/crime-cells"])
def test_the_tile_resources_are_html_too_in_both_languages(client, path):
    for lang, word in (("sv", "Platt"), ("en", "Tile")):
        response = client.get(f"{path}?f=html&lang={lang}")
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert word.encode() in response.data


def test_the_api_definition_lists_the_coverage_and_tile_paths(client):
    paths = _json(client.get("/ogc/api"))["paths"]
    for path in ("/collections/{collectionId}/coverage", "/collections/{collectionId}/coverage/domainset",
                 "/collections/{collectionId}/coverage/rangetype", "/collections/{collectionId}/tiles",
                 "/collections/{collectionId}/tiles/{tileMatrixSetId}", "/tileMatrixSets",
                 "/tileMatrixSets/{tileMatrixSetId}"):
        assert "get" in paths[path], path
    names = {p["name"] for p in paths["/collections/{collectionId}/coverage"]["get"]["parameters"]}
    assert {"bbox", "bbox-crs", "subset", "scale-size"} <= names
    assert "/collections/flood/items" not in paths  # a coverage has no items
