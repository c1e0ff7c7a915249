"""More than one machine, on loopback (README: Scaling): scripts/cluster.sh starts a PostgreSQL primary and a
streaming standby, a PgBouncer in transaction mode in front of each, two app instances, HAProxy and an nginx tile
cache; these tests drive that cluster over HTTP.
The routing rule itself (which request reads from the replica) is checked first, in process, without servers."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg2
import pytest
import requests
from flask_login import login_user
from sqlalchemy import create_engine, text

from webapp import create_app
from webapp.auth import SignedIn
from webapp.config import PROJECT_ROOT, Settings, local_database_url
from webapp.db import REPLICA_REST_S, get_session, reads_from_replica
from webapp.services.accounts import User

CLUSTER_DIR = PROJECT_ROOT / ".riskkarta" / "cluster-test"
SCRIPT = PROJECT_ROOT / "scripts" / "cluster.sh"
MEMBER = "sodermalm@demo.riskkarta.se"  # the demo committee member of district 11
CITY = "city@demo.riskkarta.se"  # the city office: raw incident points, tiles marked private


def _binary(name: str) -> str | None:
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}",) if os.path.exists(p)), None)


MISSING = [name for name in ("haproxy", "nginx", "pgbouncer") if _binary(name) is None]
needs_cluster = [pytest.mark.cluster, pytest.mark.skipif(
    bool(MISSING), reason=f"{', '.join(MISSING)} not installed (scripts/system_deps.sh --test installs them)")]


# ---- the routing rule, in process: the "replica" is the local cluster's `postgres` database (a session on it
# connects at once, to fall back when it is away); the "primary" is never reached (its engine connects lazily) ----

NOWHERE = "postgresql://riskkarta_web@127.0.0.1:9/primary"


@pytest.fixture(scope="module")
def routed_app(throwaway_database):
    settings = Settings(database_url=NOWHERE, replica_database_url=local_database_url("postgres"), testing=True,
                        secret_key="test", rate_limits=False)
    app = create_app(settings)
    yield app
    app.extensions["riskkarta.replica_engine"].dispose()


def _database(session) -> str:
    return {"postgres": "replica"}.get(session.get_bind().url.database, session.get_bind().url.database)


@pytest.mark.parametrize(("method", "headers", "expected"), [
    ("GET", {}, "replica"),
    ("HEAD", {}, "replica"),
    ("POST", {}, "primary"),
    ("PATCH", {}, "primary"),
    ("GET", {"Authorization": "Bearer x"}, "primary"),
], ids=["an anonymous GET reads the replica", "an anonymous HEAD reads the replica", "a POST goes to the primary",
        "a PATCH goes to the primary", "a request with a bearer token goes to the primary"])
def test_requests_are_routed_by_method_and_sign_in(routed_app, method, headers, expected):
    with routed_app.test_request_context("/api/layers", method=method, headers=headers):
        assert _database(get_session()) == expected


def test_a_signed_in_user_reads_from_the_primary(routed_app):
    user = User(id=7, email="m@example.se", name=None, role="committee", districts=("11",), active=True,
                is_demo=False, has_password=True)
    with routed_app.test_request_context("/api/pictures/1"):
        login_user(SignedIn(user, "session"))  # what /login leaves in the signed session cookie
        assert not reads_from_replica()
        assert _database(get_session()) == "primary"


def test_a_view_can_demand_the_primary_midway(routed_app):
    with routed_app.test_request_context("/auth/callback"):
        assert _database(get_session()) == "replica"
        assert _database(get_session(primary=True)) == "primary"
        assert _database(get_session()) == "primary"  # the rest of the request stays on the primary


def test_reads_fall_back_to_the_primary_when_the_replica_is_away():
    app = create_app(Settings(database_url=NOWHERE, replica_database_url="postgresql://riskkarta_web@127.0.0.1:9/r",
                              testing=True, secret_key="test", rate_limits=False))
    with app.test_request_context("/api/layers"):
        assert reads_from_replica()
        assert _database(get_session()) == "primary"
    # ...and rests: the next requests go straight to the primary, without waiting for the replica again.
    resting = app.extensions["riskkarta.replica_resting_until"][0]
    assert resting > time.monotonic()
    with app.test_request_context("/api/layers"):
        assert _database(get_session()) == "primary"
    assert app.extensions["riskkarta.replica_resting_until"][0] == resting


def test_without_a_replica_everything_uses_the_primary():
    app = create_app(Settings(database_url=NOWHERE, testing=True, secret_key="test", rate_limits=False))
    with app.test_request_context("/api/layers"):
        assert "riskkarta.replica_engine" not in app.extensions
        assert _database(get_session()) == "primary"


# ---- the cluster ----

def _cluster(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "RISKKARTA_CLUSTER_DIR": str(CLUSTER_DIR), "RISKKARTA_RATE_LIMITS": "off"}
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, check=check, timeout=240)


@pytest.fixture(scope="module")
def cluster():
    _cluster("stop", check=False)  # a cluster a crashed run left behind
    started = _cluster("start", "--small", check=False)
    assert started.returncode == 0, started.stderr
    try:
        state = json.loads((CLUSTER_DIR / "state.json").read_text())
        env = {**os.environ, "DATABASE_URL": f"postgresql://riskkarta@127.0.0.1:{state['primary']}/riskkarta",
               "RISKKARTA_DATA_DIR": str(CLUSTER_DIR / "data"), "RISKKARTA_HOME": str(CLUSTER_DIR)}
        env.pop("RISKKARTA_OWNER_DATABASE_URL", None)
        for key, email in (("auth", MEMBER), ("city_auth", CITY)):
            token = subprocess.run([str(Path(PROJECT_ROOT) / ".venv" / "bin" / "riskkarta"), "tokens", "create",
                                    email], env=env, capture_output=True, text=True, check=True).stdout.strip()
            state[key] = {"Authorization": f"Bearer {token}"}
        state["url"] = {name: f"http://127.0.0.1:{state[name]}" for name in ("nginx", "haproxy", "app1", "app2")}
        yield state
    finally:
        _cluster("clean", check=False)


def _picture(base: str, auth: dict, tertial: int, topic: str, summary: str) -> requests.Response:
    return requests.post(f"{base}/api/pictures", headers=auth, timeout=30,
                         json={"district": "11", "year": 2026, "tertial": tertial, "topic": topic, "summary": summary})


def _pgbouncer(port: int, *queries: str) -> list[list[dict]]:
    """Rows of each query on PgBouncer's admin console (the `pgbouncer` pseudo-database; simple queries only)."""
    connection = psycopg2.connect(host="127.0.0.1", port=port, user="riskkarta", dbname="pgbouncer")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            answers = []
            for query in queries:
                cursor.execute(query)
                names = [column.name for column in cursor.description]
                answers.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
            return answers
    finally:
        connection.close()


