"""Every Marquez response has exactly the keys of Marquez's models, checked whole.

The key sets are those of Marquez's service models (``marquez.service.models.Dataset``,
``DatasetVersion``, ``Job``, ``Run``, ``api.models.JobVersion``, ``SearchResult``, ``Tag``)
as Jackson serialises them, and of the documented lineage nodes
(``api/src/test/resources/lineage/node.json`` and ``column_lineage/node.json``).
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from threadline.demo.sample import sample_events

API = "/api/v1"
WAREHOUSE = "postgres%3A%2F%2Fwarehouse%3A5432"
NAMESPACE = {"name", "createdAt", "updatedAt", "ownerName", "description", "isHidden"}
FIELD = {"name", "type", "tags", "description"}
DATASET = {
    "id",
    "type",
    "name",
    "physicalName",
    "createdAt",
    "updatedAt",
    "namespace",
    "sourceName",
    "fields",
    "tags",
    "lastModifiedAt",
    "lastLifecycleState",
    "description",
    "currentVersion",
    "columnLineage",
    "facets",
    "deleted",
}
DATASET_VERSION = {
    "id",
    "type",
    "name",
    "physicalName",
    "createdAt",
    "version",
    "namespace",
    "sourceName",
    "fields",
    "tags",
    "description",
    "lifecycleState",
    "currentSchemaVersion",
    "createdByRun",
    "createdByRunUuid",
    "facets",
}
JOB = {
    "id",
    "type",
    "name",
    "simpleName",
    "parentJobName",
    "parentJobUuid",
    "createdAt",
    "updatedAt",
    "namespace",
    "inputs",
    "outputs",
    "location",
    "description",
    "latestRun",
    "latestRuns",
    "facets",
    "currentVersion",
    "labels",
    "tags",
}
JOB_VERSION = {
    "id",
    "name",
    "version",
    "createdAt",
    "namespace",
    "inputs",
    "outputs",
    "location",
    "latestRun",
    "facets",
}
RUN = {
    "id",
    "createdAt",
    "updatedAt",
    "nominalStartTime",
    "nominalEndTime",
    "state",
    "startedAt",
    "endedAt",
    "durationMs",
    "args",
    "jobVersion",
    "inputDatasetVersions",
    "outputDatasetVersions",
    "facets",
}
ENTITY_ID = {"namespace", "name"}
VERSION_ID = {"namespace", "name", "version"}
IO_VERSION = {"datasetVersionId", "facets"}
COLUMN_LINEAGE = {"name", "inputFields", "transformationDescription", "transformationType"}
COLUMN_INPUT = {"namespace", "dataset", "field", "transformationDescription", "transformationType"}
# lineage/node.json: the node, its edges and its dataset data (a subset of the full Dataset).
NODE = {"id", "type", "data", "inEdges", "outEdges"}
EDGE = {"origin", "destination"}
NODE_JSON_DATASET = {
    "id",
    "type",
    "name",
    "physicalName",
    "createdAt",
    "updatedAt",
    "namespace",
    "sourceName",
    "fields",
    "tags",
    "lastModifiedAt",
    "description",
}
# column_lineage/node.json, with the datasetVersion that Marquez's ColumnLineageNodeData adds.
FIELD_NODE = {
    "namespace",
    "dataset",
    "datasetVersion",
    "field",
    "fieldType",
    "transformationDescription",
    "transformationType",
    "inputFields",
}
FIELD_INPUT = {
    "namespace",
    "dataset",
    "datasetVersion",
    "field",
    "transformationDescription",
    "transformationType",
}
SEARCH_RESULT = {"type", "name", "updatedAt", "namespace", "nodeId"}
TAG = {"name", "description"}


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


def assert_run(run: dict[str, Any]) -> None:
    """Check a run's keys and the keys of everything inside it."""
    assert set(run) == RUN
    assert run["jobVersion"] is None or set(run["jobVersion"]) == VERSION_ID
    for io in run["inputDatasetVersions"] + run["outputDatasetVersions"]:
        assert set(io) == IO_VERSION
        assert set(io["datasetVersionId"]) == VERSION_ID


def assert_dataset(dataset: dict[str, Any]) -> None:
    """Check a dataset's keys, its fields' and its column lineage's."""
    assert set(dataset) == DATASET
    assert set(dataset["id"]) == ENTITY_ID
    assert all(set(field) == FIELD for field in dataset["fields"])
    for column in dataset["columnLineage"] or []:
        assert set(column) == COLUMN_LINEAGE
        assert all(set(item) == COLUMN_INPUT for item in column["inputFields"])


def assert_job(job: dict[str, Any]) -> None:
    """Check a job's keys and its runs'."""
    assert set(job) == JOB
    assert set(job["id"]) == ENTITY_ID
    assert all(set(ds) == ENTITY_ID for ds in job["inputs"] + job["outputs"])
    for run in [job["latestRun"], *job["latestRuns"]]:
        if run is not None:
            assert_run(run)


