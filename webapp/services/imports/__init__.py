"""What every import shares: the refusal problem, reading a vector file, and checking each feature's geometry."""
from __future__ import annotations

import csv
from pathlib import Path

import shapely

from geo import vector_io
from geo.features import FeatureGeometryError, usable
from webapp.errors import ProblemError


def refused(detail: str) -> ProblemError:
    """The one problem an import raises: the whole file is refused and nothing changes."""
    return ProblemError(422, "import-refused", "Import refused", detail)


def read_features(path: Path, *, layer: str | None, encoding: str | None) -> vector_io.VectorFile:
    """A vector file's features in EPSG:3006; refuse an unreadable, CRS-less or empty file."""
    try:
        data = vector_io.read(path, layer=layer, encoding=encoding)
    except vector_io.VectorFileError as exc:
        raise refused(str(exc)) from None
    if len(data) == 0:
        raise refused(f"{path.name} has no features.")
    return data


def checked_geometry(label: str, geom: shapely.Geometry | None, *, dimensions: frozenset[int],
                     repair: bool) -> tuple[shapely.Geometry, bool]:
    """The geometry of feature `label` (e.g. "Feature 3 (Bromma)") if it can be stored, else refuse the file."""
    try:
        return usable(geom, dimensions=dimensions, repair=repair)
    except FeatureGeometryError as exc:
        hint = " Fix it in the source, or import with --repair." if "invalid geometry:" in str(exc) else ""
        raise refused(f"{label} {exc}.{hint}") from None


def csv_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """The dialect of a CSV from its first lines: `,` `;` or tab; a comma when the sample shows none."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
    except csv.Error:  # a single column, or too few lines to tell
        return csv.excel
