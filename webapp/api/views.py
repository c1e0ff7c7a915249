"""Saved views of the layer viewer: `GET /api/views` (everyone who may see the viewer), `POST /api/views` {name,
state} → 201 (signed in; CSRF with a session), `DELETE /api/views/<id>` (its creator or an administrator)."""
from __future__ import annotations

from flask import Blueprint, jsonify, url_for

from webapp import gate
from webapp.auth import current_account
from webapp.db import get_session
from webapp.services import views

bp = Blueprint("views", __name__, url_prefix="/api/views")


def view_json(view: views.SavedView) -> dict:
    user = current_account()
    return {**view.to_json(show_creator=user is not None), "may_delete": views.may_delete(user, view),
            "links": {"map": url_for("pages.map_page") + "?" + view.query,
                      "self": url_for("views.delete_view", view_id=view.id)}}


@bp.get("")
def list_views():
    """The saved views, newest first."""
    return jsonify(views=[view_json(v) for v in views.latest(get_session())])


@bp.post("")
def create_view():
    """Save the viewer's state under a name for the team."""
    user = views.signed_in(current_account())  # before the body is read
    body = gate.json_body(what="an object with `name` and `state`")
    if not isinstance(body, dict):
        body = {}
    view = views.create(get_session(), user, body.get("name"), body.get("state"))
    response = jsonify(view_json(view))
    response.status_code = 201
    response.headers["Location"] = url_for("views.delete_view", view_id=view.id)
    return response


@bp.delete("/<int:view_id>")
def delete_view(view_id: int):
    views.delete(get_session(), current_account(), view_id)
    return "", 204
