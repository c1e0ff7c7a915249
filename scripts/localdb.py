#!/usr/bin/env python3
"""Control the project's own local PostGIS cluster (stdlib only: runs before the venv exists).

    python3 scripts/localdb.py start     # initdb on first use, start, create the database + postgis
    python3 scripts/localdb.py stop
    python3 scripts/localdb.py status
    python3 scripts/localdb.py url       # print the DATABASE_URL of the local cluster
    python3 scripts/localdb.py clean     # stop and remove the cluster

The cluster lives under .riskkarta/pg (gitignored), listens on 127.0.0.1 on its own port (default 54329,
RISKKARTA_PGPORT) with its own socket directory, and trusts loopback connections: it is a developer's
database, never a production one. PostgreSQL refuses to run as root, so when we are root the server runs
as the `postgres` system user; as a normal user it runs as that user.
"""
from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = Path(os.environ.get("RISKKARTA_HOME", ROOT / ".riskkarta"))
DEFAULT_PORT = 54329
# The port a cluster was created with is kept beside it, so the app (webapp/config.py) finds it too.
PORT_FILE = HOME / "pgport"


def configured_port() -> int:
    if os.environ.get("RISKKARTA_PGPORT"):
        return int(os.environ["RISKKARTA_PGPORT"])
    if PORT_FILE.exists():
        return int(PORT_FILE.read_text().strip())
    return DEFAULT_PORT


PORT = configured_port()
DB_USER = "riskkarta"
WEB_USER = "riskkarta_web"
DB_NAME = os.environ.get("RISKKARTA_PGDATABASE", "riskkarta")

# Settings for a small analytical workload on two cores: parallel workers and JIT made every tile query
# two to three times slower on this machine (see PERFORMANCE.md), so both are off.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "100",
    "shared_buffers": "256MB",
    "work_mem": "16MB",
    "max_parallel_workers_per_gather": "0",
    "jit": "off",
    "fsync": "on",
    "log_min_duration_statement": "-1",
}


def fail(message: str) -> None:
    print(f"localdb: {message}", file=sys.stderr)
    sys.exit(1)


def bindir() -> Path:
    """The bin directory of the newest installed PostgreSQL that has PostGIS."""
    override = os.environ.get("RISKKARTA_PGBIN")
    if override:
        return Path(override)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    for pg_ctl in reversed(candidates):
        major = pg_ctl.split("/")[4]
        if glob.glob(f"/usr/share/postgresql/{major}/extension/postgis.control"):
            return Path(pg_ctl).parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    fail("PostgreSQL server binaries not found; run `make system` (Debian/Ubuntu) or install "
         "postgresql + postgis for your system.")
    raise AssertionError


def run_as() -> str | None:
    """The system user the server runs as: `postgres` when we are root, else ourselves."""
    return "postgres" if os.geteuid() == 0 else None


def can_reach(user: str, path: Path) -> bool:
    probe = subprocess.run(["runuser", "-u", user, "--", "test", "-w", str(path)], capture_output=True)
    return probe.returncode == 0


def cluster_dir() -> Path:
    """Where the cluster's data lives: .riskkarta/pg, or a postgres-owned folder when root's checkout is
    not reachable by the postgres user (e.g. a clone under /root)."""
    HOME.mkdir(parents=True, exist_ok=True)
    pgdir = HOME / "pg"
    user = run_as()
    if user is None:
        return pgdir
    pgdir.mkdir(exist_ok=True)
    shutil.chown(pgdir, user=user)
    if can_reach(user, pgdir):
        return pgdir
    digest = hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]
    alt = Path("/var/lib/postgresql/riskkarta") / digest
    alt.mkdir(parents=True, exist_ok=True)
    shutil.chown(alt.parent, user=user)
    shutil.chown(alt, user=user)
    note = pgdir / "WHERE.txt"
    note.write_text(f"The postgres user cannot reach this folder; the cluster lives in {alt}\n")
    return alt


