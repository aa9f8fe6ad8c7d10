"""Node references: every reading of a Marquez-style reference, and which one resolves.

``candidates`` lists the ways to split a reference (Marquez's rule first: split at a colon
not followed by ``//`` or a digit); ``resolve`` keeps the first reading that names something
stored. A lineage query rooted at ``dataset:…#version`` runs through the native API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.events import RunState, inp, out, rid, run_event, schema, version
from threadline.errors import InvalidParameter, NotFound
from threadline.refs import NodeRef, candidates, format_ref
from threadline.service import LineageService

PG = "postgres://db.example.com:5432"


def first(text: str) -> NodeRef:
    """Return the most likely reading of a reference."""
    return candidates(text)[0]


# --- candidates: the readings, Marquez's first -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(f"dataset:{PG}:shop.orders", NodeRef("dataset", PG, "shop.orders"), id="port"),
        pytest.param(
            "dataset:kafka://broker:9092:orders-topic",
            NodeRef("dataset", "kafka://broker:9092", "orders-topic"),
            id="kafka",
        ),
        pytest.param(
            "dataset:file:/data/raw/prices.csv",
            NodeRef("dataset", "file", "/data/raw/prices.csv"),
            id="file-path",
        ),
        pytest.param(
            "dataset:file://host:/data/x.csv",
            NodeRef("dataset", "file://host", "/data/x.csv"),
            id="double-slash-then-path",
        ),
        pytest.param(
            "dataset:s3://bucket:path/to/key.parquet",
            NodeRef("dataset", "s3://bucket", "path/to/key.parquet"),
            id="s3",
        ),
        pytest.param("job:retail:orders.clean", NodeRef("job", "retail", "orders.clean"), id="job"),
        pytest.param(
            f"dataset:{PG}:shop.orders#snapshot-17",
            NodeRef("dataset", PG, "shop.orders", version="snapshot-17"),
            id="version",
        ),
        pytest.param(
            f"datasetField:{PG}:shop.orders:amount",
            NodeRef("datasetField", PG, "shop.orders", "amount"),
            id="field-colon-namespace",
        ),
        pytest.param(
            "field:db:t:c", NodeRef("datasetField", "db", "t", "c"), id="field-short-type"
        ),
        pytest.param(
            "run:0190F1B0-6A3E-7C1A-9C35-3A8D7E3F4B21",
            NodeRef("run", run_id="0190f1b0-6a3e-7c1a-9c35-3a8d7e3f4b21"),
            id="run-uppercase",
        ),
    ],
)
def test_candidates_first_reading_follows_marquez(text: str, expected: NodeRef) -> None:
    assert first(text) == expected


def test_candidates_name_starting_with_a_digit_after_a_port_is_a_later_reading() -> None:
    # Marquez's rule cannot split "5432:2024_sales" (a digit follows the colon), so every
    # colon is tried in turn; resolution keeps the reading that exists.
    assert candidates(f"dataset:{PG}:2024_sales") == [
        NodeRef("dataset", "postgres", "//db.example.com:5432:2024_sales"),
        NodeRef("dataset", "postgres://db.example.com", "5432:2024_sales"),
        NodeRef("dataset", PG, "2024_sales"),
    ]


def test_candidates_hash_reads_as_a_version_then_as_part_of_the_name() -> None:
    assert candidates("dataset:db:orders#v2") == [
        NodeRef("dataset", "db", "orders", version="v2"),
        NodeRef("dataset", "db", "orders#v2"),
    ]
    # Only the last '#' can start a version.
    assert candidates("dataset:db:c#-sharp#v2")[0] == NodeRef(
        "dataset", "db", "c#-sharp", version="v2"
    )


def test_candidates_field_of_a_colon_namespace_lists_every_split() -> None:
    readings = candidates("datasetField:postgres://h:5432:t:a:b")
    assert readings[:2] == [
        NodeRef("datasetField", "postgres://h:5432", "t", "a:b"),
        NodeRef("datasetField", "postgres://h:5432", "t:a", "b"),
    ]
    assert NodeRef("datasetField", "postgres://h:5432:t", "a", "b") in readings


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "a node reference must not be empty", id="empty"),
        pytest.param("   ", "a node reference must not be empty", id="blank"),
        pytest.param("orders", "is not a node reference; expected dataset:", id="no-type"),
        pytest.param("table:db:orders", "is not a node reference; expected dataset:", id="type"),
        pytest.param("dataset", "is not a node reference", id="type-only"),
        pytest.param("dataset:db", "lacks a namespace or a name", id="no-name"),
        pytest.param("dataset::orders", "lacks a namespace or a name", id="empty-namespace"),
        pytest.param("dataset:db:", "lacks a namespace or a name", id="empty-name"),
        pytest.param("datasetField:db:orders", "lacks a namespace or a name", id="no-field"),
        pytest.param("run:42", "run references take a UUID", id="run-not-uuid"),
        pytest.param("run:", "run references take a UUID", id="run-empty"),
    ],
)
def test_candidates_malformed_reference_is_refused_saying_why(text: str, message: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        candidates(text)
    assert message in refused.value.message


namespaces = st.one_of(
    st.text(min_size=1, max_size=12),
    st.builds(
        lambda scheme, host, port: f"{scheme}://{host}:{port}",
        st.sampled_from(["postgres", "kafka", "s3", "file"]),
        st.from_regex(r"[a-z][a-z0-9.-]{0,10}", fullmatch=True),
        st.integers(1, 65535),
    ),
)
names = st.text(min_size=1, max_size=16)
versions = st.text(min_size=1, max_size=8).filter(lambda v: "#" not in v)


@given(namespaces, names, st.one_of(st.none(), versions))
def test_candidates_include_the_true_reading_of_any_dataset_reference(
    namespace: str, name: str, ver: str | None
) -> None:
    ref = NodeRef("dataset", namespace, name, version=ver)
    assert ref in candidates(format_ref("dataset", namespace, name, version=ver))


@given(namespaces, names, names)
def test_candidates_include_the_true_reading_of_any_field_reference(
    namespace: str, dataset: str, field: str
) -> None:
    ref = NodeRef("datasetField", namespace, dataset, field)
    assert ref in candidates(format_ref("datasetField", namespace, dataset, field))


ordinary_namespaces = st.one_of(
    st.text(min_size=1, max_size=12).filter(lambda n: ":" not in n and "#" not in n),
    namespaces.filter(lambda n: "://" in n),
)
ordinary_names = st.from_regex(r"[A-Za-z_/][A-Za-z0-9_./-]{0,15}", fullmatch=True).filter(
    lambda n: not n.startswith("//")
)


@given(ordinary_namespaces, ordinary_names)
def test_candidates_first_reading_is_right_for_ordinary_names(namespace: str, name: str) -> None:
    # A namespace without ':' (or scheme://host:port) and a name without ':' or '#' that
    # does not start with a digit or '//': Marquez's split is the only sensible one.
    assert first(format_ref("dataset", namespace, name)) == NodeRef("dataset", namespace, name)


# --- resolve: the first reading that exists ----------------------------------------------------


def complete(minutes: float, job: str, inputs: list[Any], outputs: list[Any]) -> dict[str, Any]:
    """Return a COMPLETE event of a one-event run of ``tests:job``."""
    return run_event(
        RunState.COMPLETE, minutes, run=job, job=("tests", job), inputs=inputs, outputs=outputs
    )


@pytest.fixture
def stored(service: LineageService) -> LineageService:
    """A service over datasets whose names make references ambiguous."""
    events = [
        complete(1, "digits", [inp(PG, "2024_sales")], [out(PG, "a:b", schema=schema("x:y"))]),
        complete(2, "hashes", [inp("db", "c#-sharp")], [out(f"{PG}:a", "b")]),
        complete(3, "versioned", [inp("db", "raw")], [out("db", "sales", version=version("v1"))]),
    ]
    outcome = service.ingest_values(events)
    assert outcome.failed == ()
    return service


@pytest.mark.parametrize(
    ("text", "kind", "canonical"),
    [
        pytest.param(f"dataset:{PG}:2024_sales", "dataset", f"dataset:{PG}:2024_sales", id="digit"),
        pytest.param(f"dataset:{PG}:a:b", "dataset", f"dataset:{PG}:a:b", id="marquez-first"),
        pytest.param("dataset:db:c#-sharp", "dataset", "dataset:db:c#-sharp", id="hash-in-name"),
        pytest.param("dataset:db:sales#v1", "datasetVersion", "dataset:db:sales#v1", id="version"),
        pytest.param(
            f"datasetField:{PG}:a:b:x:y", "datasetField", f"datasetField:{PG}:a:b:x:y", id="field"
        ),
    ],
)
def test_resolve_keeps_the_first_reading_that_exists(
    stored: LineageService, text: str, kind: str, canonical: str
) -> None:
    found = stored.resolve(text)
    assert (found.type, found.ref) == (kind, canonical)


def test_resolve_of_two_datasets_one_text_names_is_marquez_reading(
    stored: LineageService,
) -> None:
    # "postgres://…:5432" holds "a:b" and "postgres://…:5432:a" holds "b": the same text
    # names both, and Marquez's reading wins; the parts name the other exactly.
    text = f"dataset:{PG}:a:b"
    assert stored.resolve(text).id == stored.resolve(NodeRef("dataset", PG, "a:b")).id
    other = stored.resolve(NodeRef("dataset", f"{PG}:a", "b"))
    assert (other.type, other.ref) == ("dataset", text)
    assert other.id != stored.resolve(text).id


def test_resolve_unknown_version_and_unknown_name_answer_not_found(
    stored: LineageService,
) -> None:
    with pytest.raises(NotFound) as missing:
        stored.resolve("dataset:db:sales#v9")
    assert missing.value.message == "no node 'dataset:db:sales#v9'"
    with pytest.raises(NotFound) as near:
        stored.resolve(f"dataset:{PG}:2024_sale")
    assert near.value.to_dict()["suggestions"][0] == f"dataset:{PG}:2024_sales"


# --- through the native API --------------------------------------------------------------------

NATIVE = "/api/threadline/v1"


def lineage(client: TestClient, **params: Any) -> dict[str, Any]:
    """GET the native lineage route; check for 200."""
    response = client.get(f"{NATIVE}/lineage", params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def only_version(client: TestClient, ref: str) -> str:
    """Return the id of the one version a dataset holds."""
    response = client.get(f"{NATIVE}/nodes/{quote(ref, safe=':/')}")
    (found,) = response.json()["versions"]
    return str(found["version"])


def test_native_parts_name_the_dataset_the_text_cannot(client: TestClient) -> None:
    events = [
        complete(1, "left", [], [out(PG, "a:b")]),
        complete(2, "right", [], [out(f"{PG}:a", "b")]),
    ]
    response = client.post("/api/v1/lineage/batch", json=events)
    assert response.json()["summary"]["failed"] == 0
    text = lineage(client, node=f"dataset:{PG}:a:b", direction="upstream")
    parts = lineage(client, type="dataset", namespace=f"{PG}:a", name="b", direction="upstream")
    assert [n["id"] for n in text["nodes"]] == [f"dataset:{PG}:a:b", "job:tests:left"]
    assert [n["id"] for n in parts["nodes"]] == [f"dataset:{PG}:a:b", "job:tests:right"]
    assert [n["namespace"] for n in parts["nodes"]] == [f"{PG}:a", "tests"]


def test_native_lineage_rooted_at_a_version_follows_that_version(client: TestClient) -> None:
    # sales#v1 is written by load-1 and read by report; load-2 then writes sales#v2.
    sales = f"dataset:{PG}:sales"
    events = [
        run_event(
            RunState.COMPLETE,
            minutes,
            run=run,
            job=("tests", "load"),
            inputs=[inp("db", "raw")],
            outputs=[out(PG, "sales", version=version(v))],
        )
        for minutes, run, v in ((1, "load-1", "v1"), (3, "load-2", "v2"))
    ]
    events.insert(1, complete(2, "report", [inp(PG, "sales")], [out("db", "report")]))
    response = client.post("/api/v1/lineage/batch", json=events)
    assert response.json()["summary"]["failed"] == 0
    answer = lineage(client, node=f"{sales}#v1", granularity="version")
    raw = f"dataset:db:raw#{only_version(client, 'dataset:db:raw')}"
    report = f"dataset:db:report#{only_version(client, 'dataset:db:report')}"
    assert [(n["id"], n["type"], n["depth"]) for n in answer["nodes"]] == [
        (f"{sales}#v1", "datasetVersion", 0),
        (f"run:{rid('load-1')}", "run", 1),
        (f"run:{rid('report')}", "run", 1),
        (raw, "datasetVersion", 2),
        (report, "datasetVersion", 2),
    ]
    assert sorted((e["source"], e["target"], e["kind"]) for e in answer["edges"]) == sorted(
        [
            (raw, f"run:{rid('load-1')}", "read"),
            (f"run:{rid('load-1')}", f"{sales}#v1", "wrote"),
            (f"{sales}#v1", f"run:{rid('report')}", "read"),
            (f"run:{rid('report')}", report, "wrote"),
        ]
    )
    assert (answer["root"], answer["granularity"]) == (f"{sales}#v1", "version")
    current = lineage(client, node=sales, granularity="version", direction="upstream")
    assert [n["id"] for n in current["nodes"]][:2] == [f"{sales}#v2", f"run:{rid('load-2')}"]