def test_marquez_namespaces_and_tags_have_marquez_keys(seeded: TestClient) -> None:
    listed = get(seeded, "/namespaces")
    assert set(listed) == {"namespaces"}
    assert all(set(ns) == NAMESPACE for ns in listed["namespaces"])
    assert set(get(seeded, "/namespaces/retail")) == NAMESPACE
    put = seeded.put(f"{API}/tags/PII", json={"description": "personal"})
    assert put.status_code == 200 and set(put.json()) == TAG
    tags = get(seeded, "/tags")
    assert set(tags) == {"tags"} and all(set(t) == TAG for t in tags["tags"])


def test_marquez_datasets_have_marquez_keys(seeded: TestClient) -> None:
    listed = get(seeded, f"/namespaces/{WAREHOUSE}/datasets")
    assert set(listed) == {"datasets", "totalCount"}
    for dataset in listed["datasets"]:
        assert_dataset(dataset)
    one = get(seeded, f"/namespaces/{WAREHOUSE}/datasets/shop.analytics.orders_clean")
    assert_dataset(one)
    assert one["columnLineage"] is not None
    assert (
        get(seeded, "/namespaces/s3%3A%2F%2Fexports/datasets/revenue%2Fdaily.csv")["columnLineage"]
        is None
    )


def test_marquez_dataset_versions_have_marquez_keys(seeded: TestClient) -> None:
    path = f"/namespaces/{WAREHOUSE}/datasets/shop.raw.orders/versions"
    listed = get(seeded, path)
    assert set(listed) == {"versions", "totalCount"}
    for version in listed["versions"]:
        assert set(version) == DATASET_VERSION
        assert set(version["id"]) == VERSION_ID
        assert all(set(field) == FIELD for field in version["fields"])
        assert_run(version["createdByRun"])
    one = get(seeded, f"{path}/{listed['versions'][0]['version']}")
    assert set(one) == DATASET_VERSION


def test_marquez_jobs_and_runs_have_marquez_keys(seeded: TestClient) -> None:
    for path in ("/namespaces/retail/jobs", "/jobs"):
        listed = get(seeded, path)
        assert set(listed) == {"jobs", "totalCount"}
        for job in listed["jobs"]:
            assert_job(job)
    assert_job(get(seeded, "/namespaces/retail/jobs/orders.clean"))
    runs = get(seeded, "/namespaces/retail/jobs/orders.clean/runs")
    assert set(runs) == {"runs", "totalCount"}
    for run in runs["runs"]:
        assert_run(run)
        assert_run(get(seeded, f"/jobs/runs/{run['id']}"))
        assert set(get(seeded, f"/jobs/runs/{run['id']}/facets", type="job")) == {
            "runId",
            "facets",
        }


def test_marquez_job_versions_have_marquez_keys(seeded: TestClient) -> None:
    listed = get(seeded, "/namespaces/retail/jobs/orders.clean/versions")
    assert set(listed) == {"versions", "totalCount"}
    for version in listed["versions"]:
        assert set(version) == JOB_VERSION
        assert set(version["id"]) == VERSION_ID
        assert all(set(ds) == ENTITY_ID for ds in version["inputs"] + version["outputs"])
        assert_run(version["latestRun"])
    one = get(seeded, f"/namespaces/retail/jobs/orders.clean/versions/{version['version']}")
    assert set(one) == JOB_VERSION


def test_marquez_lineage_nodes_have_the_documented_keys(seeded: TestClient) -> None:
    graph = get(seeded, "/lineage", nodeId="job:retail:orders.clean", depth=5)
    assert set(graph) == {"graph"}
    kinds = set()
    for node in graph["graph"]:
        assert set(node) == NODE
        assert all(set(edge) == EDGE for edge in node["inEdges"] + node["outEdges"])
        kinds.add(node["type"])
        if node["type"] == "DATASET":
            assert set(node["data"]) >= NODE_JSON_DATASET
            assert_dataset(node["data"])
        else:
            assert_job(node["data"])
    assert kinds == {"DATASET", "JOB"}


def test_marquez_column_lineage_nodes_have_the_documented_keys(seeded: TestClient) -> None:
    graph = get(
        seeded,
        "/column-lineage",
        nodeId="dataset:postgres://warehouse:5432:shop.analytics.orders_clean",
        withDownstream="true",
    )
    assert set(graph) == {"graph"}
    assert graph["graph"], "the dataset has column lineage"
    for node in graph["graph"]:
        assert set(node) == NODE
        assert node["type"] == "DATASET_FIELD"
        assert set(node["data"]) == FIELD_NODE
        assert all(set(item) == FIELD_INPUT for item in node["data"]["inputFields"])
        assert all(set(edge) == EDGE for edge in node["inEdges"] + node["outEdges"])


def test_marquez_search_results_have_marquez_keys(seeded: TestClient) -> None:
    found = get(seeded, "/search", q="orders")
    assert set(found) == {"totalCount", "results"}
    assert found["results"]
    assert all(set(result) == SEARCH_RESULT for result in found["results"])
