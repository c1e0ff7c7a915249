"""Read coordinates a person pasted (one point, or the corners of an area) and say plainly how they were read.

Planners copy coordinates from other systems: SWEREF 99 TM (EPSG:3006), SWEREF 99 18 00 (EPSG:3011, the city's
own system) or WGS 84 degrees, in whichever axis order that system used. ``read_coordinates`` tries every plausible
reading, keeps those that land inside the city area, and returns the most likely one with a description (Swedish
and English) for the planner to confirm, listing any other reading that also fitted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import shapely
from shapely.geometry import Polygon

from geo import crs as gcrs
from geo.geojson import GeometryError

DEFAULT_AREA_LONLAT: tuple[float, float, float, float] = (17.6, 59.1, 18.4, 59.55)

_EPSGS = (gcrs.SWEREF99TM, gcrs.SWEREF99_1800, gcrs.WGS84)
_CRS_NAMES = {gcrs.SWEREF99TM: "SWEREF 99 TM", gcrs.SWEREF99_1800: "SWEREF 99 18 00", gcrs.WGS84: "WGS 84"}
# (order, Swedish, English) keyed by (projected?, axis of the first number).
_ORDERS = {
    (True, "N"): ("north_east", "norr först", "northing first"),
    (True, "E"): ("east_north", "öst först", "easting first"),
    (False, "N"): ("lat_lon", "latitud först", "latitude first"),
    (False, "E"): ("lon_lat", "longitud först", "longitude first"),
}
_OTHER_AXIS = {"N": "E", "E": "N", "X": "Y", "Y": "X"}
# Label words and the axis they name. S and W make the number negative (they only matter for telling the planner
# the point is far away). X/Y are kept apart from N/E: Swedish surveying calls the northing X, GIS calls it Y.
_LABELS: dict[str, tuple[str, int]] = {
    **dict.fromkeys(("n", "north", "northing", "nord", "norr", "lat", "latitude", "latitud"), ("N", 1)),
    **dict.fromkeys(("s", "south", "syd"), ("N", -1)),
    **dict.fromkeys(("e", "east", "easting", "ö", "o", "öst", "ost", "lon", "lng", "long", "longitude", "longitud"),
                    ("E", 1)),
    **dict.fromkeys(("w", "west", "väst"), ("E", -1)),
    "x": ("X", 1),
    "y": ("Y", 1),
}
_NOT_FINITE = frozenset({"nan", "inf", "infinity"})

_N = r"\d+(?:[.,]\d+)?"
# Degrees with optional minutes and seconds; the marks make decimal commas inside them unambiguous. ´ and ’ are
# what Swedish keyboards and word processors turn a minute mark into.
_DMS = rf"[-+]?{_N}\s*[°º˚](?:\s*{_N}\s*['′’´`](?:\s*{_N}\s*(?:''|[\"″”˝]))?)?"
_GAP = r"[\s,;:=()\[\]{}\"'|/]+"
_TOKENS = {
    decimal_comma: re.compile(
        rf"(?P<dms>{_DMS})|(?P<num>[-+]?\d+(?:[{'.,' if decimal_comma else '.'}]\d+)?(?:[eE][-+]\d+)?)"
        rf"|(?P<word>[^\W\d_]+)|(?P<gap>{_GAP})|(?P<other>.)"
    )
    for decimal_comma in (True, False)
}
_DMS_PARTS = re.compile(r"\d+(?:[.,]\d+)?")
# Non-breaking and thin spaces between digit groups are thousands separators (as in "6 580 505" typed in Word).
_GROUPING = re.compile(r"(?<=\d)[\u00a0\u202f\u2009](?=\d{3}(?!\d))")
_WKT = re.compile(r"^\s*(?:SRID=(?P<srid>\d+)\s*;\s*)?(?P<body>(?P<type>[A-Za-z]+)\s*(?:ZM|Z|M)?\s*(?:\(|EMPTY).*)$",
                  re.DOTALL)
_WKT_TYPES = frozenset({"point", "polygon", "multipoint", "linestring", "multilinestring", "multipolygon",
                        "geometrycollection"})
_HEADER = re.compile(r"^\s*(?P<first>[^\W\d_]+)[ \t,;]+(?P<second>[^\W\d_]+)[ \t,;]*\n")
_REASON_AT = re.compile(r"^(?P<reason>.*?)\s*\[(?P<x>\S+) (?P<y>\S+)\]$")
# Far more text than any real paste of ``max_points`` points; refuse before spending time on regexes.
_MAX_CHARS_PER_POINT = 120

# How far reading got before a refusal; when several decimal-comma readings fail, the furthest one explains best.
_UNREADABLE, _UNPAIRED, _TOO_MANY, _OUTSIDE, _NOT_AN_AREA = range(5)


@dataclass(frozen=True)
class Reading:
    """How pasted coordinates were read: CRS, axis order, the points, and descriptions to show the planner."""

    epsg: int
    order: str
    points_3006: tuple[tuple[float, float], ...]
    points_lonlat: tuple[tuple[float, float], ...]
    description_sv: str
    description_en: str
    alternatives: tuple[str, ...] = ()


# What went wrong, for a caller that explains it in the reader's language; by stage, then the checks before reading.
REASONS = ("unreadable", "unpaired", "too_many", "outside", "not_an_area")


class CoordinateError(GeometryError):
    """Pasted text that could not be read as coordinates; `reason` is one of REASONS, "empty" or "too_long"."""

    def __init__(self, reason: str, message: str, location: tuple[float, float] | None = None) -> None:
        super().__init__(message, location=location)
        self.reason = reason


class _Refusal(CoordinateError):
    """A CoordinateError that remembers how far reading got."""

    def __init__(self, stage: int, message: str, location: tuple[float, float] | None = None) -> None:
        super().__init__(REASONS[stage], message, location=location)
        self.stage = stage


@dataclass
class _Number:
    value: float
    raw: str
    line: int
    degrees: bool
    axis: str | None = None
    label: str = ""
    labelled_before: bool = False


@dataclass(frozen=True)
class _Pasted:
    pairs: tuple[tuple[float, float], ...]  # in pasted order; labelled pairs turned to the first label's order
    firsts: tuple[str, ...]  # which axis the first number of a pair may be: "N" and/or "E"
    preferred: str  # the first axis to prefer on a tie
    epsgs: tuple[int, ...]
    labels: str | None  # "NE", "EN", "XY", "YX" from the first labelled pair


def read_coordinates(
    text: str,
    *,
    area_lonlat: tuple[float, float, float, float] = DEFAULT_AREA_LONLAT,
    max_points: int = 1000,
) -> Reading:
    """Read pasted coordinates (a point or a polygon's corners), detecting the CRS and axis order."""
    if not text or not text.strip():
        raise CoordinateError("empty", "no coordinates were given; paste a point such as '6580505 673779', "
                              "or the corners of an area one point per line")
    if len(text) > _MAX_CHARS_PER_POINT * max_points + 1000:
        raise CoordinateError("too_long",
                              f"the text is {len(text):,} characters long, too long for {max_points:,} points")
    text = _GROUPING.sub("", text.replace("\u2212", "-"))
    wkt = _WKT.match(text)
    if wkt and wkt.group("type").lower() in _WKT_TYPES:
        attempts = [lambda: _from_wkt(wkt)]
    else:
        has_point = re.search(r"\d\.\d", text)
        # "674000,5 6580500,5" has decimal commas, "674000,6580500" a separator; reading both ways and keeping
        # what lands in the city tells them apart better than any rule about spaces.
        modes = (True, False) if re.search(r"\d,\d", text) and not has_point else (False,)
        attempts = [lambda mode=mode: _from_text(text, mode) for mode in modes]
    refusals: list[_Refusal] = []
    for attempt in attempts:
        try:
            return _resolve(attempt(), area_lonlat, max_points)
        except _Refusal as refusal:
            refusals.append(refusal)
    best = max(refusals, key=lambda refusal: refusal.stage)  # the first of equals: decimal commas are tried first
    raise CoordinateError(best.reason, best.message, location=best.location) from None


def _from_wkt(match: re.Match[str]) -> _Pasted:
    """A WKT POINT or POLYGON; an EWKT SRID fixes the CRS, and WKT is x (east/longitude) first."""
    try:
        geom = shapely.from_wkt(match.group("body"))
    except shapely.errors.ShapelyError as exc:
        raise _Refusal(_UNREADABLE, f"not valid WKT: {exc}") from None
    if geom.geom_type not in ("Point", "Polygon"):
        raise _Refusal(_UNREADABLE, f"a WKT {geom.geom_type} is not accepted here; give a POINT or a POLYGON")
    if geom.is_empty:
        raise _Refusal(_UNREADABLE, f"the WKT {geom.geom_type} is empty")
    if geom.geom_type == "Polygon" and geom.interiors:
        raise _Refusal(_UNREADABLE, "polygons with holes are not accepted here; give the outer boundary only")
    coords = geom.coords if geom.geom_type == "Point" else geom.exterior.coords
    pairs = tuple((float(c[0]), float(c[1])) for c in coords)
    if not all(math.isfinite(v) for pair in pairs for v in pair):
        raise _Refusal(_UNREADABLE, "the WKT contains a number that is not finite (NaN or infinity)")
    srid = match.group("srid")
    if srid is None:
        return _Pasted(pairs, ("N", "E"), "E", _EPSGS, None)
    if int(srid) not in _EPSGS:
        raise _Refusal(_UNREADABLE, f"SRID={srid} is not accepted; use 3006, 3011 or 4326")
    return _Pasted(pairs, ("E",), "E", (int(srid),), "EN")


def _scan(text: str, decimal_comma: bool) -> list[_Number]:
    """Turn text into numbers, each with the axis its label (before or after it) names."""
    numbers: list[_Number] = []
    pending: tuple[str, int, str] | None = None  # a label waiting for its number
    gap, line, after_number = "", 1, False
    for match in _TOKENS[decimal_comma].finditer(text):
        kind, raw = match.lastgroup, match.group()
        if kind == "gap":
            gap += raw
            line += raw.count("\n")
            continue
        if kind == "other":
            raise _Refusal(_UNREADABLE, f"could not read {raw!r} on line {line} as part of a coordinate")
        if kind == "word":
            word = raw.casefold()
            if word in _NOT_FINITE:
                raise _Refusal(_UNREADABLE, f"{raw!r} on line {line} is not a finite number")
            if word not in _LABELS:
                raise _Refusal(_UNREADABLE, f"could not read {raw!r} on line {line} as part of a coordinate; "
                                            "paste numbers, optionally labelled N/E, lat/lon or x/y")
            axis, sign = _LABELS[word]
            prev = numbers[-1] if numbers else None
            # A label right after an unlabelled number on the same line belongs to it ("59.33 N", 59°19'39"N).
            if after_number and prev is not None and prev.axis is None and pending is None and not gap.strip(" \t"):
                prev.axis, prev.label, prev.value = axis, raw, sign * prev.value
            elif pending is not None:
                raise _Refusal(_UNREADABLE, f"the label {pending[2]!r} on line {line} is followed by another "
                                            f"label, {raw!r}, instead of a number")
            else:
                pending = (axis, sign, raw)
        else:
            prev = numbers[-1] if numbers else None
            # "N 6 580 505": space-grouped thousands, recognised only after a label so that plain pairs stay pairs.
            if (kind == "num" and after_number and gap == " " and prev is not None and prev.labelled_before
                    and re.fullmatch(r"\d{1,3}(?: \d{3})*", prev.raw) and re.fullmatch(r"\d{3}(?:[.,]\d+)?", raw)):
                prev.raw += " " + raw
                prev.value = math.copysign(float(prev.raw.replace(" ", "").replace(",", ".")), prev.value)
            else:
                value = _degrees(raw) if kind == "dms" else float(raw.replace(",", "."))
                if not math.isfinite(value):
                    raise _Refusal(_UNREADABLE, f"{raw!r} on line {line} is not a finite number")
                number = _Number(value, raw, line, kind == "dms")
                if pending is not None:
                    number.axis, sign, number.label = pending
                    number.value *= sign
                    number.labelled_before, pending = True, None
                numbers.append(number)
        gap, after_number = "", kind != "word"
    if pending is not None:
        raise _Refusal(_UNREADABLE, f"the label {pending[2]!r} at the end has no number after it")
    return numbers


def _degrees(raw: str) -> float:
    """Degrees, minutes and seconds to decimal degrees."""
    parts = [float(part.replace(",", ".")) for part in _DMS_PARTS.findall(raw)]
    value = sum(part / 60**i for i, part in enumerate(parts))
    return -value if raw.lstrip().startswith("-") else value


def _from_text(text: str, decimal_comma: bool) -> _Pasted:
    """Pair up the numbers in free text and work out what its labels (if any) say about axis order."""
    header = _HEADER.match(text)
    if header and header["first"].casefold() in _LABELS and header["second"].casefold() in _LABELS:
        # A spreadsheet column header ("N<tab>E", "lat,lon") labels every pair below it.
        text = text[header.end():]
    else:
        header = None
    numbers = _scan(text, decimal_comma)
    if header is not None:
        for index, number in enumerate(numbers):
            if number.axis is None:
                number.label = header[("first", "second")[index % 2]]
                number.axis, sign = _LABELS[number.label.casefold()]
                number.value *= sign
    if not numbers:
        raise _Refusal(_UNPAIRED, "found no numbers; paste a point such as '6580505 673779'")
    if len(numbers) == 1:
        raise _Refusal(_UNPAIRED, f"found only one number, {numbers[0].raw}; a point needs two "
                                  "(northing and easting, or latitude and longitude)")
    if len(numbers) % 2:
        per_line: dict[int, int] = {}
        for number in numbers:
            per_line[number.line] = per_line.get(number.line, 0) + 1
        odd = next((f"; line {ln} has {n}" for ln, n in per_line.items() if n % 2 and n > 1 and len(per_line) > 1), "")
        raise _Refusal(_UNPAIRED, f"found {len(numbers)} numbers, but coordinates come in pairs{odd}; "
                                  "check for a missing or extra number")
    pairs, tags = [], []
    for index, (a, b) in enumerate(zip(numbers[0::2], numbers[1::2], strict=True), start=1):
        tags.append(_pair_labels(a, b, index))
        pairs.append((a.value, b.value))
    labelled = [tag for tag in tags if tag]
    if len({tag in ("NE", "EN") for tag in labelled}) > 1:
        raise _Refusal(_UNREADABLE, "some points are labelled N/E (or lat/lon) and others x/y; use one kind")
    first_tag = labelled[0] if labelled else None
    # Labels decide per point; unlabelled points are taken to follow the first labelled one.
    pairs = [(b, a) if tag and tag != first_tag else (a, b) for (a, b), tag in zip(pairs, tags, strict=True)]
    epsgs = (gcrs.WGS84,) if any(number.degrees for number in numbers) else _EPSGS
    if first_tag in ("NE", "EN"):
        return _Pasted(tuple(pairs), (first_tag[0],), first_tag[0], epsgs, first_tag)
    # x/y is a hint, not a rule: GIS puts the easting in x, Swedish surveying the northing, so magnitudes decide.
    preferred = {"XY": "E", "YX": "N"}.get(first_tag or "", "N")
    return _Pasted(tuple(pairs), ("N", "E"), preferred, epsgs, first_tag)


def _pair_labels(a: _Number, b: _Number, index: int) -> str | None:
    """The axes of a pair as labelled ("NE", "EN", "XY", "YX"), inferring one missing label; None if unlabelled."""
    if a.axis is None and b.axis is None:
        return None
    first = a.axis or _OTHER_AXIS[b.axis or ""]
    second = b.axis or _OTHER_AXIS[first]
    if second != _OTHER_AXIS[first]:
        raise _Refusal(_UNREADABLE, f"point {index} is labelled {a.label or '(none)'} and {b.label or '(none)'}; "
                                    "label one number N (or lat) and the other E (or lon)")
    return first + second


def _resolve(pasted: _Pasted, area: tuple[float, float, float, float], max_points: int) -> Reading:
    """Try each CRS and axis order, keep the readings inside ``area`` and turn the best into a Reading."""
    pairs = list(pasted.pairs)
    corners = pairs[:-1] if len(pairs) > 1 and pairs[0] == pairs[-1] else pairs
    if len(corners) > max_points:
        raise _Refusal(_TOO_MANY, f"{len(corners):,} points are more than the limit of {max_points:,}")
    candidates = sorted(
        ((first, epsg) for first in pasted.firsts for epsg in pasted.epsgs),
        key=lambda c: (c[0] != pasted.preferred, _EPSGS.index(c[1])),
    )
    results = []
    for first, epsg in candidates:
        xy = [(b, a) if first == "N" else (a, b) for a, b in corners]
        lonlat = _to_lonlat(xy, epsg)
        results.append((first, epsg, xy, lonlat, [_inside(p, area) for p in lonlat]))
    fits = [result for result in results if all(result[4])]
    if not fits:
        if len(pasted.firsts) == 1 and pasted.labels:  # the swapped retry has no labels, so it stops there
            _refuse_if_labels_swapped(pasted, area, max_points)
        raise _outside(pasted, corners, results, area)
    first, epsg, xy, lonlat, _ = fits[0]
    if len(corners) == 2:
        raise _Refusal(_NOT_AN_AREA, "two points do not make an area; give one point or at least three")
    points_3006 = _area_3006(xy, epsg) if len(corners) > 1 else _to_3006(xy, epsg)
    if len(corners) > 1:
        lonlat = [*lonlat, lonlat[0]]
    sv, en = _describe(first, epsg, corners, pasted.labels)
    alternatives = tuple(" / ".join(_describe(f, e, corners, pasted.labels)) for f, e, *_ in fits[1:])
    return Reading(epsg, _ORDERS[epsg != gcrs.WGS84, first][0], tuple(points_3006), tuple(lonlat), sv, en,
                   alternatives)


def _refuse_if_labels_swapped(pasted: _Pasted, area: tuple[float, float, float, float], max_points: int) -> None:
    """Labels decide the axes, so never swap silently; but say so when swapping them would have fitted."""
    other = _OTHER_AXIS[pasted.firsts[0]]
    try:
        reading = _resolve(_Pasted(pasted.pairs, (other,), other, pasted.epsgs, None), area, max_points)
    except _Refusal:
        return
    raise _Refusal(_OUTSIDE, f"read as labelled, the coordinates lie outside the city area; read the other way round "
                             f"they fit ({reading.description_en}): check the labels or the axis order")


def _to_lonlat(xy: list[tuple[float, float]], epsg: int) -> list[tuple[float, float]]:
    if epsg == gcrs.WGS84:
        return list(xy)
    lon, lat = gcrs.transformer(epsg, gcrs.WGS84).transform(*zip(*xy, strict=True))
    return list(zip(lon, lat, strict=True))


def _to_3006(xy: list[tuple[float, float]], epsg: int) -> list[tuple[float, float]]:
    if epsg == gcrs.SWEREF99TM:
        return list(xy)  # exactly as pasted: no round trip through a transformation
    east, north = gcrs.transformer(epsg, gcrs.SWEREF99TM).transform(*zip(*xy, strict=True))
    return list(zip(east, north, strict=True))


def _inside(lonlat: tuple[float, float], area: tuple[float, float, float, float]) -> bool:
    lon, lat = lonlat
    return area[0] <= lon <= area[2] and area[1] <= lat <= area[3]


def _area_3006(xy: list[tuple[float, float]], epsg: int) -> list[tuple[float, float]]:
    """Close the ring and check it outlines a valid area; return it in EPSG:3006."""
    if len(set(xy)) < 3:
        raise _Refusal(_NOT_AN_AREA, "an area needs at least three different points")
    ring = _to_3006([*xy, xy[0]], epsg)
    reason = shapely.is_valid_reason(Polygon(ring))
    if reason == "Valid Geometry":
        return ring
    match = _REASON_AT.match(reason or "")
    location = None
    if match:
        x, y = gcrs.transformer(gcrs.SWEREF99TM, epsg).transform(float(match["x"]), float(match["y"]))
        location = (float(x), float(y))
        where = f"lon {x:.6f}, lat {y:.6f}" if epsg == gcrs.WGS84 else f"E {x:.2f}, N {y:.2f}"
        reason = f"{match['reason']} at {where}"
    raise _Refusal(_NOT_AN_AREA, f"the points do not outline a valid area: {reason}; check that they go round "
                                 "the area in order, without crossing", location)


def _outside(
    pasted: _Pasted, corners: list[tuple[float, float]], results: list, area: tuple[float, float, float, float]
) -> _Refusal:
    """Explain why no reading fits: what the numbers looked like, and that they lie outside the city area."""
    names = [_CRS_NAMES[epsg] for epsg in pasted.epsgs]
    tried = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    tried += " in both axis orders" if len(pasted.firsts) > 1 else " in the labelled axis order"
    box = f"lon {area[0]}–{area[2]}, lat {area[1]}–{area[3]}"
    first, epsg, _, lonlat, inside = max(results, key=lambda result: sum(result[4]))
    if any(inside):
        out = [i for i, ok in enumerate(inside, start=1) if not ok]
        lon, lat = lonlat[out[0] - 1]
        listed = ", ".join(map(str, out[:10])) + (" …" if len(out) > 10 else "")
        which = f"point {listed} lies" if len(out) == 1 else f"points {listed} lie"
        return _Refusal(_OUTSIDE, f"read as {_CRS_NAMES[epsg]}, {_ORDERS[epsg != gcrs.WGS84, first][2]}, {which} "
                                  f"outside the city area ({box}); point {out[0]} is at lat {lat:.4f}, lon {lon:.4f}")
    what = "the point lies" if len(corners) == 1 else "the points lie"
    for first, epsg, _, lonlat, _ in results:
        if all(_inside(p, gcrs.SWEREF99TM_AREA_LONLAT) for p in lonlat):
            lon, lat = lonlat[0]
            return _Refusal(_OUTSIDE, f"the numbers look like {_CRS_NAMES[epsg]} (EPSG:{epsg}), "
                                      f"{_ORDERS[epsg != gcrs.WGS84, first][2]}, but {what} outside the city area "
                                      f"({box}), at lat {lat:.4f}, lon {lon:.4f}; tried {tried}")
    a, b = corners[0]
    return _Refusal(_OUTSIDE, f"the numbers {a:.10g} and {b:.10g} are not coordinates in Sweden, so {what} outside "
                              f"the city area ({box}); tried {tried}")


def _describe(first: str, epsg: int, corners: list[tuple[float, float]], labels: str | None) -> tuple[str, str]:
    """A Swedish and an English sentence saying how the numbers were read."""
    crs_text = f"{_CRS_NAMES[epsg]} (EPSG:{epsg})"
    _, order_sv, order_en = _ORDERS[epsg != gcrs.WGS84, first]
    if len(corners) > 1:
        sv, en = f"{len(corners)} punkter i {crs_text}, {order_sv}", f"{len(corners)} points in {crs_text}, {order_en}"
    else:
        a, b = corners[0]
        names = ("N", "E") if epsg != gcrs.WGS84 else ("lat", "lon")
        first_name, second_name = names if first == "N" else names[::-1]
        sv = f"Tolkat som {crs_text}, {first_name} {_number(a, epsg, 'sv')}, {second_name} {_number(b, epsg, 'sv')}"
        en = f"Read as {crs_text}, {first_name} {_number(a, epsg, 'en')}, {second_name} {_number(b, epsg, 'en')}"
    if labels in ("XY", "YX") and (labels == "XY") == (first == "N"):
        sv += ", x tolkat som norr (svensk lantmäteripraxis)"
        en += ", x read as the northing (Swedish surveying convention)"
    return sv, en


def _number(value: float, epsg: int, lang: str) -> str:
    """Metres grouped by spaces (to the centimetre), degrees to six decimals; decimal comma in Swedish."""
    if epsg == gcrs.WGS84:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", " ")
    return text.replace(".", ",") if lang == "sv" else text
