"""Demo hazardous-goods routes for Stockholm: the main through roads as lines, in EPSG:3006.

The anchor points are hard-coded lon/lat (WGS 84) from general knowledge of the road network, a few hundred
metres from the real alignments at best: plausible, not surveyed. No file is read and nothing is downloaded.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString

from geo.crs import SWEREF99TM, WGS84, transform_geom
from layers.base import DemoFeature

__all__ = ["hazardous_goods_routes"]

LonLat = tuple[float, float]

# (class, name, road, anchor points lon/lat in driving order). Shared points join routes at their interchanges.
_NORRTULL: LonLat = (18.0430, 59.3497)
_NYBODA: LonLat = (18.0130, 59.3110)
_JARVA_KROG: LonLat = (17.9970, 59.3740)
_HAGA: tuple[LonLat, ...] = ((18.0100, 59.3700), (18.0230, 59.3665), (18.0350, 59.3620))
_BROMMAPLAN: LonLat = (17.9390, 59.3380)
_GULLMARSPLAN: LonLat = (18.0800, 59.2995)
_SLUSSEN: LonLat = (18.0715, 59.3190)
_DANVIKSTULL: LonLat = (18.0960, 59.3150)

# fmt: off
_ROUTES: tuple[tuple[str, str, str, tuple[LonLat, ...]], ...] = (
    ("primary", "Essingeleden", "E4/E20", (
        _NORRTULL, (18.0355, 59.3492), (18.0290, 59.3468), (18.0225, 59.3440), (18.0120, 59.3385),
        (18.0050, 59.3340), (18.0030, 59.3280), (17.9990, 59.3230), (18.0040, 59.3170), _NYBODA)),
    ("primary", "Södertäljevägen", "E4/E20", (
        _NYBODA, (18.0140, 59.3040), (18.0070, 59.2980), (17.9940, 59.2930), (17.9780, 59.2880),
        (17.9600, 59.2840), (17.9430, 59.2800), (17.9290, 59.2740), (17.9170, 59.2680), (17.9000, 59.2610),
        (17.8800, 59.2550), (17.8600, 59.2480))),
    ("primary", "Uppsalavägen", "E4", (
        _NORRTULL, (18.0410, 59.3560), *reversed(_HAGA), _JARVA_KROG, (17.9860, 59.3800), (17.9760, 59.3865),
        (17.9660, 59.3935), (17.9590, 59.4010), (17.9530, 59.4110), (17.9480, 59.4220), (17.9410, 59.4330),
        (17.9350, 59.4420))),
    # E18 shares the E4 from Järva krog to Haga norra, then turns north-east as Norrtäljevägen.
    ("primary", "Enköpingsvägen–Norrtäljevägen", "E18", (
        (17.8550, 59.4040), (17.8760, 59.3990), (17.8950, 59.3985), (17.9130, 59.3960), (17.9300, 59.3915),
        (17.9460, 59.3860), (17.9600, 59.3810), (17.9760, 59.3770), _JARVA_KROG, *_HAGA, (18.0410, 59.3720),
        (18.0450, 59.3830), (18.0470, 59.3930), (18.0550, 59.4050))),
    ("primary", "Södra länken", "väg 75", (
        _NYBODA, (18.0250, 59.3070), (18.0380, 59.3030), (18.0520, 59.3000), (18.0650, 59.2975),
        _GULLMARSPLAN, (18.0920, 59.2995), (18.1050, 59.3030), (18.1180, 59.3080))),
    ("primary", "Nynäsvägen", "väg 73", (
        _GULLMARSPLAN, (18.0830, 59.2920), (18.0860, 59.2840), (18.0890, 59.2760), (18.0900, 59.2680),
        (18.0870, 59.2590), (18.0810, 59.2500), (18.0760, 59.2410), (18.0730, 59.2310), (18.0750, 59.2200))),
    ("primary", "Värmdöleden", "väg 222", (
        _DANVIKSTULL, (18.1060, 59.3140), (18.1180, 59.3110), (18.1330, 59.3100), (18.1500, 59.3095),
        (18.1680, 59.3100), (18.1850, 59.3110), (18.2030, 59.3125), (18.2200, 59.3140))),
    ("secondary", "Huddingevägen", "väg 226", (
        (18.0420, 59.3020), (18.0330, 59.2950), (18.0250, 59.2880), (18.0170, 59.2820), (18.0100, 59.2760),
        (18.0030, 59.2690), (17.9990, 59.2610), (17.9960, 59.2530), (17.9900, 59.2440), (17.9820, 59.2360))),
    ("secondary", "Bergslagsvägen", "väg 275", (
        _BROMMAPLAN, (17.9280, 59.3420), (17.9160, 59.3450), (17.9020, 59.3480), (17.8880, 59.3520),
        (17.8740, 59.3570), (17.8600, 59.3620), (17.8450, 59.3670), (17.8300, 59.3720), (17.8150, 59.3780))),
    ("secondary", "Drottningholmsvägen", "Drottningholmsvägen", (
        (18.0290, 59.3325), (18.0180, 59.3325), (18.0080, 59.3330), (17.9990, 59.3338), (17.9900, 59.3340),
        (17.9800, 59.3340), (17.9680, 59.3335), (17.9560, 59.3345), (17.9470, 59.3365), _BROMMAPLAN)),
    ("secondary", "Ekerövägen", "väg 261", (
        _BROMMAPLAN, (17.9300, 59.3360), (17.9220, 59.3335), (17.9130, 59.3310), (17.9050, 59.3290),
        (17.8960, 59.3270), (17.8880, 59.3240), (17.8760, 59.3200), (17.8620, 59.3150), (17.8450, 59.3080),
        (17.8300, 59.3000), (17.8150, 59.2930))),
    ("secondary", "Söderledstunneln", "Centralbron–Söderleden", (
        (18.0625, 59.3300), (18.0660, 59.3265), (18.0690, 59.3225), _SLUSSEN, (18.0725, 59.3150),
        (18.0735, 59.3110), (18.0745, 59.3070), (18.0765, 59.3030), _GULLMARSPLAN)),
    ("secondary", "Stadsgårdsleden", "Stadsgårdsleden", (
        _SLUSSEN, (18.0780, 59.3185), (18.0840, 59.3175), (18.0890, 59.3165), (18.0930, 59.3155), _DANVIKSTULL)),
    ("secondary", "Tyresövägen", "väg 229", (
        (18.0900, 59.2650), (18.1000, 59.2630), (18.1100, 59.2610), (18.1220, 59.2590), (18.1350, 59.2570),
        (18.1500, 59.2545), (18.1650, 59.2520), (18.1800, 59.2500), (18.1980, 59.2480))),
    ("secondary", "Ulvsundavägen", "väg 279", (
        (17.9850, 59.3345), (17.9820, 59.3400), (17.9770, 59.3460), (17.9710, 59.3520), (17.9650, 59.3580),
        (17.9600, 59.3640), (17.9560, 59.3700), (17.9520, 59.3760), (17.9480, 59.3830))),
    ("secondary", "Örbyleden", "Örbyleden", (
        (17.9980, 59.2620), (18.0050, 59.2590), (18.0120, 59.2560), (18.0260, 59.2520), (18.0400, 59.2490),
        (18.0550, 59.2480), (18.0680, 59.2470), (18.0770, 59.2450))),
    ("secondary", "Norra länken", "väg 277", (
        _NORRTULL, (18.0520, 59.3530), (18.0640, 59.3545), (18.0760, 59.3540), (18.0870, 59.3520),
        (18.0960, 59.3495), (18.1040, 59.3460), (18.1120, 59.3420))),
)
# fmt: on


def _smooth(points: np.ndarray) -> np.ndarray:
    """One Chaikin corner-cutting pass that keeps both ends, so routes still meet at their shared interchanges."""
    a, b = points[:-1], points[1:]
    cut = np.empty((2 * len(a), 2))
    cut[0::2] = 0.75 * a + 0.25 * b
    cut[1::2] = 0.25 * a + 0.75 * b
    cut[0], cut[-1] = points[0], points[-1]
    return cut


def hazardous_goods_routes() -> list[DemoFeature]:
    """The demo primary and secondary hazardous-goods routes (LineStrings in EPSG:3006), one feature per road."""
    features = []
    for cls, name, road, anchors in _ROUTES:
        # Smooth in lon/lat: at this scale the corner cuts are equally plausible in either CRS.
        line = LineString(_smooth(np.asarray(anchors, dtype=float)))
        features.append(DemoFeature(cls, {"name": name, "road": road}, transform_geom(line, WGS84, SWEREF99TM)))
    return features
