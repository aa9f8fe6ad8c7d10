"""Bounds of native queries over HTTP: node limit, time budget, default depth and limit.

The sample pipeline (``threadline.demo.sample``) and small graphs built from real events
answer the limit and depth cases; a wide hub (one column feeding 10,001 columns, one real
RunEvent) answers the default limit and the time budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_native import get, ingest, ref
from tests.conftest import DIALECTS, fresh_database
from tests.events import RunState, columns, inp, out, run_event, schema
from threadline.api import create_app
from threadline.demo.sample import sample_events
from threadline.index.traverse import bfs
from threadline.queries.options import DEFAULT_DEPTH, DEFAULT_LIMIT
from threadline.service import LineageService
from threadline.settings import Settings

WIDE = DEFAULT_LIMIT + 1
SOURCE_FIELD = "datasetField:db:source:v"


def complete(minutes: float, name: str, inputs: list[str], outputs: list[str]) -> dict[str, Any]:
    """Return a COMPLETE event of job ``tests:name`` reading and writing ``db`` datasets."""
    return run_event(
        RunState.COMPLETE,
        minutes,
        run=name,
        job=("tests", name),
        inputs=[inp("db", d) for d in inputs],
        outputs=[out("db", d) for d in outputs],
    )


def wide_event() -> dict[str, Any]:
    """Return one run writing ``db:wide`` whose 10,001 columns all derive from ``source.v``."""
    fields = [f"f{i}" for i in range(WIDE)]
    lineage = columns({f: [("db", "source", "v")] for f in fields})
    return run_event(
        RunState.COMPLETE,
        1,
        run="widen",
        job=("tests", "widen"),
        inputs=[inp("db", "source", schema=schema("v"))],
        outputs=[out("db", "wide", schema=schema(*fields), columnLineage=lineage)],
    )


@pytest.fixture(scope="module", params=DIALECTS)
def wide(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An API client of a store holding the wide hub and an island (built once per dialect)."""
    databases = fresh_database(request.param, request, Path(tmp_path_factory.mktemp("wide")))
    url = next(databases)
    settings = Settings(database_url=url, sqlite_synchronous="NORMAL")
    with TestClient(create_app(settings)) as client:
        ingest(client, [wide_event(), complete(2, "island", ["isle_in"], ["isle_out"])])
        yield client
    next(databases, None)


def column_lineage(client: TestClient, **params: Any) -> dict[str, Any]:
    """Return the column lineage downstream of ``source.v``."""
    return get(
        client, "lineage", node=SOURCE_FIELD, direction="downstream", granularity="column", **params
    )


# --- the default node limit ------------------------------------------------------------------


def test_lineage_default_limit_cuts_a_fan_out_of_10001_at_10000(wide: TestClient) -> None:
    answer = column_lineage(wide)
    assert len(answer["nodes"]) == DEFAULT_LIMIT == 10_000
    assert (answer["truncated"], answer["truncatedReason"]) == (True, "limit")
    assert answer["nodes"][0] == {
        "id": SOURCE_FIELD,
        "type": "datasetField",
        "kind": "string",
        "depth": 0,
        "namespace": "db",
        "name": "source",
        "field": "v",
    }
    whole = column_lineage(wide, limit=WIDE + 1)
    assert (len(whole["nodes"]), whole["truncated"]) == (WIDE + 1, False)


# --- the time budget -------------------------------------------------------------------------


def test_lineage_budget_of_1ms_on_a_wide_hub_answers_partial_with_reason_time(
    wide: TestClient,
) -> None:
    # As of a time, each of the hub's 10,001 edges is checked for validity in Python: the
    # first level alone takes several milliseconds, so the budget is spent before the next.
    answer = column_lineage(wide, as_of="2024-03-01T00:05:00Z", limit=100_000, budget_ms=1)
    assert (answer["truncated"], answer["truncatedReason"]) == (True, "time")
    assert answer["nodes"][0]["id"] == SOURCE_FIELD
    assert {n["depth"] for n in answer["nodes"]} <= {0, 1}


