#!/usr/bin/env python3
"""MapServer 8 as a peer in the items bench: OGC API Features over the same `incident` table (crime rows).

    .venv/bin/python scripts/bench_mapserver.py      # start it, print one items page's summary, stop it

scripts/bench.py uses `mapserver()` to serve the crime incidents through MapServer 8's OGC API Features
(`mapserv` under FastCGI, 2 processes started by spawn-fcgi, behind an nginx on loopback, everything in a temp
folder and stopped on exit, errors included) and `items_paths()` for its items URLs over the same boxes as
Riskkarta's. Needs the Debian packages `cgi-mapserver` (or `mapserver-bin`), `spawn-fcgi` and nginx
(`nginx-light` will do): `sudo apt-get install --no-install-recommends cgi-mapserver spawn-fcgi nginx-light`.
"""
from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from geo.crs import SWEREF99TM, WGS84, transformer  # noqa: E402

ALIAS = "riskkarta"  # the map's alias in MapServer's config file (its MAPS block)
LAYER = "crime"
SCRIPT = "/mapserv"  # where nginx hands requests to the FastCGI processes
PROCESSES = 2
NAME = f"MapServer 8 (FastCGI × {PROCESSES})"
TEMPLATES = Path("/usr/share/mapserver/ogcapi/templates/html-plain")
# The area of use of SWEREF 99 TM (EPSG:3006): a fixed extent spares MapServer an ST_Extent per request.
EXTENT = (181896, 6101648, 1086312, 7689478)
DATA = ("geom from (select id, category, occurred_at, geom from incident where layer='crime') as t "
        "using unique id using srid=3006")


def missing() -> list[str]:
    """The programs this peer needs that are not installed (empty when it can run)."""
    return [prog for prog in ("mapserv", "spawn-fcgi", "nginx") if shutil.which(prog) is None]


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy database URL."""
    url = make_url(database_url)
    parts = {"host": url.host, "port": url.port, "dbname": url.database, "user": url.username,
             "password": url.password}
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mapfile(database_url: str, base: str) -> str:
    x0, y0, x1, y1 = EXTENT
    templates = f'      "oga_html_template_directory" "{TEMPLATES}/"\n' if TEMPLATES.is_dir() else ""
    return f"""MAP
  NAME "{ALIAS}"
  EXTENT {x0} {y0} {x1} {y1}
  PROJECTION "init=epsg:3006" END
  WEB
    METADATA
      "ows_title" "Riskkarta bench"
      "ows_enable_request" "*"
      "oga_enable_request" "*"
      "oga_onlineresource" "{base}{SCRIPT}/{ALIAS}/ogcapi"
      "ows_srs" "EPSG:3006 EPSG:4326"
      "wfs_getfeature_formatlist" "geojson"
{templates}    END
  END
  LAYER
    NAME "{LAYER}"
    TYPE POINT
    STATUS ON
    CONNECTIONTYPE POSTGIS
    CONNECTION {_quote(conninfo(database_url))}
    # Keep each process's connection across requests (MapServer's pool; closed only when the process ends).
    PROCESSING "CLOSE_CONNECTION=DEFER"
    DATA "{DATA}"
    EXTENT {x0} {y0} {x1} {y1}
    PROJECTION "init=epsg:3006" END
    TEMPLATE "ttt"
    METADATA
      "ows_title" "{LAYER}"
      "ows_extent" "{x0} {y0} {x1} {y1}"
      "gml_include_items" "all"
      "gml_featureid" "id"
      "gml_types" "auto"
    END
  END
END
"""


def config_file(folder: Path, map_path: Path) -> str:
    return f"""CONFIG
  ENV
    MS_MAP_PATTERN "^{folder}/"
    MS_ERRORFILE "{folder}/mapserver-errors.log"
  END
  MAPS
    "{ALIAS}" "{map_path}"
  END
END
"""


def nginx_conf(folder: Path, port: int, sock: Path) -> str:
    # As root, nginx's workers would run as `nobody` and could not reach the socket in the private temp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temps = "\n".join(f"  {kind}_temp_path {folder}/{kind};" for kind in
                      ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
{temps}
  server {{
    listen 127.0.0.1:{port};
    location {SCRIPT}/ {{
      fastcgi_split_path_info ^({SCRIPT})(/.*)$;
      include /etc/nginx/fastcgi_params;
      fastcgi_param PATH_INFO $fastcgi_path_info;
      fastcgi_pass unix:{sock};
    }}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PR_SET_CHILD_SUBREAPER = 36


def _subreaper(on: bool) -> None:
    """spawn-fcgi forks the mapserv processes and exits; as a subreaper this process inherits them, so that it
    can reap them once stopped (PID 1 here may not, and they would stay as zombies). Linux only; else a no-op."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)


