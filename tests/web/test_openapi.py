"""Property-based API testing: schemathesis drives /openapi.json as a signed-in manager."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

EXAMPLES_PER_OPERATION = 12


def test_api_never_answers_with_a_server_error(app, clients, csrf):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    cookies = dict(clients["manager"].cookies.items())
    headers = {"X-CSRF-Token": csrf["manager"]}
    statuses: set[int] = set()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def exercise(case):
            response = case.call_and_validate(
                headers=headers, cookies=cookies, checks=[not_a_server_error]
            )
            statuses.add(response.status_code)

        exercise()
    assert 200 in statuses  # signed in: the calls reach the handlers, not just the login check


def test_openapi_documents_only_the_json_api(app):
    paths = app.openapi()["paths"]
    assert paths and all(path.startswith("/api/") for path in paths)
