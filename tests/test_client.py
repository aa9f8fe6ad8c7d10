"""``threadline.client.Client`` against a real server (uvicorn), on SQLite and PostgreSQL.

The client sends the sample pipeline (``threadline.demo.sample``) itself, then asks the
native API about it; expected answers are worked out by hand from the sample. Errors come back
as Threadline's own exceptions, carrying what the server said.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import free_port
from tests.events import RunState, out, run_event, version
from tests.sample_refs import (
    CLEAN,
    CLEANING,
    DAILY,
    DASHBOARD,
    EXPORT,
    EXPORTING,
    INGEST,
    LANDING,
    RAW,
    REFRESH,
    REVENUE,
    W,
)
from threadline.client import Client
from threadline.demo.sample import sample_events
from threadline.errors import InvalidParameter, NotFound, StoreUnavailable

INVALID = {"eventType": "START", "producer": "https://p", "schemaURL": "https://s"}


@pytest.fixture
def remote(live_server: str) -> Iterator[Client]:
    """A client of a live server whose store holds the sample pipeline (sent by the client)."""
    with Client(live_server) as opened:
        answer = opened.send(sample_events())
        assert answer["summary"]["failed"] == 0, answer
        yield opened


def ids(nodes: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Return (id, depth) of the nodes of an answer."""
    return [(n["id"], n["depth"]) for n in nodes]


def node(reference: str, depth: int) -> dict[str, Any]:
    """Return a dataset or job node as a lineage answer lists it."""
    kind, rest = reference.split(":", 1)
    namespace, name = rest.rsplit(":", 1)
    return {
        "id": reference,
        "type": kind,
        "kind": kind,
        "depth": depth,
        "namespace": namespace,
        "name": name,
    }


def run_of(job_name: str) -> str:
    """Return the run id the sample gives a job's (only) run."""
    events = sample_events()
    (run_id,) = {e["run"]["runId"] for e in events if e.get("job", {}).get("name") == job_name}
    return str(run_id)


def edge(source: str, target: str) -> dict[str, str]:
    """Return a data-flow edge: dataset -> job is input, job -> dataset output."""
    kind = "input" if source.startswith("dataset:") else "output"
    return {"source": source, "target": target, "kind": kind}


def by_ends(edges: list[dict[str, str]]) -> list[dict[str, str]]:
    """Return edges sorted (their order is not part of the contract)."""
    return sorted(edges, key=lambda e: (e["source"], e["target"], e["kind"]))


def test_client_send_reports_invalid_events_by_index(live_server: str) -> None:
    events = sample_events()
    with Client(live_server) as client:
        answer = client.send([*events[:3], INVALID, *events[3:]])
        assert answer == {
            "status": "partial_success",
            "summary": {
                "received": len(events) + 1,
                "successful": len(events),
                "failed": 1,
                "retriable": 0,
                "non_retriable": 1,
            },
            "failed_events": [
                {"index": 3, "reason": "$.eventTime: is required", "retriable": False}
            ],
        }
        nodes = client.lineage(RAW, direction="upstream")["nodes"]
        assert ids(nodes) == [(RAW, 0), (INGEST, 1), (LANDING, 2)]


def test_client_send_of_only_invalid_events_stores_nothing(live_server: str) -> None:
    with Client(live_server) as client:
        answer = client.send([INVALID, {"not": "an event"}])
        assert (answer["status"], answer["summary"]["failed"]) == ("failure", 2)
        assert [f["index"] for f in answer["failed_events"]] == [0, 1]
        assert client.orphans() == {
            "asOf": None,
            "unwritten": [],
            "unread": [],
            "isolated": [],
            "truncated": False,
            "truncatedReason": None,
        }


