"""Demo drinking-water features: Östra Mälaren's protection zones, its two waterworks and their intakes.

Everything is drawn from one hand-made polygon of Mälaren's eastern water (lon/lat from general knowledge):
Lambarfjärden between Hässelby and Lovön, the straits past Kärsön and Bromma's shore, and the reach between
Ekerön and the Hägersten–Skärholmen–Vårby shore down to Norsborg. Lovön, Kärsön and Ekerön are one land mass
to the west of it. Plausible shapes, not the decided zone boundaries; no file is read.
"""

from __future__ import annotations

from functools import lru_cache

import shapely
from shapely.geometry import Point, Polygon

from geo.crs import SWEREF99TM, WGS84, transform_geom
from layers.base import DemoFeature

__all__ = ["drinking_water_features"]

LonLat = tuple[float, float]

ZONE_NAME = "Östra Mälarens vattenskyddsområde"
DECISION = "Länsstyrelsen i Stockholms län (demo)"
OPERATOR = "Stockholm Vatten och Avfall (demo)"

# The water, clockwise from the north-west corner: the mainland shore (Hässelby, Bromma, Hägersten, Skärholmen,
# Vårby, Norsborg), then back north along the islands' shore (Ekerön, Lovön, Kärsön). The west and east edges
# are cuts across open water where the demo stops.
# fmt: off
_WATER: tuple[LonLat, ...] = (
    (17.7850, 59.3640), (17.8000, 59.3660), (17.8150, 59.3630), (17.8280, 59.3620), (17.8430, 59.3570),
    (17.8570, 59.3510), (17.8730, 59.3450), (17.8880, 59.3400), (17.9030, 59.3365), (17.9070, 59.3295),
    (17.9200, 59.3245), (17.9350, 59.3210), (17.9480, 59.3195), (17.9600, 59.3180), (17.9750, 59.3185),
    (17.9750, 59.3040), (17.9580, 59.3005), (17.9450, 59.3000), (17.9300, 59.2980), (17.9150, 59.2940),
    (17.9050, 59.2895), (17.8930, 59.2860), (17.8850, 59.2810), (17.8890, 59.2750), (17.8850, 59.2720),
    (17.8800, 59.2660), (17.8700, 59.2620), (17.8560, 59.2565), (17.8450, 59.2525), (17.8350, 59.2505),
    (17.8200, 59.2505), (17.7900, 59.2515),
    (17.7900, 59.2620), (17.8050, 59.2660), (17.8220, 59.2730), (17.8380, 59.2810), (17.8480, 59.2900),
    (17.8550, 59.2990), (17.8620, 59.3070), (17.8720, 59.3140), (17.8830, 59.3200), (17.8930, 59.3240),
    (17.9010, 59.3280), (17.8960, 59.3335), (17.8800, 59.3360), (17.8650, 59.3370), (17.8500, 59.3340),
    (17.8380, 59.3315), (17.8250, 59.3330), (17.8100, 59.3360), (17.7950, 59.3380), (17.7850, 59.3400),
)
# fmt: on

# (name, waterworks lon/lat on land, intake lon/lat a few hundred metres out in Mälaren)
_WORKS: tuple[tuple[str, LonLat, LonLat], ...] = (
    ("Lovö vattenverk", (17.8340, 59.3240), (17.8360, 59.3345)),
    ("Norsborg vattenverk", (17.8340, 59.2440), (17.8320, 59.2545)),
)

PRIMARY_RADIUS_M = 2500.0  # how far around an intake the primary zone reaches over the water
PRIMARY_SHORE_M = 100.0  # shore strip of the primary zone
SECONDARY_SHORE_M = 400.0  # shore strip of the secondary zone ("a few hundred metres")


def _to_3006(geom: shapely.Geometry) -> shapely.Geometry:
    return transform_geom(geom, WGS84, SWEREF99TM)


@lru_cache(maxsize=1)
def _water() -> Polygon:
    """The demo water body in EPSG:3006."""
    water = _to_3006(Polygon(_WATER))
    if not water.is_valid:
        raise RuntimeError("demo Mälaren polygon is invalid")
    return water


def _intakes() -> list[Point]:
    return [_to_3006(Point(intake)) for _, _, intake in _WORKS]


def _primary() -> shapely.Geometry:
    """The water within PRIMARY_RADIUS_M of an intake, with its shore strip."""
    water = _water()
    near = shapely.union_all([water.intersection(p.buffer(PRIMARY_RADIUS_M)) for p in _intakes()])
    return near.buffer(PRIMARY_SHORE_M)


def drinking_water_features() -> list[DemoFeature]:
    """Demo zones (primary inside secondary), waterworks and raw-water intakes of Östra Mälaren, in EPSG:3006."""
    primary = _primary()
    # The union guards containment against buffer round-off where the primary strip meets the outer edge.
    secondary = shapely.union_all([_water().buffer(SECONDARY_SHORE_M), primary])
    zone = {"name": ZONE_NAME, "decision": DECISION}
    features = [
        DemoFeature("zone-secondary", {**zone, "zone": "sekundär"}, secondary),
        DemoFeature("zone-primary", {**zone, "zone": "primär"}, primary),
    ]
    for name, works, intake in _WORKS:
        features.append(DemoFeature("waterworks", {"name": name, "operator": OPERATOR}, _to_3006(Point(works))))
        features.append(
            DemoFeature(
                "intake", {"name": f"Råvattenintag {name.split()[0]}", "operator": OPERATOR}, _to_3006(Point(intake))
            )
        )
    return features
