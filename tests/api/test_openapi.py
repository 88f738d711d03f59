"""The OpenAPI document is generated, describes every route, and the API keeps to it: a bounded
schemathesis run finds no 5xx and no response that breaks the document."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)
from schemathesis.checks import not_a_server_error

from tests.api.conftest import build_world, make_app

PATHS = {
    "/api/v1/agencies", "/api/v1/agencies/{code}", "/api/v1/agencies/{code}/deregistration",
    "/api/v1/agencies/{code}/deductions", "/api/v1/deductions/{deduction_id}/withdrawal",
    "/api/v1/deductions/{deduction_id}/rectification", "/api/v1/deductions/{deduction_id}/disputes",
    "/api/v1/disputes/{dispute_id}/resolution", "/api/v1/training-sessions",
    "/api/v1/training-sessions/{session_id}/attendance", "/api/v1/agencies/{code}/secondments",
    "/api/v1/secondments/{secondment_id}/completion", "/api/v1/agencies/{code}/purchaser-ratings",
    "/api/v1/agencies/{code}/provincial-evaluations", "/api/v1/months/{month}/publication",
    "/api/v1/agencies/{code}/months/{month}", "/api/v1/agencies/{code}/months/{month}/trail",
    "/api/v1/agencies/{code}/evaluations/{year}", "/api/v1/agencies/{code}/events",
    "/api/v1/disputes", "/api/v1/standings", "/api/v1/standings/annual",
    "/api/v1/training/statistics", "/api/v1/projections", "/api/v1/projections/{name}/rebuild",
    "/api/v1/integrity", "/api/v1/calendars", "/api/v1/calendars/{year}",
    "/api/v1/years/{year}/notice", "/api/v1/years/{year}/objections",
    "/api/v1/objections/{objection_id}", "/api/v1/objections/{objection_id}/resolution",
    "/api/v1/years/{year}/final",
}
PATHS |= {"/api/v1/inspection-plans", "/api/v1/inspection-plans/{year}",
          "/api/v1/inspection-plans/{year}/inspections"}


def test_openapi_json_describes_every_route_of_the_contract(sqlite_callers):
    response = sqlite_callers.anonymous.get("/api/v1/openapi.json")
    document = response.get_json()
    assert response.status_code == 200 and document["openapi"].startswith("3.")
    assert set(document["paths"]) == PATHS
    post = document["paths"]["/api/v1/agencies/{code}/deductions"]["post"]
    assert "201" in post["responses"] and post["security"] == [{"bearerAuth": []}]
    required = document["components"]["schemas"]["DeductionIn"]["required"]
    assert set(required) == {"rule_code", "found_on", "reason"}
    assert "security" not in document["paths"]["/api/v1/standings"]["get"]


@pytest.fixture
def fuzzed_app(sqlite_url):
    app = make_app(sqlite_url)
    build_world(app)
    yield app
    app.extensions["ledger"].close()


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_the_api_keeps_to_its_openapi_document(fuzzed_app):
    # schemathesis's pytest plugin fails under pytest 9 ('Function' has no '_nodeid'),
    # so each operation's strategy is driven with hypothesis directly.
    token = fuzzed_app.extensions["ledger"].tokens.create("regulator", "fuzz.regulator")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 35 + 4 + 2  # + the inspection plans' four, the calendars' two

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def keeps_to_the_document(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        keeps_to_the_document()