def test_client_lineage_passes_every_parameter(remote: Client) -> None:
    answer = remote.lineage(RAW, direction="downstream", depth=2)
    assert {**answer, "edges": by_ends(answer["edges"])} == {
        "root": RAW,
        "direction": "downstream",
        "granularity": "entity",
        "asOf": None,
        "nodes": [node(RAW, 0), node(CLEANING, 1), node(CLEAN, 2)],
        "edges": by_ends([edge(RAW, CLEANING), edge(CLEANING, CLEAN)]),
        "truncated": False,
        "truncatedReason": None,
    }
    jobs = remote.lineage(RAW, kinds=["job"], namespaces=["retail"])
    assert ids(jobs["nodes"]) == [
        (RAW, 0),
        (CLEANING, 1),
        (INGEST, 1),
        (DAILY, 3),
        (REFRESH, 5),
        (EXPORTING, 5),
    ]
    early = remote.lineage(RAW, as_of="2024-03-01T02:03:00Z")
    assert (early["asOf"], ids(early["nodes"])) == (
        "2024-03-01T02:03:00.000000Z",
        [(RAW, 0), (INGEST, 1), (LANDING, 2)],
    )
    limited = remote.lineage(RAW, direction="downstream", limit=2)
    assert (ids(limited["nodes"]), limited["truncatedReason"]) == (
        [(RAW, 0), (CLEANING, 1)],
        "limit",
    )
    columns = remote.lineage(f"datasetField:{W}:shop.raw.orders:amount", granularity="column")
    assert ids(columns["nodes"]) == [
        (f"datasetField:{W}:shop.raw.orders:amount", 0),
        (f"datasetField:{W}:shop.analytics.orders_clean:amount", 1),
        (f"datasetField:{W}:shop.analytics.daily_revenue:revenue", 2),
    ]


def test_client_path_finds_the_chain_and_counts_paths(remote: Client) -> None:
    answer = remote.path(RAW, REVENUE)
    assert (answer["found"], answer["direction"], answer["pathCount"]) == (True, "downstream", 1)
    assert [n["id"] for n in answer["nodes"]] == [RAW, CLEANING, CLEAN, DAILY, REVENUE]
    assert answer["edges"] == [
        edge(RAW, CLEANING),
        edge(CLEANING, CLEAN),
        edge(CLEAN, DAILY),
        edge(DAILY, REVENUE),
    ]
    back = remote.path(REVENUE, RAW)
    assert (back["found"], back["direction"]) == (True, "upstream")
    nowhere = remote.path(REVENUE, RAW, direction="downstream")
    assert (nowhere["found"], nowhere["nodes"], nowhere["pathCount"]) == (False, [], 0)


def test_client_impact_groups_and_owners(remote: Client) -> None:
    answer = remote.impact(LANDING)
    assert [(i["id"], i["distance"], i["severity"]) for i in answer["groups"]["datasets"]] == [
        (RAW, 2, "high"),
        (CLEAN, 4, "medium"),
        (REVENUE, 6, "medium"),
        (DASHBOARD, 8, "low"),
        (EXPORT, 8, "low"),
    ]
    assert [(i["id"], i["severity"]) for i in answer["groups"]["jobs"]] == [
        (INGEST, "medium"),
        (CLEANING, "low"),
        (DAILY, "low"),
        (REFRESH, "low"),
        (EXPORTING, "low"),
    ]
    assert answer["groups"]["datasets"][0]["owners"] == ["team:ingestion"]
    assert answer["notify"] == [{"owner": "team:ingestion", "severity": "high", "nodes": [RAW]}]
    near = remote.impact(LANDING, depth=2)
    assert [i["id"] for g in near["groups"].values() for i in g] == [RAW, INGEST]


def test_client_diff_between_two_times_and_around_a_node(remote: Client) -> None:
    answer = remote.diff("2024-03-01T02:12:00Z", "2024-03-01T02:30:00Z")
    assert (answer["since"], answer["until"], answer["root"]) == (
        "2024-03-01T02:12:00.000000Z",
        "2024-03-01T02:30:00.000000Z",
        None,
    )
    assert by_ends(answer["edgesAdded"]) == by_ends(
        [
            edge(REVENUE, EXPORTING),
            edge(EXPORTING, EXPORT),
            edge(REVENUE, REFRESH),
            edge(REFRESH, DASHBOARD),
        ]
    )
    assert [v["dataset"] for v in answer["versionsCreated"]] == [EXPORT, DASHBOARD]
    scoped = remote.diff("2024-03-01T02:12:00Z", "2024-03-01T02:30:00Z", node=LANDING, depth=2)
    assert (scoped["root"], scoped["edgesAdded"], scoped["versionsCreated"]) == (LANDING, [], [])


def test_client_orphans(remote: Client) -> None:
    answer = remote.orphans()
    assert [[i["id"] for i in answer[k]] for k in ("unwritten", "unread", "isolated")] == [
        [LANDING],
        [DASHBOARD, EXPORT],
        [],
    ]
    only = remote.orphans(namespaces=["s3://exports"], as_of="2024-03-01T02:30:00Z")
    assert [i["id"] for i in only["unread"]] == [EXPORT]


