"""OGC API Coverages for the raster layers (flood, heat): the collection's links, the GeoTIFF of a bbox or subset in
EPSG:3006 with physical values (float32) at the COG's resolution or an overview's, the domain set and range type,
400 problems for bad subsets, 404 for what a role may not see, and GDAL reading it all."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from contextlib import contextmanager

import numpy as np
import pytest
import rasterio
from rasterio.io import MemoryFile

from geo.crs import SWEREF99TM, WGS84, transformer
from webapp.errors import PROBLEM_JSON
from webapp.services.ogc import coverages

REL = "http://www.opengis.net/def/rel/ogc/1.0/"
GEOTIFF = "image/tiff; application=geotiff"
EPSG3006 = "http://www.opengis.net/def/crs/EPSG/0/3006"
# Södermalm and Kungsholmen around City Hall, lon/lat: the demo rasters have depths and temperatures there.
CENTRE = "18.03,59.31,18.09,59.34"


def _json(response, status=200):
    assert response.status_code == status, response.data[:500]
    return json.loads(response.data)


def _problem(response, status=400) -> dict:
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == PROBLEM_JSON
    return json.loads(response.data)


@contextmanager
def _tiff(response):
    assert response.status_code == 200, response.data[:500]
    assert response.headers["Content-Type"] == GEOTIFF
    with MemoryFile(response.data) as memory, memory.open() as ds:
        yield ds


def _value(client, slug: str, east: float, north: float) -> float | None:
    lon, lat = transformer(SWEREF99TM, WGS84).transform(east, north)
    return _json(client.get(f"/api/layers/{slug}/value?lon={lon}&lat={lat}"))["value"]


@pytest.mark.parametrize("slug", ["flood", "heat"])
def test_a_raster_layer_is_a_coverage_collection_with_its_links(client, slug):
    body = _json(client.get(f"/ogc/collections/{slug}"))
    rels = {link["rel"]: link for link in body["links"]}
    assert rels[REL + "coverage"]["type"] == GEOTIFF and rels[REL + "coverage"]["href"].endswith("/coverage")
    assert rels[REL + "coverage-domainset"]["href"].endswith("/coverage/domainset")
    assert rels[REL + "coverage-rangetype"]["href"].endswith("/coverage/rangetype")
    assert "items" not in rels and "itemType" not in body and body["layerDataType"] == "Coverage"
    assert body["storageCrs"] == EPSG3006
    west, south, east, north = body["extent"]["spatial"]["bbox"][0]
    assert 17.6 < west < east < 18.4 and 59.1 < south < north < 59.6
    assert slug in {c["id"] for c in _json(client.get("/ogc/collections"))["collections"]}
    _problem(client.get(f"/ogc/collections/{slug}/items"), 404)
    _problem(client.get(f"/ogc/collections/{slug}/queryables"), 404)


@pytest.mark.parametrize("slug", ["flood", "heat"])
def test_the_geotiff_holds_the_values_the_api_gives_at_the_same_points(client, slug):
    with _tiff(client.get(f"/ogc/collections/{slug}/coverage?bbox={CENTRE}")) as ds:
        assert ds.crs.to_epsg() == 3006 and ds.dtypes[0] == "float32" and ds.units[0] in ("m", "°C")
        data = ds.read(1)
        assert np.isfinite(data).any()
        rows, cols = np.nonzero(np.isfinite(data))
        # The largest value and a few others, each compared at its pixel's centre with /api/layers/<slug>/value.
        picks = [divmod(int(np.nanargmax(data)), data.shape[1])]
        picks += [(rows[i], cols[i]) for i in range(0, len(rows), len(rows) // 5)]
        for row, col in picks:
            east, north = ds.xy(row, col)
            assert _value(client, slug, east, north) == pytest.approx(float(data[row, col]), abs=1e-3)
    if slug == "flood":
        assert float(np.nanmax(data)) > 0.3  # a real depth in metres, not stored centimetres


def test_a_small_subset_is_at_the_cogs_resolution_and_a_large_one_at_an_overview(client, monkeypatch):
    resolution = _json(client.get("/ogc/collections/flood/coverage/domainset"))["generalGrid"]["axis"][0]["resolution"]
    with _tiff(client.get(f"/ogc/collections/flood/coverage?bbox={CENTRE}")) as ds:
        assert ds.res == (resolution, resolution) and ds.tags()["OVERVIEW_FACTOR"] == "1"
    monkeypatch.setattr(coverages, "MAX_PX", 200)
    with _tiff(client.get("/ogc/collections/flood/coverage")) as ds:
        factor = int(ds.tags()["OVERVIEW_FACTOR"])
        assert factor in (2, 4, 8, 16) and ds.res == (resolution * factor, resolution * factor)
        assert max(ds.width, ds.height) <= 200 < max(ds.width, ds.height) * 2


def test_a_sweref_bbox_is_northing_easting_and_a_subset_with_scale_size_gives_that_grid(client):
    with _tiff(client.get(f"/ogc/collections/heat/coverage?bbox=6579000,673000,6581000,675000&bbox-crs={EPSG3006}")) \
            as ds:
        left, bottom, right, top = ds.bounds
        assert left <= 673000 < 675000 <= right and bottom <= 6579000 < 6581000 <= top
        assert right - left < 2200  # easting 673000 … 675000, snapped to whole pixels
    url = "/ogc/collections/heat/coverage?subset=E(673000:675000),N(6579000:6581000)&scale-size=E(100),N(50)"
    with _tiff(client.get(url)) as ds:
        assert (ds.width, ds.height) == (100, 50) and tuple(ds.bounds) == (673000, 6579000, 675000, 6581000)
    gdal_style = "/ogc/collections/heat/coverage?subset=E(673000:675000),N(6579000:6581000)&scaleSize=E(64),N(64)"
    with _tiff(client.get(gdal_style)) as ds:
        assert (ds.width, ds.height) == (64, 64)


def test_a_coverage_can_be_read_in_byte_ranges_as_gdal_and_qgis_read_urls(client):
    url = f"/ogc/collections/flood/coverage?bbox={CENTRE}"
    whole = client.get(url)
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["ETag"]
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == whole.data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.data)}"
    assert client.get(url, headers={"If-None-Match": whole.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("query, words", [
    ("bbox=18,59,18.1", "4 comma-separated"),
    ("bbox=18.1,59,18.0,60", "minimum below"),
    ("bbox=11.9,57.6,12.0,57.7", "does not overlap"),  # Gothenburg
    ("bbox=-10,0,-9,1", "outside the area of EPSG:3006"),
    ("bbox=18,59,18.1,59.1&subset=E(1:2)", "not both"),
    ("subset=X(1:2)", "axes E and N"),
    ("subset=E(675000:674000)", "low end below"),
    ("subset=E(a:b)", "finite numbers"),
    ("scale-size=E(5000),N(10)", "1 … 4096"),
    ("scale-size=E(10)", "both axes"),
    ("f=json", "GeoTIFF"),
    ("colour=red", "colour"),
], ids=["three numbers", "west east of east", "outside the raster", "outside sweref", "bbox and subset",
        "unknown axis", "empty interval", "not numbers", "too large", "one axis", "json", "unknown parameter"])
def test_a_bad_subset_is_a_400_problem_saying_what_is_wrong(client, query, words):
    problem = _problem(client.get(f"/ogc/collections/flood/coverage?{query}"))
    assert words in problem["detail"] and problem["status"] == 400


def test_the_domain_set_and_range_type_describe_the_grid_and_the_values(client):
    grid = _json(client.get("/ogc/collections/flood/coverage/domainset"))["generalGrid"]
    assert grid["srsName"] == EPSG3006 and grid["axisLabels"] == ["N", "E"]
    east, north = (next(a for a in grid["axis"] if a["axisLabel"] == label) for label in ("E", "N"))
    width = grid["gridLimits"]["axis"][0]["upperBound"] + 1
    assert (east["upperBound"] - east["lowerBound"]) / east["resolution"] == pytest.approx(width)
    assert 650_000 < east["lowerBound"] < 700_000 and 6_550_000 < north["lowerBound"] < 6_600_000
    field = _json(client.get("/ogc/collections/heat/coverage/rangetype?lang=en"))["field"][0]
    assert field["definition"].endswith("/float32") and field["uom"]["code"] == "Cel"
    assert field["nilValues"][0]["value"] == "NaN" and "temperature" in field["description"]
    for path in ("/ogc/collections/flood/coverage/domainset", "/ogc/collections/flood/coverage/rangetype"):
        response = client.get(path + "?f=html&lang=en")
        assert response.status_code == 200 and response.mimetype == "text/html" and b"flood" in response.data


@pytest.mark.parametrize("path", ["/coverage", "/coverage/domainset", "/coverage/rangetype"])
def test_coverage_routes_are_404_where_there_is_no_coverage_the_role_may_see(client, as_role, path):
    as_role("public")
    _problem(client.get(f"/ogc/collections/drinking-water{path}"), 404)  # internal: not even its existence
    as_role("viewer")
    _problem(client.get(f"/ogc/collections/drinking-water{path}"), 404)  # a vector layer: items, no coverage
    _problem(client.get(f"/ogc/collections/districts{path}"), 404)
    _problem(client.get(f"/ogc/collections/nope{path}"), 404)


# --- GDAL ----------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gdal():
    if shutil.which("gdalinfo") is None or shutil.which("ogrinfo") is None:
        pytest.skip("GDAL's command-line tools (gdal-bin) are not installed")
    return lambda *args: _run(*args)


def _run(*args) -> str:
    # CACHE=NO: GDAL's OGCAPI driver would otherwise keep the blocks it read in ./gdalwmscache.
    if any(a.startswith("OGCAPI:") for a in args):
        args = [args[0], "-oo", "CACHE=NO", *args[1:]]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120,
                            env={"GDAL_HTTP_TIMEOUT": "20", "CPL_DEBUG": "OFF", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_gdal_finds_all_five_hazards_for_a_viewer(gdal, live_server):
    vector = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{live_server}/ogc")
    layers = set(re.findall(r"^\d+: ([\w-]+)", vector, re.MULTILINE))
    assert {"districts", "hazardous-goods", "drinking-water", "crime-cells"} <= layers
    assert not layers & {"crime", "flood", "heat"}, vector  # no points for a viewer; rasters are coverages
    raster = gdal("gdalinfo", f"OGCAPI:{live_server}/ogc")
    names = set(re.findall(r"SUBDATASET_\d+_NAME=OGCAPI:\S+/collections/([\w-]+)", raster))
    assert names == {"flood", "heat"}, raster


@pytest.mark.parametrize("slug", ["flood", "heat"])
def test_gdal_reads_the_coverage_values_the_api_gives(gdal, live_server, client, slug):
    info = gdal("gdalinfo", f"OGCAPI:{live_server}/ogc/collections/{slug}")
    assert "Driver: OGCAPI" in info and "Type=Float32" in info
    with _tiff(client.get(f"/ogc/collections/{slug}/coverage?bbox={CENTRE}")) as ds:
        data = ds.read(1)
        row, col = np.unravel_index(int(np.nanargmax(data)), data.shape)
        east, north = ds.xy(row, col)
    expected = _value(client, slug, east, north)
    # GDAL 3.6's OGCAPI driver labels a coverage's CRS WGS 84 whatever its domain set says, but its grid is the
    # domain set's (EPSG:3006 metres): the point is given in those.
    through_ogcapi = gdal("gdallocationinfo", "-valonly", "-geoloc", f"OGCAPI:{live_server}/ogc/collections/{slug}",
                          str(east), str(north))
    assert float(through_ogcapi) == pytest.approx(expected, abs=1e-3)
    url = f"/vsicurl/{live_server}/ogc/collections/{slug}/coverage?bbox={CENTRE}"
    direct = gdal("gdalinfo", url)
    assert 'ID["EPSG",3006]' in direct and "Type=Float32" in direct and "NoData Value=nan" in direct
    lon, lat = transformer(SWEREF99TM, WGS84).transform(east, north)
    assert float(gdal("gdallocationinfo", "-valonly", "-wgs84", url, str(lon), str(lat))) == pytest.approx(
        expected, abs=1e-3)


def test_rasterio_opens_a_coverage_url_as_any_geotiff(live_server):
    with rasterio.open(f"{live_server}/ogc/collections/flood/coverage?bbox={CENTRE}") as ds:
        assert ds.crs.to_epsg() == 3006 and ds.count == 1
