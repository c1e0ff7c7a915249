"""Tiles: /tiles/<layer>/<version>/<z>/<x>/<y>.mvt|.png and TileJSON at /tiles/<layer>.json. Thin views."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, url_for

from geo.tiles import TileError, check_tile
from webapp import ratelimit
from webapp.auth import current_role
from webapp.db import get_session
from webapp.errors import ProblemError
from webapp.i18n import current_language, gettext_in
from webapp.services import catalog, hazards, tiles

bp = Blueprint("tiles", __name__, url_prefix="/tiles")
MVT = "application/vnd.mapbox-vector-tile"
IMMUTABLE = "public, max-age=31536000, immutable"
FORMATS = {"mvt": "vector", "png": "raster"}


def _cache() -> tiles.TileCache:
    cache = current_app.extensions.get("riskkarta.tile_cache")
    if cache is None:
        megabytes = current_app.extensions["riskkarta.settings"].tile_cache_mb
        cache = current_app.extensions.setdefault("riskkarta.tile_cache", tiles.TileCache(megabytes * 1024 * 1024))
    return cache


@bp.get("/<slug>/<int:version>/<int:z>/<int:x>/<int:y>.<fmt>")
def tile(slug: str, version: int, z: int, x: int, y: int, fmt: str):
    """One tile. The z/x/y and format are checked before any SQL; an old version redirects to the current one."""
    try:
        check_tile(z, x, y)
    except TileError as exc:
        raise ProblemError(400, "bad-tile", "Bad tile address", str(exc)) from None
    if fmt not in FORMATS:
        raise ProblemError(404, "not-found", "Unknown tile format", "Tiles are .mvt (vector) or .png (raster).")
    info = catalog.get_current_layer(get_session(), slug, current_role())
    if FORMATS[fmt] != info.kind:
        raise ProblemError(404, "not-found", "Wrong tile format",
                           f"{slug} is a {info.kind} layer; ask for .{'mvt' if info.kind == 'vector' else 'png'}.")
    if version != info.version:
        # Stale links keep working, but only the current version's URL is cacheable.
        target = url_for("tiles.tile", slug=slug, version=info.version, z=z, x=x, y=y, fmt=fmt)
        response = redirect(target, code=302)
        response.headers["Cache-Control"] = "no-store"
        return response
    hook = hazards.evaluator(info.slug)
    variant = hook.tile_variant(info, z, current_role())
    private = hook.tile_is_private(info, variant)
    key = (slug, version, variant, z, x, y)
    body = _cache().get(key)
    if body is None:
        ratelimit.count_tile_miss()
        if fmt == "mvt":
            body = hook.vector_tile(get_session(), info, z, x, y, variant)
        else:
            body = tiles.raster_tile(info, z, x, y)
        _cache().put(key, body)
    # An empty vector tile is a 200 with no bytes: valid MVT, and every client handles it.
    response = Response(body, mimetype=MVT if fmt == "mvt" else "image/png")
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable" if private else IMMUTABLE
    return response


@bp.get("/<slug>.json")
def tilejson(slug: str):
    """TileJSON 3.0.0 for one layer, pointing at the current version's tiles."""
    info = catalog.get_layer(get_session(), slug, current_role())
    lang = current_language()
    fmt = "mvt" if info.kind == "vector" else "png"
    template = url_for("tiles.tile", slug=slug, version=info.version, z=0, x=0, y=0, fmt=fmt, _external=True)
    template = template.replace("/0/0/0.", "/{z}/{x}/{y}.")
    body = {
        "tilejson": "3.0.0",
        "name": gettext_in(lang, info.definition.title),
        "description": gettext_in(lang, info.definition.description),
        "version": f"{info.version}.0.0",
        "attribution": info.source,
        "scheme": "xyz",
        "tiles": [template],
        "minzoom": 0,
        "maxzoom": 22,
        "bounds": list(info.bounds_lonlat) if info.bounds_lonlat else [-180, -85.0511, 180, 85.0511],
    }
    if info.kind == "vector":
        fields = hazards.evaluator(info.slug).tile_fields(info, current_role())
        body["vector_layers"] = [{"id": slug, "fields": fields, "minzoom": 0, "maxzoom": 22}]
    response = current_app.json.response(body)
    response.headers["Cache-Control"] = "no-cache"
    return response
