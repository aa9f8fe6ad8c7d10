"""Soft deletes through the Marquez API, undone by later events; tags survive a rebuild.

As in Marquez, a deleted dataset or job disappears from lists, searches and lineage and
answers 404; a deleted namespace is still listed and answered, flagged ``isHidden``, while
its datasets and jobs disappear. The next event that mentions any of them brings it back.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from openlineage.client.event_v2 import RunState

from tests.events import inp, out, run_event
from threadline.demo.sample import sample_events
from threadline.service import LineageService

API = "/api/v1"
WAREHOUSE = "postgres://warehouse:5432"
ENCODED = "postgres%3A%2F%2Fwarehouse%3A5432"
CLEAN = f"/namespaces/{ENCODED}/datasets/shop.analytics.orders_clean"
JOB = "/namespaces/retail/jobs/orders.clean"


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    """An API client of a store holding the sample pipeline."""
    for event in sample_events():
        post(client, event)
    return client


def post(client: TestClient, event: dict[str, Any]) -> None:
    """Ingest one event."""
    assert client.post(f"{API}/lineage", content=orjson.dumps(event)).status_code == 201


def get(client: TestClient, path: str, **params: Any) -> Any:
    """GET a Marquez path and return its JSON (asserting 200)."""
    response = client.get(API + path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def mention(client: TestClient, minutes: float, *, job: str, reads: str, writes: str) -> None:
    """Ingest a completed run of ``retail``'s ``job`` reading and writing warehouse tables."""
    post(
        client,
        run_event(
            RunState.COMPLETE,
            minutes,
            run=f"again-{job}-{minutes}",
            job=("retail", job),
            inputs=[inp(WAREHOUSE, reads)],
            outputs=[out(WAREHOUSE, writes)],
        ),
    )


def lineage_ids(client: TestClient, node: str) -> list[str]:
    """Return the node ids of the lineage graph around a node."""
    return [n["id"] for n in get(client, "/lineage", nodeId=node, depth=20)["graph"]]


def test_marquez_deleted_dataset_is_gone_until_an_event_mentions_it(seeded: TestClient) -> None:
    before = get(seeded, CLEAN)
    deleted = seeded.delete(API + CLEAN)
    assert (deleted.status_code, deleted.json()) == (200, before)
    assert seeded.get(API + CLEAN).status_code == 404
    assert seeded.get(f"{API}{CLEAN}/versions").status_code == 404
    assert seeded.delete(API + CLEAN).status_code == 404
    listed = get(seeded, f"/namespaces/{ENCODED}/datasets")
    assert ([d["name"] for d in listed["datasets"]], listed["totalCount"]) == (
        ["shop.analytics.daily_revenue", "shop.raw.orders"],
        2,
    )
    assert get(seeded, "/search", q="orders_clean", filter="DATASET")["results"] == []
    node = f"dataset:{WAREHOUSE}:shop.analytics.orders_clean"
    assert seeded.get(f"{API}/lineage", params={"nodeId": node}).status_code == 404
    assert node not in lineage_ids(seeded, f"dataset:{WAREHOUSE}:shop.raw.orders")
    mention(
        seeded,
        300,
        job="orders.clean",
        reads="shop.raw.orders",
        writes="shop.analytics.orders_clean",
    )
    assert get(seeded, CLEAN)["name"] == "shop.analytics.orders_clean"
    assert get(seeded, f"/namespaces/{ENCODED}/datasets")["totalCount"] == 3
    assert node in lineage_ids(seeded, f"dataset:{WAREHOUSE}:shop.raw.orders")


def test_marquez_deleted_job_is_gone_until_an_event_mentions_it(seeded: TestClient) -> None:
    before = get(seeded, JOB)
    deleted = seeded.delete(API + JOB)
    assert (deleted.status_code, deleted.json()) == (200, before)
    for path in (JOB, f"{JOB}/runs", f"{JOB}/versions"):
        assert seeded.get(API + path).status_code == 404
    names = [j["name"] for j in get(seeded, "/jobs")["jobs"]]
    assert "orders.clean" not in names
    assert get(seeded, "/namespaces/retail/jobs")["totalCount"] == 5
    assert "job:retail:orders.clean" not in lineage_ids(
        seeded, f"dataset:{WAREHOUSE}:shop.raw.orders"
    )
    mention(
        seeded,
        300,
        job="orders.clean",
        reads="shop.raw.orders",
        writes="shop.analytics.orders_clean",
    )
    assert get(seeded, JOB)["latestRun"]["state"] == "COMPLETED"
    assert get(seeded, "/namespaces/retail/jobs")["totalCount"] == 6


