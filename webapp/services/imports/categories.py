"""Incident categories: a source value to an incident layer's class (crime, accidents), through the city's own map
(--category-map), the class keys and labels, and the layer's table of English and Swedish names; everything else
is "other".
Counts what went to "other", for the import's summary."""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

from layers.base import LayerDefinition, category_word
from layers.crime import DEFINITION as CRIME
from webapp.i18n import both
from webapp.services.imports import csv_dialect, refused

OTHER = "other"
LISTED = 10  # values named in the summary; the rest are counted
# A category map's first CSV row is a header when its second cell is one of these (and no class).
HEADER_WORDS = frozenset({"class", "klass", "to", "till", "target", "category", "kategori"})


def class_key(value: str, layer: LayerDefinition = CRIME) -> str | None:
    """The class a map names, by key or label (English or Swedish), case-insensitive; None for no class."""
    word = category_word(value)
    return next((c.key for c in layer.classes
                 if word == c.key or word in (category_word(label) for label in both(c.label).values())), None)


def read_map(path: Path, layer: LayerDefinition = CRIME) -> dict[str, str]:
    """A category map: a CSV of two columns (source value, class; a header row is allowed) or a JSON object
    {source value: class}. Refuses an unreadable map, a class that does not exist and contradictions."""
    try:
        content = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise refused(f"The category map {path.name} is not UTF-8 text.") from None
    except OSError as exc:
        raise refused(f"The category map {path} cannot be read: {exc.strerror or exc}.") from None
    pairs = _json_pairs(content, path.name) if path.suffix.lower() == ".json" or content.lstrip()[:1] == "{" \
        else _csv_pairs(content, path.name, layer)
    mapping: dict[str, str] = {}
    classes = ", ".join(c.key for c in layer.classes)
    for where, value, target in pairs:
        cls = class_key(target, layer)
        if cls is None:
            raise refused(f"The category map {path.name}, {where}: {target!r} is not a class of "
                          f"{layer.slug}; its classes are {classes}.")
        word = category_word(value)
        if not word:
            raise refused(f"The category map {path.name}, {where}: the source value is empty.")
        if mapping.get(word, cls) != cls:
            raise refused(f"The category map {path.name}, {where}: {value!r} is mapped to both "
                          f"{mapping[word]} and {cls}.")
        mapping[word] = cls
    if not mapping:
        raise refused(f"The category map {path.name} maps nothing; give two columns: source value, class.")
    return mapping


def _json_pairs(content: str, name: str) -> list[tuple[str, str, str]]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise refused(f"The category map {name} is not valid JSON: {exc.msg} at line {exc.lineno}.") from None
    if not isinstance(data, dict):
        raise refused(f"The category map {name} must be a JSON object {{\"source value\": \"class\"}}.")
    for value, target in data.items():
        if not isinstance(target, str):
            raise refused(f"The category map {name}, key {value!r}: give the class as text, not {target!r}.")
    return [(f"key {value!r}", value, target) for value, target in data.items()]


def _csv_pairs(content: str, name: str, layer: LayerDefinition) -> list[tuple[str, str, str]]:
    pairs = []
    for line, row in enumerate(csv.reader(io.StringIO(content), csv_dialect(content[:4096])), start=1):
        while row and not row[-1].strip():
            row.pop()
        if not row:
            continue
        if len(row) != 2:
            raise refused(f"The category map {name}, line {line}: give two columns (source value, class), "
                          f"not {len(row)}.")
        if line == 1 and class_key(row[1], layer) is None and category_word(row[1]) in HEADER_WORDS:
            continue  # a header row
        pairs.append((f"line {line}", row[0], row[1]))
    return pairs


class Categories:
    """Maps the category values of one import and remembers which went to "other" and how often."""

    def __init__(self, custom: dict[str, str] | None = None, layer: LayerDefinition = CRIME) -> None:
        known = {category_word(label): c.key for c in layer.classes for label in both(c.label).values()}
        known |= {c.key: c.key for c in layer.classes}
        self._known = {**layer.category_classes, **known, **(custom or {})}  # the city's map goes before all else
        self._to_other: Counter[str] = Counter()
        self._spelling: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        word = category_word(value)
        cls = self._known.get(word)
        if cls is None and (cls := self._compound(word)) is not None:
            self._known[word] = cls
        if cls is None or cls == OTHER:
            self._to_other[word] += 1
            self._spelling.setdefault(word, value.strip())
        return cls or OTHER

    def _compound(self, word: str) -> str | None:
        """A value that names several known categories of one class ("stöld/inbrott", "rån och misshandel" when
        both were violence) is that class; parts of different classes stay unrecognised."""
        parts = [p.strip() for p in re.split(r"\s*(?:/|,|;|&|\+|\boch\b|\band\b)\s*", word) if p.strip()]
        found = {self._known.get(p) for p in parts}
        if len(parts) < 2 or None in found or len(found) != 1:
            return None
        return found.pop()

    def other_summary(self) -> str | None:
        """Which source values went to "other", most frequent first, e.g. "to other: fraud 20,012, Okänt 3
        (unrecognised), and 2 more values with 14 incidents"; None when none did."""
        if not self._to_other:
            return None
        ranked = sorted(self._to_other.items(), key=lambda item: (-item[1], item[0]))
        named = [f"{self._spelling[word] or '(empty)'} {n:,}" + ("" if word in self._known else " (unrecognised)")
                 for word, n in ranked[:LISTED]]
        rest = ranked[LISTED:]
        if rest:
            named.append(f"and {len(rest):,} more value{'s' * (len(rest) != 1)} with "
                         f"{sum(n for _, n in rest):,} incidents")
        unknown = any(word not in self._known for word in self._to_other)
        return "to other: " + ", ".join(named) + ("; map values with --category-map" if unknown else "")
