"""Monthly incident statistics over JSON and CSV: `GET /api/statistics/incidents?district=&from=YYYY-MM&to=YYYY-MM
&category=` (`f=csv` or `Accept: text/csv` for CSV). Counts below k are never given."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, jsonify, request

from layers.base import may_see
from layers.crime import DEFINITION as CRIME
from webapp.auth import current_role
from webapp.db import get_session
from webapp.errors import not_found
from webapp.services import statistics

bp = Blueprint("statistics", __name__, url_prefix="/api/statistics")


def table_from_request() -> statistics.Table:
    if not may_see(current_role(), CRIME.confidentiality):
        raise not_found("Statistics", "There are no incident statistics for this role.")
    args = request.args
    return statistics.incidents(get_session(), district=args.get("district") or None,
                                start=statistics.parse_month(args.get("from"), "from"),
                                end=statistics.parse_month(args.get("to"), "to"),
                                category=args.get("category") or None, layer=args.get("layer") or None)


def wants_csv() -> bool:
    if request.args.get("f") not in (None, "", "json", "csv"):
        raise statistics.bad(f"f is json or csv, not {request.args.get('f')!r}.", "f")
    return request.args.get("f") == "csv" or (
        request.args.get("f") is None and request.accept_mimetypes.best_match(["application/json", "text/csv"])
        == "text/csv")


def csv_response(table: statistics.Table) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(statistics.csv_rows(table))
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="incidents-{table.start}-{table.end}.csv"'})


@bp.get("/incidents")
def incidents():
    table = table_from_request()
    return csv_response(table) if wants_csv() else jsonify(table.to_json())
