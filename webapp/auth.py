"""Who is asking: the role of the current request. The permission rules themselves live in layers/base.py
(`may_see`, `may_see_incident_points`), so services and views apply the same ones."""
from __future__ import annotations

from flask import current_app, g

from layers.base import may_see_incident_points


def current_role() -> str:
    """The request's role. Until sign-in exists every request has the configured anonymous role
    (RISKKARTA_ANONYMOUS_ROLE, default `public`)."""
    if "role" not in g:
        g.role = current_app.extensions["riskkarta.settings"].anonymous_role
    return g.role


def can_see_incident_points(role: str | None = None) -> bool:
    return may_see_incident_points(role or current_role())