@pytest.mark.usefixtures("cluster")
class TestCluster:
    pytestmark = needs_cluster

    def test_a_write_through_one_instance_is_read_through_the_other(self, cluster):
        url, auth = cluster["url"], cluster["auth"]
        created = _picture(url["app1"], auth, 1, "crime", "Skrivet via app1.")
        assert created.status_code == 201, created.text
        read = requests.get(f"{url['app2']}/api/pictures/{created.json()['id']}", headers=auth, timeout=30)
        assert read.status_code == 200 and read.json()["summary"] == "Skrivet via app1."

    def test_the_apps_reach_both_databases_through_pgbouncer_in_transaction_mode(self, cluster):
        url = cluster["url"]["nginx"]
        for headers in ({}, cluster["auth"]):  # anonymous reads use the standby, a signed-in user's the primary
            for _ in range(4):  # through both instances
                assert requests.get(f"{url}/api/layers", headers=headers, timeout=30).status_code == 200
        for database in ("primary", "standby"):
            # The app's URLs name the PgBouncer, not the database (the owner's, for migrations, is direct).
            for name in ("app1", "app2"):
                environ = dict(line.split("=", 1) for line in Path(f"/proc/{cluster['pids'][name]}/environ")
                               .read_text().split("\0") if "=" in line)
                assert f":{cluster['pgbouncer_primary']}/" in environ["DATABASE_URL"]
                assert f":{cluster['pgbouncer_standby']}/" in environ["DATABASE_REPLICA_URL"]
                assert f":{cluster['primary']}/" in environ["RISKKARTA_OWNER_DATABASE_URL"]
            config, pools, clients, servers = _pgbouncer(cluster[f"pgbouncer_{database}"], "SHOW CONFIG",
                                                         "SHOW POOLS", "SHOW CLIENTS", "SHOW SERVERS")
            settings = {row["key"]: row["value"] for row in config}
            assert settings["pool_mode"] == "transaction"
            assert "options" in settings["ignore_startup_parameters"].split(",")
            pool = next(p for p in pools if (p["database"], p["user"]) == ("riskkarta", "riskkarta_web"))
            assert pool["pool_mode"] == "transaction"
            apps = [c for c in clients if (c["database"], c["user"], c["application_name"]) ==
                    ("riskkarta", "riskkarta_web", "riskkarta")]
            assert apps, (database, clients)
            # ...and PgBouncer's own server connections reach this database.
            assert {s["port"] for s in servers if s["user"] == "riskkarta_web"} == {cluster[database]}, servers

    def test_the_web_role_keeps_its_timeouts_through_pgbouncer(self, cluster):
        for database in ("primary", "standby"):
            # The app sends its timeouts in `options`: PgBouncer ignores that, and the role's own settings hold.
            connection = psycopg2.connect(host="127.0.0.1", port=cluster[f"pgbouncer_{database}"], dbname="riskkarta",
                                          user="riskkarta_web", options="-c statement_timeout=1000")
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SHOW statement_timeout")
                    assert cursor.fetchone()[0] == "30s"
                    cursor.execute("SHOW idle_in_transaction_session_timeout")
                    assert cursor.fetchone()[0] == "1min"
                    cursor.execute("SELECT current_user, pg_is_in_recovery()")
                    assert cursor.fetchone() == ("riskkarta_web", database == "standby")
            finally:
                connection.close()

    def test_haproxy_spreads_requests_over_both_instances(self, cluster):
        served = {requests.get(f"{cluster['url']['haproxy']}/api/health", timeout=10).headers["X-Served-By"]
                  for _ in range(4)}
        assert served == {"app1", "app2"}

    def test_a_versioned_tile_comes_from_the_cache_on_the_second_request(self, cluster):
        tile = f"{cluster['url']['nginx']}/tiles/flood/1/12/2252/1203.png"
        first, second = requests.get(tile, timeout=30), requests.get(tile, timeout=30)
        assert first.status_code == second.status_code == 200
        assert first.headers["Cache-Control"].startswith("public")
        assert (first.headers["X-Cache-Status"], second.headers["X-Cache-Status"]) == ("MISS", "HIT")
        assert first.content == second.content

    def test_a_private_tile_never_enters_the_shared_cache(self, cluster):
        tile = f"{cluster['url']['nginx']}/tiles/crime/1/13/4505/2406.mvt"  # raw points for the city office
        for _ in range(2):
            answer = requests.get(tile, headers=cluster["city_auth"], timeout=30)
            assert answer.status_code == 200 and answer.headers["X-Cache-Status"] == "BYPASS"
            assert answer.headers["Cache-Control"].startswith("private")
        # The same URL without credentials is the public variant (cells), never the city's answer from the cache.
        public = [requests.get(tile, timeout=30) for _ in range(2)]
        assert [p.headers["X-Cache-Status"] for p in public] == ["MISS", "HIT"]
        assert all(p.headers["Cache-Control"].startswith("public") for p in public)

    def test_a_lagging_replica_never_serves_a_member_their_own_stale_edit(self, cluster):
        url, auth = cluster["url"]["nginx"], cluster["auth"]
        standby = create_engine(f"postgresql+psycopg2://riskkarta@127.0.0.1:{cluster['standby']}/riskkarta")
        try:
            with standby.connect() as connection:
                connection.execute(text("SELECT pg_wal_replay_pause()"))
            created = _picture(url, auth, 2, "threats", "Första utkastet.")
            assert created.status_code == 201, created.text
            picture = created.json()["id"]
            edited = requests.patch(f"{url}/api/pictures/{picture}", json={"summary": "Rättat efter mötet."},
                                    headers=auth | {"If-Match": created.headers["ETag"]}, timeout=30)
            assert edited.status_code == 200, edited.text
            with standby.connect() as connection:  # the replica really is behind: it has not seen the picture
                assert connection.execute(text("SELECT count(*) FROM situation_picture WHERE id = :id"),
                                          {"id": picture}).scalar() == 0
            for _ in range(4):  # through both instances
                read = requests.get(f"{url}/api/pictures/{picture}", headers=auth, timeout=30)
                assert read.status_code == 200 and read.json()["summary"] == "Rättat efter mötet."
        finally:
            with standby.connect() as connection:
                connection.execute(text("SELECT pg_wal_replay_resume()"))
            standby.dispose()

    def test_reads_fall_back_to_the_primary_while_the_replica_is_away(self, cluster):
        url = cluster["url"]["nginx"]
        _cluster("db", "stop", "standby")
        try:
            for path in ("/api/health", "/api/layers", "/ogc/collections/districts/items?limit=5"):
                answer = requests.get(url + path, timeout=30)
                assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        finally:
            _cluster("db", "start", "standby")
            time.sleep(REPLICA_REST_S)  # each instance's workers rest the replica that long after it failed them

    def test_reads_keep_working_while_the_primary_restarts(self, cluster):
        url, auth = cluster["url"]["nginx"], cluster["auth"]
        _cluster("db", "stop", "primary")
        try:
            for path in ("/api/layers", "/ogc/collections", "/ogc/collections/districts/items?limit=5",
                         "/tiles/hazardous-goods/1/12/2252/1203.mvt", "/api/health"):
                answer = requests.get(url + path, timeout=30)
                assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
            write = _picture(url, auth, 3, "other", "Under omstarten.")
            assert write.status_code == 503 and int(write.headers["Retry-After"]) > 0
        finally:
            _cluster("db", "start", "primary")
        deadline = time.monotonic() + 20
        while (write := _picture(url, auth, 3, "other", "Efter omstarten.")).status_code == 503:
            assert time.monotonic() < deadline, write.text
            time.sleep(0.5)
        assert write.status_code == 201, write.text
