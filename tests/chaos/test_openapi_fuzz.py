"""Schemathesis against ``/openapi.json``: no request it makes gets a 5xx or an off-schema answer.

It reads the schema a real uvicorn server serves, generates requests for every operation
(ones that fit the schema, and ones that do not), sends them to that server, which holds
the sample pipeline, and runs its checks on every answer: no server error, status codes,
content types, headers and bodies as the schema documents them. Examples per
operation are bounded so that the whole run takes well under a minute at the CI size.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.chaos.servers import scale
from threadline.demo.sample import sample_events

# The OpenAPI gives each parameter its type but not every range and combination the server
# checks (a limit of 0..10000, "node or type, namespace and name", a run id that is a UUID):
# those requests are refused with a 400 that says why. The two checks that want the request
# schema to say all of that are left out; every check on the answers runs.
REQUEST_SIDE_CHECKS = [positive_data_acceptance, negative_data_rejection]
# Requests that fit the schema are cheap to generate; ones that break it cost much more.
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 5}


@pytest.fixture
def dialect() -> str:
    """Run on SQLite only: the answers' shapes do not depend on the database."""
    return "sqlite"


def _failure(operation: Any, mode: GenerationMode, base: str) -> str | None:
    """Run one operation's examples of one mode; return the first failure, if any."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode] * scale(),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    def examples(case: Any) -> None:
        case.call_and_validate(base_url=base, excluded_checks=REQUEST_SIDE_CHECKS)

    try:
        examples()
    except Unsatisfiable:
        return None  # nothing to get wrong: an operation without parameters has no invalid form
    except (Exception, FailureGroup) as exc:
        lines = [line.strip(" |") for line in str(exc).splitlines()]
        return f"{operation.label} ({mode}): " + " ".join(line for line in lines[2:9] if line)
    return None


def _modes(operation: Any) -> list[GenerationMode]:
    """Valid requests for every operation; invalid ones where a query or body can be wrong.

    A path parameter is any string, so an operation with only those has no invalid form
    worth the minutes Hypothesis spends looking for one.
    """
    if len(operation.query) or len(operation.body):
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def test_openapi_operations_answer_within_their_schema(live_server: str) -> None:
    answer = httpx.post(f"{live_server}/api/v1/lineage/batch", json=sample_events(), timeout=60)
    assert answer.json()["status"] == "success"
    schema = schemathesis.openapi.from_url(f"{live_server}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    failures = [
        failure
        for operation in operations
        for mode in _modes(operation)
        if (failure := _failure(operation, mode, live_server)) is not None
    ]
    assert failures == []
