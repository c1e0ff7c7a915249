"""OGC API under /ogc: thin views over webapp.services.ogc; JSON (GeoJSON for items) or HTML.

One blueprint (common.py, with the negotiation and links every view shares), one module per part: landing.py
(landing page, conformance, API definition; openapi.py builds the definition), collections.py, features.py
(OGC API Features), coverages.py (OGC API Coverages) and tiles.py (OGC API Tiles)."""
from webapp.ogc import collections, coverages, features, landing, tiles  # noqa: F401  (each module registers its routes)
from webapp.ogc.common import bp

__all__ = ["bp"]
