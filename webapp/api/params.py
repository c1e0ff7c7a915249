"""Query parameters the JSON API shares, checked the same way everywhere (400 problem+json on a bad value)."""
from __future__ import annotations

from flask import request

from webapp.errors import ProblemError


def whole_number(name: str, low: int, high: int, default: int | None = None) -> int | None:
    """`?name=` as a whole number from `low` to `high` (ASCII digits only), or `default` when absent or empty."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise ProblemError(400, "invalid-parameter", f"Invalid {name}",
                           f"{name} must be a whole number from {low} to {high}, not {raw[:40]!r}.")
    return int(raw)
