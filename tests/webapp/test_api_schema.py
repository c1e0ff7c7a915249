"""schemathesis walks both OpenAPI documents (/api/openapi.json and OGC's /ogc/api) with generated requests, valid
and not, as a signed-in committee member: no answer is a 5xx, and every answer that is not a success is
problem+json. Everything the walk writes is rolled back (db_session)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from webapp.errors import PROBLEM_JSON

EXAMPLES = 20


@pytest.fixture()
def bearer(db_session):
    from webapp.services.accounts import tokens

    token, _ = tokens.create_token(db_session, "sodermalm@demo.riskkarta.se", name="schemathesis")
    db_session.flush()
    return {"Authorization": f"Bearer {token}"}


def _walk(schema, headers: dict) -> tuple[int, list]:
    """Every operation of `schema`, EXAMPLES generated requests each (schemathesis' strategies, driven by
    hypothesis); the problems found, not only the first."""
    problems, calls = [], 0
    for found in schema.get_all_operations():
        operation = found.ok()

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            nonlocal calls
            calls += 1
            problem = _problem(case, case.call(headers={**(case.headers or {}), **headers}))
            if problem and len(problems) < 20:
                problems.append(problem)

        run()
    return calls, problems


def _content_type(response) -> str:
    found = {k.lower(): v for k, v in response.headers.items()}.get("content-type", "")
    return found[0] if isinstance(found, list) else found


def _problem(case, response) -> tuple | None:
    where = (case.method, case.formatted_path, case.query, response.status_code)
    if response.status_code >= 500:
        return (*where, response.text[:300])
    if response.status_code >= 400 and not _content_type(response).startswith(PROBLEM_JSON):
        return (*where, _content_type(response))
    return None


def test_the_api_document_is_served_and_names_every_api_route(app, client):
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 200
    document = answer.get_json()
    documented = {"/api" + path for path in document["paths"]}
    routes = {str(rule).replace("<int:", "{").replace("<", "{").replace(">", "}") for rule in app.url_map.iter_rules()
              if str(rule).startswith("/api/") and rule.endpoint != "api.get_openapi"}
    assert routes == documented, (routes - documented, documented - routes)


def test_no_api_answer_is_a_server_error(app, bearer):
    calls, problems = _walk(schemathesis.openapi.from_wsgi("/api/openapi.json", app), bearer)
    assert calls > 10 * EXAMPLES and not problems, problems


def test_no_ogc_answer_is_a_server_error(app, db_session):
    calls, problems = _walk(schemathesis.openapi.from_wsgi("/ogc/api?f=json", app), {})
    assert calls > 10 * EXAMPLES and not problems, problems
