"""Client mistakes on the Marquez API answer 404 or 400 with a message, never 500."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from threadline.demo.sample import sample_events

API = "/api/v1"
WAREHOUSE = "postgres%3A%2F%2Fwarehouse%3A5432"
CLEAN = f"/namespaces/{WAREHOUSE}/datasets/shop.analytics.orders_clean"
JOB = "/namespaces/retail/jobs/orders.clean"
UNKNOWN_RUN = "00000000-0000-4000-8000-000000000000"
JSON_TYPE = {"content-type": "application/json"}

NOT_FOUND = [
    ("GET", "/namespaces/nowhere", {}, "namespace 'nowhere' not found"),
    ("GET", "/namespaces/nowhere/datasets", {}, "namespace 'nowhere' not found"),
    ("GET", "/namespaces/nowhere/jobs", {}, "namespace 'nowhere' not found"),
    ("DELETE", "/namespaces/nowhere", {}, "namespace 'nowhere' not found"),
    ("GET", f"/namespaces/{WAREHOUSE}/datasets/shop.nothing", {}, "dataset 'shop.nothing'"),
    ("GET", f"/namespaces/{WAREHOUSE}/datasets/shop.nothing/versions", {}, "shop.nothing"),
    ("DELETE", f"/namespaces/{WAREHOUSE}/datasets/shop.nothing", {}, "shop.nothing"),
    ("POST", f"/namespaces/{WAREHOUSE}/datasets/shop.nothing/tags/x", {}, "shop.nothing"),
    ("GET", f"{CLEAN}/versions/no-such-version", {}, "dataset version 'no-such-version'"),
    ("POST", f"{CLEAN}/fields/no_such_field/tags/x", {}, "field 'no_such_field' not found"),
    ("GET", "/namespaces/retail/jobs/nothing", {}, "job 'nothing' not found"),
    ("GET", "/namespaces/retail/jobs/nothing/runs", {}, "job 'nothing' not found"),
    ("GET", "/namespaces/retail/jobs/nothing/versions", {}, "job 'nothing' not found"),
    ("POST", "/namespaces/retail/jobs/nothing/tags/x", {}, "job 'nothing' not found"),
    ("DELETE", "/namespaces/retail/jobs/nothing", {}, "job 'nothing' not found"),
    ("GET", f"{JOB}/versions/no-such-version", {}, "job version 'no-such-version'"),
    ("GET", f"/jobs/runs/{UNKNOWN_RUN}", {}, f"run '{UNKNOWN_RUN}' not found"),
    ("GET", f"/jobs/runs/{UNKNOWN_RUN}/facets", {}, f"run '{UNKNOWN_RUN}' not found"),
    ("GET", "/lineage", {"params": {"nodeId": "dataset:nowhere:nothing"}}, "no node"),
    ("GET", "/column-lineage", {"params": {"nodeId": "job:retail:nothing"}}, "no node"),
]

BAD_PARAMETERS = [
    ("GET", "/namespaces", {"params": {"limit": -1}}, "limit must be between 0"),
    ("GET", "/namespaces", {"params": {"offset": -5}}, "offset must not be negative"),
    ("GET", f"/namespaces/{WAREHOUSE}/datasets", {"params": {"limit": -1}}, "limit"),
    ("GET", f"/namespaces/{WAREHOUSE}/datasets", {"params": {"limit": "ten"}}, "limit"),
    ("GET", f"{CLEAN}/versions", {"params": {"offset": -1}}, "offset must not be negative"),
    ("GET", "/jobs", {"params": {"limit": 10_001}}, "limit must be between 0 and 10000"),
    ("GET", "/jobs", {"params": {"lastRunStates": "DONE"}}, "lastRunStates takes"),
    ("GET", f"{JOB}/runs", {"params": {"limit": -1}}, "limit must be between 0"),
    ("GET", f"{JOB}/versions", {"params": {"offset": -1}}, "offset must not be negative"),
    ("GET", "/tags", {"params": {"limit": -1}}, "limit must be between 0"),
    ("GET", "/jobs/runs/not-a-uuid", {}, "a run id is a UUID"),
    ("GET", f"/jobs/runs/{UNKNOWN_RUN}/facets", {"params": {"type": "dataset"}}, "type must be"),
    ("GET", "/lineage", {}, "nodeId"),
    ("GET", "/lineage", {"params": {"nodeId": "orders"}}, "is not a node reference"),
    ("GET", "/lineage", {"params": {"nodeId": "dataset:x"}}, "lacks a namespace or a name"),
    ("GET", "/lineage", {"params": {"nodeId": "job:retail:orders.clean", "depth": -1}}, "depth"),
    ("GET", "/lineage", {"params": {"nodeId": "job:retail:orders.clean", "depth": 501}}, "depth"),
    ("GET", "/column-lineage", {"params": {"nodeId": "job:a:b", "withDownstream": "x"}}, "with"),
    ("GET", "/search", {}, "q must not be blank"),
    ("GET", "/search", {"params": {"q": "  "}}, "q must not be blank"),
    ("GET", "/search", {"params": {"q": "x", "filter": "TABLE"}}, "filter must be one of"),
    ("GET", "/search", {"params": {"q": "x", "sort": "SIZE"}}, "sort must be one of"),
    ("GET", "/search", {"params": {"q": "x", "limit": -1}}, "limit must be between 0"),
    ("GET", "/search", {"params": {"q": "x", "after": "yesterday"}}, "after:"),
    ("PUT", "/namespaces/retail", {"json": {"description": "no owner"}}, "ownerName"),
    ("PUT", "/namespaces/retail", {"content": b"{not json", "headers": JSON_TYPE}, "JSON"),
    ("PUT", "/namespaces/retail", {"content": b"[1]", "headers": JSON_TYPE}, "body"),
    ("POST", f"{CLEAN}/tags/%20", {}, "a tag name has 1 to 255 characters"),
    ("POST", f"{CLEAN}/tags/{'x' * 256}", {}, "a tag name has 1 to 255 characters"),
    # Text no column can hold (PostgreSQL refuses NUL characters) and numbers beyond BIGINT.
    ("GET", f"{CLEAN}/versions/a%00b", {}, "the request path or query holds a NUL character"),
    ("GET", f"{JOB}/versions/a%00b", {}, "the request path or query holds a NUL character"),
    (
        "GET",
        "/search",
        {"params": {"q": "a\x00b"}},
        "the request path or query holds a NUL character",
    ),
    (
        "GET",
        "/search",
        {"params": {"q": "a", "namespace": "\x00"}},
        "the request path or query holds a NUL character",
    ),
    (
        "GET",
        "/lineage",
        {"params": {"nodeId": "dataset:a:b#\x00"}},
        "the request path or query holds a NUL character",
    ),
    ("GET", "/column-lineage", {"params": {"nodeId": "dataset:a:b#\x00"}}, "NUL character"),
    ("PUT", "/tags/a%00b", {}, "the request path or query holds a NUL character"),
    ("PUT", "/tags/PII", {"json": {"description": "\x00"}}, "description must not contain NUL"),
    ("PUT", "/namespaces/retail", {"json": {"ownerName": "a\x00"}}, "ownerName must not contain"),
    ("POST", f"{JOB}/tags/a%00b", {}, "the request path or query holds a NUL character"),
    ("GET", "/jobs", {"params": {"offset": 10**30}}, "offset must be at most"),
    ("GET", "/lineage", {"params": {"nodeId": "job:retail:x", "depth": 10**30}}, "depth"),
]


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    """An API client of a store holding the sample pipeline."""
    for event in sample_events():
        assert client.post(f"{API}/lineage", content=orjson.dumps(event)).status_code == 201
    return client


def _check(client: TestClient, case: tuple[str, str, dict[str, Any], str], status: int) -> None:
    method, path, options, needle = case
    response = client.request(method, API + path, **options)
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["code"] == status
    assert needle in answer["message"], answer["message"]


def test_marquez_unknown_names_answer_404_with_a_message(seeded: TestClient) -> None:
    for case in NOT_FOUND:
        _check(seeded, case, 404)


def test_marquez_bad_parameters_answer_400_with_a_message(seeded: TestClient) -> None:
    for case in BAD_PARAMETERS:
        _check(seeded, case, 400)


def test_marquez_column_lineage_of_a_run_is_a_bad_request(seeded: TestClient) -> None:
    run = seeded.get(API + JOB).json()["latestRun"]["id"]
    response = seeded.get(f"{API}/column-lineage", params={"nodeId": f"run:{run}"})
    assert response.status_code == 400
    assert "column lineage starts from a dataset" in response.json()["message"]


def test_marquez_deleted_entities_answer_404_to_writes(seeded: TestClient) -> None:
    assert seeded.delete(API + CLEAN).status_code == 200
    assert seeded.delete(API + JOB).status_code == 200
    for method, path in (
        ("POST", f"{CLEAN}/tags/x"),
        ("POST", f"{CLEAN}/fields/amount/tags/x"),
        ("DELETE", CLEAN),
        ("POST", f"{JOB}/tags/x"),
        ("GET", f"{JOB}/runs"),
    ):
        response = seeded.request(method, API + path)
        assert response.status_code == 404, (method, path, response.text)


def test_marquez_empty_store_answers_404_not_500(client: TestClient) -> None:
    assert client.get(f"{API}/namespaces").json() == {"namespaces": []}
    assert client.get(f"{API}/jobs").json() == {"jobs": [], "totalCount": 0}
    assert client.get(f"{API}/tags").json() == {"tags": []}
    assert client.get(f"{API}/search", params={"q": "x"}).json() == {
        "totalCount": 0,
        "results": [],
    }
    for path in ("/namespaces/default", "/namespaces/default/datasets"):
        assert client.get(API + path).status_code == 404
    lineage = client.get(f"{API}/lineage", params={"nodeId": "dataset:a:b"})
    assert lineage.status_code == 404