def _gone(pid: int) -> bool:
    """Whether `pid` has ended (and, when it is this process's child, been reaped)."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:  # not ours (no subreaper): ended when it no longer exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


def _stop(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    left = list(pids)
    while left and time.monotonic() < deadline:
        left = [pid for pid in left if not _gone(pid)]
        time.sleep(0.05 if left else 0)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@contextlib.contextmanager
def mapserver(database_url: str):
    """MapServer's OGC API over the crime incidents, on loopback, for the `with` block: yields its base URL
    (http://127.0.0.1:<port>). Its mapfile, config file, socket and logs live in a temp folder; the mapserv
    processes and nginx are stopped on the way out, also when the block fails."""
    with tempfile.TemporaryDirectory(prefix="bench-mapserver-") as tmp:
        folder = Path(tmp)
        port, sock = free_port(), folder / "mapserv.sock"
        base = f"http://127.0.0.1:{port}"
        map_path, config_path = folder / f"{ALIAS}.map", folder / "mapserver.conf"
        map_path.write_text(mapfile(database_url, base))
        config_path.write_text(config_file(folder, map_path))
        (folder / "nginx.conf").write_text(nginx_conf(folder, port, sock))
        pidfile = folder / "mapserv.pid"
        env = dict(os.environ, MAPSERVER_CONFIG_FILE=str(config_path))
        nginx, pids = None, []
        _subreaper(True)
        try:
            subprocess.run(["spawn-fcgi", "-s", str(sock), "-F", str(PROCESSES), "-P", str(pidfile), "--",
                            shutil.which("mapserv")], env=env, cwd=folder, check=True, capture_output=True,
                           text=True)
            pids = [int(pid) for pid in pidfile.read_text().split()]
            nginx = subprocess.Popen(["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e",
                                      str(folder / "nginx-error.log")], cwd=folder,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}{SCRIPT}/{ALIAS}/ogcapi?f=json", timeout=2)
                    break
                except OSError:
                    if nginx.poll() is not None:
                        raise RuntimeError("nginx exited: " + _tail(folder / "nginx-error.log")) from None
                    time.sleep(0.1)
            else:
                raise RuntimeError("MapServer did not answer")
            yield base
        except BaseException as error:
            if isinstance(error, subprocess.CalledProcessError):
                print(error.stderr, file=sys.stderr)
            for log in ("mapserver-errors.log", "nginx-error.log"):
                if tail := _tail(folder / log):
                    print(f"{log}:\n{tail}", file=sys.stderr)
            raise
        finally:
            if nginx is not None:
                nginx.terminate()
                try:
                    nginx.wait(5)
                except subprocess.TimeoutExpired:
                    nginx.kill()
                    nginx.wait()
            if not pids and pidfile.exists():
                pids = [int(pid) for pid in pidfile.read_text().split()]
            _stop(pids)
            _subreaper(False)


def items_path(box: tuple[float, float, float, float], limit: int = 100) -> str:
    """MapServer's items path for an EPSG:3006 box, asked as a CRS84 bbox (lon,lat order) like Riskkarta's."""
    lonlat = transformer(SWEREF99TM, WGS84)
    w, s = lonlat.transform(box[0], box[1])
    e, n = lonlat.transform(box[2], box[3])
    return (f"{SCRIPT}/{ALIAS}/ogcapi/collections/{LAYER}/items?f=json"
            f"&bbox={w:.6f},{s:.6f},{e:.6f},{n:.6f}&limit={limit}")


def items_paths(boxes: list[tuple[float, float, float, float]], limit: int = 100) -> list[str]:
    return [items_path(box, limit) for box in boxes]


def main() -> None:
    import bench_layers

    from webapp.config import Settings

    if gone := missing():
        sys.exit(f"bench_mapserver: not installed: {', '.join(gone)}")
    box = bench_layers.bboxes_1km2(25)[12]
    with mapserver(Settings.from_env().database_url) as base:
        url = base + items_path(box)
        page = json.load(urllib.request.urlopen(url, timeout=10))
        print(url)
        print(f"{len(page['features'])} features; first: {json.dumps(page['features'][0])[:300]}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "scripts"))
    main()
