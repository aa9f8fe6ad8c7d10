"""Valid events broken at random JSON paths never cost a 500, and a refusal writes nothing.

Hypothesis starts from valid events (the bad-input corpus's RunEvent, the demo pipeline's
events, a DatasetEvent and a JobEvent), applies one to three mutations at random paths
(swap a value's type, delete a key, put in an odd value, add an odd key) and posts the
result, alone and inside a batch. Whatever the server makes of it, the answer is below 500;
when it is a 4xx, the log and the projections are exactly as they were. SQLite takes the
bulk of the examples, PostgreSQL a handful.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.helpers import BATCH, LINEAGE, nested, snapshot, valid_run
from tests.conftest import fresh_database
from tests.events import dataset_event, job_event, schema
from threadline.api import create_app
from threadline.demo.sample import sample_events
from threadline.settings import Settings
from threadline.store import Store

JsonPath = tuple[str | int, ...]

BASES: list[dict[str, Any]] = [
    valid_run(),
    *sample_events(),
    dataset_event(3, "db", "d", schema=schema("a", ("b", "int"))),
    job_event(4, ("tests", "declared")),
]

ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**63 - 1,
    1.5e308,
    -0.0,
    "",
    " \t\n",
    "x" * 2000,
    "é😀漢",
    "'; DROP TABLE events; --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "nul\u0000inside",
    "2024-02-30T00:00:00Z",
    "not-a-uuid",
    "START",
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
    [],
    {},
    [None, 1, "a"],
    {"": None},
    {"_deleted": True},
    nested(120),
]

ODD_KEYS = ["", "_deleted", "_producer", "_schemaURL", "eventType", "runId", "k" * 300, "é😀"]


def _paths(value: Any, prefix: JsonPath = ()) -> list[JsonPath]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


def _get(value: Any, path: JsonPath) -> Any:
    for part in path:
        value = value[part]
    return value


def _swapped(value: Any) -> Any:
    """Return a value of another JSON type that carries the same content where it can."""
    if isinstance(value, bool) or value is None:
        return "true" if value else {}
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return list(value.values())


def _mutate(event: Any, data: st.DataObject) -> Any:
    """Return ``event`` with one mutation at a random path (in place where it can be)."""
    path = data.draw(st.sampled_from(_paths(event)), label="path")
    target = _get(event, path)
    ops = (
        ["swap", "odd"]
        + (["delete"] if path else [])
        + (["insert"] if type(target) is dict else [])
    )
    op = data.draw(st.sampled_from(ops), label="op")
    if op == "insert":
        name = data.draw(st.sampled_from(ODD_KEYS), label="key")
        target[name] = copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES), label="value"))
        return event
    replacement: Any = None
    if op == "swap":
        replacement = _swapped(target)
    elif op == "odd":
        replacement = copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES), label="value"))
    if not path:  # the whole event becomes something else
        return replacement
    parent, key = _get(event, path[:-1]), path[-1]
    if op == "delete":
        del parent[key]
    else:
        parent[key] = replacement
    return event


def _mutated(data: st.DataObject) -> Any:
    event = copy.deepcopy(data.draw(st.sampled_from(BASES), label="base"))
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        event = _mutate(event, data)
    return event


def _check_post(client: TestClient, store: Store, data: st.DataObject) -> None:
    mutated = _mutated(data)
    before = snapshot(store)
    in_batch = data.draw(st.booleans(), label="in batch")
    content = orjson.dumps([mutated] if in_batch else mutated)
    response = client.post(BATCH if in_batch else LINEAGE, content=content)
    assert response.status_code < 500, response.text
    hypothesis.event(f"{'batch' if in_batch else 'single'} {response.status_code}")
    answer = response.json()
    refused = response.status_code >= 400 or (in_batch and answer["summary"]["failed"] == 1)
    if refused:
        assert snapshot(store) == before
        assert answer.get("message") or answer["failed_events"][0]["reason"]
    assert store.verify().ok


def _client(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    for url in fresh_database(dialect, request, tmp_path):
        config = Settings(database_url=url, sqlite_synchronous="OFF")
        store = Store(config)
        with TestClient(create_app(config, store)) as client:
            yield client, store
        store.close()


@pytest.fixture
def sqlite_client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A client and the store of an app on a fresh SQLite database."""
    yield from _client("sqlite", request, tmp_path)


@pytest.fixture
def postgresql_client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A client and the store of an app on a fresh PostgreSQL database."""
    yield from _client("postgresql", request, tmp_path)


_FIXTURE_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@given(data=st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=_FIXTURE_OK)
def test_mutated_events_never_cause_a_500_and_refusals_write_nothing_on_sqlite(
    sqlite_client: tuple[TestClient, Store], data: st.DataObject
) -> None:
    _check_post(*sqlite_client, data)


@pytest.mark.postgres
@given(data=st.data())
@settings(max_examples=12, deadline=None, suppress_health_check=_FIXTURE_OK)
def test_mutated_events_never_cause_a_500_and_refusals_write_nothing_on_postgresql(
    postgresql_client: tuple[TestClient, Store], data: st.DataObject
) -> None:
    _check_post(*postgresql_client, data)
