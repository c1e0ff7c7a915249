"""Query parameters the JSON API shares, checked the same way everywhere (400 problem+json on a bad value)."""
from __future__ import annotations

from datetime import date, datetime, time

from flask import request

from webapp.errors import ProblemError
from webapp.reports.format import STOCKHOLM


def whole_number(name: str, low: int, high: int, default: int | None = None) -> int | None:
    """`?name=` as a whole number from `low` to `high` (ASCII digits only), or `default` when absent or empty."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise ProblemError(400, "invalid-parameter", f"Invalid {name}",
                           f"{name} must be a whole number from {low} to {high}, not {raw[:40]!r}.")
    return int(raw)


def moment(name: str) -> datetime | None:
    """`?name=` as a point in time: ISO 8601 with a zone (`2026-05-31T16:00:00Z`, `…+02:00`); without a zone it is
    Stockholm's time, and a date alone means the end of that day there. A `+` that the query string turned into a
    space is read as `+`."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    text = raw.strip().replace(" ", "+")
    found = None
    if len(text) <= 40 and text.isascii():
        try:
            if len(text) == 10:
                return datetime.combine(date.fromisoformat(text), time.max, STOCKHOLM)
            found = datetime.fromisoformat(text)
        except ValueError:
            pass
    if found is None or found.year < 2000:
        raise ProblemError(400, "invalid-parameter", f"Invalid {name}",
                           f"{name} is a time in ISO 8601, e.g. 2026-05-31T16:00:00+02:00, not {raw[:40]!r}.")
    return found if found.tzinfo else found.replace(tzinfo=STOCKHOLM)