def test_marquez_deleted_namespace_hides_its_datasets_and_jobs(seeded: TestClient) -> None:
    deleted = seeded.delete(f"{API}/namespaces/{ENCODED}")
    assert deleted.status_code == 200
    assert (deleted.json()["name"], deleted.json()["isHidden"]) == (WAREHOUSE, True)
    assert get(seeded, f"/namespaces/{ENCODED}")["isHidden"] is True
    listed = {ns["name"]: ns["isHidden"] for ns in get(seeded, "/namespaces")["namespaces"]}
    assert listed[WAREHOUSE] is True and listed["retail"] is False
    assert get(seeded, f"/namespaces/{ENCODED}/datasets") == {"datasets": [], "totalCount": 0}
    assert seeded.get(API + CLEAN).status_code == 404
    mention(
        seeded,
        300,
        job="orders.clean",
        reads="shop.raw.orders",
        writes="shop.analytics.orders_clean",
    )
    assert get(seeded, f"/namespaces/{ENCODED}")["isHidden"] is False
    names = [d["name"] for d in get(seeded, f"/namespaces/{ENCODED}/datasets")["datasets"]]
    assert names == ["shop.analytics.orders_clean", "shop.raw.orders"]  # not daily_revenue


def test_marquez_deleted_namespace_hides_its_jobs(seeded: TestClient) -> None:
    assert seeded.delete(f"{API}/namespaces/retail").status_code == 200
    assert get(seeded, "/namespaces/retail/jobs") == {"jobs": [], "totalCount": 0}
    assert get(seeded, "/jobs")["totalCount"] == 0
    mention(
        seeded,
        300,
        job="orders.clean",
        reads="shop.raw.orders",
        writes="shop.analytics.orders_clean",
    )
    assert [j["name"] for j in get(seeded, "/jobs")["jobs"]] == ["orders.clean"]


def test_marquez_tags_and_deletes_survive_a_rebuild(
    seeded: TestClient, service: LineageService
) -> None:
    assert seeded.put(f"{API}/tags/PII", json={"description": "Personal data"}).status_code == 200
    assert seeded.post(f"{API}{CLEAN}/tags/curated").status_code == 200
    assert seeded.post(f"{API}{CLEAN}/fields/customer_id/tags/pii").status_code == 200
    assert seeded.post(f"{API}{JOB}/tags/critical").status_code == 200
    assert (
        seeded.put(f"{API}/namespaces/retail", json={"ownerName": "team:data"}).status_code == 200
    )
    raw = f"/namespaces/{ENCODED}/datasets/shop.raw.orders"
    assert seeded.delete(API + raw).status_code == 200
    before = [get(seeded, path) for path in (CLEAN, JOB, "/tags", "/namespaces/retail")]
    assert service.rebuild() > 0
    after = [get(seeded, path) for path in (CLEAN, JOB, "/tags", "/namespaces/retail")]
    assert after == before
    assert after[0]["tags"] == ["curated"]
    assert next(f for f in after[0]["fields"] if f["name"] == "customer_id")["tags"] == ["PII"]
    assert after[1]["tags"] == ["critical"]
    assert after[2]["tags"] == [
        {"name": "PII", "description": "Personal data"},
        {"name": "critical", "description": None},
        {"name": "curated", "description": None},
    ]
    assert after[3]["ownerName"] == "team:data"
    assert seeded.get(API + raw).status_code == 404


def test_marquez_service_deletes_and_tags_like_the_api(service: LineageService) -> None:
    service.ingest_values(sample_events())
    service.marquez_tag("dataset", WAREHOUSE, "shop.raw.orders", "raw")
    assert service.marquez_dataset(WAREHOUSE, "shop.raw.orders")["tags"] == ["raw"]
    gone = service.marquez_delete("dataset", WAREHOUSE, "shop.raw.orders")
    assert gone["name"] == "shop.raw.orders"
    service.rebuild()
    assert service.marquez_datasets(WAREHOUSE, limit=10, offset=0)["totalCount"] == 2
