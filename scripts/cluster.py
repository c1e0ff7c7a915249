#!/usr/bin/env python3
"""A single-region Riskkarta cluster on loopback (README: Scaling), for trying and testing the scaled-out shape.

    scripts/cluster.sh start [--small]   # primary, streaming standby, a PgBouncer before each, two app instances,
                                         # HAProxy, nginx tile cache
    scripts/cluster.sh status            # the ports and what answers
    scripts/cluster.sh stop              # stops everything it started
    scripts/cluster.sh clean             # stops and removes the folder
    scripts/cluster.sh db stop|start primary|standby   # one database server, for failure drills

Everything lives in .riskkarta/cluster (RISKKARTA_CLUSTER_DIR) and listens on free 127.0.0.1 ports, kept in
state.json: a PostgreSQL primary (wal_level=replica, a `replicator` role) migrated with the demo city loaded
(`--small`: coarse rasters and few incidents, as the test uses), a hot standby made with `pg_basebackup -R`, two
PgBouncer in transaction mode in front of each database, two `riskkarta serve` instances (DATABASE_URL on the
primary's PgBouncer, DATABASE_REPLICA_URL on the standby's; RISKKARTA_OWNER_DATABASE_URL, for migrations and imports,
straight to the primary), HAProxy round robin over them with a health check on /api/health, and nginx in front with a
proxy_cache for the versioned tile URLs only. As root, PostgreSQL and PgBouncer run as the `postgres` system user
(scripts/localdb.py) and nginx's workers as www-data.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import localdb  # noqa: E402  (the PostgreSQL binaries and the system user, found the same way)

ROOT = Path(__file__).resolve().parent.parent
BASE = Path(os.environ.get("RISKKARTA_CLUSTER_DIR") or ROOT / ".riskkarta" / "cluster").resolve()
STATE = BASE / "state.json"
VENV_BIN = ROOT / ".venv" / "bin"
OWNER, WEB, REPLICATOR = "riskkarta", "riskkarta_web", "replicator"
# The demo city at test size: a 50 m flood raster instead of 2 m, a few thousand incidents.
SMALL = ["--resolution", "flood=50", "--resolution", "heat=100", "--incidents", "1000", "--accidents", "300"]
# ...on a throwaway cluster that trades durability for a faster start (never for one that keeps data).
SMALL_PG_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
# The web role's timeouts, which the app sends in the libpq `options` startup parameter; PgBouncer refuses that
# parameter (it is told to ignore it), so the role carries them itself (README: Scaling).
WEB_ROLE_SETTINGS = {"statement_timeout": "30s", "idle_in_transaction_session_timeout": "60s"}
DATABASES = ("primary", "standby")
PG_SETTINGS = {"listen_addresses": "'127.0.0.1'", "max_connections": "60", "shared_buffers": "128MB",
               "wal_level": "replica", "max_wal_senders": "5", "hot_standby": "on", "jit": "off",
               "max_parallel_workers_per_gather": "0"}


def say(message: str) -> None:
    print(f"cluster: {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    say(message)
    sys.exit(1)


def binary(name: str) -> str | None:
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/sbin/{name}") if os.path.exists(p)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(args: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
    user = localdb.run_as()
    cmd = ["runuser", "-u", user, "--", *args] if user else args
    result = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
    if check and result.returncode != 0:
        fail(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def own(path: Path, user: str | None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if user and os.geteuid() == 0:
        shutil.chown(path, user=user)


def db_url(port: int, user: str = WEB, database: str = "riskkarta") -> str:
    return f"postgresql+psycopg2://{user}@127.0.0.1:{port}/{database}"


def psql(port: int, sql: str, database: str = "postgres") -> str:
    out = as_postgres([str(localdb.bindir() / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", OWNER, "-d",
                       database, "-v", "ON_ERROR_STOP=1", "-tAc", sql])
    return out.stdout.strip()


def pg_ctl(data: Path, action: str, *extra: str) -> None:
    as_postgres([str(localdb.bindir() / "pg_ctl"), "-D", str(data), "-l", str(BASE / "run" / f"{data.name}.log"),
                 "-w", "-t", "60", action, *extra])


def start_primary(state: dict, small: bool) -> None:
    data, pg_user = BASE / "primary", localdb.run_as()
    own(BASE / "run", pg_user)
    own(data, pg_user)
    as_postgres([str(localdb.bindir() / "initdb"), "-D", str(data), "-U", OWNER, "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync"])
    settings = {**PG_SETTINGS, **(SMALL_PG_SETTINGS if small else {}), "port": str(state["primary"]),
                "unix_socket_directories": f"'{BASE / 'run'}'"}
    with (data / "postgresql.conf").open("a") as conf:
        conf.write("\n# riskkarta cluster\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
    # initdb --auth=trust already lets 127.0.0.1 connect for replication; the standby connects as `replicator`.
    pg_ctl(data, "start")
    port = state["primary"]
    psql(port, f"CREATE ROLE {REPLICATOR} LOGIN REPLICATION")
    psql(port, f"CREATE ROLE {WEB} LOGIN")
    for name, value in WEB_ROLE_SETTINGS.items():  # replicated to the standby with everything else
        psql(port, f"ALTER ROLE {WEB} SET {name} = '{value}'")
    psql(port, "CREATE DATABASE riskkarta")
    psql(port, "CREATE EXTENSION IF NOT EXISTS postgis", "riskkarta")


def riskkarta(state: dict, *args: str) -> str:
    result = subprocess.run([str(VENV_BIN / "riskkarta"), *args], env=app_env(state), capture_output=True, text=True,
                            cwd=ROOT)
    if result.returncode != 0:
        fail(f"riskkarta {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


def app_env(state: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RISKKARTA_", "DATABASE_"))}
    # The web role through the PgBouncers; the owner (migrations, imports, the demo load) to the primary directly.
    env.update(DATABASE_URL=db_url(state["pgbouncer_primary"]), DATABASE_REPLICA_URL=db_url(state["pgbouncer_standby"]),
               RISKKARTA_OWNER_DATABASE_URL=db_url(state["primary"], OWNER), RISKKARTA_DATA_DIR=str(BASE / "data"),
               RISKKARTA_HOME=str(BASE), SECRET_KEY=(BASE / "secret_key").read_text().strip(),
               # nginx and HAProxy each add X-Forwarded-For; every instance must sign cookies with the same key.
               RISKKARTA_PROXY_HOPS="2", RISKKARTA_RATE_LIMITS=os.environ.get("RISKKARTA_RATE_LIMITS", "on"))
    # The anonymous role passes through too (only when set): the load test runs the cluster as it runs one instance.
    if os.environ.get("RISKKARTA_ANONYMOUS_ROLE"):
        env["RISKKARTA_ANONYMOUS_ROLE"] = os.environ["RISKKARTA_ANONYMOUS_ROLE"]
    return env


def start_standby(state: dict) -> None:
    data = BASE / "standby"
    own(data, localdb.run_as())
    data.chmod(0o700)  # PostgreSQL refuses a data directory others may read
    as_postgres([str(localdb.bindir() / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(state["primary"]), "-U",
                 REPLICATOR, "-D", str(data), "-R", "-X", "stream", "-c", "fast"])
    with (data / "postgresql.conf").open("a") as conf:  # the last setting wins: the standby's own port
        conf.write(f"port = {state['standby']}\n")
    pg_ctl(data, "start")


def pgbouncer_dir(database: str) -> Path:
    return BASE / "pgbouncer" / database


def start_pgbouncer(state: dict, database: str) -> None:
    """PgBouncer in transaction mode in front of one database server, as the `postgres` system user (it refuses to
    run as root), its ini, auth file, pidfile, log and unix socket in BASE/pgbouncer/<database>."""
    folder, user = pgbouncer_dir(database), localdb.run_as()
    own(folder.parent, user)
    own(folder, user)
    # auth_type trust, on loopback like the servers (initdb --auth=trust). Only the owner is listed: PgBouncer looks
    # every other user up in the database with auth_query (as auth_user), so a client's login reaches the server,
    # and a login fails while the database behind is away (the app then reads from the primary, webapp/db.py).
    (folder / "userlist.txt").write_text(f'"{OWNER}" ""\n')
    cores = os.cpu_count() or 2
    (folder / "pgbouncer.ini").write_text(f"""[databases]
