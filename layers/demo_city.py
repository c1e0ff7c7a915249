"""Demo district areas (stadsdelsområden) for Stockholm, generated deterministically.

The 13 demo districts are built from project code only: no files are read and nothing is
downloaded at run time. Two hard-coded constant sets drive the construction:

* ``_OUTLINE``: a simplified outline of the whole city (the union of the 13 real districts,
  simplified with a 150 m tolerance and rounded to whole metres);
* ``_SEEDS``: two to four seed points per district.

Each district is the union of the Voronoi cells of its seeds, clipped to the outline. The result
is gap-free and non-overlapping by construction and keeps the districts in their real relative
positions, but the boundaries are *generated*: they are not the official boundaries.

All coordinates are EPSG:3006 (SWEREF 99 TM, metres, x = easting, y = northing).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon
from shapely.ops import unary_union

from layers.base import N_

__all__ = ["DEMO_SOURCE", "DemoDistrict", "city_outline", "demo_districts"]

DEMO_SOURCE = N_("Riskkarta demo data: generated district areas, not official boundaries")

SRID = 3006

# City outline, EPSG:3006, whole metres.
# Simplified from Stockholms stad, Stadsdelsnämndsområden 2020 (CC0): the union of the 13 areas,
# exterior ring only (about 30 sliver holes of the source dropped), Douglas-Peucker tolerance 150 m.
# fmt: off
_OUTLINE: tuple[tuple[int, int], ...] = (
    (664935, 6573400), (664224, 6573692), (664022, 6573449), (663669, 6574002), (663170, 6574129),
    (663402, 6574700), (663217, 6575433), (664405, 6575588), (664774, 6576273), (665437, 6576620),
    (665665, 6577002), (666715, 6577476), (667313, 6577396), (667270, 6577771), (667799, 6577888),
    (668194, 6578380), (667388, 6579117), (665379, 6580162), (664743, 6580734), (663237, 6581358),
    (661427, 6582750), (660893, 6582544), (660083, 6583322), (658965, 6582934), (658424, 6584666),
    (657519, 6586162), (656873, 6586603), (656773, 6586928), (657808, 6587714), (658936, 6586878),
    (659944, 6587887), (660553, 6587058), (660466, 6585962), (661311, 6585951), (663371, 6587960),
    (663038, 6588339), (663932, 6588836), (664359, 6589459), (664503, 6589928), (663840, 6591513),
    (664102, 6592276), (664511, 6592667), (665599, 6592006), (665366, 6591209), (665913, 6590499),
    (667591, 6589474), (668965, 6588319), (668555, 6588521), (667766, 6588088), (666336, 6585427),
    (667722, 6584543), (669538, 6582269), (670513, 6581834), (670882, 6581970), (672029, 6581749),
    (672299, 6582721), (673027, 6583001), (673316, 6583747), (672526, 6585346), (673195, 6585865),
    (674481, 6585811), (674886, 6585503), (675891, 6585314), (677750, 6582938), (679773, 6581577),
    (680011, 6580555), (679832, 6580046), (679214, 6579773), (678598, 6579920), (676948, 6579557),
    (676745, 6579106), (677208, 6578592), (677297, 6578060), (677103, 6577812), (678219, 6577787),
    (677642, 6576930), (677896, 6576333), (679611, 6574787), (679520, 6573887), (680710, 6573603),
    (680789, 6572420), (681388, 6571803), (682486, 6571990), (682217, 6570005), (678726, 6571246),
    (678165, 6571072), (678192, 6570303), (677392, 6569781), (677416, 6569472), (675806, 6569918),
    (674842, 6570727), (674616, 6570582), (674710, 6570864), (674062, 6571511), (673944, 6571303),
    (672673, 6571797), (672075, 6572387), (669884, 6573089), (668893, 6573701), (668399, 6574330),
    (668409, 6575217), (667917, 6575809), (666099, 6574749), (665700, 6573600),
)
# fmt: on

# Voronoi seeds per district code, EPSG:3006, whole metres. Derived (during development, not at run
# time) from Stockholms stad, Stadsdelsnämndsområden 2020 (CC0): k-means centres of each real area,
# then moved in small steps to maximise the overlap (IoU) between each demo cell group and its area.
_SEEDS: dict[str, tuple[tuple[int, int], ...]] = {
    "1": ((664746, 6591691), (666553, 6586764), (666729, 6588927)),
    "3": ((663572, 6586630), (664789, 6587335), (666151, 6585967)),
    "4": ((658822, 6586387), (660126, 6584244), (662771, 6585432), (662988, 6583271)),
    "6": ((664411, 6582068), (667627, 6584117), (668011, 6579726), (669305, 6580540)),
    "8": ((670559, 6579991), (672582, 6580517)),
    "9": ((673244, 6582315), (674663, 6580887)),
    "10": ((674521, 6583848), (675413, 6581592), (677633, 6580551)),
    "11": ((672594, 6579605), (674188, 6579935), (676721, 6578075)),
    "14": ((672845, 6573428), (673626, 6576185), (674440, 6573698), (675457, 6576305)),
    "15": ((676838, 6577281), (679374, 6575033), (680256, 6572365)),
    "18": ((674767, 6573712), (675269, 6572945), (676812, 6571972)),
    "22": ((668739, 6577096), (670737, 6575367), (671025, 6578927), (671619, 6578650)),
    "24": ((664706, 6574682), (666516, 6576234)),
}

# (code, name) in code order; code is the city's administrative area id (Adm_area ADM_ID).
_NAMES: tuple[tuple[str, str], ...] = (
    ("1", "Rinkeby-Kista"),
    ("3", "Spånga-Tensta"),
    ("4", "Hässelby-Vällingby"),
    ("6", "Bromma"),
    ("8", "Kungsholmen"),
    ("9", "Norrmalm"),
    ("10", "Östermalm"),
    ("11", "Södermalm"),
    ("14", "Enskede-Årsta-Vantör"),
    ("15", "Skarpnäck"),
    ("18", "Farsta"),
    ("22", "Hägersten-Älvsjö"),
    ("24", "Skärholmen"),
)


@dataclass(frozen=True)
class DemoDistrict:
    """One generated district area."""

    code: str  # administrative area id as a string, e.g. "1" for Rinkeby-Kista
    name: str  # e.g. "Rinkeby-Kista"
    committee: str  # e.g. "Rinkeby-Kista stadsdelsnämnd"
    geom: MultiPolygon  # EPSG:3006


@lru_cache(maxsize=1)
def city_outline() -> Polygon | MultiPolygon:
    """The simplified city outline (EPSG:3006) that the demo districts partition."""
    return Polygon(_OUTLINE)


def _as_multipolygon(geom: shapely.Geometry) -> MultiPolygon:
    """Keep only the polygonal parts of ``geom`` and wrap them in a MultiPolygon."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    parts: list[Polygon] = []
    for part in getattr(geom, "geoms", ()):
        if isinstance(part, Polygon) and not part.is_empty:
            parts.append(part)
        elif isinstance(part, MultiPolygon):
            parts.extend(part.geoms)
    return MultiPolygon(parts)


