"""Who is asking: the role of the current request, and the one permission check for layers."""
from __future__ import annotations

from flask import current_app, g

from layers.base import may_see, may_see_incident_points


def current_role() -> str:
    """The request's role. Until sign-in exists every request has the configured anonymous role
    (RISKKARTA_ANONYMOUS_ROLE, default `public`)."""
    if "role" not in g:
        g.role = current_app.extensions["riskkarta.settings"].anonymous_role
    return g.role


def can_see_layer(confidentiality: str, role: str | None = None) -> bool:
    return may_see(role or current_role(), confidentiality)


def can_see_incident_points(role: str | None = None) -> bool:
    return may_see_incident_points(role or current_role())