def sh(args: list[str], *, check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess:
    user = run_as()
    cmd = ["runuser", "-u", user, "--", *args] if user else args
    result = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
    if check and result.returncode != 0:
        fail(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    if not quiet and result.stdout.strip():
        print(result.stdout.strip())
    return result


def paths() -> tuple[Path, Path, Path]:
    base = cluster_dir()
    return base / "data", base / "run", base / "server.log"


def initdb() -> None:
    data, run, _ = paths()
    if (data / "PG_VERSION").exists():
        return
    run.mkdir(parents=True, exist_ok=True)
    user = run_as()
    if user:
        shutil.chown(run, user=user)
    choose_free_port()
    print(f"localdb: creating a PostgreSQL cluster in {data} on port {PORT}")
    sh([str(bindir() / "initdb"), "-D", str(data), "-U", DB_USER, "--auth=trust", "-E", "UTF8",
        "--locale=C.UTF-8"], quiet=True)
    conf = data / "postgresql.conf"
    lines = [f"{k} = {v}" for k, v in SERVER_SETTINGS.items()]
    lines += [f"port = {PORT}", f"unix_socket_directories = '{run}'"]
    with conf.open("a") as out:  # root may write the postgres user's file; ownership stays as it is
        out.write("\n# riskkarta\n" + "\n".join(lines) + "\n")


def choose_free_port() -> None:
    """For a new cluster: the default port, or the next free one when another server holds it (another
    checkout's cluster, say). An explicit RISKKARTA_PGPORT is used as it is."""
    global PORT
    if not os.environ.get("RISKKARTA_PGPORT"):
        PORT = next((p for p in range(DEFAULT_PORT, DEFAULT_PORT + 100) if not port_in_use(p)), DEFAULT_PORT)
    PORT_FILE.write_text(f"{PORT}\n")


def is_running() -> bool:
    data, _, _ = paths()
    if not (data / "PG_VERSION").exists():
        return False
    return sh([str(bindir() / "pg_ctl"), "-D", str(data), "status"], check=False, quiet=True).returncode == 0


def psql(sql: str, database: str = "postgres", *, check: bool = True) -> str:
    _, run, _ = paths()
    result = sh([str(bindir() / "psql"), "-h", str(run), "-p", str(PORT), "-U", DB_USER, "-d", database,
                 "-v", "ON_ERROR_STOP=1", "-tAc", sql], check=check, quiet=True)
    return result.stdout.strip()


def start() -> None:
    initdb()
    data, run, log = paths()
    if not is_running():
        if port_in_use(PORT):
            fail(f"port {PORT} is in use by another server (another checkout's cluster?); stop it or set "
                 "RISKKARTA_PGPORT to a free port")
        run.mkdir(parents=True, exist_ok=True)
        sh([str(bindir() / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"], quiet=True)
        print(f"localdb: PostgreSQL running on 127.0.0.1:{PORT} (data {data})")
    ensure_database(DB_NAME)


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def ensure_database(name: str) -> None:
    for _ in range(30):
        if sh([str(bindir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(PORT)], check=False,
              quiet=True).returncode == 0:
            break
        time.sleep(0.5)
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        psql(f'CREATE DATABASE "{name}"')
        print(f"localdb: created database {name}")
    psql("CREATE EXTENSION IF NOT EXISTS postgis", name)
    # The web app's own role: it owns nothing, `riskkarta db up` grants it what the web may do.
    psql(f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{WEB_USER}') THEN "
         f"CREATE ROLE {WEB_USER} LOGIN; END IF; END$$")


def stop() -> None:
    data, _, _ = paths()
    if is_running():
        sh([str(bindir() / "pg_ctl"), "-D", str(data), "-w", "-m", "fast", "stop"], quiet=True)
        print("localdb: stopped")
    else:
        print("localdb: not running")


def clean() -> None:
    stop()
    base = cluster_dir()
    shutil.rmtree(base, ignore_errors=True)
    shutil.rmtree(HOME / "pg", ignore_errors=True)
    PORT_FILE.unlink(missing_ok=True)
    print(f"localdb: removed {base}")


def url(database: str = DB_NAME) -> str:
    return f"postgresql+psycopg2://{DB_USER}@127.0.0.1:{PORT}/{database}"


def status() -> None:
    if is_running():
        version = psql("SELECT postgis_full_version()", DB_NAME, check=False) or "(no postgis yet)"
        print(f"running on 127.0.0.1:{PORT}\n{version}")
    else:
        print("not running")
        sys.exit(3)


def main(argv: list[str]) -> None:
    commands = {"start": start, "stop": stop, "status": status, "clean": clean,
                "url": lambda: print(url())}
    if len(argv) != 2 or argv[1] not in commands:
        fail(f"usage: localdb.py {{{'|'.join(commands)}}}")
    if run_as() and not _user_exists("postgres"):
        fail("running as root needs the `postgres` system user (installed with the postgresql package)")
    commands[argv[1]]()


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


if __name__ == "__main__":
    main(sys.argv)