@lru_cache(maxsize=1)
def _build() -> tuple[DemoDistrict, ...]:
    outline = city_outline()
    seeds = [(code, Point(xy)) for code, _ in _NAMES for xy in _SEEDS[code]]
    # Extend the diagram well beyond the outline so every part of it is covered by some cell.
    extent = outline.envelope.buffer(5000).envelope
    diagram = shapely.voronoi_polygons(MultiPoint([p for _, p in seeds]), extend_to=extent)
    cells: dict[str, list[Polygon]] = {code: [] for code, _ in _NAMES}
    for cell in diagram.geoms:
        # Each cell contains exactly one seed; match by geometry, not by output order.
        code = next(code for code, point in seeds if cell.contains(point))
        cells[code].append(cell)
    districts = []
    for code, name in _NAMES:
        geom = _as_multipolygon(unary_union(cells[code]).intersection(outline))
        if geom.is_empty or not geom.is_valid:
            raise RuntimeError(f"demo district {code} ({name}) came out empty or invalid")
        districts.append(DemoDistrict(code, name, f"{name} stadsdelsnämnd", geom))
    return tuple(sorted(districts, key=lambda d: int(d.code)))


def demo_districts() -> list[DemoDistrict]:
    """The 13 generated district areas, sorted numerically by code (a fresh list each call)."""
    return list(_build())
