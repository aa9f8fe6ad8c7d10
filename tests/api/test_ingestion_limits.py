"""The ingestion contract at its edges: batch limits, whole answers, health and the OpenAPI.

``tests/api/test_events_api.py`` covers re-sends and paging; this module holds what the
limits and the served documents promise, compared as whole values.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from openlineage.client.event_v2 import RunState

from tests.api.helpers import BATCH, EVENTS, LINEAGE, assert_error, assert_unchanged, seed
from tests.events import run_event
from threadline import __version__
from threadline.api import create_app
from threadline.settings import Settings
from threadline.store import Store


def _batch(count: int, first: int = 1) -> bytes:
    return orjson.dumps(
        [run_event(RunState.START, m, run=f"b{m}") for m in range(first, first + count)]
    )


@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient]:
    """A client of an app taking at most 3 events per batch and 2048-byte bodies."""
    app = create_app(replace(settings, max_batch_events=3, max_body_bytes=2048))
    with TestClient(app) as test_client:
        yield test_client


def test_batch_success_answer_is_exactly_the_openlineage_shape(
    client: TestClient, store: Store
) -> None:
    answer = client.post(BATCH, content=_batch(3))
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "success",
        "summary": {
            "received": 3,
            "successful": 3,
            "failed": 0,
            "retriable": 0,
            "non_retriable": 0,
        },
        "failed_events": [],
    }
    assert store.head_seq() == 3


def test_batch_of_max_events_is_taken_and_one_more_is_refused_whole(
    limited: TestClient, store: Store
) -> None:
    assert limited.post(BATCH, content=_batch(3)).json()["summary"]["successful"] == 3
    before = seed(limited, store, run_event(RunState.COMPLETE, 9, run="seed"))
    response = limited.post(BATCH, content=_batch(4, first=10))
    assert_error(response, 400, "invalid_parameter", "a batch holds at most 3 events; got 4", None)
    assert_unchanged(store, before)


@pytest.mark.parametrize("encoding", [None, "gzip"])
def test_batch_over_the_body_limit_is_a_413_and_writes_nothing(
    limited: TestClient, store: Store, encoding: str | None
) -> None:
    before = seed(limited, store, run_event(RunState.COMPLETE, 9, run="seed"))
    large = orjson.dumps([run_event(RunState.START, 1, run_facets={"x": {"blob": "y" * 4000}})])
    content = gzip.compress(large) if encoding else large
    assert len(content) < 2048 if encoding else len(content) > 2048
    response = limited.post(
        BATCH, content=content, headers={"Content-Encoding": encoding} if encoding else {}
    )
    needle = (
        "decompressed body is over the limit of 2048 bytes"
        if encoding
        else f"request body is {len(large)} bytes; the limit is 2048"
    )
    assert_error(response, 413, "payload_too_large", needle, None)
    assert_unchanged(store, before)


def test_health_answers_status_version_database_and_log_head(
    client: TestClient, dialect: str
) -> None:
    assert client.get("/health").json() == {
        "status": "ok",
        "version": __version__,
        "database": dialect,
        "headSeq": 0,
    }
    client.post(BATCH, content=_batch(2))
    assert client.get("/health").json()["headSeq"] == 2


def test_health_is_503_when_the_database_cannot_be_read(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-directory" / "threadline.db"
    settings = Settings(database_url=f"sqlite:///{missing}", migrate_on_start=False)
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    answer = response.json()
    assert answer["status"] == "unavailable"
    assert answer["message"].startswith("the database could not be read")


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = spec["paths"][path][method]
    return operation


def test_openapi_describes_ingestion_the_event_log_and_health(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "Threadline"
    assert spec["info"]["version"] == __version__
    single = _operation(spec, "post", LINEAGE)
    assert set(single["responses"]) == {"200", "201", "400", "413", "415", "503"}
    body = single["requestBody"]["content"]["application/json"]
    assert body["example"]["eventType"] and body["example"]["run"]["runId"]
    batch = _operation(spec, "post", BATCH)
    assert set(batch["responses"]) == {"200", "400", "413", "415", "503"}
    batch_schema = batch["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(batch_schema["properties"]) == {"status", "summary", "failed_events"}
    assert batch_schema["properties"]["status"]["enum"] == ["success", "partial_success", "failure"]
    events = _operation(spec, "get", EVENTS)
    assert {p["name"] for p in events["parameters"]} == {
        "before",
        "after",
        "sortDirection",
        "limit",
        "offset",
    }
    assert _operation(spec, "get", "/health")["summary"]
