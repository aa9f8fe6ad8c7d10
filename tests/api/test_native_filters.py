"""Filters and granularity of path, diff and orphans over HTTP: applied, or refused by name.

Expected answers come from the sample pipeline (``threadline.demo.sample``, described in
``tests/api/test_native.py``) and small histories of real events.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_native import (
    MAIN_LINE,
    NATIVE,
    W,
    _edge_key,
    canonical,
    cleaning_switches_source,
    col,
    custom,
    details,
    edge,
    flow,
    get,
    ingest,
    iso,
    listed,
    ref,
    versions_of,
    when,
)
from tests.events import dataset_event, rid, schema
from threadline.demo.sample import sample_events


@pytest.fixture
def sample(client: TestClient) -> TestClient:
    """An API client of a store holding the sample pipeline."""
    ingest(client, sample_events())
    return client


def refused(client: TestClient, route: str, **params: Any) -> str:
    """GET a native route that must answer 400; return its message."""
    response = client.get(f"{NATIVE}/{route}", params=params)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert (answer["code"], answer["error"]) == (400, "invalid_parameter")
    return str(answer["message"])


# --- path ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["kinds", "namespaces"])
def test_path_refuses_node_filters_naming_the_parameter(sample: TestClient, name: str) -> None:
    message = refused(sample, "path", **{"from": ref("raw"), "to": ref("revenue"), name: "job"})
    assert message.startswith(f"path does not take {name}: "), message


# --- orphans ---------------------------------------------------------------------------------


@pytest.mark.parametrize("granularity", ["column", "version"])
def test_orphans_refuses_a_granularity_other_than_entity(
    sample: TestClient, granularity: str
) -> None:
    message = refused(sample, "orphans", granularity=granularity)
    assert message.startswith(f"orphans does not take granularity {granularity!r}"), message
    assert get(sample, "orphans", granularity="entity") == get(sample, "orphans")


def test_orphans_kinds_filter_keeps_datasets_of_those_kinds(sample: TestClient) -> None:
    ingest(sample, [dataset_event(200, "db", "lonely"), dataset_event(201, "mlflow", "old_model")])
    ingest(sample, [dataset_event(202, "mlflow", "old_model", threadline_model=custom("m"))])
    model = {**listed("dataset:mlflow:old_model"), "kind": "model"}
    assert get(sample, "orphans", kinds="model") == {
        "asOf": None,
        "unwritten": [],
        "unread": [],
        "isolated": [model],
        "truncated": False,
        "truncatedReason": None,
    }
    everything = get(sample, "orphans", kinds="dataset")
    assert everything == get(sample, "orphans")
    assert everything["isolated"] == [listed("dataset:db:lonely"), model]


def test_orphans_limit_sets_truncated_with_reason_limit(sample: TestClient) -> None:
    limited = get(sample, "orphans", limit=1)
    assert (len(limited["unread"]), limited["truncated"], limited["truncatedReason"]) == (
        1,
        True,
        "limit",
    )


# --- diff ------------------------------------------------------------------------------------

WINDOW = {"since": when("02:30"), "until": when("03:30")}
RETIRED_COLUMNS = [
    col("raw.amount", "clean.amount"),
    col("raw.customer_id", "clean.customer_id"),
    col("raw.order_id", "clean.order_id"),
    col("raw.ordered_at", "clean.order_date"),
]
ADDED = [edge(f"dataset:{W}:shop.raw.orders_v2", "cleaning", "input")]


@pytest.fixture
def switched(sample: TestClient) -> TestClient:
    """The sample, then orders.clean switching to raw.orders_v2 at 03:00 with a new schema."""
    ingest(sample, cleaning_switches_source())
    return sample


def diff_answer(**lists: Any) -> dict[str, Any]:
    """Return a whole, untruncated diff answer of the switch window; lists not given are empty."""
    empty = ("edgesAdded", "edgesRetired", "versionsCreated", "fieldsAdded", "fieldsRemoved")
    return {
        "since": iso("02:30"),
        "until": iso("03:30"),
        "root": None,
        **{key: lists.get(key, []) for key in empty},
        "truncated": False,
        "truncatedReason": None,
    }


def clean_version(client: TestClient) -> dict[str, Any]:
    """Return the version of orders_clean the 03:00 run created, as the diff lists it."""
    (found,) = [
        v
        for v in details(client, "clean")["versions"]
        if v["createdByRun"] == f"run:{rid('clean-2')}"
    ]
    return {"dataset": ref("clean"), "version": found["version"], "createdAt": iso("03:00")}


def test_diff_granularity_entity_compares_only_dataset_and_job_edges(
    switched: TestClient,
) -> None:
    answer = get(switched, "diff", **WINDOW, granularity="entity")
    assert canonical(answer) == diff_answer(edgesAdded=ADDED, edgesRetired=[MAIN_LINE[0]])


def test_diff_granularity_column_compares_column_edges_and_schema_fields(
    switched: TestClient,
) -> None:
    answer = get(switched, "diff", **WINDOW, granularity="column")
    assert canonical(answer) == diff_answer(
        edgesRetired=sorted(RETIRED_COLUMNS, key=_edge_key),
        fieldsAdded=[{"dataset": ref("clean"), "field": "currency", "type": "text"}],
        fieldsRemoved=[{"dataset": ref("clean"), "field": "customer_id", "type": "bigint"}],
    )


def test_diff_granularity_version_lists_only_versions_created(switched: TestClient) -> None:
    answer = get(switched, "diff", **WINDOW, granularity="version")
    assert answer == diff_answer(versionsCreated=[clean_version(switched)])


def test_diff_without_granularity_compares_every_level(switched: TestClient) -> None:
    levels = [get(switched, "diff", **WINDOW, granularity=g) for g in ("entity", "column")]
    versions = get(switched, "diff", **WINDOW, granularity="version")["versionsCreated"]
    whole = canonical(get(switched, "diff", **WINDOW))
    edges_retired = sorted(levels[0]["edgesRetired"] + levels[1]["edgesRetired"], key=_edge_key)
    assert whole == {
        **canonical(levels[1]),
        "edgesAdded": levels[0]["edgesAdded"],
        "edgesRetired": edges_retired,
        "versionsCreated": versions,
    }


def test_diff_namespaces_filter_keeps_changes_touching_those_namespaces(
    sample: TestClient,
) -> None:
    window = {"since": when("02:12"), "until": when("02:30")}
    answer = get(sample, "diff", **window, namespaces="s3://exports")
    export = {"dataset": ref("export"), "version": versions_of(sample, "export")}
    assert canonical(answer) == {
        "since": iso("02:12"),
        "until": iso("02:30"),
        "root": None,
        "edgesAdded": flow("exporting", "export"),
        "edgesRetired": [],
        "versionsCreated": [{**export, "createdAt": iso("02:16")}],
        "fieldsAdded": [],
        "fieldsRemoved": [],
        "truncated": False,
        "truncatedReason": None,
    }


def test_diff_kinds_filter_keeps_changes_touching_those_kinds(client: TestClient) -> None:
    ingest(
        client,
        [
            dataset_event(10, "db", "table", schema=schema("a")),
            dataset_event(11, "mlflow", "model", threadline_model=custom("m"), schema=schema("a")),
            dataset_event(20, "db", "table", schema=schema("b")),
            dataset_event(21, "mlflow", "model", threadline_model=custom("m"), schema=schema("b")),
        ],
    )
    answer = get(client, "diff", since="2024-03-01T00:15:00Z", kinds="model")
    assert (answer["fieldsAdded"], answer["fieldsRemoved"]) == (
        [{"dataset": "dataset:mlflow:model", "field": "b", "type": "string"}],
        [{"dataset": "dataset:mlflow:model", "field": "a", "type": "string"}],
    )


def test_diff_field_lists_cut_at_the_limit_are_truncated(client: TestClient) -> None:
    ingest(
        client,
        [
            dataset_event(10, "db", "t", schema=schema("a", "b", "c")),
            dataset_event(20, "db", "t", schema=schema("d", "e", "f")),
        ],
    )
    since = "2024-03-01T00:15:00Z"
    answer = get(client, "diff", since=since, granularity="column", limit=2)
    added = [{"dataset": "dataset:db:t", "field": f, "type": "string"} for f in "de"]
    removed = [{"dataset": "dataset:db:t", "field": f, "type": "string"} for f in "ab"]
    assert (answer["fieldsAdded"], answer["fieldsRemoved"]) == (added, removed)
    assert (answer["truncated"], answer["truncatedReason"]) == (True, "limit")
    whole = get(client, "diff", since=since, granularity="column", limit=3)
    assert (len(whole["fieldsAdded"]), whole["truncated"]) == (3, False)


def test_diff_versions_cut_at_the_limit_are_truncated(sample: TestClient) -> None:
    window = {"since": when("02:12"), "until": when("02:30"), "granularity": "version"}
    cut = get(sample, "diff", **window, limit=1)
    assert (len(cut["versionsCreated"]), cut["truncated"], cut["truncatedReason"]) == (
        1,
        True,
        "limit",
    )
    exact = get(sample, "diff", **window, limit=2)
    assert (len(exact["versionsCreated"]), exact["truncated"]) == (2, False)


def test_diff_refuses_as_of_and_an_unknown_granularity(sample: TestClient) -> None:
    as_of = refused(sample, "diff", since=when("02:12"), as_of=when("02:20"))
    assert as_of.startswith("diff does not take as_of"), as_of
    bad = refused(sample, "diff", since=when("02:12"), granularity="table")
    assert bad == "granularity must be one of entity, version, column; got 'table'"
