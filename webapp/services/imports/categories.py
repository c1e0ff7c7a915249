"""Incident categories: a source value to the crime layer's class, through the city's own map (--category-map),
the class keys and labels, and the layer's table of English and Swedish names; everything else is "other".
Counts what went to "other", for the import's summary."""
from __future__ import annotations

from collections import Counter

from layers.crime import CATEGORY_CLASSES, category_word
from layers.crime import DEFINITION as CRIME
from webapp.i18n import both

OTHER = "other"
LISTED = 10  # values named in the summary; the rest are counted


class Categories:
    """Maps the category values of one import and remembers which went to "other" and how often."""

    def __init__(self, custom: dict[str, str] | None = None) -> None:
        known = {category_word(label): c.key for c in CRIME.classes for label in both(c.label).values()}
        known |= {c.key: c.key for c in CRIME.classes}
        self._known = {**CATEGORY_CLASSES, **known, **(custom or {})}  # the city's map goes before all else
        self._to_other: Counter[str] = Counter()
        self._spelling: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        word = category_word(value)
        cls = self._known.get(word)
        if cls is None or cls == OTHER:
            self._to_other[word] += 1
            self._spelling.setdefault(word, value.strip())
        return cls or OTHER

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