def test_path_budget_spent_while_searching_is_truncated_with_reason_time(
    wide: TestClient,
) -> None:
    # Nothing joins the hub to the island: the search gives up when the budget is spent,
    # and says so rather than claiming there is no path.
    ends = {"from": SOURCE_FIELD, "to": "dataset:db:isle_out", "direction": "downstream"}
    timed = {"as_of": "2024-03-01T00:05:00Z", "limit": 100_000, "budget_ms": 1}
    answer = get(wide, "path", **ends, granularity="column", **timed)
    assert (answer["found"], answer["truncated"], answer["truncatedReason"]) == (
        False,
        True,
        "time",
    )
    unhurried = get(wide, "path", **ends, granularity="column", limit=100_000)
    assert (unhurried["found"], unhurried["truncated"]) == (False, False)


def test_bfs_with_an_expired_deadline_stops_with_reason_time(wide: TestClient) -> None:
    service: LineageService = wide.app.state.service
    state = service.index.state()
    root = service.resolve(SOURCE_FIELD).id
    found = bfs(state.column, [root], down=True, max_depth=5, deadline=time.monotonic() - 1)
    assert (found.nodes.tolist(), found.truncated, found.reason) == ([root], True, "time")


# --- the default depth -----------------------------------------------------------------------

CHAIN_JOBS = 12  # d0 -> j0 -> d1 -> ... -> j11 -> d12: 24 edges, more than the default 20


@pytest.fixture
def chain(client: TestClient) -> TestClient:
    """An API client of a store holding a 24-edge chain."""
    ingest(client, [complete(i, f"j{i}", [f"d{i}"], [f"d{i + 1}"]) for i in range(CHAIN_JOBS)])
    return client


def chain_ids(hops: int) -> list[str]:
    """Return the chain's references from ``d0``, up to ``hops`` edges away."""
    ids = []
    for i in range(hops + 1):
        ids.append(f"dataset:db:d{i // 2}" if i % 2 == 0 else f"job:tests:j{i // 2}")
    return ids


def test_lineage_default_depth_is_20_edges(chain: TestClient) -> None:
    answer = get(chain, "lineage", node="dataset:db:d0", direction="downstream")
    assert [(n["id"], n["depth"]) for n in answer["nodes"]] == [
        (n, d) for d, n in enumerate(chain_ids(DEFAULT_DEPTH))
    ]
    assert DEFAULT_DEPTH == 20
    assert (answer["truncated"], answer["truncatedReason"]) == (False, None)
    deeper = get(chain, "lineage", node="dataset:db:d0", direction="downstream", depth=24)
    assert [n["id"] for n in deeper["nodes"]] == chain_ids(2 * CHAIN_JOBS)


def test_path_default_depth_does_not_reach_beyond_20_edges(chain: TestClient) -> None:
    far = {"from": "dataset:db:d0", "to": "dataset:db:d12"}
    assert get(chain, "path", **far)["found"] is False
    found = get(chain, "path", **far, depth=24)
    assert (found["found"], len(found["edges"]), found["pathCount"]) == (True, 24, 1)


# --- truncation of path answers --------------------------------------------------------------


@pytest.fixture
def sample(client: TestClient) -> TestClient:
    """An API client of a store holding the sample pipeline."""
    ingest(client, sample_events())
    return client


def test_path_not_found_within_the_limit_is_truncated(sample: TestClient) -> None:
    far = {"from": ref("landing"), "to": ref("dashboard"), "direction": "downstream"}
    answer = get(sample, "path", **far, limit=3)
    assert answer == {
        "source": ref("landing"),
        "target": ref("dashboard"),
        "found": False,
        "direction": None,
        "nodes": [],
        "edges": [],
        "pathCount": 0,
        "pathCountCapped": False,
        "truncated": True,
        "truncatedReason": "limit",
    }
    whole = get(sample, "path", **far)
    assert (whole["found"], len(whole["edges"]), whole["truncated"]) == (True, 8, False)


def test_path_back_search_cut_by_the_limit_marks_the_answer_truncated(
    client: TestClient,
) -> None:
    # a -> mix -> t, and mix also reads x0..x4: from t back, 2 edges reach 7 datasets.
    ingest(client, [complete(1, "mix", ["a", *(f"x{i}" for i in range(5))], ["t"])])
    ends = {"from": "dataset:db:a", "to": "dataset:db:t"}
    answer = get(client, "path", **ends, limit=4)
    assert (answer["found"], answer["pathCount"]) == (True, 1)
    assert (answer["truncated"], answer["truncatedReason"]) == (True, "limit")
    whole = get(client, "path", **ends)
    assert (whole["found"], whole["pathCount"], whole["truncated"]) == (True, 1, False)
