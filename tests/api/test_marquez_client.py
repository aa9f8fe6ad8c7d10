"""The real Marquez Python client (``marquez-python``) works against ``threadline serve``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from marquez_client import MarquezClient
from marquez_client.errors import APIError

from threadline.demo.sample import sample_events

WAREHOUSE = "postgres://warehouse:5432"
CLEAN = "shop.analytics.orders_clean"
REVENUE = "shop.analytics.daily_revenue"


@pytest.fixture
def marquez(live_server: str) -> MarquezClient:
    """A Marquez client of a live server holding the sample pipeline."""
    for event in sample_events():
        httpx.post(f"{live_server}/api/v1/lineage", json=event, timeout=10).raise_for_status()
    return MarquezClient(url=live_server)


def test_marquez_client_lists_and_gets_namespaces(marquez: MarquezClient) -> None:
    names = [ns["name"] for ns in marquez.list_namespaces()["namespaces"]]
    assert names == sorted(
        ["bi://dashboards", WAREHOUSE, "retail", "s3://exports", "s3://retail-landing"]
    )
    retail = marquez.get_namespace("retail")
    assert (retail["name"], retail["ownerName"], retail["isHidden"]) == (
        "retail",
        "anonymous",
        False,
    )
    updated = marquez.create_namespace("retail", "team:data", "The retail pipelines")
    assert (updated["ownerName"], updated["description"]) == ("team:data", "The retail pipelines")
    assert marquez.get_namespace("retail")["ownerName"] == "team:data"


def test_marquez_client_reads_datasets_with_slashes_and_colons(marquez: MarquezClient) -> None:
    listed = marquez.list_datasets(WAREHOUSE)
    assert listed["totalCount"] == 3
    assert [d["name"] for d in listed["datasets"]] == [REVENUE, CLEAN, "shop.raw.orders"]
    landing = marquez.get_dataset("s3://retail-landing", "orders/2024-03-01.csv")
    assert landing["id"] == {"namespace": "s3://retail-landing", "name": "orders/2024-03-01.csv"}
    revenue = marquez.get_dataset(WAREHOUSE, REVENUE)
    assert [(f["name"], f["type"]) for f in revenue["fields"]] == [
        ("order_date", "date"),
        ("revenue", "numeric"),
    ]
    assert revenue["description"] == "Revenue per day, from cleaned orders."
    assert [c["name"] for c in revenue["columnLineage"]] == ["order_date", "revenue"]


def test_marquez_client_reads_dataset_versions(marquez: MarquezClient) -> None:
    versions = marquez.list_dataset_versions(WAREHOUSE, CLEAN)
    assert versions["totalCount"] == 1
    (version,) = versions["versions"]
    assert version["version"] == marquez.get_dataset(WAREHOUSE, CLEAN)["currentVersion"]
    assert version["createdByRun"]["state"] == "COMPLETED"
    again = marquez.get_dataset_version(WAREHOUSE, CLEAN, version["version"])
    assert again == version


def test_marquez_client_reads_jobs_and_runs(marquez: MarquezClient) -> None:
    jobs = marquez.list_jobs("retail")
    assert [j["name"] for j in jobs["jobs"]] == [
        "dashboard.refresh",
        "nightly",
        "orders.clean",
        "orders.ingest",
        "revenue.daily",
        "revenue.export",
    ]
    export = marquez.get_job("retail", "revenue.export")
    assert export["latestRun"]["state"] == "FAILED"
    assert export["parentJobName"] == "nightly"
    runs = marquez.list_job_runs("retail", "revenue.export")["runs"]
    assert [r["id"] for r in runs] == [export["latestRun"]["id"]]
    run = marquez.get_job_run(runs[0]["id"])
    assert run == export["latestRun"]
    assert run["facets"]["errorMessage"]["message"] == "permission denied for bucket s3://exports"


def test_marquez_client_tags_datasets_and_fields(marquez: MarquezClient) -> None:
    assert marquez.create_tag("PII", "Personal data") == {
        "name": "PII",
        "description": "Personal data",
    }
    tagged = marquez.tag_dataset(WAREHOUSE, "shop.raw.orders", "raw")
    assert tagged["tags"] == ["raw"]
    tagged = marquez.tag_dataset_field(WAREHOUSE, "shop.raw.orders", "email", "pii")
    email = next(f for f in tagged["fields"] if f["name"] == "email")
    assert email["tags"] == ["PII"]
    assert {t["name"] for t in marquez.list_tags()["tags"]} == {"PII", "raw"}


def test_marquez_client_reads_column_lineage(marquez: MarquezClient) -> None:
    by_field = marquez.get_column_lineage_by_dataset_field(WAREHOUSE, REVENUE, "revenue")
    ids = [node["id"] for node in by_field["graph"]]
    assert ids == [
        f"datasetField:{WAREHOUSE}:{REVENUE}:revenue",
        f"datasetField:{WAREHOUSE}:{CLEAN}:amount",
        f"datasetField:{WAREHOUSE}:shop.raw.orders:amount",
    ]
    by_dataset = marquez.get_column_lineage_by_dataset(WAREHOUSE, CLEAN, depth=1)
    fields = {n["data"]["field"] for n in by_dataset["graph"] if n["data"]["dataset"] == CLEAN}
    assert fields == {"order_id", "customer_id", "amount", "order_date"}
    by_job = marquez.get_column_lineage_by_job("retail", "revenue.daily", depth=1)
    assert {n["data"]["dataset"] for n in by_job["graph"]} == {CLEAN, REVENUE}


def test_marquez_client_raises_on_unknown_names(marquez: MarquezClient) -> None:
    calls: list[Any] = [
        lambda: marquez.get_namespace("nowhere"),
        lambda: marquez.get_dataset(WAREHOUSE, "shop.nothing"),
        lambda: marquez.get_job("retail", "nothing"),
        lambda: marquez.get_job_run("00000000-0000-4000-8000-000000000000"),
        lambda: marquez.get_dataset_version(WAREHOUSE, CLEAN, "no-such-version"),
    ]
    for call in calls:
        with pytest.raises(APIError):
            call()


def test_marquez_endpoints_the_client_lacks_answer_over_http(live_server: str) -> None:
    # marquez-python 0.50 has no method for job versions or the lineage graph.
    for event in sample_events():
        httpx.post(f"{live_server}/api/v1/lineage", json=event, timeout=10).raise_for_status()
    api = f"{live_server}/api/v1"
    versions = httpx.get(f"{api}/namespaces/retail/jobs/revenue.daily/versions").json()
    assert versions["totalCount"] == 1
    node = f"dataset:{WAREHOUSE}:{CLEAN}"
    graph = httpx.get(f"{api}/lineage", params={"nodeId": node, "depth": 1}).json()["graph"]
    assert [n["id"] for n in graph] == [
        f"dataset:{WAREHOUSE}:{REVENUE}",
        node,
        f"dataset:{WAREHOUSE}:shop.raw.orders",
        "job:retail:orders.clean",
        "job:retail:revenue.daily",
    ]
