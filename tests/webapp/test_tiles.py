"""Vector and raster tiles: decoded and checked, not just fetched."""
import mapbox_vector_tile
import numpy as np
import pytest
import rasterio
from rasterio.io import MemoryFile
from sqlalchemy import text

from geo.crs import SWEREF99TM, WGS84, transformer
from geo.tiles import tile_for_lonlat
from layers.crime import K_ANONYMITY
from webapp.errors import PROBLEM_JSON


def version(client, slug):
    return client.get(f"/api/layers/{slug}").get_json()["version"]


def route_midpoint(db_session, name=None):
    row = db_session.execute(text(
        "SELECT f.properties->>'name', ST_X(p), ST_Y(p) FROM layer_feature f JOIN layer l ON l.id = f.layer_id, "
        "LATERAL ST_Transform(ST_LineInterpolatePoint(ST_GeometryN(f.geom, 1), 0.5), 4326) AS p "
        "WHERE l.slug = 'hazardous-goods' AND f.class = 'primary' ORDER BY f.id LIMIT 1")).one()
    return row[0], row[1], row[2]


def test_a_vector_tile_decodes_to_the_route_under_it(client, db_session):
    name, lon, lat = route_midpoint(db_session)
    x, y = tile_for_lonlat(lon, lat, 14)
    response = client.get(f"/tiles/hazardous-goods/{version(client, 'hazardous-goods')}/14/{x}/{y}.mvt")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    assert "immutable" in response.headers["Cache-Control"]
    tile = mapbox_vector_tile.decode(response.data)
    features = tile["hazardous-goods"]["features"]
    assert name in {f["properties"]["name"] for f in features}
    assert all(f["properties"]["class"] in ("primary", "secondary") for f in features)
    assert all(f["geometry"]["type"] in ("LineString", "MultiLineString") for f in features)


def test_a_tile_far_from_the_city_is_empty_and_cacheable(client):
    response = client.get(f"/tiles/hazardous-goods/{version(client, 'hazardous-goods')}/10/300/300.mvt")
    assert response.status_code == 200 and response.data == b""
    assert "immutable" in response.headers["Cache-Control"]


@pytest.mark.parametrize(("path", "status"), [
    ("23/0/0.mvt", 400), ("3/8/0.mvt", 400), ("3/0/8.mvt", 400), ("12/2253/1185.png", 404),
    ("12/2253/1185.pbf", 404),
], ids=["a zoom past 22", "an x past the grid", "a y past the grid", "a PNG of a vector layer",
        "an unknown format"])
def test_bad_tile_addresses_are_refused_before_any_sql(client, path, status):
    response = client.get(f"/tiles/hazardous-goods/{version(client, 'hazardous-goods')}/{path}")
    assert response.status_code == status and response.mimetype == PROBLEM_JSON


def test_an_old_version_redirects_to_the_current_one(client):
    current = version(client, "hazardous-goods")
    response = client.get(f"/tiles/hazardous-goods/{current + 7}/12/2253/1185.mvt")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tiles/hazardous-goods/{current}/12/2253/1185.mvt")
    assert response.headers["Cache-Control"] == "no-store"


def test_a_tile_follows_a_new_version_and_a_changed_confidentiality_at_once(client, db_session):
    """Each process keeps the layer's full row between tiles (webapp.services.catalog.get_current_layer): a new
    version, or a confidentiality changed in the database, is seen by the very next tile, never a stale answer."""
    from webapp.services import catalog

    first = version(client, "hazardous-goods")
    path = "/tiles/hazardous-goods/{}/12/2253/1185.mvt"
    assert client.get(path.format(first)).status_code == 200  # the row is now kept
    catalog.bump(db_session, "hazardous-goods", source="test", licence="CC0", is_demo=False, feature_count=1)
    db_session.flush()
    old = client.get(path.format(first))
    assert old.status_code == 302 and old.headers["Location"].endswith(path.format(first + 1))
    assert client.get(path.format(first + 1)).status_code == 200
    db_session.execute(text("UPDATE layer SET confidentiality = 'restricted' WHERE slug = 'hazardous-goods'"))
    db_session.flush()
    hidden = client.get(path.format(first + 1))  # the anonymous public may not see restricted layers
    assert hidden.status_code == 404 and hidden.mimetype == PROBLEM_JSON


def crime_tile(client, z=12):
    x, y = tile_for_lonlat(18.0649, 59.3326, z)  # Sergels torg
    response = client.get(f"/tiles/crime/{version(client, 'crime')}/{z}/{x}/{y}.mvt")
    assert response.status_code == 200
    return mapbox_vector_tile.decode(response.data)["crime"]["features"], response