def test_client_node_details_of_a_job_run_and_field(remote: Client) -> None:
    job = remote.node(EXPORTING)
    assert (job["id"], job["type"], job["parent"]) == (EXPORTING, "job", "job:retail:nightly")
    run = f"run:{run_of('revenue.export')}"
    details = remote.node(run)
    assert (details["id"], details["job"], details["state"]) == (run, EXPORTING, "FAIL")
    field = remote.node(f"datasetField:{W}:shop.raw.orders:email")
    assert (field["type"], field["fieldType"]) == ("datasetField", "text")


def test_client_node_sends_the_reference_whole(remote: Client) -> None:
    # '#' starts a dataset version, and names may hold '?', '%' or spaces: none may be lost
    # to URL syntax on the way (nor decoded twice).
    sent = remote.send(
        [
            run_event(
                RunState.COMPLETE,
                5,
                run="odd",
                job=("tests", "odd names"),
                outputs=[
                    out("db", "snapshots", version=version("v42")),
                    out("db", "daily?region=eu"),
                    out("db", "50% off"),
                    out("db", "100%25"),
                ],
            )
        ]
    )
    assert sent["status"] == "success"
    assert remote.node("dataset:db:snapshots#v42")["id"] == "dataset:db:snapshots#v42"
    assert remote.node("dataset:db:snapshots#v42")["type"] == "datasetVersion"
    for reference in [
        "dataset:db:daily?region=eu",
        "dataset:db:50% off",
        "dataset:db:100%25",
        "job:tests:odd names",
    ]:
        assert remote.node(reference)["id"] == reference


def test_client_unknown_node_raises_not_found_with_suggestions(remote: Client) -> None:
    with pytest.raises(NotFound) as raised:
        remote.lineage("job:retail:orders.clen")
    assert raised.value.status == 404
    assert raised.value.message == "no node 'job:retail:orders.clen'"
    assert raised.value.suggestions[0] == "job:retail:orders.clean"
    with pytest.raises(NotFound) as details:
        remote.node(f"dataset:{W}:shop.raw.ordrs")
    assert details.value.suggestions[0] == RAW
    with pytest.raises(NotFound) as late:
        remote.lineage(REVENUE, as_of="2024-03-01T02:10:00Z")
    assert late.value.message == f"{REVENUE} did not exist at 2024-03-01T02:10:00.000000Z"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda c: c.lineage(RAW, depth=-1),
            "depth must be between 0 and 1000; got -1",
            id="depth",
        ),
        pytest.param(
            lambda c: c.lineage(RAW, limit=0),
            "limit must be between 1 and 1000000; got 0",
            id="limit",
        ),
        pytest.param(
            lambda c: c.lineage(RAW, granularity="table"),
            "granularity must be one of entity, version, column; got 'table'",
            id="granularity",
        ),
        pytest.param(
            lambda c: c.path(RAW, REVENUE, direction="sideways"),
            "direction must be one of upstream, downstream, both; got 'sideways'",
            id="direction",
        ),
        pytest.param(
            lambda c: c.impact(RAW, as_of="2999-01-01T00:00:00Z"),
            "as_of '2999-01-01T00:00:00Z' is in the future; lineage is only known up to now",
            id="future",
        ),
        pytest.param(
            lambda c: c.diff("2024-03-01T03:00:00Z", "2024-03-01T02:00:00Z"),
            "the first time must be before the second",
            id="diff",
        ),
        pytest.param(lambda c: c.orphans(limit=0), "limit must be between 1", id="orphans"),
    ],
)
def test_client_bad_parameters_raise_invalid_parameter(
    live_server: str, call: Callable[[Client], object], message: str
) -> None:
    # Refused before any lookup: an empty store answers as a full one would.
    with Client(live_server) as remote, pytest.raises(InvalidParameter) as raised:
        call(remote)
    assert raised.value.status == 400
    assert raised.value.message.startswith(message)


def test_client_malformed_reference_raises_invalid_parameter(remote: Client) -> None:
    with pytest.raises(InvalidParameter) as raised:
        remote.lineage("orders")
    malformed = raised.value.message
    assert "'orders' is not a node reference; expected dataset:<namespace>:<name>" in malformed
    with pytest.raises(InvalidParameter) as path_error:
        remote.node("orders")
    assert (path_error.value.status, path_error.value.message) == (400, malformed)


def test_client_unreachable_server_raises_store_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with Client(url, timeout=5) as client:
        with pytest.raises(StoreUnavailable) as raised:
            client.lineage(RAW)
        assert raised.value.message.startswith(f"cannot reach {url}")
        with pytest.raises(StoreUnavailable):
            client.send(sample_events())
        with pytest.raises(StoreUnavailable):
            client.node(RAW)
