"""Bad input to ``POST /api/v1/lineage`` and ``/lineage/batch``: a 4xx that says what and where.

Every case starts from a valid event built with the real openlineage-python classes
(``tests.events``) and breaks it in exactly one place. Each must get its exact status and a
JSON error body ``{code, error, message, path}`` whose message names the problem and whose
``path`` points at the offending value; and NOTHING may be written: the log's length, the
canonical projection dump (``store.dump()``) and the hash chain are checked after each case
against a store that already holds one valid event. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, NamedTuple

import orjson
import pytest
from fastapi.testclient import TestClient
from openlineage.client.event_v2 import RunState

from tests.api.helpers import (
    BATCH,
    EVENTS,
    LINEAGE,
    Snapshot,
    assert_error,
    assert_unchanged,
    nested,
    seed,
    snapshot,
    spliced,
    valid_run,
    with_,
    without,
)
from tests.events import body, dataset_event, job_event, run_event
from threadline.api import create_app
from threadline.settings import Settings
from threadline.store import Store


class Case(NamedTuple):
    """A bad request body, the path its error names and a phrase its message must hold."""

    payload: Any  # bytes are sent as they are; anything else is encoded as JSON
    path: str
    needle: str
    in_batch: str | None = None  # not JSON at all: a batch holding it fails whole, saying this

    @property
    def raw(self) -> bytes:
        """Return the body bytes."""
        return self.payload if isinstance(self.payload, bytes) else orjson.dumps(self.payload)


def a_dataset_event() -> dict[str, Any]:
    """A valid DatasetEvent."""
    return dataset_event(6, "db", "d")


def a_job_event() -> dict[str, Any]:
    """A valid JobEvent."""
    return job_event(6, ("tests", "j"))


_BAD_UTF8 = spliced("job.name", "job@@", b"\xff\xfe")
_NAN = {"v": "@@"}
NOT_JSON, NAN = "body is not valid JSON", "NaN and Infinity are not JSON numbers"
OBJ, STR, REQ, EMPTY = "expected an object, got", "expected a string, got", "is required", "empty"
RUN_FACET, JOB_FACET = "$.run.facets", "$.job.facets"
IN0, OUT0 = "$.inputs[0]", "$.outputs[0]"
CASES: dict[str, Case] = {
    # --- the body is not a JSON document (in_batch: what a batch holding it is told) ---
    "not-json": Case(b"this is not json", "$", NOT_JSON, NOT_JSON),
    "truncated-json": Case(body(valid_run())[:-25], "$", "JSON is truncated", NOT_JSON),
    "nan": Case(spliced("run.facets.custom", _NAN, b"NaN"), "$", NAN, NAN),
    "infinity": Case(spliced("run.facets.custom", _NAN, b"Infinity"), "$", NAN, NAN),
    "minus-infinity": Case(spliced("run.facets.custom", _NAN, b"-Infinity"), "$", NAN, NAN),
    "invalid-utf8": Case(
        _BAD_UTF8,
        "$",
        f"body is not valid UTF-8 (byte {_BAD_UTF8.index(255)})",
        "body is not valid UTF-8",
    ),
    "empty-body": Case(b"", "$", "body is empty; expected a JSON object", NOT_JSON),
    "lone-surrogate-in-dataset-name": Case(
        spliced("outputs.0.name", "dst@@", b"\\ud800"),
        "$",
        "a string holds a lone UTF-16 surrogate, which cannot be stored",
        "lone UTF-16 surrogate",
    ),
    "nested-10000-levels": Case(
        spliced("run.facets.custom", "@@", b'{"x":' * 10_000 + b"1" + b"}" * 10_000),
        "$",
        "JSON is nested too deeply",
        "JSON is nested too deeply",
    ),
    # --- JSON, but not an event ---
    "empty-object": Case({}, "$", "the event is empty; eventTime, producer and schemaURL"),
    "scalar-number": Case(5, "$", "an event must be a JSON object, got a number"),
    "scalar-string": Case("x", "$", "an event must be a JSON object, got a string"),
    "scalar-true": Case(True, "$", "an event must be a JSON object, got a boolean"),
    "null": Case(None, "$", "an event must be a JSON object, got null"),
    "array-to-single-route": Case(
        [valid_run()],
        "$",
        "must be a JSON object, got an array; send arrays of events to /api/v1/lineage/batch",
    ),
    "nul-in-job-name": Case(
        spliced("job.name", "job@@", b"\\u0000"),
        "$.job.name",
        "strings may not contain the NUL character",
    ),
    # Under orjson's limit (1024) but over Python's recursion limit: refused, never a 500.
    "nested-1000-levels": Case(
        spliced("run.facets.custom", "@@", b'{"x":' * 1000 + b"1" + b"}" * 1000),
        "$",
        "JSON is nested deeper than 100 levels",
    ),
    "nested-150-levels": Case(
        with_("run.facets.custom", nested(150)), "$", "JSON is nested deeper than 100 levels"
    ),
    # --- the event's own fields ---
    "eventTime-missing": Case(without("eventTime"), "$.eventTime", REQ),
    "eventTime-number": Case(with_("eventTime", 1709251200), "$.eventTime", f"{STR} a number"),
    "eventTime-empty": Case(with_("eventTime", ""), "$.eventTime", EMPTY),
    "eventTime-yesterday": Case(
        with_("eventTime", "yesterday"), "$.eventTime", "'yesterday' is not an ISO 8601 date-time"
    ),
    "eventTime-month-13": Case(
        with_("eventTime", "2024-13-45T00:00:00Z"),
        "$.eventTime",
        "'2024-13-45T00:00:00Z' is not a valid date-time: month must be",
    ),
    "producer-missing": Case(without("producer"), "$.producer", REQ),
    "producer-number": Case(with_("producer", 7), "$.producer", f"{STR} a number"),
    "producer-empty": Case(with_("producer", ""), "$.producer", EMPTY),
    "producer-spaces": Case(
        with_("producer", "my producer"), "$.producer", "must be a URI without spaces"
    ),
    "schemaURL-missing": Case(without("schemaURL"), "$.schemaURL", REQ),
    "schemaURL-number": Case(with_("schemaURL", 2), "$.schemaURL", f"{STR} a number"),
    "schemaURL-unknown-kind": Case(
        with_("schemaURL", "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/FooEvent"),
        "$.schemaURL",
        "'FooEvent' is not an event kind; expected RunEvent, DatasetEvent or",
    ),
    "schemaURL-AdminEvent-fragment": Case(
        with_("schemaURL", "https://example.com/spec.json#/$defs/AdminEvent"),
        "$.schemaURL",
        "admin events are recorded by the API, not posted",
    ),
    "run-missing": Case(without("run"), "$.run", REQ),
    "run-string": Case(with_("run", "r1"), "$.run", f"{OBJ} a string"),
    "runId-missing": Case(without("run.runId"), "$.run.runId", REQ),
    "runId-number": Case(with_("run.runId", 42), "$.run.runId", f"{STR} a number"),
    "runId-empty": Case(with_("run.runId", ""), "$.run.runId", EMPTY),
    "job-missing": Case(without("job"), "$.job", REQ),
    "job-array": Case(with_("job", ["tests", "job"]), "$.job", f"{OBJ} an array"),
    "job.namespace-missing": Case(without("job.namespace"), "$.job.namespace", REQ),
    "job.namespace-empty": Case(with_("job.namespace", ""), "$.job.namespace", EMPTY),
    "job.namespace-number": Case(with_("job.namespace", 1), "$.job.namespace", f"{STR} a number"),
    "job.name-missing": Case(without("job.name"), "$.job.name", REQ),
    "job.name-empty": Case(with_("job.name", ""), "$.job.name", EMPTY),
    "job.name-blank": Case(with_("job.name", " \t"), "$.job.name", EMPTY),
    "job.name-number": Case(with_("job.name", 1), "$.job.name", f"{STR} a number"),
    "eventType-unknown": Case(
        with_("eventType", "FINISHED"),
        "$.eventType",
        "'FINISHED' is not one of START, RUNNING, OTHER, COMPLETE, FAIL",
    ),
    "eventType-number": Case(with_("eventType", 3), "$.eventType", f"{STR} a number"),
    # --- the core structure ---
    "inputs-object": Case(
        with_("inputs", {"namespace": "db", "name": "src"}),
        "$.inputs",
        "expected an array, got an object",
    ),
    "input-string": Case(with_("inputs.0", "db.src"), IN0, f"{OBJ} a string"),
    "input-without-name": Case(without("inputs.0.name"), f"{IN0}.name", REQ),
    "output-without-namespace": Case(without("outputs.0.namespace"), f"{OUT0}.namespace", REQ),
    "run.facets-array": Case(with_("run.facets", []), RUN_FACET, f"{OBJ} an array"),
    # --- facets that are not objects ---
    "run-facet-string": Case(
        with_("run.facets.custom", "x"),
        f"{RUN_FACET}.custom",
        "a facet must be an object, got a string",
    ),
    "job-facet-null": Case(
        with_("job.facets.sql", None), f"{JOB_FACET}.sql", "a facet must be an object, got null"
    ),
    "dataset-facet-number": Case(
        with_("outputs.0.facets.schema", 3),
        f"{OUT0}.facets.schema",
        "a facet must be an object, got a number",
    ),
    "inputFacet-list": Case(
        with_("inputs.0.inputFacets.dataQualityMetrics", []),
        f"{IN0}.inputFacets.dataQualityMetrics",
        "a facet must be an object, got an array",
    ),
    # --- standard facets that Threadline reads ---
    "schema.fields-object": Case(
        with_("inputs.0.facets.schema.fields", {"a": "string"}),
        f"{IN0}.facets.schema.fields",
        "expected an array, got an object",
    ),
    "schema-field-without-name": Case(
        without("inputs.0.facets.schema.fields.1.name"), f"{IN0}.facets.schema.fields[1].name", REQ
    ),
    "parent.run.runId-missing": Case(
        without("run.facets.parent.run.runId"), f"{RUN_FACET}.parent.run.runId", REQ
    ),
    "columnLineage-input-without-field": Case(
        without("outputs.0.facets.columnLineage.fields.x.inputFields.0.field"),
        f"{OUT0}.facets.columnLineage.fields.x.inputFields[0].field",
        REQ,
    ),
    "lifecycleStateChange-EXPLODE": Case(
        with_("outputs.0.facets.lifecycleStateChange.lifecycleStateChange", "EXPLODE"),
        f"{OUT0}.facets.lifecycleStateChange.lifecycleStateChange",
        "'EXPLODE' is not one of ALTER, CREATE, DROP, OVERWRITE, RENAME, TRUNCATE",
    ),
    "version.datasetVersion-number": Case(
        with_("outputs.0.facets.version.datasetVersion", 2),
        f"{OUT0}.facets.version.datasetVersion",
        f"{STR} a number",
    ),
    # --- the other event kinds ---
    "DatasetEvent-without-dataset": Case(without("dataset", a_dataset_event), "$.dataset", REQ),
    "JobEvent-without-job": Case(without("job", a_job_event), "$.job", REQ),
}


@pytest.fixture
def seeded(client: TestClient, store: Store) -> Snapshot:
    """The snapshot of a store holding one valid event, stored through ``client``."""
    return seed(client, store)


@pytest.mark.parametrize(
    "base", [valid_run, a_dataset_event, a_job_event], ids=["RunEvent", "DatasetEvent", "JobEvent"]
)
def test_the_events_the_cases_break_are_valid(client: TestClient, base: Callable[[], Any]) -> None:
    assert client.post(LINEAGE, content=body(base())).status_code == 201


@pytest.mark.parametrize("case", [pytest.param(c, id=i) for i, c in CASES.items()])
def test_bad_event_is_rejected_and_nothing_is_written(
    client: TestClient, store: Store, seeded: Snapshot, case: Case
) -> None:
    response = client.post(LINEAGE, content=case.raw)
    assert_error(response, 400, "invalid_event", case.needle, case.path)
    assert_unchanged(store, seeded)


@pytest.mark.parametrize("case", [pytest.param(c, id=i) for i, c in CASES.items()])
def test_bad_event_in_a_batch_fails_alone(
    client: TestClient, store: Store, seeded: Snapshot, case: Case
) -> None:
    good = [run_event(RunState.START, 10, run="batch-a"), dataset_event(11, "db", "batch-b")]
    response = client.post(BATCH, content=b"[%b,%b,%b]" % (body(good[0]), case.raw, body(good[1])))
    if case.in_batch is not None:  # the batch body is not JSON: none of it can be stored
        assert_error(response, 400, "invalid_event", case.in_batch, "$")
        assert_unchanged(store, seeded)
        return
    assert response.status_code == 200, response.text
    answer = response.json()
    [failed] = answer.pop("failed_events")
    assert answer == {
        "status": "partial_success",
        "summary": {
            "received": 3,
            "successful": 2,
            "failed": 1,
            "retriable": 0,
            "non_retriable": 1,
        },
    }
    assert (failed["index"], failed["retriable"]) == (1, False)
    assert failed["reason"].startswith(f"{case.path}: ") and case.needle in failed["reason"]
    assert client.get(EVENTS, params={"sortDirection": "asc"}).json() == {
        "events": [valid_run(), *good],
        "totalCount": 3,
    }
    assert snapshot(store)[0] == seeded[0] + 2
    assert store.verify().ok


def test_all_invalid_batch_is_a_400_failure(
    client: TestClient, store: Store, seeded: Snapshot
) -> None:
    bad = [CASES["runId-missing"], CASES["scalar-number"], CASES["lifecycleStateChange-EXPLODE"]]
    response = client.post(BATCH, content=b"[" + b",".join(c.raw for c in bad) + b"]")
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["status"] == "failure"
    assert answer["summary"] == {
        "received": 3,
        "successful": 0,
        "failed": 3,
        "retriable": 0,
        "non_retriable": 3,
    }
    assert [(f["index"], f["retriable"]) for f in answer["failed_events"]] == [
        (0, False),
        (1, False),
        (2, False),
    ]
    for failed, case in zip(answer["failed_events"], bad, strict=True):
        assert failed["reason"].startswith(f"{case.path}: ") and case.needle in failed["reason"]
    assert_unchanged(store, seeded)


@pytest.mark.parametrize("batch", [valid_run(), {}, 5], ids=["event-object", "empty-object", "5"])
def test_batch_that_is_not_an_array_is_a_400(
    client: TestClient, store: Store, seeded: Snapshot, batch: Any
) -> None:
    response = client.post(BATCH, content=orjson.dumps(batch))
    assert_error(response, 400, "invalid_event", "a batch must be a JSON array of events", "$")
    assert_unchanged(store, seeded)


@pytest.fixture
def small_client(settings: Settings) -> Iterator[TestClient]:
    """A client of an app that accepts bodies of at most 2048 bytes."""
    with TestClient(create_app(replace(settings, max_body_bytes=2048))) as test_client:
        yield test_client


SMALL = body(run_event(RunState.START, 1, run="small"))
LARGE = body(with_("run.facets.custom", {"blob": "x" * 4000}))


def chunked() -> Iterator[bytes]:
    """Stream LARGE in pieces, without a Content-Length."""
    yield LARGE[:2000]
    yield LARGE[2000:]


@pytest.mark.parametrize(
    ("content", "encoding", "status", "error", "needle", "path"),
    [
        pytest.param(
            LARGE,
            None,
            413,
            "payload_too_large",
            f"request body is {len(LARGE)} bytes; the limit is 2048",
            None,
            id="over-limit",
        ),
        pytest.param(
            chunked,
            None,
            413,
            "payload_too_large",
            "request body is over the limit of 2048 bytes",
            None,
            id="over-limit-chunked",
        ),
        pytest.param(
            gzip.compress(LARGE),
            "gzip",
            413,
            "payload_too_large",
            "decompressed body is over the limit of 2048 bytes",
            None,
            id="gzip-over-limit",
        ),
        pytest.param(
            b"\x1f\x8b\x08\x00 not really gzip",
            "gzip",
            400,
            "invalid_event",
            "body is not valid gzip data",
            "$",
            id="gzip-corrupt",
        ),
        pytest.param(
            SMALL,
            "gzip",
            400,
            "invalid_event",
            "body is not valid gzip data",
            "$",
            id="gzip-header-plain-body",
        ),
        pytest.param(
            gzip.compress(SMALL)[:-12],
            "gzip",
            400,
            "invalid_event",
            "gzip body is truncated",
            "$",
            id="gzip-truncated",
        ),
        pytest.param(
            SMALL,
            "br",
            415,
            "unsupported_encoding",
            "Content-Encoding 'br' is not supported; use gzip or none",
            None,
            id="brotli",
        ),
    ],
)
def test_body_size_and_encoding_limits(
    small_client: TestClient,
    store: Store,
    content: Any,
    encoding: str | None,
    status: int,
    error: str,
    needle: str,
    path: str | None,
) -> None:
    before = seed(small_client, store, run_event(RunState.START, 1, run="seed"))
    headers = {"Content-Encoding": encoding} if encoding else {}
    content = content() if callable(content) else content
    response = small_client.post(LINEAGE, content=content, headers=headers)
    assert_error(response, status, error, needle, path)
    assert_unchanged(store, before)
