"""Monthly incident statistics per district and category (the city's "månadsvis sammanställd statistik"): counts
per calendar month (local time), never below k. Within one district and month the categories under k are
suppressed together with, where their sum would still be under k, the smallest shown category (the same rule as
the district page), so no suppressed count can be worked out from the month's total."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.accidents import DEFINITION as ACCIDENTS
from layers.crime import DEFINITION as CRIME
from layers.crime import K_ANONYMITY
from webapp.errors import ProblemError
from webapp.services.hazards.crime import k_anonymous

LOCAL_TZ = "Europe/Stockholm"
MAX_MONTHS = 120
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def bad(detail: str, parameter: str) -> ProblemError:
    return ProblemError(400, "invalid-parameter", f"Invalid {parameter}", detail)


def parse_month(value: str | None, name: str) -> date | None:
    """YYYY-MM → the month's first day; None when not given."""
    if value is None or value == "":
        return None
    match = _MONTH.fullmatch(value) if value.isascii() else None
    if match is None or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        raise bad(f"{name} is a month as YYYY-MM (e.g. 2026-05), not {value!r}.", name)
    return date(int(match[1]), int(match[2]), 1)


def _index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Series:
    district: str
    name: str
    category: str              # a class key, or "all"
    counts: list[int | None]   # one per month; None: suppressed (under k)

    def to_json(self) -> dict:
        shown = [c for c in self.counts if c is not None]
        return {"district": self.district, "name": self.name, "category": self.category, "counts": self.counts,
                "total": sum(shown) if len(shown) == len(self.counts) else None}


@dataclass(frozen=True)
class Table:
    start: str
    end: str
    months: list[str]
    series: list[Series]
    k: int = K_ANONYMITY

    def to_json(self) -> dict:
        return {"from": self.start, "to": self.end, "months": self.months, "k": self.k,
                "note": f"Counts below {self.k} are null, and so is the smallest other category of a month where "
                        "that is needed to keep them from being worked out.",
                "series": [s.to_json() for s in self.series]}


# The incident layers the statistics cover (crime, accidents), by slug.
LAYERS = {d.slug: d for d in (CRIME, ACCIDENTS)}


def incidents(session: Session, *, district: str | None = None, start: date | None = None,
              end: date | None = None, category: str | None = None, layer: str | None = None) -> Table:
    """Incidents of an incident layer (crime unless `layer`) per month (from `start` to `end`, whole months, both
    included; default the 12 months up to the latest incident's) for one district or every one, per category and
    for all of them."""
    if layer not in (None, "", *LAYERS):
        raise bad(f"layer is one of {', '.join(LAYERS)}, not {layer!r}.", "layer")
    definition = LAYERS[layer or CRIME.slug]
    classes = [c.key for c in definition.classes]
    if category not in (None, "", "all") and category not in classes:
        raise bad(f"category is all or one of {', '.join(classes)}, not {category!r}.", "category")
    if district and session.execute(text("SELECT 1 FROM district WHERE code = :c"), {"c": district}).first() is None:
        raise ProblemError(404, "not-found", "District not found", f"There is no district {district!r}.")
    latest = session.execute(text(f"SELECT max(occurred_at AT TIME ZONE '{LOCAL_TZ}')::date FROM incident "
                                  "WHERE layer = :layer"), {"layer": definition.slug}).scalar()
    last = _index(end) if end else _index(latest or date.today())
    first = _index(start) if start else last - 11
    if first > last:
        raise bad("from is a month on or before to.", "from")
    if last - first + 1 > MAX_MONTHS:
        raise bad(f"At most {MAX_MONTHS} months at a time.", "to")
    rows = session.execute(text(f"""
        SELECT d.code, (extract(year FROM t)::int * 12 + extract(month FROM t)::int - 1) AS m, i.category, count(*)
        FROM (SELECT district_id, category, occurred_at AT TIME ZONE '{LOCAL_TZ}' AS t FROM incident
              WHERE layer = :layer AND occurred_at >= make_timestamptz(:y0, :m0, 1, 0, 0, 0, '{LOCAL_TZ}')
                AND occurred_at < make_timestamptz(:y1, :m1, 1, 0, 0, 0, '{LOCAL_TZ}')) AS i
        JOIN district AS d ON d.id = i.district_id
        WHERE CAST(:district AS text) IS NULL OR d.code = :district
        GROUP BY 1, 2, 3
    """), {"y0": first // 12, "m0": first % 12 + 1, "y1": (last + 1) // 12, "m1": (last + 1) % 12 + 1,
           "district": district or None, "layer": definition.slug}).all()
    names = dict(session.execute(text("SELECT code, name FROM district WHERE CAST(:d AS text) IS NULL OR code = :d "
                                      "ORDER BY code"), {"d": district or None}).all())
    months = list(range(first, last + 1))
    counts: dict[tuple[str, int], dict[str, int]] = {}
    for code, m, cat, n in rows:
        counts.setdefault((code, m), {})[cat] = int(n)
    series = []
    for code in sorted(names, key=lambda c: (len(c), c)):
        totals, by_category = [], {c: [] for c in classes}
        for m in months:
            month = counts.get((code, m), {})
            total = sum(month.values())
            totals.append(total if total >= K_ANONYMITY or total == 0 else None)
            shown, _, _ = k_anonymous(month, classes, K_ANONYMITY)
            visible = dict(shown)
            for c in classes:
                by_category[c].append(visible.get(c, 0 if total == 0 else None))
        wanted = classes if category in (None, "", "all") else [category]
        if category in (None, "", "all"):
            series.append(Series(code, names[code], "all", totals))
        series += [Series(code, names[code], c, by_category[c]) for c in wanted]
    return Table(_month(first), _month(last), [_month(m) for m in months], series)


def csv_rows(table: Table) -> list[list[str]]:
    """The table as CSV rows: month, district, name, category, count ("< k" where suppressed)."""
    rows = [["month", "district", "district_name", "category", "incidents"]]
    for s in table.series:
        for month, n in zip(table.months, s.counts, strict=True):
            rows.append([month, s.district, s.name, s.category, f"< {table.k}" if n is None else str(n)])
    return rows
