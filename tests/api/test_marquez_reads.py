"""What the Marquez read API answers about the sample pipeline: values, not only shapes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from threadline.demo.sample import sample_events
from threadline.store import Store
from threadline.store.tables import runs

API = "/api/v1"
WAREHOUSE = "postgres%3A%2F%2Fwarehouse%3A5432"
RAW = f"/namespaces/{WAREHOUSE}/datasets/shop.raw.orders"


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    """An API client of a store holding the sample pipeline."""
    for event in sample_events():
        assert client.post(f"{API}/lineage", content=orjson.dumps(event)).status_code == 201
    return client


def get(client: TestClient, path: str, **params: Any) -> Any:
    """GET a Marquez path and return its JSON (asserting 200)."""
    response = client.get(API + path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_marquez_dataset_reports_schema_version_and_sources(seeded: TestClient) -> None:
    raw = get(seeded, RAW)
    assert [f["name"] for f in raw["fields"]] == [
        "order_id",
        "customer_id",
        "amount",
        "ordered_at",
        "email",
    ]
    assert (raw["type"], raw["sourceName"], raw["physicalName"]) == (
        "DB_TABLE",
        "default",
        "shop.raw.orders",
    )
    assert raw["facets"]["ownership"]["owners"] == [{"name": "team:ingestion"}]
    assert raw["columnLineage"] is None
    (version,) = get(seeded, f"{RAW}/versions")["versions"]
    assert raw["currentVersion"] == version["version"]
    assert raw["lastModifiedAt"] == version["createdAt"]
    assert raw["deleted"] is False


def test_marquez_dataset_read_before_any_write_has_no_current_version(seeded: TestClient) -> None:
    landing = get(seeded, "/namespaces/s3%3A%2F%2Fretail-landing/datasets/orders%2F2024-03-01.csv")
    assert (landing["currentVersion"], landing["lastModifiedAt"]) == (None, None)
    versions = get(
        seeded, "/namespaces/s3%3A%2F%2Fretail-landing/datasets/orders%2F2024-03-01.csv/versions"
    )
    assert versions["totalCount"] == 1
    assert versions["versions"][0]["createdByRun"] is None


def test_marquez_run_reports_state_times_args_and_versions(seeded: TestClient) -> None:
    job = get(seeded, "/namespaces/retail/jobs/orders.clean")
    run = job["latestRun"]
    assert run["state"] == "COMPLETED"
    assert (run["startedAt"], run["endedAt"], run["durationMs"]) == (
        "2024-03-01T02:06:00.000000Z",
        "2024-03-01T02:10:00.000000Z",
        240_000,
    )
    dag = get(seeded, "/namespaces/retail/jobs/nightly")["latestRun"]
    assert run["args"] == {"run_id": dag["id"], "name": "nightly", "namespace": "retail"}
    assert run["jobVersion"] == {
        "namespace": "retail",
        "name": "orders.clean",
        "version": job["currentVersion"],
    }
    clean = get(seeded, f"/namespaces/{WAREHOUSE}/datasets/shop.analytics.orders_clean")
    raw = get(seeded, RAW)
    assert [io["datasetVersionId"] for io in run["inputDatasetVersions"]] == [
        {
            "namespace": "postgres://warehouse:5432",
            "name": "shop.raw.orders",
            "version": raw["currentVersion"],
        }
    ]
    assert [io["datasetVersionId"]["version"] for io in run["outputDatasetVersions"]] == [
        clean["currentVersion"]
    ]
    facets = get(seeded, f"/jobs/runs/{run['id']}/facets", type="job")
    assert facets["runId"] == run["id"]
    assert facets["facets"]["sql"]["query"] == "INSERT INTO orders_clean SELECT ..."
    assert set(get(seeded, f"/jobs/runs/{run['id']}/facets")["facets"]) == {"parent"}


def test_marquez_job_reports_parent_io_and_versions(seeded: TestClient) -> None:
    job = get(seeded, "/namespaces/retail/jobs/orders.clean")
    assert (job["parentJobName"], job["type"], job["simpleName"]) == (
        "nightly",
        "BATCH",
        "orders.clean",
    )
    assert job["inputs"] == [{"namespace": "postgres://warehouse:5432", "name": "shop.raw.orders"}]
    assert job["outputs"] == [
        {"namespace": "postgres://warehouse:5432", "name": "shop.analytics.orders_clean"}
    ]
    assert job["location"] == "https://git.example.com/retail/orders.clean.py"
    assert job["latestRuns"] == [job["latestRun"]]
    (version,) = get(seeded, "/namespaces/retail/jobs/orders.clean/versions")["versions"]
    assert version["version"] == job["currentVersion"]
    assert (version["inputs"], version["outputs"]) == (job["inputs"], job["outputs"])
    assert version["latestRun"] == job["latestRun"]
    assert "sql" in version["facets"]


def test_marquez_runs_leave_out_static_declarations(seeded: TestClient, store: Store) -> None:
    refresh = get(seeded, "/namespaces/retail/jobs/dashboard.refresh")
    assert (refresh["latestRun"], refresh["latestRuns"]) == (None, [])
    assert refresh["outputs"] == [{"namespace": "bi://dashboards", "name": "revenue-overview"}]
    assert get(seeded, "/namespaces/retail/jobs/dashboard.refresh/runs") == {
        "runs": [],
        "totalCount": 0,
    }
    (version,) = get(seeded, "/namespaces/retail/jobs/dashboard.refresh/versions")["versions"]
    assert version["latestRun"] is None
    with store.read() as conn:
        pseudo = conn.execute(select(runs.c.uuid).where(runs.c.kind != "run")).scalars().all()
    assert pseudo
    for uuid in pseudo:
        assert seeded.get(f"{API}/jobs/runs/{uuid}").status_code == 404


def test_marquez_jobs_filter_by_last_run_state_and_page(seeded: TestClient) -> None:
    failed = get(seeded, "/jobs", lastRunStates="FAILED")
    assert [j["name"] for j in failed["jobs"]] == ["nightly", "revenue.export"]
    both = seeded.get(
        f"{API}/jobs", params=[("lastRunStates", "FAILED"), ("lastRunStates", "COMPLETED")]
    )
    assert both.json()["totalCount"] == 5
    blank = seeded.get(f"{API}/jobs", params=[("lastRunStates", ""), ("lastRunStates", " ")])
    assert (blank.status_code, blank.json()["totalCount"]) == (200, 6)  # no filter, as absent
    page = get(seeded, "/jobs", limit=2, offset=1)
    assert ([j["name"] for j in page["jobs"]], page["totalCount"]) == (
        ["nightly", "orders.clean"],
        6,
    )
    assert get(seeded, "/jobs", limit=0) == {"jobs": [], "totalCount": 6}


def test_marquez_datasets_page_with_total_count(seeded: TestClient) -> None:
    page = get(seeded, f"/namespaces/{WAREHOUSE}/datasets", limit=1, offset=1)
    assert [d["name"] for d in page["datasets"]] == ["shop.analytics.orders_clean"]
    assert page["totalCount"] == 3


def test_marquez_search_matches_names_columns_and_sql(seeded: TestClient) -> None:
    def names(**params: Any) -> list[tuple[str, str]]:
        return [(r["type"], r["name"]) for r in get(seeded, "/search", **params)["results"]]

    assert names(q="ORDERS_CLEAN", filter="DATASET") == [("DATASET", "shop.analytics.orders_clean")]
    assert names(q="orders_clean", filter="JOB") == [  # their SQL names it
        ("JOB", "orders.clean"),
        ("JOB", "revenue.daily"),
    ]
    assert names(q="raw_orders") == []  # "_" is no wildcard
    assert ("DATASET", "shop.raw.orders") in names(q="email")  # a column name
    assert names(q="group by", filter="job") == [("JOB", "revenue.daily")]  # its SQL
    assert names(q="revenue", filter="JOB") == [("JOB", "revenue.daily"), ("JOB", "revenue.export")]
    assert names(q="revenue", filter="JOB", sort="UPDATE_AT") == [
        ("JOB", "revenue.export"),
        ("JOB", "revenue.daily"),
    ]
    assert len(names(q="e", limit=2)) == 2
    assert names(q="revenue", namespace="s3://exports") == [("DATASET", "revenue/daily.csv")]
    assert names(q="revenue", after="2024-03-02") == []
    result = get(seeded, "/search", q="daily_revenue", filter="DATASET")["results"][0]
    assert result["nodeId"] == "dataset:postgres://warehouse:5432:shop.analytics.daily_revenue"


def test_marquez_lineage_depth_counts_jobs(seeded: TestClient) -> None:
    def ids(depth: int) -> list[str]:
        node = "dataset:postgres://warehouse:5432:shop.analytics.orders_clean"
        return [n["id"] for n in get(seeded, "/lineage", nodeId=node, depth=depth)["graph"]]

    assert ids(0) == ["dataset:postgres://warehouse:5432:shop.analytics.orders_clean"]
    assert ids(1) == [
        "dataset:postgres://warehouse:5432:shop.analytics.daily_revenue",
        "dataset:postgres://warehouse:5432:shop.analytics.orders_clean",
        "dataset:postgres://warehouse:5432:shop.raw.orders",
        "job:retail:orders.clean",
        "job:retail:revenue.daily",
    ]
    everything = ids(20)
    assert "dataset:s3://retail-landing:orders/2024-03-01.csv" in everything
    assert "dataset:bi://dashboards:revenue-overview" in everything
    assert "job:retail:nightly" not in everything  # a parent, not a data dependency


def test_marquez_lineage_edges_follow_the_data(seeded: TestClient) -> None:
    graph = get(seeded, "/lineage", nodeId="job:retail:orders.clean", depth=1)["graph"]
    by_id = {node["id"]: node for node in graph}
    job = by_id["job:retail:orders.clean"]
    assert job["inEdges"] == [
        {"origin": "dataset:postgres://warehouse:5432:shop.raw.orders", "destination": job["id"]}
    ]
    assert job["outEdges"] == [
        {
            "origin": job["id"],
            "destination": "dataset:postgres://warehouse:5432:shop.analytics.orders_clean",
        }
    ]
    assert job["data"]["latestRun"]["state"] == "COMPLETED"


def test_marquez_column_lineage_goes_upstream_and_downstream_on_request(
    seeded: TestClient,
) -> None:
    node = "datasetField:postgres://warehouse:5432:shop.analytics.orders_clean:amount"

    def fields(**params: Any) -> list[str]:
        graph = get(seeded, "/column-lineage", nodeId=node, **params)["graph"]
        return [f"{n['data']['dataset']}:{n['data']['field']}" for n in graph]

    assert fields() == ["shop.analytics.orders_clean:amount", "shop.raw.orders:amount"]
    assert fields(withDownstream="true") == [
        "shop.analytics.daily_revenue:revenue",
        "shop.analytics.orders_clean:amount",
        "shop.raw.orders:amount",
    ]
    assert fields(depth=0) == ["shop.analytics.orders_clean:amount"]
    graph = get(seeded, "/column-lineage", nodeId=node)["graph"]
    amount = graph[0]["data"]
    assert amount["inputFields"] == [
        {
            "namespace": "postgres://warehouse:5432",
            "dataset": "shop.raw.orders",
            "datasetVersion": get(seeded, RAW)["currentVersion"],
            "field": "amount",
            "transformationDescription": None,
            "transformationType": "IDENTITY",
        }
    ]
    assert (amount["fieldType"], amount["transformationType"]) == ("numeric", "IDENTITY")


def test_marquez_put_namespace_and_tag_change_details(seeded: TestClient) -> None:
    put = seeded.put(f"{API}/namespaces/retail", json={"ownerName": "team:data"})
    assert put.status_code == 200, put.text
    assert (put.json()["ownerName"], put.json()["description"]) == ("team:data", None)
    assert seeded.put(f"{API}/tags/PII", json={"description": "one"}).status_code == 200
    assert seeded.put(f"{API}/tags/PII", json={"description": "two"}).json() == {
        "name": "PII",
        "description": "two",
    }
    assert seeded.put(f"{API}/tags/SENSITIVE").json() == {"name": "SENSITIVE", "description": None}
    assert get(seeded, "/tags")["tags"] == [
        {"name": "PII", "description": "two"},
        {"name": "SENSITIVE", "description": None},
    ]


def test_marquez_put_namespace_creates_and_unhides(seeded: TestClient) -> None:
    created = seeded.put(f"{API}/namespaces/fresh", json={"ownerName": "me", "description": "new"})
    assert created.status_code == 200, created.text
    assert (created.json()["name"], created.json()["ownerName"]) == ("fresh", "me")
    assert "fresh" in [n["name"] for n in get(seeded, "/namespaces")["namespaces"]]
    assert seeded.delete(f"{API}/namespaces/retail").status_code == 200
    assert get(seeded, "/namespaces/retail")["isHidden"] is True
    again = seeded.put(f"{API}/namespaces/retail", json={"ownerName": "team:data"})
    assert again.json()["isHidden"] is False


def test_marquez_tags_on_datasets_fields_and_jobs_come_and_go(seeded: TestClient) -> None:
    field_tags = f"{API}{RAW}/fields/email/tags/pii"
    assert seeded.post(field_tags).json()["fields"][4] == {
        "name": "email",
        "type": "text",
        "tags": ["PII"],
        "description": None,
    }
    assert seeded.post(f"{API}{RAW}/tags/raw").json()["tags"] == ["raw"]
    assert seeded.post(f"{API}/namespaces/retail/jobs/orders.clean/tags/critical").json()[
        "tags"
    ] == ["critical"]
    assert get(seeded, "/namespaces/retail/jobs/orders.clean")["tags"] == ["critical"]
    assert seeded.delete(field_tags).json()["fields"][4]["tags"] == []
    assert seeded.delete(f"{API}{RAW}/tags/raw").json()["tags"] == []
    untagged = seeded.delete(f"{API}/namespaces/retail/jobs/orders.clean/tags/critical")
    assert untagged.json()["tags"] == []