riskkarta = host=127.0.0.1 port={state[database]} dbname=riskkarta

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {state['pgbouncer_' + database]}
unix_socket_dir = {folder}
pidfile = {folder / 'pgbouncer.pid'}
logfile = {folder / 'pgbouncer.log'}
auth_type = trust
auth_file = {folder / 'userlist.txt'}
auth_user = {OWNER}
auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename = $1
admin_users = {OWNER}
pool_mode = transaction
; The app's timeouts come in `options`, which PgBouncer cannot pass on: the web role has them itself (ALTER ROLE).
ignore_startup_parameters = options,extra_float_digits
; Server connections: about the database's cores x 2; clients: 2 instances x 2 workers x (5 + 5 overflow) and room.
default_pool_size = {max(4, 2 * cores)}
reserve_pool_size = 2
reserve_pool_timeout = 1
max_client_conn = 200
; A database that is away: once a connection to it has failed, PgBouncer fails each query at once (the app answers 503
; or reads from the primary) and tries again every quarter second, so one that is back is used at once. A query that
; was already waiting when the first connection failed waits out query_wait_timeout: keep that short.
server_login_retry = 0.25
server_connect_timeout = 5
query_wait_timeout = 5
""")
    as_postgres([binary("pgbouncer"), "-d", "-q", str(folder / "pgbouncer.ini")])
    deadline = time.monotonic() + 10
    while not (folder / "pgbouncer.pid").exists() or not _port_open(state["pgbouncer_" + database]):
        if time.monotonic() > deadline:
            fail(f"PgBouncer for the {database} did not start; see {folder / 'pgbouncer.log'}")
        time.sleep(0.1)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_app(state: dict, name: str) -> None:
    log = (BASE / f"{name}.log").open("ab")
    process = subprocess.Popen([str(VENV_BIN / "riskkarta"), "serve", "--port", str(state[name]), "--workers", "2"],
                               env=app_env(state), stdout=log, stderr=log, cwd=ROOT, start_new_session=True)
    state["pids"][name] = process.pid


def start_haproxy(state: dict) -> None:
    servers = "".join(f"    server {n} 127.0.0.1:{state[n]} check inter 1s fall 2 rise 1\n" for n in ("app1", "app2"))
    (BASE / "haproxy.cfg").write_text(f"""global
    pidfile {BASE / 'haproxy.pid'}
    maxconn 2000
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    option forwardfor
    retries 2
    option redispatch
