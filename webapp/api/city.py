"""The city's picture of a period over JSON: `GET /api/city?year=&tertial=` (default: the current tertial) gives every
district with each topic's picture status, who submitted it when, the reported annotations' counts and links."""
from __future__ import annotations

from flask import Blueprint, jsonify, url_for

from webapp.api.params import whole_number
from webapp.auth import current_account, current_role
from webapp.db import get_session
from webapp.services import pictures
from webapp.services.pictures import city

bp = Blueprint("city", __name__, url_prefix="/api/city")


def _links(picture_id: int) -> dict[str, str]:
    return {"self": url_for("pictures.get_picture", picture_id=picture_id),
            "page": url_for("pages.picture_page", picture_id=picture_id),
            "annotations": url_for("pictures.list_annotations", picture_id=picture_id)}


@bp.get("")
def city_period():
    year, tertial = pictures.current_period()
    year = whole_number("year", 2000, 2100, year)
    tertial = whole_number("tertial", 1, 3, tertial)
    found = city.period(get_session(), year, tertial, current_account(), current_role())
    body = city.to_json(found, _links)
    body["links"] = {"self": url_for("city.city_period", year=year, tertial=tertial),
                     "page": url_for("pages.city_page", year=year, tertial=tertial)}
    return jsonify(body)
