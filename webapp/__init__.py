"""Riskkarta: risk and situation-picture maps on PostGIS. `create_app` builds everything; nothing runs at
import time."""
from __future__ import annotations

import logging
from importlib import metadata

from flask import Flask

from layers.site_rules import load_rules
from webapp import auth, db, errors, gate, i18n, ratelimit, security
from webapp.config import Settings

try:
    __version__ = metadata.version("riskkarta")
except metadata.PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0+unknown"


def create_app(config: Settings | dict | None = None) -> Flask:
    """The app factory. `config` is a Settings, a dict of Settings fields to override, or None (environment)."""
    if config is None:
        settings = Settings.from_env()
    elif isinstance(config, dict):
        settings = Settings.from_env().with_(**config)
    else:
        settings = config
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, TESTING=settings.testing,
                      MAX_CONTENT_LENGTH=settings.max_upload_bytes, JSON_SORT_KEYS=False)
    app.extensions["riskkarta.settings"] = settings
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app, db.make_engine(settings.database_url, statement_timeout_ms=settings.statement_timeout_ms))
    app.extensions["riskkarta.rules"] = load_rules(settings.rules_file)
    bound_caches(settings)
    errors.register(app)
    security.init_app(app)
    gate.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    ratelimit.init_app(app)
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    if settings.environment == "production":
        _refuse_demo_accounts(app)

    from webapp.api import bp as api_bp
    from webapp.api.city import bp as city_bp
    from webapp.api.coordinates import bp as coordinates_bp
    from webapp.api.imports import bp as imports_bp
    from webapp.api.pictures import bp as pictures_bp
    from webapp.api.site_checks import bp as site_checks_bp
    from webapp.api.statistics import bp as statistics_bp
    from webapp.api.views import bp as views_bp
    from webapp.ogc import bp as ogc_bp
    from webapp.pages import bp as pages_bp
    from webapp.pages import oidc
    from webapp.tiles import bp as tiles_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(city_bp)
    app.register_blueprint(coordinates_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(pictures_bp)
    app.register_blueprint(site_checks_bp)
    app.register_blueprint(statistics_bp)
    app.register_blueprint(views_bp)
    app.register_blueprint(ogc_bp)
    app.register_blueprint(pages_bp)
    oidc.init_app(app)
    app.register_blueprint(tiles_bp)
    return app


def bound_caches(settings: Settings) -> None:
    """Set the bound of every per-process cache from the settings (README: Configuration). Process-wide: under
    gunicorn each worker builds its app, so each worker applies them at start. The tile cache is made per app
    (webapp/tiles, RISKKARTA_TILE_CACHE_MB)."""
    from geo import crs, raster
    from webapp.services.hazards import crime
    from webapp.services.ogc import coverages

    raster.configure(gdal_cachemax_mb=settings.gdal_cachemax_mb, open_datasets=settings.raster_open_datasets)
    crs.set_transformer_cache_size(settings.transformer_cache_size)
    coverages.set_cache_size(settings.coverage_cache_mb)
    crime.set_baseline_cache_size(settings.baseline_cache_entries)


def _refuse_demo_accounts(app: Flask) -> None:
    """A production configuration never starts while the demo accounts (with their published passwords) exist."""
    from sqlalchemy import text

    with app.extensions["riskkarta.engine"].connect() as connection:
        demo = connection.execute(text(
            "SELECT string_agg(email, ', ') FROM app_user WHERE is_demo AND active")).scalar()
    if demo:
        raise RuntimeError(f"Refusing to start in production (RISKKARTA_ENV=production): the demo accounts {demo} "
                           "have published passwords; remove them with `riskkarta users remove-demo`.")
