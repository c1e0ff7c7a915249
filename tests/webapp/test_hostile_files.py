"""Hostile and broken files given to the imports (geo/safe_files.py, imports/worker.py): every one ends in exactly
one `Error:` line from the CLI, no traceback, and the database exactly as it was. GDAL never opens a VRT by any
name, never reads a file a file points at, and never reaches the network."""
from __future__ import annotations

import http.server
import json
import os
import stat
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import rasterio
from click.testing import CliRunner
from rasterio.transform import from_origin
from sqlalchemy import create_engine, text

from tests.files import zip_shapefile
from webapp import db
from webapp.cli import main

ROUTE = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"klass": "primary"},
         "geometry": {"type": "LineString", "coordinates": [[18.0, 59.30], [18.1, 59.32]]}}]}


@pytest.fixture(scope="module")
def imports(throwaway_database, tmp_path_factory):
    """A migrated database of its own and a way to run `riskkarta import …` against it; yields (run, snapshot)."""
    data = tmp_path_factory.mktemp("hostile-data")
    with throwaway_database("riskkarta_hostile") as database:
        db.upgrade(database.url)
        env = {"DATABASE_URL": database.url, "RISKKARTA_DATA_DIR": str(data)}
        engine = create_engine(db.normalise_url(database.url))

        def run(*args: str, extra_env: dict | None = None):
            return CliRunner().invoke(main, ["import", *args], env=env | (extra_env or {}))

        def snapshot():
            with engine.connect() as connection:
                return connection.execute(text(
                    "SELECT (SELECT count(*) FROM district), (SELECT count(*) FROM layer_feature), "
                    "(SELECT count(*) FROM incident), (SELECT count(*) FROM raster_asset), "
                    "(SELECT coalesce(sum(version), 0) FROM layer), (SELECT count(*) FROM survey_result)")).one()

        yield run, snapshot, engine
        engine.dispose()


def refused(result, *fragments: str) -> str:
    output = result.output
    assert result.exit_code != 0, output
    assert "Traceback" not in output and result.exception is None or isinstance(result.exception, SystemExit), output
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output
    for fragment in fragments:
        assert fragment.lower() in errors[0].lower(), errors[0]
    return errors[0]


