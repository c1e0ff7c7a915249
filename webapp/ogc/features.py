"""OGC API Features: a collection's queryables, its items and single items (GeoJSON, or HTML)."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Response, request

from geo.crs import crs_uri
from webapp.auth import current_role
from webapp.db import get_session
from webapp.errors import ProblemError, not_found
from webapp.ogc.common import (
    GEOJSON,
    HTML,
    JSON,
    bp,
    html_response,
    json_response,
    lang,
    link,
    self_links,
    url,
    wants_html,
)
from webapp.services.ogc import collections as ogc_collections
from webapp.services.ogc import features
from webapp.services.ogc import query as ogc_query


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):
    """The properties a client may filter items on (a JSON Schema, as OGC API Features Part 3 shapes it)."""
    c = ogc_collections.collection(get_session(), current_role(), collection_id, lang())
    if c.kind != "feature":
        raise not_found("Queryables", f"Collection {collection_id!r} is a coverage; it has no items to filter.")
    body = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": url("ogc.queryables", collection_id=collection_id), "type": "object",
            "title": c.title, "properties": {name: {"title": name, "type": "string"} for name in c.queryables}}
    if wants_html():
        return html_response("queryables.html", body=body, collection=c)
    return json_response(body, mimetype="application/schema+json")


def _items_links(collection_id: str, query: ogc_query.ItemsQuery, page: features.ItemsPage) -> list[dict]:
    links = self_links("ogc.list_items", GEOJSON, collection_id=collection_id)
    args = {k: v for k, v in request.args.items()
            if k not in ("offset", "limit", "collection_id") and not k.startswith("_")}
    fmt = "html" if wants_html() else "json"
    args["f"] = fmt
    media = HTML if fmt == "html" else GEOJSON
    more = page.number_returned == query.limit and (
        page.number_matched is None or query.offset + query.limit < page.number_matched)
    if more:
        links.append(link(url("ogc.list_items", collection_id=collection_id, **args, limit=query.limit,
                              offset=query.offset + query.limit), "next", media, "Next page"))
    if query.offset > 0:
        links.append(link(url("ogc.list_items", collection_id=collection_id, **args, limit=query.limit,
                              offset=max(0, query.offset - query.limit)), "prev", media, "Previous page"))
    links.append(link(url("ogc.get_collection", collection_id=collection_id), "collection", JSON, "Collection"))
    return links


@bp.get("/collections/<collection_id>/items")
def list_items(collection_id: str):
    """A page of features: bbox, limit/offset, crs, datetime and the collection's queryables."""
    session, role = get_session(), current_role()
    c = ogc_collections.collection(session, role, collection_id, lang()) if wants_html() else None
    queryable = c.queryables if c else ogc_collections.queryables_of(collection_id)
    query = ogc_query.parse_items_query(request.args.to_dict(), queryable,
                                       temporal=ogc_collections.is_temporal(collection_id),
                                       parameters=ogc_collections.parameters_of(collection_id))
    # People read "features 1–100 of 2,345" on the HTML page; a client pages on with the next link.
    page = features.items(session, role, collection_id, query, count=c is not None)
    if page.number_returned == 0 and c is None:
        ogc_collections.collection(session, role, collection_id)  # 404 when the collection does not exist
    links = _items_links(collection_id, query, page)
    if c is not None:
        return html_response("items.html", collection=c, features=json.loads(page.features_json), links=links,
                             page=page, query=query)
    head = {"type": "FeatureCollection", "numberReturned": page.number_returned}
    if page.number_matched is not None:
        head["numberMatched"] = page.number_matched
    head["timeStamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    head["links"] = links
    # The features array is PostGIS's text, spliced in unparsed: the links depend on the count it returns.
    body = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ' + page.features_json + "}"
    response = Response(body, mimetype=GEOJSON)
    response.headers["Content-Crs"] = f"<{crs_uri(query.srid)}>"
    return response


@bp.get("/collections/<collection_id>/items/<feature_id>")
def get_item(collection_id: str, feature_id: str):
    unknown = sorted(set(request.args) - {"f", "lang", "crs"})
    if unknown:
        raise ProblemError(400, "unknown-parameter", "Unknown query parameter",
                           f"Unknown parameter(s) {', '.join(unknown)}; a feature accepts crs, f, lang.")
    srid = ogc_query.parse_crs_uri(request.args.get("crs"))
    body = features.item(get_session(), current_role(), collection_id, feature_id, srid)
    feature = json.loads(body)
    links = self_links("ogc.get_item", GEOJSON, collection_id=collection_id, feature_id=feature_id) + [
        link(url("ogc.get_collection", collection_id=collection_id), "collection", JSON, "Collection")]
    if wants_html():
        return html_response("item.html", feature=feature, links=links, collection_id=collection_id)
    feature["links"] = links
    response = json_response(feature, mimetype=GEOJSON)
    response.headers["Content-Crs"] = f"<{crs_uri(srid)}>"
    return response