frontend riskkarta
    bind 127.0.0.1:{state['haproxy']}
    default_backend apps
backend apps
    balance roundrobin
    option httpchk
    http-check send meth GET uri /api/health ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    http-response set-header X-Served-By %s
{servers}""")
    subprocess.run([binary("haproxy"), "-D", "-f", str(BASE / "haproxy.cfg")], check=True)


def start_nginx(state: dict) -> None:
    folder = BASE / "nginx"
    worker_user = "www-data" if os.geteuid() == 0 else None
    for sub in ("cache", "temp"):
        own(folder / sub, worker_user)
    upstream = f"http://127.0.0.1:{state['haproxy']}"
    # Only the versioned tile URLs are cached, and only what the app marks public (nginx honours Cache-Control:
    # `private` and `no-store` answers and answers that set a cookie are never stored). A request that carries
    # credentials bypasses the cache both ways, as its tile may be a role's own variant of the same URL.
    (folder / "nginx.conf").write_text(f"""{f'user {worker_user};' if worker_user else ''}
worker_processes 2;
daemon on;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    access_log {folder / 'access.log'};
    client_body_temp_path {folder / 'temp' / 'body'};
    proxy_temp_path {folder / 'temp' / 'proxy'};
    fastcgi_temp_path {folder / 'temp' / 'fastcgi'};
    uwsgi_temp_path {folder / 'temp' / 'uwsgi'};
    scgi_temp_path {folder / 'temp' / 'scgi'};
    proxy_cache_path {folder / 'cache'} levels=1:2 keys_zone=tiles:10m max_size=2g inactive=7d use_temp_path=off;
    server_tokens off;
    server {{
        listen 127.0.0.1:{state['nginx']};
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_http_version 1.1;
        location ~ ^/tiles/[^/]+/[0-9]+/[0-9]+/[0-9]+/[0-9]+\\.(mvt|png)$ {{
            proxy_pass {upstream};
            proxy_cache tiles;
            proxy_cache_key $request_uri;
            proxy_cache_bypass $http_authorization $cookie_session $cookie_remember_token;
            proxy_no_cache $http_authorization $cookie_session $cookie_remember_token;
            proxy_cache_lock on;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
        location / {{
            proxy_pass {upstream};
        }}
    }}
}}
""")
    subprocess.run([binary("nginx"), "-p", str(folder), "-c", str(folder / "nginx.conf")], check=True)


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            fail(f"{url} did not answer 200 within {seconds:.0f} s")
        time.sleep(0.3)


def load_state() -> dict | None:
    return json.loads(STATE.read_text()) if STATE.exists() else None


def start(small: bool) -> dict:
    missing = [name for name in ("haproxy", "nginx", "pgbouncer") if binary(name) is None]
    if missing:
        fail(f"{', '.join(missing[:-1]) + ' and ' if len(missing) > 1 else ''}{missing[-1]} not installed: "
             "`scripts/system_deps.sh --test` installs them")
    if load_state():
        fail(f"a cluster is already running in {BASE} (scripts/cluster.sh stop)")
    if BASE.exists():
        shutil.rmtree(BASE)
    BASE.mkdir(parents=True)
    (BASE / "secret_key").write_text(secrets.token_urlsafe(48))
    (BASE / "secret_key").chmod(0o600)
    state = {name: free_port() for name in ("primary", "standby", "pgbouncer_primary", "pgbouncer_standby", "app1",
                                            "app2", "haproxy", "nginx")}
    state["pids"] = {}
    STATE.write_text(json.dumps(state))
    try:
        return _start(state, small)
    except BaseException:
        say("start failed; stopping what was started (logs stay in the folder)")
        stop(graceful=False)
        raise


def _start(state: dict, small: bool) -> dict:
    began = time.monotonic()
    say(f"primary on 127.0.0.1:{state['primary']}")
    start_primary(state, small)
    riskkarta(state, "db", "up")
    say("loading the demo city" + (" (small)" if small else ""))
    riskkarta(state, "demo", "load", *(SMALL if small else []))
    say(f"standby on 127.0.0.1:{state['standby']}")
    start_standby(state)
    for database in DATABASES:
        say(f"PgBouncer (transaction pooling) for the {database} on 127.0.0.1:{state['pgbouncer_' + database]}")
        start_pgbouncer(state, database)
    for name in ("app1", "app2"):
        start_app(state, name)
        STATE.write_text(json.dumps(state))
    for name in ("app1", "app2"):
        wait_for(f"http://127.0.0.1:{state[name]}/api/health")
    start_haproxy(state)
    start_nginx(state)
    wait_for(f"http://127.0.0.1:{state['nginx']}/api/health")
    say(f"up in {time.monotonic() - began:.0f} s: http://127.0.0.1:{state['nginx']}/ (nginx) → "
        f"127.0.0.1:{state['haproxy']} (HAProxy) → 127.0.0.1:{state['app1']}, :{state['app2']} → PgBouncer "
        f"127.0.0.1:{state['pgbouncer_primary']} (primary), :{state['pgbouncer_standby']} (standby)")
    return state


def _signal_pidfile(path: Path, sig: int) -> None:
    if path.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(path.read_text().split()[0]), sig)


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # our own child (a failed start): reap it
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop_pgbouncers(graceful: bool) -> None:
    """SIGINT: PgBouncer waits for the transactions in flight (none once the apps are gone); SIGTERM: at once."""
    pids = []
    for database in DATABASES:
        pidfile = pgbouncer_dir(database) / "pgbouncer.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            pids.append(int(pidfile.read_text().split()[0]))
        _signal_pidfile(pidfile, signal.SIGINT if graceful else signal.SIGTERM)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if _alive(pid):
            say(f"PgBouncer {pid} still running after 10 s: stopping it at once")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


def _stop_apps(pids: list[int], graceful: bool) -> None:
    """gunicorn finishes the requests in flight on SIGTERM; one that is still busy after 10 s is told to quit."""
    for sig, seconds in ((signal.SIGTERM, 10), (signal.SIGQUIT, 10))[0 if graceful else 1:]:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + seconds
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not any(_alive(pid) for pid in pids):
            return
    say(f"app instances still running: {[pid for pid in pids if _alive(pid)]}")


def stop(graceful: bool = True) -> None:
    state = load_state()
    if state is None:
        say(f"nothing running in {BASE}")
        return
    _signal_pidfile(BASE / "nginx" / "nginx.pid", signal.SIGQUIT)
    _signal_pidfile(BASE / "haproxy.pid", signal.SIGTERM)
    _stop_apps(list(state.get("pids", {}).values()), graceful)
    _stop_pgbouncers(graceful)  # before the databases, so that no server connection is cut under it
    for name in ("standby", "primary"):
        if (BASE / name / "postmaster.pid").exists():
            pg_ctl(BASE / name, "stop", "-m", "fast")
    STATE.unlink()
    say("stopped")


def status() -> None:
    state = load_state()
    if state is None:
        say(f"nothing running in {BASE}")
        return
    for name in ("nginx", "haproxy", "app1", "app2"):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{state[name]}/api/health", timeout=3) as response:
                answer = response.status
        except (urllib.error.URLError, OSError) as exc:
            answer = exc
        print(f"{name:17} 127.0.0.1:{state[name]}  {answer}")
    for name in (*(f"pgbouncer_{database}" for database in DATABASES), *DATABASES):
        if name not in state:
            continue
        ready = subprocess.run([str(localdb.bindir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(state[name]),
                                "-U", WEB, "-d", "riskkarta"], capture_output=True, text=True).stdout.strip()
        if name.startswith("pgbouncer_"):
            database = name.removeprefix("pgbouncer_")
            pidfile = pgbouncer_dir(database) / "pgbouncer.pid"
            pid = pidfile.read_text().strip() if pidfile.exists() else "no pidfile"
            ready += f" (pid {pid}; pool_mode transaction → {database} 127.0.0.1:{state[database]})"
        print(f"{name:17} 127.0.0.1:{state[name]}  {ready}")


def wait_through_pgbouncer(state: dict | None, database: str, seconds: float = 20) -> None:
    """A database that is back is back for the apps once a query through its PgBouncer answers (PgBouncer waits
    server_login_retry after a failed connection before it tries again)."""
    if not state or f"pgbouncer_{database}" not in state:
        return
    deadline = time.monotonic() + seconds
    while as_postgres([str(localdb.bindir() / "psql"), "-h", "127.0.0.1", "-p", str(state[f"pgbouncer_{database}"]),
                       "-U", WEB, "-d", "riskkarta", "-tAc", "SELECT 1"], check=False).returncode != 0:
        if time.monotonic() > deadline:
            fail(f"the {database} does not answer through its PgBouncer within {seconds:.0f} s")
        time.sleep(0.2)


def main(argv: list[str]) -> None:
    command = argv[0] if argv else "status"
    if command == "start":
        start(small="--small" in argv)
    elif command == "stop":
        stop()
    elif command == "clean":
        stop(graceful=False)  # everything is removed next: nothing in flight is worth waiting for
        shutil.rmtree(BASE, ignore_errors=True)
    elif command == "status":
        status()
    elif command == "db" and len(argv) == 3 and argv[1] in ("stop", "start") and argv[2] in ("primary", "standby"):
        # One database server alone, as a failure drill (the test stops the primary while reads go on).
        pg_ctl(BASE / argv[2], argv[1], *(("-m", "fast") if argv[1] == "stop" else ()))
        if argv[1] == "start":
            wait_through_pgbouncer(load_state(), argv[2])
    else:
        fail(f"unknown command {command!r}: start [--small] | stop | status | clean | db stop|start primary|standby")


if __name__ == "__main__":
    main(sys.argv[1:])
