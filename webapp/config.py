"""One settings object, read from the environment once, with safe defaults for a local checkout."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def _home() -> Path:
    return Path(os.environ.get("RISKKARTA_HOME", PROJECT_ROOT / ".riskkarta"))


def local_pgport() -> int:
    """The local cluster's port: RISKKARTA_PGPORT, else the one `scripts/localdb.py` created it with."""
    if os.environ.get("RISKKARTA_PGPORT"):
        return int(os.environ["RISKKARTA_PGPORT"])
    port_file = _home() / "pgport"
    return int(port_file.read_text().strip()) if port_file.exists() else 54329


# The local cluster's two roles: the owner of the tables (migrations, imports, commands) and the web app's role,
# which may read everything but write only what the web writes (webapp/db.py: grant_web_role).
LOCAL_OWNER, LOCAL_WEB = "riskkarta", "riskkarta_web"


def local_database_url(database: str = "riskkarta", user: str = LOCAL_OWNER) -> str:
    """The URL of the cluster `scripts/localdb.py` runs under .riskkarta/pg."""
    return f"postgresql+psycopg2://{user}@127.0.0.1:{local_pgport()}/{database}"


def _secret_key() -> str:
    """SECRET_KEY, or a random key kept under .riskkarta so every worker and restart shares it."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = _home() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    # The web app's connection. In production a role that does not own the tables (README: Security).
    database_url: str = field(default_factory=local_database_url)
    # The owner's connection, for migrations, imports, demo data, hotspot runs and backups; empty: database_url.
    owner_database_url: str = ""
    # A streaming replica for anonymous reads (tiles, items, the catalogue, the API's reads); empty: the primary only.
    replica_database_url: str = ""
    data_dir: Path = field(default_factory=lambda: _home() / "data")
    secret_key: str = "dev-only-not-secret"
    # Empty string: no base map at all (the maps must work without one).
    basemap_url: str = OSM_TILES
    basemap_attribution: str = OSM_ATTRIBUTION
    # The geometry gate's limits, the same for every endpoint and import.
    max_vertices: int = 5_000
    max_geometry_bytes: int = 2_000_000
    max_upload_bytes: int = 200_000_000
    # Rate limits (webapp/ratelimit.py), in the `limits` notation; counters in rate_storage.
    rate_limits: bool = True
    rate_storage: str = "memory://"
    rate_sign_in: str = "10/minute"
    rate_site_checks: str = "30/minute"
    rate_reports: str = "30/minute"
    rate_tile_misses: str = "3000/minute"
    rate_imports: str = "10/hour"
    # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none; the client's address is the peer's).
    proxy_hops: int = 0
    # No statement of a web request runs longer than this (a 503 with Retry-After instead); 0 turns it off.
    statement_timeout_ms: int = 30_000
    # Each import runs in a worker process with this much address space and time (imports/worker.py).
    import_memory_mb: int = 4_096
    import_timeout_s: int = 1_800
    # A JSON request body (a site, a picture, an annotation) is at most this many bytes.
    max_json_bytes: int = 10_000_000
    # A JSON file overriding the site-check rules (layers/rules.py); None keeps the documented defaults.
    rules_file: Path | None = None
    # In-memory cache of versioned tiles per worker; 0 turns it off (the benchmark measures uncached tiles).
    tile_cache_mb: int = 64
    # What else a worker keeps in memory, each bounded (README: Configuration): GDAL's raster block cache, the raster
    # files held open, the coverage GeoTIFFs answered last, the PROJ transformers and the city-wide crime baselines.
    gdal_cachemax_mb: int = 64
    raster_open_datasets: int = 16
    coverage_cache_mb: int = 16
    transformer_cache_size: int = 32
    baseline_cache_entries: int = 16
    # The role of a request that is not signed in: public | viewer | committee | city | admin.
    anonymous_role: str = "public"
    # "production" refuses to start with the demo accounts and sends cookies only over HTTPS.
    environment: str = "development"
    # Sign-in through the city's identity provider (OpenID Connect); empty: local accounts only.
    oidc_metadata_url: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    # The claim holding the role, and how groups name a role ("riskkarta-<role>") and a district ("sdn-<code>").
    oidc_role_claim: str = "riskkarta_role"
    oidc_groups_claim: str = "groups"
    oidc_role_group_prefix: str = "riskkarta-"
    oidc_district_group_prefix: str = "sdn-"
    # The address the public reaches the service at (https://riskkarta.example.se/): every absolute link is built
    # from it, whatever Host the request names. Empty: links take the request's host, which must be a trusted one.
    public_url: str = ""
    # Hosts a request may name when public_url is empty (the port is not compared).
    trusted_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1", "[::1]")
    testing: bool = False

    @property
    def owner_url(self) -> str:
        return self.owner_database_url or self.database_url

    @property
    def secure_cookies(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment (DATABASE_URL, RISKKARTA_DATA_DIR, SECRET_KEY, BASEMAP_URL, ...)."""
        env = os.environ
        return cls(
            # Locally the app connects as riskkarta_web and the commands as riskkarta; with DATABASE_URL alone
            # one role does both (RISKKARTA_OWNER_DATABASE_URL separates them).
            database_url=env.get("DATABASE_URL") or local_database_url(user=LOCAL_WEB),
            owner_database_url=env.get("RISKKARTA_OWNER_DATABASE_URL")
            or ("" if env.get("DATABASE_URL") else local_database_url()),
            replica_database_url=env.get("DATABASE_REPLICA_URL", ""),
            data_dir=Path(env.get("RISKKARTA_DATA_DIR") or _home() / "data"),
            secret_key=_secret_key(),
            basemap_url=env.get("BASEMAP_URL", OSM_TILES),
            basemap_attribution=env.get("BASEMAP_ATTRIBUTION", OSM_ATTRIBUTION),
            max_vertices=_int("RISKKARTA_MAX_VERTICES", 5_000),
            max_geometry_bytes=_int("RISKKARTA_MAX_GEOMETRY_BYTES", 2_000_000),
            max_upload_bytes=_int("RISKKARTA_MAX_UPLOAD_BYTES", 200_000_000),
            max_json_bytes=_int("RISKKARTA_MAX_JSON_BYTES", 10_000_000),
            import_memory_mb=_int("RISKKARTA_IMPORT_MEMORY_MB", 4_096),
            statement_timeout_ms=_int("RISKKARTA_STATEMENT_TIMEOUT_MS", 30_000),
            rate_limits=env.get("RISKKARTA_RATE_LIMITS", "on").lower() not in ("off", "0", "false", "no"),
            rate_storage=env.get("RISKKARTA_RATE_STORAGE", "memory://"),
            rate_sign_in=env.get("RISKKARTA_RATE_SIGN_IN", "10/minute"),
            rate_site_checks=env.get("RISKKARTA_RATE_SITE_CHECKS", "30/minute"),
            rate_reports=env.get("RISKKARTA_RATE_REPORTS", "30/minute"),
            rate_tile_misses=env.get("RISKKARTA_RATE_TILE_MISSES", "3000/minute"),
            rate_imports=env.get("RISKKARTA_RATE_IMPORTS", "10/hour"),
            proxy_hops=_int("RISKKARTA_PROXY_HOPS", 0),
            import_timeout_s=_int("RISKKARTA_IMPORT_TIMEOUT_S", 1_800),
            anonymous_role=env.get("RISKKARTA_ANONYMOUS_ROLE", "public"),
            environment=env.get("RISKKARTA_ENV", "development"),
            oidc_metadata_url=env.get("RISKKARTA_OIDC_METADATA_URL", ""),
            oidc_client_id=env.get("RISKKARTA_OIDC_CLIENT_ID", ""),
            oidc_client_secret=env.get("RISKKARTA_OIDC_CLIENT_SECRET", ""),
            oidc_role_claim=env.get("RISKKARTA_OIDC_ROLE_CLAIM", "riskkarta_role"),
            oidc_groups_claim=env.get("RISKKARTA_OIDC_GROUPS_CLAIM", "groups"),
            oidc_role_group_prefix=env.get("RISKKARTA_OIDC_ROLE_GROUP_PREFIX", "riskkarta-"),
            oidc_district_group_prefix=env.get("RISKKARTA_OIDC_DISTRICT_GROUP_PREFIX", "sdn-"),
            tile_cache_mb=_int("RISKKARTA_TILE_CACHE_MB", 64),
            gdal_cachemax_mb=_int("RISKKARTA_GDAL_CACHEMAX_MB", 64),
            raster_open_datasets=_int("RISKKARTA_RASTER_OPEN_DATASETS", 16),
            coverage_cache_mb=_int("RISKKARTA_COVERAGE_CACHE_MB", 16),
            transformer_cache_size=_int("RISKKARTA_TRANSFORMER_CACHE_SIZE", 32),
            baseline_cache_entries=_int("RISKKARTA_BASELINE_CACHE_ENTRIES", 16),
            public_url=env.get("RISKKARTA_PUBLIC_URL", "").strip(),
            trusted_hosts=tuple(h.strip() for h in env.get("RISKKARTA_TRUSTED_HOSTS", "localhost,127.0.0.1,::1,[::1]")
                                .split(",") if h.strip()),
            rules_file=Path(env["RISKKARTA_RULES_FILE"]) if env.get("RISKKARTA_RULES_FILE") else None,
        )

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)
