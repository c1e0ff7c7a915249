"""What every OGC view shares: the blueprint, format negotiation, links and responses."""
from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request, url_for

from webapp.errors import ProblemError
from webapp.i18n import current_language

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
TITLE = "Riskkarta – OGC API"  # a name: the same in both languages


def lang() -> str:
    return current_language()


def wants_html() -> bool:
    """f=html / f=json win; otherwise HTML only when the Accept header prefers it (browsers)."""
    f = request.args.get("f")
    if f is not None:
        if f not in ("json", "html"):
            raise ProblemError(400, "invalid-parameter", "Invalid f", f"f must be 'json' or 'html', not {f!r}.")
        return f == "html"
    return request.accept_mimetypes.best_match([JSON, GEOJSON, HTML]) == HTML


def url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict:
    found = {"href": href, "rel": rel, "type": type_}
    if title:
        found["title"] = title
    return found


def self_links(endpoint: str, json_type: str = JSON, **values) -> list[dict]:
    """self + alternate for the current resource, keeping its other query parameters."""
    # Underscored keys would steer url_for (_scheme, _anchor ...); path values are not query parameters.
    args = {k: v for k, v in request.args.items() if k != "f" and k not in values and not k.startswith("_")}
    html = wants_html()
    json_link = link(url(endpoint, **values, **args, f="json"), "alternate", json_type, "JSON")
    html_link = link(url(endpoint, **values, **args, f="html"), "alternate", HTML, "HTML")
    (html_link if html else json_link)["rel"] = "self"
    return [html_link, json_link] if html else [json_link, html_link]


def json_response(body: dict, status: int = 200, mimetype: str = JSON) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=mimetype)


def html_response(template: str, **context) -> Response:
    return Response(render_template(f"ogc/{template}", lang=lang(), **context), mimetype=HTML)
