"""The native lineage API under ``/api/threadline/v1`` over HTTP, on SQLite and PostgreSQL.

Expected answers are worked out by hand from the sample retail pipeline
(``threadline.demo.sample``): landing csv -> orders.ingest -> raw.orders -> orders.clean ->
orders_clean -> revenue.daily -> daily_revenue -> revenue.export (failed) -> exports csv, and
daily_revenue -> dashboard.refresh (a static JobEvent) -> revenue-overview. Every task runs
at 02:MM on 2024-03-01 (START at its minute, COMPLETE or FAIL four minutes later). Events are
sent through the HTTP API, so the server's own index learns of them at once.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any
from urllib.parse import quote

import orjson
import pytest
from fastapi.testclient import TestClient
from openlineage.client.facet_v2 import ownership_dataset, ownership_job

from tests.events import (
    PRODUCER,
    RunState,
    dataset_event,
    inp,
    out,
    rid,
    run_event,
    schema,
    version,
)
from threadline.demo.sample import sample_events

NATIVE = "/api/threadline/v1"
BATCH = "/api/v1/lineage/batch"
W = "postgres://warehouse:5432"
DAY = "2024-03-01"

# The sample's nodes by a short name: (type, namespace, name).
SAMPLE = {
    "landing": ("dataset", "s3://retail-landing", "orders/2024-03-01.csv"),
    "raw": ("dataset", W, "shop.raw.orders"),
    "clean": ("dataset", W, "shop.analytics.orders_clean"),
    "revenue": ("dataset", W, "shop.analytics.daily_revenue"),
    "export": ("dataset", "s3://exports", "revenue/daily.csv"),
    "dashboard": ("dataset", "bi://dashboards", "revenue-overview"),
    "ingest": ("job", "retail", "orders.ingest"),
    "cleaning": ("job", "retail", "orders.clean"),
    "daily": ("job", "retail", "revenue.daily"),
    "exporting": ("job", "retail", "revenue.export"),
    "refresh": ("job", "retail", "dashboard.refresh"),
}


def ref(short: str) -> str:
    """Return the reference of a sample node (any other text is returned as it is)."""
    if short not in SAMPLE:
        return short
    kind, namespace, name = SAMPLE[short]
    return f"{kind}:{namespace}:{name}"


def fref(short: str, path: str) -> str:
    """Return the reference of a field of a sample dataset."""
    _kind, namespace, name = SAMPLE[short]
    return f"datasetField:{namespace}:{name}:{path}"


def entity(kind: str, namespace: str, name: str, depth: int, semantic: str) -> dict[str, Any]:
    """Return a dataset or job node as a lineage answer lists it."""
    return {
        "id": f"{kind}:{namespace}:{name}",
        "type": kind,
        "kind": semantic,
        "depth": depth,
        "namespace": namespace,
        "name": name,
    }


def node(short: str, depth: int) -> dict[str, Any]:
    """Return a sample node at a depth."""
    kind, namespace, name = SAMPLE[short]
    return entity(kind, namespace, name, depth, kind)


def ds(namespace: str, name: str, depth: int, kind: str = "dataset") -> dict[str, Any]:
    """Return a dataset node of any namespace."""
    return entity("dataset", namespace, name, depth, kind)


def job(namespace: str, name: str, depth: int) -> dict[str, Any]:
    """Return a job node of any namespace."""
    return entity("job", namespace, name, depth, "job")


def field(short: str, path: str, field_type: str, depth: int) -> dict[str, Any]:
    """Return a field node of a sample dataset (its kind is the field's type)."""
    _kind, namespace, name = SAMPLE[short]
    return {
        "id": fref(short, path),
        "type": "datasetField",
        "kind": field_type,
        "depth": depth,
        "namespace": namespace,
        "name": name,
        "field": path,
    }


def edge(source: str, target: str, kind: str) -> dict[str, str]:
    """Return an edge between two references (or sample short names)."""
    return {"source": ref(source), "target": ref(target), "kind": kind}


def flow(*steps: str) -> list[dict[str, str]]:
    """Return the edges along a data-flow chain: dataset -> job is input, job -> dataset output."""
    return [
        edge(a, b, "input" if ref(a).startswith("dataset:") else "output")
        for a, b in pairwise(steps)
    ]


def col(source: str, target: str) -> dict[str, str]:
    """Return a column edge between ``short.field`` names of sample datasets."""
    return edge(fref(*source.split(".", 1)), fref(*target.split(".", 1)), "column")


def _edge_key(e: dict[str, str]) -> tuple[str, str, str]:
    return e["source"], e["target"], e["kind"]


def graph(
    root: str,
    direction: str,
    nodes: list[dict[str, Any]],
    edges: list[dict[str, str]],
    *,
    granularity: str = "entity",
    as_of: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Return a whole expected lineage answer (edges in the canonical order)."""
    return {
        "root": ref(root),
        "direction": direction,
        "granularity": granularity,
        "asOf": as_of,
        "nodes": nodes,
        "edges": sorted(edges, key=_edge_key),
        "truncated": reason is not None,
        "truncatedReason": reason,
    }


def canonical(answer: dict[str, Any]) -> dict[str, Any]:
    """Return an answer with its edge lists sorted (their order is not part of the contract)."""
    lists = ("edges", "edgesAdded", "edgesRetired")
    return {k: sorted(v, key=_edge_key) if k in lists else v for k, v in answer.items()}


def iso(hh_mm: str) -> str:
    """Return a time on the sample's day as the API writes it."""
    return f"{DAY}T{hh_mm}:00.000000Z"


def when(hh_mm: str) -> str:
    """Return a time on the sample's day as a query parameter."""
    return f"{DAY}T{hh_mm}:00Z"


def ingest(client: TestClient, events: list[dict[str, Any]]) -> None:
    """Send events as one batch and check that every one was accepted."""
    response = client.post(BATCH, content=orjson.dumps(events))
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["failed"] == 0, response.text


def get(client: TestClient, route: str, **params: Any) -> dict[str, Any]:
    """GET a native route, check for 200 and return the JSON answer."""
    response = client.get(f"{NATIVE}/{route}", params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def details(client: TestClient, reference: str) -> dict[str, Any]:
    """GET ``nodes/{ref}`` (``#`` percent-encoded) and return the JSON answer."""
    return get(client, f"nodes/{quote(ref(reference), safe=':/')}")


def versions_of(client: TestClient, short: str) -> str:
    """Return the version id of a sample dataset that holds exactly one version."""
    (only,) = details(client, short)["versions"]
    return str(only["version"])


def run_of(job_name: str) -> str:
    """Return the run id the sample gives a job's (only) run."""
    events = sample_events()
    (run_id,) = {e["run"]["runId"] for e in events if e.get("job", {}).get("name") == job_name}
    return str(run_id)


def complete(
    minutes: float,
    name: str,
    inputs: list[Any],
    outputs: list[Any],
    *,
    namespace: str = "tests",
    job_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a COMPLETE event of a one-event run of job ``namespace:name``."""
    return run_event(
        RunState.COMPLETE,
        minutes,
        run=name,
        job=(namespace, name),
        inputs=inputs,
        outputs=outputs,
        job_facets=job_facets,
    )


@pytest.fixture
def sample(client: TestClient) -> TestClient:
    """An API client of a store holding the sample pipeline."""
    ingest(client, sample_events())
    return client


# --- lineage: entity level -----------------------------------------------------------------------

DOWNSTREAM_OF_RAW = [
    node("raw", 0),
    node("cleaning", 1),
    node("clean", 2),
    node("daily", 3),
    node("revenue", 4),
    node("refresh", 5),
    node("exporting", 5),
    node("dashboard", 6),
    node("export", 6),
]
MAIN_LINE = flow("raw", "cleaning", "clean", "daily", "revenue")
DOWNSTREAM_EDGES = [
    *MAIN_LINE,
    *flow("revenue", "exporting", "export"),
    *flow("revenue", "refresh", "dashboard"),
]
UPSTREAM_EDGES = flow("landing", "ingest", "raw")
UPSTREAM_OF_RAW = [node("raw", 0), node("ingest", 1), node("landing", 2)]


def test_lineage_downstream_reaches_every_consumer(sample: TestClient) -> None:
    answer = get(sample, "lineage", node=ref("raw"), direction="downstream")
    assert canonical(answer) == graph("raw", "downstream", DOWNSTREAM_OF_RAW, DOWNSTREAM_EDGES)


def test_lineage_upstream_reaches_the_sources(sample: TestClient) -> None:
    answer = get(sample, "lineage", node=ref("revenue"), direction="upstream")
    nodes = [node(s, d) for d, s in enumerate(("revenue", "daily", "clean", "cleaning", "raw"))]
    expected = graph(
        "revenue",
        "upstream",
        [*nodes, node("ingest", 5), node("landing", 6)],
        [*MAIN_LINE, *UPSTREAM_EDGES],
    )
    assert canonical(answer) == expected


def test_lineage_both_joins_upstream_and_downstream(sample: TestClient) -> None:
    answer = get(sample, "lineage", node=ref("raw"))
    nodes = [node("raw", 0), node("cleaning", 1), node("ingest", 1)]
    nodes += [node("clean", 2), node("landing", 2), *DOWNSTREAM_OF_RAW[3:]]
    expected = graph("raw", "both", nodes, [*DOWNSTREAM_EDGES, *UPSTREAM_EDGES])
    assert canonical(answer) == expected


def test_lineage_depth_counts_edges(sample: TestClient) -> None:
    two = get(sample, "lineage", node=ref("raw"), direction="downstream", depth=2)
    assert canonical(two) == graph("raw", "downstream", DOWNSTREAM_OF_RAW[:3], MAIN_LINE[:2])
    zero = get(sample, "lineage", node=ref("raw"), depth=0)
    assert zero == graph("raw", "both", [node("raw", 0)], [])
    deepest = get(sample, "lineage", node=ref("raw"), direction="downstream", depth=1000)
    assert canonical(deepest) == graph("raw", "downstream", DOWNSTREAM_OF_RAW, DOWNSTREAM_EDGES)


def test_lineage_from_a_job_starts_at_the_job(sample: TestClient) -> None:
    answer = get(sample, "lineage", node=ref("daily"), direction="downstream")
    nodes = [node("daily", 0), *[{**n, "depth": n["depth"] - 3} for n in DOWNSTREAM_OF_RAW[4:]]]
    expected = graph("daily", "downstream", nodes, DOWNSTREAM_EDGES[3:])
    assert canonical(answer) == expected


def test_lineage_node_given_as_parts_equals_node_given_whole(sample: TestClient) -> None:
    whole = get(sample, "lineage", node=ref("raw"), direction="upstream")
    parts = get(
        sample,
        "lineage",
        type="dataset",
        namespace=W,
        name="shop.raw.orders",
        direction="upstream",
    )
    assert parts == whole
    assert canonical(parts) == graph("raw", "upstream", UPSTREAM_OF_RAW, UPSTREAM_EDGES)
    job_parts = get(sample, "lineage", type="job", namespace="retail", name="orders.ingest")
    assert job_parts == get(sample, "lineage", node=ref("ingest"))


# --- lineage: column and version level -----------------------------------------------------------


def test_lineage_column_granularity_follows_column_lineage(sample: TestClient) -> None:
    answer = get(sample, "lineage", node=ref("revenue"), direction="upstream", granularity="column")
    expected = graph(
        "revenue",
        "upstream",
        [
            node("revenue", 0),
            field("revenue", "order_date", "date", 0),
            field("revenue", "revenue", "numeric", 0),
            field("clean", "amount", "numeric", 1),
            field("clean", "order_date", "date", 1),
            field("raw", "amount", "numeric", 2),
            field("raw", "ordered_at", "timestamp", 2),
        ],
        [
            col("raw.amount", "clean.amount"),
            col("raw.ordered_at", "clean.order_date"),
            col("clean.amount", "revenue.revenue"),
            col("clean.order_date", "revenue.order_date"),
        ],
        granularity="column",
    )
    assert canonical(answer) == expected


def test_lineage_column_granularity_from_a_field_given_as_parts(sample: TestClient) -> None:
    answer = get(
        sample,
        "lineage",
        type="datasetField",
        namespace=W,
        name="shop.raw.orders",
        field="amount",
        direction="downstream",
        granularity="column",
    )
    expected = graph(
        fref("raw", "amount"),
        "downstream",
        [
            field("raw", "amount", "numeric", 0),
            field("clean", "amount", "numeric", 1),
            field("revenue", "revenue", "numeric", 2),
        ],
        [col("raw.amount", "clean.amount"), col("clean.amount", "revenue.revenue")],
        granularity="column",
    )
    assert canonical(answer) == expected


def test_lineage_column_granularity_refuses_a_job(sample: TestClient) -> None:
    response = sample.get(
        f"{NATIVE}/lineage", params={"node": ref("daily"), "granularity": "column"}
    )
    assert response.status_code == 400
    assert "column lineage starts from a dataset or a dataset field" in response.json()["message"]


def version_node(short: str, version_id: str, depth: int) -> dict[str, Any]:
    """Return a version of a sample dataset as a version-level answer lists it."""
    return {
        **node(short, depth),
        "id": f"{ref(short)}#{version_id}",
        "type": "datasetVersion",
        "version": version_id,
    }


def run_node(short: str, depth: int, state: str) -> dict[str, Any]:
    """Return the sample run of a job as a version-level answer lists it."""
    _kind, _namespace, name = SAMPLE[short]
    return {**node(short, depth), "id": f"run:{run_of(name)}", "type": "run", "state": state}


def test_lineage_version_granularity_alternates_versions_and_runs(sample: TestClient) -> None:
    # Each dataset holds one version: the one its producing run made (the landing file's is
    # the implicit version of a dataset read before any recorded write).
    v = {s: versions_of(sample, s) for s in ("landing", "raw", "clean", "revenue", "export")}
    answer = get(sample, "lineage", node=ref("revenue"), granularity="version")
    runs = {
        "daily": run_node("daily", 1, "COMPLETE"),
        "exporting": run_node("exporting", 1, "FAIL"),
        "cleaning": run_node("cleaning", 3, "COMPLETE"),
        "ingest": run_node("ingest", 5, "COMPLETE"),
    }
    ids = {s: f"{ref(s)}#{found}" for s, found in v.items()} | {
        s: run["id"] for s, run in runs.items()
    }
    chain = ("landing", "ingest", "raw", "cleaning", "clean", "daily", "revenue", "exporting")
    chain += ("export",)
    edges = [edge(ids[a], ids[b], "read" if a in v else "wrote") for a, b in pairwise(chain)]
    expected = graph(
        "revenue",  # the root is the node asked about; its current version is at depth 0
        "both",
        [
            version_node("revenue", v["revenue"], 0),
            runs["daily"],
            runs["exporting"],
            version_node("clean", v["clean"], 2),
            version_node("export", v["export"], 2),
            runs["cleaning"],
            version_node("raw", v["raw"], 4),
            runs["ingest"],
            version_node("landing", v["landing"], 6),
        ],
        edges,
        granularity="version",
    )
    assert canonical(answer) == expected


def test_lineage_version_granularity_from_a_run(sample: TestClient) -> None:
    run = f"run:{run_of('revenue.export')}"
    answer = get(sample, "lineage", node=run, granularity="version", direction="downstream")
    export = versions_of(sample, "export")
    expected = graph(
        run,
        "downstream",
        [run_node("exporting", 0, "FAIL"), version_node("export", export, 1)],
        [edge(run, f"{ref('export')}#{export}", "wrote")],
        granularity="version",
    )
    assert canonical(answer) == expected


# --- lineage: filters and limits -----------------------------------------------------------------


def test_lineage_kinds_filter_keeps_the_reach(sample: TestClient) -> None:
    answer = get(sample, "lineage", node=ref("raw"), kinds="job")
    nodes = [node("raw", 0), node("cleaning", 1), node("ingest", 1), node("daily", 3)]
    nodes += [node("refresh", 5), node("exporting", 5)]
    expected = graph("raw", "both", nodes, [MAIN_LINE[0], UPSTREAM_EDGES[1]])
    assert canonical(answer) == expected


def test_lineage_namespaces_filter_repeated_or_comma_separated(sample: TestClient) -> None:
    expected = graph("raw", "both", [node("raw", 0), node("dashboard", 6), node("export", 6)], [])
    comma = get(sample, "lineage", node=ref("raw"), namespaces="s3://exports,bi://dashboards")
    assert comma == expected
    params = [("node", ref("raw")), ("namespaces", "s3://exports")]
    repeated = sample.get(f"{NATIVE}/lineage", params=[*params, ("namespaces", "bi://dashboards")])
    assert repeated.status_code == 200
    assert repeated.json() == expected


def test_lineage_limit_truncates_to_exactly_limit_nodes(sample: TestClient) -> None:
    answer = get(sample, "lineage", node=ref("raw"), direction="downstream", limit=3)
    assert canonical(answer) == graph(
        "raw", "downstream", DOWNSTREAM_OF_RAW[:3], MAIN_LINE[:2], reason="limit"
    )
    both = get(sample, "lineage", node=ref("raw"), limit=4)
    assert (len(both["nodes"]), both["truncated"], both["truncatedReason"]) == (4, True, "limit")


def test_lineage_limit_equal_to_the_reach_is_not_truncated(sample: TestClient) -> None:
    answer = get(sample, "lineage", node=ref("raw"), direction="upstream", limit=3)
    assert canonical(answer) == graph("raw", "upstream", UPSTREAM_OF_RAW, UPSTREAM_EDGES)


# --- lineage: time travel ------------------------------------------------------------------------


def cleaning_switches_source() -> list[dict[str, Any]]:
    """Return orders.clean's run at 03:00 (COMPLETE 03:04): it reads raw.orders_v2 instead."""
    source = [inp(W, "shop.raw.orders_v2")]
    new_schema = schema(
        ("order_id", "bigint"), ("amount", "numeric"), ("order_date", "date"), ("currency", "text")
    )
    return [
        run_event(
            state,
            minutes,
            run="clean-2",
            job=("retail", "orders.clean"),
            inputs=source,
            outputs=[out(W, "shop.analytics.orders_clean", **facets)],
        )
        for state, minutes, facets in (
            (RunState.START, 180, {}),
            (RunState.COMPLETE, 184, {"schema": new_schema}),
        )
    ]


def test_lineage_as_of_answers_with_the_graph_of_that_time(sample: TestClient) -> None:
    ingest(sample, cleaning_switches_source())
    v2 = ds(W, "shop.raw.orders_v2", 2)
    old_nodes = [
        node(s, d) for d, s in enumerate(("clean", "cleaning", "raw", "ingest", "landing"))
    ]
    old_edges = [*MAIN_LINE[:2], *UPSTREAM_EDGES]
    upstream = {"node": ref("clean"), "direction": "upstream"}
    before = get(sample, "lineage", **upstream, as_of=when("02:30"))
    assert canonical(before) == graph("clean", "upstream", old_nodes, old_edges, as_of=iso("02:30"))
    # Between the new run's START (03:00) and its COMPLETE (03:04) it has read both.
    during = get(sample, "lineage", **upstream, as_of=when("03:02"))
    assert canonical(during) == graph(
        "clean",
        "upstream",
        [*old_nodes[:3], v2, *old_nodes[3:]],
        [*old_edges, edge(v2["id"], "cleaning", "input")],
        as_of=iso("03:02"),
    )
    now = get(sample, "lineage", **upstream)
    assert canonical(now) == graph(
        "clean", "upstream", [*old_nodes[:2], v2], flow(v2["id"], "cleaning", "clean")
    )
    downstream = {"node": ref("raw"), "direction": "downstream"}
    assert get(sample, "lineage", **downstream) == graph("raw", "downstream", [node("raw", 0)], [])
    then = get(sample, "lineage", **downstream, as_of=when("02:30"))
    assert canonical(then) == graph(
        "raw", "downstream", DOWNSTREAM_OF_RAW, DOWNSTREAM_EDGES, as_of=iso("02:30")
    )


def test_lineage_as_of_early_in_the_run_sees_only_what_was_listed(sample: TestClient) -> None:
    # At 02:03 orders.ingest has started; nothing reads raw.orders yet.
    early = get(sample, "lineage", node=ref("raw"), as_of=when("02:03"))
    assert canonical(early) == graph(
        "raw", "both", UPSTREAM_OF_RAW, UPSTREAM_EDGES, as_of=iso("02:03")
    )
    # A node exists from the first event naming it: daily_revenue from 02:11 on.
    at_birth = get(sample, "lineage", node=ref("revenue"), depth=1, as_of=when("02:11"))
    assert canonical(at_birth) == graph(
        "revenue",
        "both",
        [node("revenue", 0), node("daily", 1)],
        [MAIN_LINE[3]],
        as_of=iso("02:11"),
    )


def test_lineage_column_as_of_equals_replaying_the_events_until_then(sample: TestClient) -> None:
    expected = graph(
        "clean",
        "upstream",
        [
            node("clean", 0),
            field("clean", "amount", "numeric", 0),
            field("clean", "customer_id", "bigint", 0),
            field("clean", "order_date", "date", 0),
            field("clean", "order_id", "bigint", 0),
            field("raw", "amount", "numeric", 1),
            field("raw", "customer_id", "bigint", 1),
            field("raw", "order_id", "bigint", 1),
            field("raw", "ordered_at", "timestamp", 1),
        ],
        [
            col("raw.amount", "clean.amount"),
            col("raw.customer_id", "clean.customer_id"),
            col("raw.order_id", "clean.order_id"),
            col("raw.ordered_at", "clean.order_date"),
        ],
        granularity="column",
        as_of=iso("02:30"),
    )
    params = {"direction": "upstream", "granularity": "column", "as_of": when("02:30")}
    assert canonical(get(sample, "lineage", node=ref("clean"), **params)) == expected
    # Events after 02:30 (a new run adds the field currency) must not change the answer.
    ingest(sample, cleaning_switches_source())
    assert canonical(get(sample, "lineage", node=ref("clean"), **params)) == expected


# --- path ----------------------------------------------------------------------------------------


def path_answer(
    source: str,
    target: str,
    direction: str | None = None,
    nodes: list[dict[str, Any]] | None = None,
    edges: list[dict[str, str]] | None = None,
    count: int = 0,
) -> dict[str, Any]:
    """Return a whole expected path answer (not found unless nodes are given)."""
    return {
        "source": ref(source),
        "target": ref(target),
        "found": bool(nodes),
        "direction": direction,
        "nodes": nodes or [],
        "edges": edges or [],
        "pathCount": count,
        "pathCountCapped": False,
        "truncated": False,
        "truncatedReason": None,
    }


def test_path_found_downstream(sample: TestClient) -> None:
    answer = get(sample, "path", **{"from": ref("raw"), "to": ref("revenue")})
    assert answer == path_answer(
        "raw", "revenue", "downstream", DOWNSTREAM_OF_RAW[:5], MAIN_LINE, 1
    )


def test_path_found_upstream_when_given_reversed(sample: TestClient) -> None:
    answer = get(sample, "path", **{"from": ref("revenue"), "to": ref("raw")})
    chain = [node(s, d) for d, s in enumerate(("revenue", "daily", "clean", "cleaning", "raw"))]
    assert answer == path_answer("revenue", "raw", "upstream", chain, MAIN_LINE[::-1], 1)
    one_way = {"from": ref("revenue"), "to": ref("raw"), "direction": "downstream"}
    assert get(sample, "path", **one_way) == path_answer("revenue", "raw")


def diamond() -> list[dict[str, Any]]:
    """Return a -> left -> b, a -> right -> c, b + c -> join -> d; island -> lone -> shore."""
    return [
        complete(1, "left", [inp("db", "a")], [out("db", "b")]),
        complete(2, "right", [inp("db", "a")], [out("db", "c")]),
        complete(3, "join", [inp("db", "b"), inp("db", "c")], [out("db", "d")]),
        complete(4, "lone", [inp("db", "island")], [out("db", "shore")]),
    ]


def test_path_counts_both_branches_of_a_diamond(client: TestClient) -> None:
    ingest(client, diamond())
    answer = get(client, "path", **{"from": "dataset:db:a", "to": "dataset:db:d"})
    branches = []
    for side, middle in (("left", "b"), ("right", "c")):
        nodes = [ds("db", "a", 0), job("tests", side, 1), ds("db", middle, 2)]
        nodes += [job("tests", "join", 3), ds("db", "d", 4)]
        steps = ("dataset:db:a", f"job:tests:{side}", f"dataset:db:{middle}", "job:tests:join")
        edges = flow(*steps, "dataset:db:d")
        branches.append(path_answer("dataset:db:a", "dataset:db:d", "downstream", nodes, edges, 2))
    assert answer in branches
    back = get(client, "path", **{"from": "dataset:db:d", "to": "dataset:db:a"})
    assert (back["found"], back["direction"], back["pathCount"]) == (True, "upstream", 2)


def test_path_between_unconnected_nodes_is_not_found(client: TestClient) -> None:
    ingest(client, diamond())
    answer = get(client, "path", **{"from": "dataset:db:a", "to": "dataset:db:shore"})
    assert answer == path_answer("dataset:db:a", "dataset:db:shore")


# --- impact --------------------------------------------------------------------------------------


def owned(*names: str) -> ownership_dataset.OwnershipDatasetFacet:
    """Return a dataset ownership facet naming teams."""
    owners = [ownership_dataset.Owner(name=n, type="TEAM") for n in names]
    return ownership_dataset.OwnershipDatasetFacet(owners=owners)


def custom(name: str) -> dict[str, Any]:
    """Return a custom facet (its presence alone gives a dataset its kind)."""
    return {"_producer": PRODUCER, "_schemaURL": f"https://example.com/{name}.json", "id": name}


def ingest_ml_pipeline(client: TestClient) -> None:
    """Store events -> features -> churn_model#3 -> endpoint, and predictions made by model 3.

    Predictions are refused unless they read a model version already recorded, so the
    scoring runs come in a second batch.
    """
    features = out("warehouse", "features", ownership=owned("team:features"))
    model = out(
        "mlflow",
        "churn_model",
        threadline_model=custom("m"),
        version=version("3"),
        ownership=owned("team:ml"),
    )
    endpoint = out(
        "serving",
        "churn-endpoint",
        threadline_endpoint=custom("e"),
        ownership=owned("team:serving"),
    )
    predictions = out(
        "warehouse",
        "churn_predictions",
        threadline_predictions=custom("p"),
        ownership=owned("team:ml"),
    )
    train_owner = ownership_job.OwnershipJobFacet(
        owners=[ownership_job.Owner(name="team:ml-platform")]
    )
    model_3 = inp("mlflow", "churn_model", version=version("3"))
    ingest(
        client,
        [
            complete(
                10, "build_features", [inp("warehouse", "events")], [features], namespace="ml"
            ),
            complete(
                20,
                "train",
                [inp("warehouse", "features")],
                [model],
                namespace="ml",
                job_facets={"ownership": train_owner},
            ),
            complete(
                30,
                "deploy",
                [model_3],
                [endpoint, out("warehouse", "deploy_audit")],
                namespace="ml",
            ),
        ],
    )
    ingest(
        client,
        [
            complete(40, "score", [model_3], [predictions], namespace="ml"),
            complete(
                50,
                "report",
                [inp("warehouse", "churn_predictions")],
                [out("warehouse", "weekly_report")],
                namespace="ml",
            ),
        ],
    )


EVENTS = "dataset:warehouse:events"
FEATURES = "dataset:warehouse:features"
MODEL = "dataset:mlflow:churn_model"
ENDPOINT = "dataset:serving:churn-endpoint"
PREDICTIONS = "dataset:warehouse:churn_predictions"
TO_MODEL = [EVENTS, "job:ml:build_features", FEATURES, "job:ml:train", MODEL]
TO_PREDICTIONS = [*TO_MODEL, "job:ml:score", PREDICTIONS, "job:ml:report"]


def hit(
    reference: str,
    kind: str,
    distance: int,
    severity: str,
    via: list[str],
    owners: list[str] | None = None,
) -> dict[str, Any]:
    """Return an impacted node; ``via`` is its path from the root, itself excluded."""
    return {
        "id": ref(reference),
        "kind": kind,
        "distance": distance,
        "severity": severity,
        "path": [*map(ref, via), ref(reference)],
        "owners": owners or [],
    }


def test_impact_groups_severities_and_owners_follow_the_documented_rule(
    client: TestClient,
) -> None:
    ingest_ml_pipeline(client)
    answer = get(client, "impact", node=EVENTS)
    deploy = [*TO_MODEL, "job:ml:deploy"]
    assert answer == {
        "root": EVENTS,
        "asOf": None,
        "groups": {
            "datasets": [
                hit(FEATURES, "dataset", 2, "high", TO_MODEL[:2], ["team:features"]),
                hit("dataset:warehouse:deploy_audit", "dataset", 6, "medium", deploy),
                hit("dataset:warehouse:weekly_report", "dataset", 8, "low", TO_PREDICTIONS),
            ],
            "jobs": [
                hit("job:ml:build_features", "job", 1, "medium", TO_MODEL[:1]),
                hit("job:ml:train", "job", 3, "low", TO_MODEL[:3], ["team:ml-platform"]),
                hit("job:ml:deploy", "job", 5, "low", TO_MODEL),
                hit("job:ml:score", "job", 5, "low", TO_MODEL),
                hit("job:ml:report", "job", 7, "low", TO_PREDICTIONS[:7]),
            ],
            "models": [hit(MODEL, "model", 4, "high", TO_MODEL[:4], ["team:ml"])],
            "endpoints": [hit(ENDPOINT, "endpoint", 6, "critical", deploy, ["team:serving"])],
            "predictions": [
                hit(PREDICTIONS, "predictions", 6, "critical", TO_PREDICTIONS[:6], ["team:ml"])
            ],
        },
        "notify": [
            {"owner": "team:ml", "severity": "critical", "nodes": [MODEL, PREDICTIONS]},
            {"owner": "team:serving", "severity": "critical", "nodes": [ENDPOINT]},
            {"owner": "team:features", "severity": "high", "nodes": [FEATURES]},
            {"owner": "team:ml-platform", "severity": "low", "nodes": ["job:ml:train"]},
        ],
        "truncated": False,
        "truncatedReason": None,
    }


def test_lineage_kinds_filter_matches_semantic_kinds(client: TestClient) -> None:
    ingest_ml_pipeline(client)
    answer = get(client, "lineage", node=EVENTS, direction="downstream", kinds="model,endpoint")
    nodes = [ds("warehouse", "events", 0), ds("mlflow", "churn_model", 4, "model")]
    nodes.append(ds("serving", "churn-endpoint", 6, "endpoint"))
    assert answer == graph(EVENTS, "downstream", nodes, [])


def test_impact_of_the_sample_source_table(sample: TestClient) -> None:
    answer = get(sample, "impact", node=ref("raw"), as_of=when("02:30"))
    via = ["raw", "cleaning", "clean", "daily", "revenue"]
    assert answer == {
        "root": ref("raw"),
        "asOf": iso("02:30"),
        "groups": {
            "datasets": [
                hit("clean", "dataset", 2, "high", via[:2]),
                hit("revenue", "dataset", 4, "medium", via[:4]),
                hit("dashboard", "dataset", 6, "medium", [*via, "refresh"]),
                hit("export", "dataset", 6, "medium", [*via, "exporting"]),
            ],
            "jobs": [
                hit("cleaning", "job", 1, "medium", via[:1]),
                hit("daily", "job", 3, "low", via[:3]),
                hit("refresh", "job", 5, "low", via),
                hit("exporting", "job", 5, "low", via),
            ],
            "models": [],
            "endpoints": [],
            "predictions": [],
        },
        "notify": [],
        "truncated": False,
        "truncatedReason": None,
    }


# --- orphans and diff ----------------------------------------------------------------------------


def listed(short: str) -> dict[str, Any]:
    """Return a dataset as the orphans answer lists it."""
    kind, namespace, name = SAMPLE.get(short) or ("dataset", *short.split(":")[1:])
    return {
        "ref": ref(short),
        "type": kind,
        "kind": "dataset",
        "namespace": namespace,
        "name": name,
        "id": ref(short),
    }


def test_orphans_lists_unwritten_unread_and_isolated_datasets(sample: TestClient) -> None:
    ingest(sample, [dataset_event(200, "db", "lonely")])
    lonely = listed("dataset:db:lonely")
    assert get(sample, "orphans") == {
        "asOf": None,
        "unwritten": [listed("landing")],
        "unread": [listed("dashboard"), listed("export")],
        "isolated": [lonely],
        "truncated": False,
        "truncatedReason": None,
    }
    # At 02:03 only orders.ingest had run: nothing read raw.orders yet.
    assert get(sample, "orphans", as_of=when("02:03")) == {
        "asOf": iso("02:03"),
        "unwritten": [listed("landing")],
        "unread": [listed("raw")],
        "isolated": [],
        "truncated": False,
        "truncatedReason": None,
    }
    only = get(sample, "orphans", namespaces="s3://exports,db")
    assert (only["unwritten"], only["unread"], only["isolated"]) == (
        [],
        [listed("export")],
        [lonely],
    )
    limited = get(sample, "orphans", limit=1)
    assert (len(limited["unread"]), limited["truncated"]) == (1, True)


def test_diff_reports_edges_versions_and_fields_between_two_times(sample: TestClient) -> None:
    ingest(sample, cleaning_switches_source())
    answer = get(sample, "diff", since=when("02:30"), until=when("03:30"))
    (new_version,) = [
        v
        for v in details(sample, "clean")["versions"]
        if v["createdByRun"] == f"run:{rid('clean-2')}"
    ]
    retired = [
        MAIN_LINE[0],
        col("raw.amount", "clean.amount"),
        col("raw.customer_id", "clean.customer_id"),
        col("raw.order_id", "clean.order_id"),
        col("raw.ordered_at", "clean.order_date"),
    ]
    assert canonical(answer) == {
        "since": iso("02:30"),
        "until": iso("03:30"),
        "root": None,
        "edgesAdded": [edge(f"dataset:{W}:shop.raw.orders_v2", "cleaning", "input")],
        "edgesRetired": sorted(retired, key=_edge_key),
        "versionsCreated": [
            {"dataset": ref("clean"), "version": new_version["version"], "createdAt": iso("03:00")}
        ],
        "fieldsAdded": [{"dataset": ref("clean"), "field": "currency", "type": "text"}],
        "fieldsRemoved": [{"dataset": ref("clean"), "field": "customer_id", "type": "bigint"}],
        "truncated": False,
        "truncatedReason": None,
    }


def test_diff_of_the_sample_lists_what_the_later_tasks_added(sample: TestClient) -> None:
    answer = get(sample, "diff", since=when("02:12"), until=when("02:30"))
    export, dashboard = versions_of(sample, "export"), versions_of(sample, "dashboard")
    assert canonical(answer) == {
        "since": iso("02:12"),
        "until": iso("02:30"),
        "root": None,
        "edgesAdded": sorted(DOWNSTREAM_EDGES[4:], key=_edge_key),
        "edgesRetired": [],
        "versionsCreated": [
            {"dataset": ref("export"), "version": export, "createdAt": iso("02:16")},
            {"dataset": ref("dashboard"), "version": dashboard, "createdAt": iso("02:21")},
        ],
        "fieldsAdded": [],
        "fieldsRemoved": [],
        "truncated": False,
        "truncatedReason": None,
    }
    # Two edges around the landing file: nothing there changed in the window.
    scoped = get(
        sample, "diff", since=when("02:12"), until=when("02:30"), node=ref("landing"), depth=2
    )
    empty = {"edgesAdded": [], "versionsCreated": []}
    assert canonical(scoped) == {**canonical(answer), "root": ref("landing"), **empty}


def test_diff_scoped_to_a_node_created_in_the_window(sample: TestClient) -> None:
    # revenue.export first ran at 02:16: a diff of its surroundings from 02:12 is its creation.
    answer = get(
        sample, "diff", since=when("02:12"), until=when("02:30"), node=ref("export"), depth=1
    )
    export = versions_of(sample, "export")
    assert canonical(answer) == {
        "since": iso("02:12"),
        "until": iso("02:30"),
        "root": ref("export"),
        "edgesAdded": sorted(flow("revenue", "exporting", "export"), key=_edge_key),
        "edgesRetired": [],
        "versionsCreated": [
            {"dataset": ref("export"), "version": export, "createdAt": iso("02:16")}
        ],
        "fieldsAdded": [],
        "fieldsRemoved": [],
        "truncated": False,
        "truncatedReason": None,
    }


# --- nodes/{ref} ---------------------------------------------------------------------------------


def without(value: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Return a dict without some keys."""
    return {k: v for k, v in value.items() if k not in keys}


def test_node_details_of_a_dataset(sample: TestClient) -> None:
    found = details(sample, "revenue")
    assert without(found, "facets", "versions", "runs") == {
        "id": ref("revenue"),
        "type": "dataset",
        "kind": "dataset",
        "namespace": W,
        "name": "shop.analytics.daily_revenue",
        "createdAt": iso("02:11"),
        "updatedAt": iso("02:22"),
        "lifecycleState": None,
        "deleted": False,
        "hidden": False,
        "previousIdentifier": None,
        "fields": [
            {"name": "order_date", "type": "date", "description": None},
            {"name": "revenue", "type": "numeric", "description": None},
        ],
    }
    assert set(found["facets"]) == {"columnLineage", "documentation", "schema"}
    documentation = found["facets"]["documentation"]["description"]
    assert documentation == "Revenue per day, from cleaned orders."
    assert [without(v, "version") for v in found["versions"]] == [
        {
            "createdAt": iso("02:11"),
            "implicit": False,
            "createdByRun": f"run:{run_of('revenue.daily')}",
        }
    ]
    # Run ids are checked by test_node_details_ids_resolve_as_references.
    assert [without(r, "id") for r in found["runs"]] == [
        {
            "state": "COMPLETE",
            "startedAt": iso("02:11"),
            "endedAt": iso("02:15"),
            "durationMs": 240_000,
            "error": None,
        }
    ]


def test_node_details_of_a_job(sample: TestClient) -> None:
    found = details(sample, "exporting")
    assert without(found, "facets", "versions", "runs") == {
        "id": ref("exporting"),
        "type": "job",
        "kind": "job",
        "namespace": "retail",
        "name": "revenue.export",
        "createdAt": iso("02:16"),
        "updatedAt": iso("02:20"),
        "parent": "job:retail:nightly",
        "root": "job:retail:nightly",
    }
    assert set(found["facets"]) == {"jobType", "sourceCodeLocation"}
    assert [without(r, "id") for r in found["runs"]] == [
        {
            "state": "FAIL",
            "startedAt": iso("02:16"),
            "endedAt": iso("02:20"),
            "durationMs": 240_000,
            "error": "permission denied for bucket s3://exports",
        }
    ]
    (job_version,) = found["versions"]
    assert (job_version["location"], job_version["sourceVersion"]) == (
        "https://git.example.com/retail/revenue.export.py",
        "a1b2c3d",
    )


def test_node_details_of_a_field(sample: TestClient) -> None:
    reference = fref("raw", "ordered_at")
    assert details(sample, reference) == {
        "id": reference,
        "type": "datasetField",
        "name": "ordered_at",
        "path": "ordered_at",
        "fieldType": "timestamp",
        "description": None,
        "inSchema": True,
    }


def test_node_details_of_an_explicit_version(client: TestClient) -> None:
    snapshot = [out("db", "snapshots", version=version("v42"))]
    ingest(
        client,
        [
            run_event(RunState.START, 5, run="snap", job=("tests", "snap"), outputs=snapshot),
            run_event(RunState.COMPLETE, 6, run="snap", job=("tests", "snap"), outputs=snapshot),
        ],
    )
    found = details(client, "dataset:db:snapshots#v42")
    assert without(found, "facets") == {
        "id": "dataset:db:snapshots#v42",
        "type": "datasetVersion",
        "version": "v42",
        "createdAt": "2024-03-01T00:05:00.000000Z",
        "implicit": False,
        "createdByRun": f"run:{rid('snap')}",
    }
    assert found["facets"]["version"]["datasetVersion"] == "v42"


def test_node_details_of_a_run(sample: TestClient) -> None:
    run_id = run_of("revenue.export")
    found = details(sample, f"run:{run_id}")
    revenue, export = versions_of(sample, "revenue"), versions_of(sample, "export")
    assert without(found, "facets", "jobFacets") == {
        "id": f"run:{run_id}",
        "type": "run",
        "job": ref("exporting"),
        "state": "FAIL",
        "externalId": None,
        "startedAt": iso("02:16"),
        "endedAt": iso("02:20"),
        "nominalStartTime": None,
        "nominalEndTime": None,
        "inputs": [{"id": f"{ref('revenue')}#{revenue}", "facets": {}}],
        "outputs": [{"id": f"{ref('export')}#{export}", "facets": {}}],
    }
    assert set(found["facets"]) == {"errorMessage", "parent"}
    assert found["facets"]["errorMessage"]["message"] == "permission denied for bucket s3://exports"
    assert found["facets"]["parent"]["run"]["runId"] == run_of("nightly")
    assert set(found["jobFacets"]) == {"jobType", "sourceCodeLocation"}


def test_node_details_ids_resolve_as_references(sample: TestClient) -> None:
    # Every id the native API hands out is a node reference that nodes/{ref} accepts.
    revenue, exporting = details(sample, "revenue"), details(sample, "exporting")
    ids = [revenue["versions"][0]["createdByRun"], revenue["runs"][0]["id"]]
    ids.append(exporting["runs"][0]["id"])
    daily, export = f"run:{run_of('revenue.daily')}", f"run:{run_of('revenue.export')}"
    assert ids == [daily, daily, export]
    for reference in ids:
        assert details(sample, reference)["id"] == reference


# --- bad input -----------------------------------------------------------------------------------

FORM = "expected dataset:<namespace>:<name>"
RAW = ref("raw")
DEPTH = "depth must be between 0 and 1000"
LIMIT = "limit must be between 1 and"
BAD_REQUESTS = [
    pytest.param("lineage", {"node": "orders"}, FORM, id="not-a-reference"),
    pytest.param("lineage", {"node": "table:db:orders"}, FORM, id="unknown-type"),
    pytest.param("lineage", {"node": "dataset:wh"}, "lacks a namespace or a name", id="no-name"),
    pytest.param("lineage", {"node": "run:42"}, "run references take a UUID", id="run-not-uuid"),
    pytest.param("lineage", {}, "give node=<reference>, or type, namespace and name", id="none"),
    pytest.param(
        "lineage",
        {"type": "run", "namespace": "n", "name": "x"},
        "type must be dataset, job or datasetField; got 'run'",
        id="parts-run",
    ),
    pytest.param(
        "impact",
        {"type": "datasetField", "namespace": "n", "name": "x"},
        "type=datasetField needs field=<the field's name>",
        id="parts-field-without-field",
    ),
    pytest.param("path", {"from": "orders", "to": RAW}, FORM, id="path-bad-from"),
    pytest.param("impact", {"node": "orders"}, FORM, id="impact-bad-node"),
    pytest.param("lineage", {"node": RAW, "depth": -1}, DEPTH, id="depth-negative"),
    pytest.param("lineage", {"node": RAW, "depth": 1001}, DEPTH, id="depth-too-deep"),
    pytest.param("impact", {"node": RAW, "depth": -1}, DEPTH, id="impact-depth-negative"),
    pytest.param("lineage", {"node": RAW, "depth": "deep"}, "depth", id="depth-not-a-number"),
    pytest.param("lineage", {"node": RAW, "limit": 0}, LIMIT, id="limit-zero"),
    pytest.param("impact", {"node": RAW, "limit": 0}, LIMIT, id="impact-limit-zero"),
    pytest.param("orphans", {"limit": 0}, LIMIT, id="orphans-limit-zero"),
    pytest.param(
        "lineage",
        {"node": RAW, "granularity": "table"},
        "granularity must be one of entity, version, column; got 'table'",
        id="granularity",
    ),
    pytest.param(
        "lineage",
        {"node": RAW, "direction": "sideways"},
        "direction must be one of upstream, downstream, both; got 'sideways'",
        id="direction",
    ),
    pytest.param(
        "path",
        {"from": RAW, "to": RAW, "direction": "up"},
        "direction must be one of",
        id="path-direction",
    ),
    pytest.param(
        "lineage",
        {"node": RAW, "as_of": "2999-01-01T00:00:00Z"},
        "as_of '2999-01-01T00:00:00Z' is in the future",
        id="as-of-future",
    ),
    pytest.param("lineage", {"node": RAW, "as_of": "yesterday"}, "as_of", id="as-of-garbage"),
    pytest.param(
        "diff",
        {"since": when("03:00"), "until": when("02:00")},
        "the first time must be before the second",
        id="diff-reversed",
    ),
    pytest.param(
        "diff",
        {"since": when("03:00"), "until": when("03:00")},
        "the first time must be before the second",
        id="diff-equal",
    ),
    pytest.param("diff", {"since": "2999-01-01T00:00:00Z"}, "in the future", id="diff-future"),
]


@pytest.mark.parametrize(("route", "params", "needle"), BAD_REQUESTS)
def test_native_bad_parameters_answer_400_naming_the_problem(
    client: TestClient, route: str, params: dict[str, Any], needle: str
) -> None:
    # Refused before any lookup: an empty store answers as a full one would.
    response = client.get(f"{NATIVE}/{route}", params=params)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert set(answer) == {"code", "error", "message"}
    assert (answer["code"], answer["error"]) == (400, "invalid_parameter")
    assert needle in answer["message"], answer["message"]


def test_native_malformed_node_path_answers_400(sample: TestClient) -> None:
    response = sample.get(f"{NATIVE}/nodes/orders")
    assert response.status_code == 400
    assert FORM in response.json()["message"]


@pytest.mark.parametrize(
    ("route", "params", "near"),
    [
        pytest.param("lineage", {"node": f"dataset:{W}:shop.raw.ordrs"}, RAW, id="lineage"),
        pytest.param(
            "impact", {"node": "job:retail:orders.clen"}, "job:retail:orders.clean", id="impact"
        ),
        pytest.param(
            "path",
            {"from": RAW, "to": f"dataset:{W}:shop.analytics.daily_revenu"},
            ref("revenue"),
            id="path",
        ),
        pytest.param(
            "diff", {"since": when("00:00"), "node": f"dataset:{W}:shop.raw.order"}, RAW, id="diff"
        ),
    ],
)
def test_native_unknown_node_answers_404_with_suggestions(
    sample: TestClient, route: str, params: dict[str, str], near: str
) -> None:
    response = sample.get(f"{NATIVE}/{route}", params=params)
    assert response.status_code == 404, response.text
    answer = response.json()
    assert set(answer) == {"code", "error", "message", "suggestions"}
    assert (answer["code"], answer["error"]) == (404, "not_found")
    assert "no node" in answer["message"]
    assert answer["suggestions"][0] == near


def test_native_unknown_node_details_answer_404_with_suggestions(sample: TestClient) -> None:
    response = sample.get(f"{NATIVE}/nodes/job:retail:revenue.dayly")
    assert response.status_code == 404
    assert response.json()["suggestions"][0] == "job:retail:revenue.daily"
    run = sample.get(f"{NATIVE}/nodes/run:00000000-0000-4000-8000-000000000000")
    assert run.status_code == 404
    assert run.json()["suggestions"] == []


def test_native_as_of_before_the_node_existed_answers_404(sample: TestClient) -> None:
    params = {"node": ref("revenue"), "as_of": when("02:10")}
    response = sample.get(f"{NATIVE}/lineage", params=params)
    assert response.status_code == 404, response.text
    assert response.json()["message"] == f"{ref('revenue')} did not exist at {iso('02:10')}"
    impact = sample.get(f"{NATIVE}/impact", params={"node": RAW, "as_of": when("01:00")})
    assert impact.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(f"{NATIVE}/lineage?node=dataset:db:a%00b", id="node"),
        pytest.param(f"{NATIVE}/lineage?node={RAW}&namespaces=s3%00", id="namespaces"),
        pytest.param(f"{NATIVE}/path?from={RAW}&to=job:a:b%00", id="path-to"),
        pytest.param(f"{NATIVE}/diff?since={when('00:00')}&node=job:a:b%00", id="diff-node"),
        pytest.param(f"{NATIVE}/nodes/dataset:db:a%00b", id="nodes-path"),
    ],
)
def test_native_nul_in_a_parameter_answers_400(sample: TestClient, url: str) -> None:
    response = sample.get(url)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_parameter"
    assert "NUL" in response.json()["message"]
