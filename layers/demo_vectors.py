"""Deterministic demo vector data for the hazard layers: routes, drinking water, crime incidents.

The generators live in one module per layer; this module is the one place the layer definitions import from.
All geometries and coordinates are EPSG:3006 (SWEREF 99 TM, x = easting, y = northing, metres).
"""

from __future__ import annotations

from layers.demo_crime import CATEGORIES, CATEGORY_SHARES, IncidentBatch, crime_incidents, incident_rows
from layers.demo_routes import hazardous_goods_routes
from layers.demo_water import drinking_water_features

__all__ = [
    "CATEGORIES",
    "CATEGORY_SHARES",
    "IncidentBatch",
    "crime_incidents",
    "drinking_water_features",
    "hazardous_goods_routes",
    "incident_rows",
]