def test_the_public_gets_k_anonymous_cells_never_points(client):
    features, response = crime_tile(client)
    assert features, "the city centre has incidents"
    assert all(f["geometry"]["type"] == "Polygon" for f in features)
    assert all(f["properties"]["n"] >= K_ANONYMITY for f in features)
    assert not any("occurred_at" in f["properties"] for f in features)


def test_the_city_office_gets_incident_points(client, as_role):
    as_role("city")
    features, response = crime_tile(client, z=15)
    assert features and all(f["geometry"]["type"] == "Point" for f in features)
    assert all(f["properties"]["class"] in {"violence", "robbery", "theft", "vandalism", "drugs", "other"}
               and isinstance(f["id"], int) for f in features)
    assert response.headers["Cache-Control"].startswith("private")


def test_the_city_office_gets_cells_when_zoomed_out(client, as_role):
    as_role("city")
    features, _ = crime_tile(client, z=11)
    assert features and all(f["geometry"]["type"] == "Polygon" for f in features)


def flood_path(db_session):
    return db_session.execute(text("SELECT r.path FROM raster_asset r JOIN layer l ON l.id = r.layer_id "
                                   "WHERE l.slug = 'flood'")).scalar_one()


def test_a_png_tile_is_256_square_and_coloured_where_the_raster_is_deep(client, db_session):
    with rasterio.open(flood_path(db_session)) as src:
        data = src.read(1, masked=True)
        row, col = np.unravel_index(np.ma.argmax(data), data.shape)
        x3006, y3006 = src.xy(row, col)
    lon, lat = transformer(SWEREF99TM, WGS84).transform(x3006, y3006)
    z = 12
    tx, ty = tile_for_lonlat(lon, lat, z)
    response = client.get(f"/tiles/flood/{version(client, 'flood')}/{z}/{tx}/{ty}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    with MemoryFile(response.data) as mem, mem.open() as png:
        assert (png.width, png.height) == (256, 256) and png.count == 1  # a palette PNG
        index = png.read(1)
        palette = png.colormap(1)
    # The pixel over the deepest cell, located in the tile's Web Mercator frame.
    mx, my = transformer(WGS84, 3857).transform(lon, lat)
    from geo.tiles import tile_bounds_3857

    x0, y0, x1, y1 = tile_bounds_3857(z, tx, ty)
    px, py = int((mx - x0) / (x1 - x0) * 256), int((y1 - my) / (y1 - y0) * 256)
    near = {palette[int(i)] for i in index[max(0, py - 1):py + 2, max(0, px - 1):px + 2].ravel()}
    assert (0x08, 0x30, 0x6B, 255) in near  # the "above 1.0 m" class colour, opaque
    assert any(palette[int(i)][3] == 0 for i in np.unique(index)), "dry and no-data cells are transparent"


def test_a_png_tile_outside_the_raster_is_transparent(client):
    response = client.get(f"/tiles/flood/{version(client, 'flood')}/10/300/300.png")
    with MemoryFile(response.data) as mem, mem.open() as png:
        palette = png.colormap(1)
        assert png.read(1).shape == (256, 256)
        assert all(palette[int(i)][3] == 0 for i in np.unique(png.read(1)))


def test_precomputed_cells_count_exactly_the_incidents_inside_them(db_session):
    """The aggregated tiles read incident_cell; each cell's count is the number of incidents in its square."""
    rows = db_session.execute(text(
        "SELECT c.size_m, c.n, (SELECT count(*) FROM incident i WHERE i.layer = c.layer AND ST_X(i.geom) >= c.gx AND "
        "ST_X(i.geom) < c.gx + c.size_m AND ST_Y(i.geom) >= c.gy AND ST_Y(i.geom) < c.gy + c.size_m) "
        "FROM incident_cell c ORDER BY c.n DESC, c.size_m LIMIT 5")).all()
    assert rows and all(n == counted for _, n, counted in rows)
    for layer in ("crime", "accidents"):
        total = dict(db_session.execute(text("SELECT size_m, sum(n) FROM incident_cell WHERE layer = :layer "
                                             "GROUP BY size_m"), {"layer": layer}).all())
        incidents = db_session.execute(text("SELECT count(*) FROM incident WHERE layer = :layer"),
                                       {"layer": layer}).scalar_one()
        assert incidents and set(total.values()) == {incidents}
