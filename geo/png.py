"""Classed raster tiles as palette PNGs, encoded with the standard library (no imaging library on the hot path)."""

from __future__ import annotations

import math
import struct
import zlib

import numpy as np

ColourClass = tuple[float | None, float | None, str]  # [min, max) in physical units, "#rrggbb" or "#rrggbbaa"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _palette_png(indices: np.ndarray, rgba: list[tuple[int, int, int, int]]) -> bytes:
    """A colour-type-3 (palette) PNG of 8-bit indices, with tRNS for per-entry alpha (PNG spec §11.2.3, §11.3.2.1)."""
    height, width = indices.shape
    # Each scanline starts with filter type 0 (None): palette images gain little from filtering.
    raw = np.zeros((height, width + 1), dtype=np.uint8)
    raw[:, 1:] = indices
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"PLTE", b"".join(bytes(c[:3]) for c in rgba))
            + _chunk(b"tRNS", bytes(c[3] for c in rgba))
            + _chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)) + _chunk(b"IEND", b""))


def _rgba(colour: str) -> tuple[int, int, int, int]:
    hex_ = colour.lstrip("#")
    if len(hex_) not in (6, 8):
        raise ValueError(f"colour {colour!r} is not #rrggbb or #rrggbbaa")
    r, g, b = (int(hex_[i:i + 2], 16) for i in (0, 2, 4))
    return r, g, b, int(hex_[6:8], 16) if len(hex_) == 8 else 255


def _stored_cut(value: float, scale: float, offset: float) -> int:
    """The smallest integer k with k × scale + offset ≥ value (scale > 0)."""
    k = math.floor((value - offset) / scale) - 1
    while k * scale + offset < value:
        k += 1
    return k


def render_png(values: np.ma.MaskedArray, classes: list[ColourClass], *, scale: float = 1.0, offset: float = 0.0,
               transparent_below: float | None = None) -> bytes:
    """Classify stored values (physical = stored × scale + offset) into [min, max) classes and encode a palette PNG.

    Palette entry 0 is transparent: masked cells, cells below `transparent_below` and cells in no class. The first
    class that holds a value wins, as LayerDefinition.class_for_value does.
    """
    data = np.ma.getdata(values)
    if np.issubdtype(data.dtype, np.integer) and scale > 0:
        # Compare stored integers with exact integer cut points: no per-pixel multiply, same answers.
        vals, cut = data, (lambda v: _stored_cut(v, scale, offset))
    else:
        vals, cut = data * scale + offset, (lambda v: v)
    index = np.zeros(data.shape, dtype=np.uint8)
    for i in range(len(classes) - 1, -1, -1):  # reversed, so earlier classes overwrite later ones
        lo, hi, _ = classes[i]
        hit = np.ones(data.shape, dtype=bool)
        if lo is not None:
            hit &= vals >= cut(lo)
        if hi is not None:
            hit &= vals < cut(hi)
        index[hit] = i + 1
    if transparent_below is not None:
        index[vals < cut(transparent_below)] = 0
    index[np.ma.getmaskarray(values)] = 0
    return _palette_png(index, [(0, 0, 0, 0)] + [_rgba(c) for _, _, c in classes])


# A fully transparent 256×256 tile, for tiles off the raster; built once.
EMPTY_PNG: bytes = _palette_png(np.zeros((256, 256), dtype=np.uint8), [(0, 0, 0, 0)])
