"""The native lineage route's plain requests, answered before routing, as the route answers them.

``FastLineage`` answers a plain ``GET /api/threadline/v1/lineage`` itself and leaves every
other request to the route. Each case here is asked twice over HTTP: once as it is, and once
with a parameter the route ignores (``_route``), which makes the fast path step aside; both
answers must be the same bytes, status and content type. Separately, the fast path is shown
to answer plain requests without the application, and to hand the others on.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.api.test_native import ref
from threadline.api.fastlineage import PATH, FastLineage, _arguments
from threadline.demo.sample import sample_events
from threadline.service import LineageService

PLAIN = [
    {"node": ref("clean")},
    {"node": ref("clean"), "direction": "downstream", "depth": "2"},
    {"node": ref("revenue"), "direction": "upstream", "depth": "100", "limit": "3"},
    {"type": "job", "namespace": "retail", "name": "revenue.daily", "direction": "both"},
    {"node": ref("raw"), "as_of": "2024-03-01T02:20:00Z", "budget_ms": "500"},
    {"node": ref("raw"), "depth": "0"},
    {"node": "dataset:nowhere:missing.table"},  # 404 with the closest matches
    {"type": "dataset", "namespace": "nowhere", "name": "missing"},
]
HANDED_ON = [
    {"node": ref("clean"), "kinds": "job"},  # a filter: the general path
    {"node": ref("clean"), "namespaces": "retail"},
    {"node": ref("clean"), "granularity": "column"},
    {"node": ref("clean"), "granularity": "version"},
    {"node": ref("clean"), "depth": "2.0"},  # FastAPI's own integer parsing
    {"node": ref("clean"), "depth": "-1"},
    {"node": ref("clean"), "depth": " 2"},
    {"node": ref("clean"), "depth": "9999999999"},
    {"node": ref("clean"), "direction": "sideways"},  # invalid: the route's 400
    {"node": ref("clean"), "limit": "0"},
    {"node": ref("clean"), "as_of": "yesterday"},
    {"type": "run", "namespace": "retail", "name": "x"},
    {"name": "orders"},
    {"node": ref("clean"), "other": "1"},  # a parameter the route ignores
]


def _query(params: dict[str, str]) -> str:
    return f"{PATH}?{urlencode(params)}"


@pytest.fixture
def sample_client(client: TestClient) -> TestClient:
    response = client.post("/api/v1/lineage/batch", content=orjson.dumps(sample_events()))
    assert response.status_code == 200, response.text
    return client


@pytest.mark.parametrize("params", PLAIN + HANDED_ON, ids=lambda p: urlencode(p)[:60])
def test_an_answer_is_the_routes_own(sample_client: TestClient, params: dict[str, str]) -> None:
    fast = sample_client.get(_query(params))
    routed = sample_client.get(_query({**params, "_route": "1"}))
    assert fast.status_code == routed.status_code
    assert fast.headers["content-type"] == routed.headers["content-type"]
    assert fast.content == routed.content
    assert fast.status_code in (200, 400, 404)


def test_repeated_parameters_are_answered_as_the_route_answers_them(
    sample_client: TestClient,
) -> None:
    for query in ("depth=1&depth=3", "kinds=job&kinds=dataset", "direction=up&direction=both"):
        path = f"{PATH}?node={ref('clean')}&{query}"
        assert sample_client.get(path).content == sample_client.get(f"{path}&_route=").content


def _ask(service: LineageService, params: dict[str, str]) -> tuple[list[dict[str, Any]], bool]:
    """Ask ``FastLineage`` over an application that only records being called."""
    handed_on: list[bool] = []

    async def application(_scope: Any, _receive: Any, _send: Any) -> None:
        handed_on.append(True)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": PATH,
        "query_string": urlencode(params).encode(),
        "app": SimpleNamespace(state=SimpleNamespace(service=service)),
    }
    asyncio.run(FastLineage(application)(scope, receive, send))
    return sent, bool(handed_on)


def test_a_plain_request_is_answered_without_the_application(service: LineageService) -> None:
    assert not service.ingest_values(sample_events()).failed
    for params in PLAIN:
        sent, handed_on = _ask(service, params)
        assert not handed_on, params
        start, *pieces = sent  # the answer's pieces, one body message each
        assert start["status"] in (200, 404)
        assert (b"content-type", b"application/json") in start["headers"]
        assert [p.get("more_body", False) for p in pieces] == [True] * (len(pieces) - 1) + [False]
        body = b"".join(p["body"] for p in pieces)
        assert (b"content-length", str(len(body)).encode()) in start["headers"]
        assert orjson.loads(body)


def test_other_requests_are_handed_to_the_application(service: LineageService) -> None:
    assert not service.ingest_values(sample_events()).failed
    for params in HANDED_ON:
        sent, handed_on = _ask(service, params)
        assert handed_on and not sent, params


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"node=a%3Ab&depth=3", {"node": "a:b", "depth": 3}),
        (b"kinds=job&kinds=model,dataset", {"kinds": ["job", "model,dataset"]}),
        (b"node=", {"node": ""}),
        (b"name=caf%C3%A9", {"name": "caf\u00e9"}),
        (b"node=a&node=b", None),
        (b"depth=", None),
        (b"depth=1e3", None),
        (b"unknown=1", None),
        (b"name=%FF", None),  # not UTF-8: FastAPI's own handling
    ],
)
def test_arguments_of_a_query_string(query: bytes, expected: dict[str, Any] | None) -> None:
    assert _arguments(query) == expected