class _Listener(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        _Listener.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture()
def listener():
    """A loopback HTTP server that records whether anything fetched from it."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Listener.hits = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def geotiff(path: Path, *, dtype="float32", crs="EPSG:3006", width=20, height=20, **extra) -> Path:
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": dtype,
               "transform": from_origin(670_000, 6_580_000, 10, 10), **extra}
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as ds:
        if width * height <= 10_000:
            ds.write(np.ones((1, height, width), dtype=dtype))
    return path


def vrt_raster(path: Path, target: str) -> Path:
    path.write_text(f"""<VRTDataset rasterXSize="20" rasterYSize="20">
  <SRS>EPSG:3006</SRS><GeoTransform>670000, 10, 0, 6580000, 0, -10</GeoTransform>
  <VRTRasterBand dataType="Float32" band="1"><SimpleSource>
    <SourceFilename relativeToVRT="0">{target}</SourceFilename><SourceBand>1</SourceBand>
  </SimpleSource></VRTRasterBand></VRTDataset>""")
    return path


def ogr_vrt(path: Path, target: str) -> Path:
    path.write_text(f"""<OGRVRTDataSource><OGRVRTLayer name="routes">
  <SrcDataSource>{target}</SrcDataSource><LayerSRS>EPSG:4326</LayerSRS></OGRVRTLayer></OGRVRTDataSource>""")
    return path


def test_a_vrt_is_never_opened_whatever_its_name(imports, tmp_path, listener):
    run, snapshot, _ = imports
    before = snapshot()
    secret = geotiff(tmp_path / "secret.tif")
    for name in ("flood.tif", "flood.tiff"):
        refused(run("layer", "flood", str(vrt_raster(tmp_path / name, str(secret)))), "XML")
        refused(run("layer", "flood", str(vrt_raster(tmp_path / ("net-" + name), f"/vsicurl/{listener}/x.tif"))))
    routes = tmp_path / "routes.geojson"
    routes.write_text(json.dumps(ROUTE))
    for name in ("leder.json", "leder.geojson"):
        refused(run("layer", "hazardous-goods", str(ogr_vrt(tmp_path / name, str(routes)))), "XML")
        refused(run("layer", "hazardous-goods", str(ogr_vrt(tmp_path / ("net-" + name), f"{listener}/r.geojson"))))
    assert snapshot() == before and _Listener.hits == []


def test_names_that_are_not_local_files_are_refused(imports, tmp_path, listener):
    run, snapshot, _ = imports
    before = snapshot()
    for name in (f"/vsicurl/{listener}/a.tif", f"{listener}/a.geojson", "/vsizip//etc/passwd.zip/x.shp"):
        refused(run("layer", "flood", name))
    assert snapshot() == before and _Listener.hits == []


def _zip(path: Path, members: dict[str, bytes], *, links: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


def test_hostile_zips_are_refused_before_anything_is_extracted(imports, tmp_path):
    run, snapshot, _ = imports
    before = snapshot()
    shp = zip_shapefile_parts(tmp_path)
    bomb = json.dumps(ROUTE)[:-2] + " " * 30_000_000 + "]}"
    cases = {
        "bomb.zip": ({"leder.geojson": bomb.encode()}, (), "zip bomb"),
        "slip.zip": ({"../../leder.shp": shp[".shp"], "../../leder.shx": shp[".shx"]}, (), "outside"),
        "link.zip": ({"leder.geojson": json.dumps(ROUTE).encode()}, ("leder.prj",), "link"),
        "vrt.zip": ({"leder.vrt": b"<OGRVRTDataSource/>", "leder.geojson": json.dumps(ROUTE).encode()}, (), "vrt"),
        "two.zip": ({"a.geojson": json.dumps(ROUTE).encode(), "b.geojson": json.dumps(ROUTE).encode()}, (),
                    "2 datasets"),
        "many.zip": ({f"f{i}.txt": b"x" for i in range(100)} | {"a.geojson": json.dumps(ROUTE).encode()}, (),
                     "files"),
        "nested.zip": ({"inner.zip": b"PK\x03\x04", "a.geojson": json.dumps(ROUTE).encode()}, (), "inner.zip"),
        "fake.zip": ({"leder.shp": b"not a shapefile", "leder.shx": b"", "leder.dbf": b""}, (), "not what its name"),
    }
    for name, (members, links, fragment) in cases.items():
        refused(run("layer", "hazardous-goods", str(_zip(tmp_path / name, members, links=links))), fragment)
    (tmp_path / "notzip.zip").write_bytes(b"PK\x03\x04 broken")
    refused(run("layer", "hazardous-goods", str(tmp_path / "notzip.zip")))
    assert snapshot() == before


def zip_shapefile_parts(tmp_path: Path) -> dict[str, bytes]:
    import pyogrio.raw
    import shapely

    shp = tmp_path / "parts" / "leder.shp"
    shp.parent.mkdir(exist_ok=True)
    pyogrio.raw.write(shp, np.array([shapely.LineString([(18.0, 59.3), (18.1, 59.32)]).wkb], dtype=object),
                      [np.array(["primary"], dtype=object)], ["klass"], driver="ESRI Shapefile", crs="EPSG:4326",
                      geometry_type="LineString")
    return {p.suffix: p.read_bytes() for p in shp.parent.iterdir()}


def test_missing_parts_unknown_crs_and_lying_encodings_are_refused(imports, tmp_path):
    run, snapshot, _ = imports
    before = snapshot()
    parts = zip_shapefile_parts(tmp_path)
    no_dbf = {f"leder{k}": v for k, v in parts.items() if k != ".dbf"}
    refused(run("layer", "hazardous-goods", str(_zip(tmp_path / "nodbf.zip", no_dbf))))
    no_prj = {f"leder{k}": v for k, v in parts.items() if k != ".prj"}
    refused(run("layer", "hazardous-goods", str(_zip(tmp_path / "noprj.zip", no_prj))), "coordinate reference")
    bad_prj = {f"leder{k}": v for k, v in parts.items()} | {"leder.prj": b'LOCAL_CS["site grid",UNIT["m",1]]'}
    refused(run("layer", "hazardous-goods", str(_zip(tmp_path / "localprj.zip", bad_prj))))
    junk_prj = {f"leder{k}": v for k, v in parts.items()} | {"leder.prj": b"this is not a CRS"}
    refused(run("layer", "hazardous-goods", str(_zip(tmp_path / "junkprj.zip", junk_prj))))
    # A .cpg that says UTF-8 over Latin-1 attributes.
    import pyogrio.raw
    import shapely

    shp = tmp_path / "latin" / "leder.shp"
    shp.parent.mkdir()
    pyogrio.raw.write(shp, np.array([shapely.LineString([(18.0, 59.3), (18.1, 59.32)]).wkb], dtype=object),
                      [np.array(["primary"], dtype=object), np.array(["Hägersten–Älvsjö"], dtype=object)],
                      ["klass", "namn"], driver="ESRI Shapefile", crs="EPSG:4326", geometry_type="LineString",
                      encoding="latin1")
    (shp.with_suffix(".cpg")).write_text("UTF-8")
    result = run("layer", "hazardous-goods", str(zip_shapefile(shp)))
    if result.exit_code != 0:  # GDAL may replace what it cannot decode; what it must not do is crash
        refused(result)
    mixed = {"type": "FeatureCollection", "features": ROUTE["features"] + [
        {"type": "Feature", "properties": {"klass": "primary"}, "geometry": {"type": "Point",
                                                                          "coordinates": [18.0, 59.3]}}]}
    (tmp_path / "mixed.geojson").write_text(json.dumps(mixed))
    refused(run("layer", "hazardous-goods", str(tmp_path / "mixed.geojson")))
    if result.exit_code == 0:
        before = snapshot()  # the Latin-1 file was taken as text: the rest must still have changed nothing
    assert snapshot() == before


def test_files_that_are_not_what_their_name_says_are_refused(imports, tmp_path):
    run, snapshot, _ = imports
    before = snapshot()
    png = tmp_path / "flood.tif"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    refused(run("layer", "flood", str(png)), "not what its name says")
    sqlite = tmp_path / "leder.gpkg"
    import sqlite3

    sqlite3.connect(sqlite).execute("CREATE TABLE t (x)").connection.commit()
    refused(run("layer", "hazardous-goods", str(sqlite)), "SQLite")
    zipped = _zip(tmp_path / "inner.zip", {"a.geojson": json.dumps(ROUTE).encode()})
    disguised = tmp_path / "leder.geojson"
    disguised.write_bytes(zipped.read_bytes())
    refused(run("layer", "hazardous-goods", str(disguised)), "zip")
    empty = tmp_path / "empty.tif"
    empty.write_bytes(b"")
    refused(run("layer", "flood", str(empty)))
    assert snapshot() == before


def test_absurd_raster_headers_are_refused_before_a_pixel_is_read(imports, tmp_path):
    run, snapshot, _ = imports
    before = snapshot()
    huge = geotiff(tmp_path / "huge.tif", dtype="uint8", width=100_000, height=100_000, tiled=True,
                   blockxsize=512, blockysize=512, sparse_ok=True, compress="deflate")
    refused(run("layer", "flood", str(huge)), "100,000 × 100,000")
    refused(run("layer", "flood", str(geotiff(tmp_path / "complex.tif", dtype="complex64"))), "complex64")
    local = geotiff(tmp_path / "local.tif", crs='LOCAL_CS["site grid",UNIT["metre",1]]')
    refused(run("layer", "flood", str(local)), "local")
    refused(run("layer", "flood", str(geotiff(tmp_path / "nocrs.tif", crs=None))), "coordinate reference")
    assert snapshot() == before


def test_broken_csvs_and_a_bad_crs_end_in_one_error_line(imports, tmp_path):
    run, snapshot, _ = imports
    before = snapshot()
    latin = tmp_path / "latin.csv"
    latin.write_bytes("occurred_at,category,x,y\n2026-05-01T12:00:00,misshandel,674000,6580000\n"
                      "2026-05-01T12:00:00,stöld,674000,6580000\n".encode("latin-1"))
    refused(run("layer", "crime", str(latin)), "encoding")
    long = tmp_path / "long.csv"
    long.write_text("occurred_at,category,x,y\n2026-05-01T12:00:00," + "x" * 200_000 + ",674000,6580000\n")
    refused(run("layer", "crime", str(long)))
    good = tmp_path / "good.csv"
    good.write_text("occurred_at,category,x,y\n2026-05-01T12:00:00,assault,674000,6580000\n")
    for crs in ("EPSG:99999", "urn:evil", "EPSG:4326;DROP TABLE incident", "x" * 1000):
        refused(run("layer", "crime", str(good), "--crs", crs))
    refused(run("survey", str(latin)))
    assert snapshot() == before


def test_a_second_import_of_the_same_layer_while_one_runs_gets_409(imports, tmp_path):
    run, snapshot, engine = imports
    routes = tmp_path / "routes.geojson"
    routes.write_text(json.dumps(ROUTE))
    before = snapshot()
    with engine.connect() as holder:  # an import of hazardous-goods in progress holds its lock
        holder.execute(text("SELECT pg_advisory_lock(hashtext('riskkarta-import:hazardous-goods'))"))
        refused(run("layer", "hazardous-goods", str(routes)), "another import of hazardous-goods is running")
        assert snapshot() == before
        other = run("layer", "flood", str(geotiff(tmp_path / "flood.tif")))  # another layer is not blocked
        assert other.exit_code == 0, other.output
        holder.execute(text("SELECT pg_advisory_unlock_all()"))
    ok = run("layer", "hazardous-goods", str(routes))
    assert ok.exit_code == 0, ok.output


def test_an_import_past_its_time_limit_is_stopped_and_changes_nothing(imports, tmp_path):
    run, snapshot, _ = imports
    # Every row a different incident (time, place), so that only the clock can stop this import.
    rows = "\n".join(f"2026-0{1 + i % 9}-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d},assault,"
                     f"{670000 + i % 5000},{6575000 + i % 7000}" for i in range(400_000))
    big = tmp_path / "big.csv"
    big.write_text("occurred_at,category,x,y\n" + rows + "\n")
    before = snapshot()
    refused(run("layer", "crime", str(big), extra_env={"RISKKARTA_IMPORT_TIMEOUT_S": "4"}), "longer than")
    assert snapshot() == before


def test_the_import_worker_runs_with_gdal_off_the_network():
    from geo.safe_files import GDAL_CONFIG

    assert GDAL_CONFIG["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"] and "OGR_VRT" in GDAL_CONFIG["GDAL_SKIP"]
    assert os.environ.get("GDAL_SKIP") is None  # the web process is not changed; only the worker is
