"""Lineage answers joined from pre-encoded node text equal the general path, byte for byte."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pytest
from openlineage.client.facet_v2 import lineage

from tests.events import PRODUCER, RunState, at_us, dataset_event, inp, job_event, out, run_event
from threadline import wire
from threadline.queries.encoded import BLOCK
from threadline.queries.nodetext import Texts
from threadline.queries.options import QueryOptions
from threadline.service import LineageService

NS = "postgres://db:5432"


def _pipeline() -> list[dict[str, Any]]:
    """Three jobs in a chain with a fan-out, and a job that reads two tables."""
    events = []
    for minute, (job, reads, writes) in enumerate(
        [
            ("load", ["raw.a"], ["stage.a", "stage.b"]),
            ("clean", ["stage.a"], ["clean.a"]),
            ("join", ["clean.a", "stage.b"], ["mart.ab"]),
            ("score", ["mart.ab"], ["mart.scores"]),
        ]
    ):
        events.append(
            run_event(
                RunState.COMPLETE,
                minute,
                run=job,
                job=("etl", job),
                inputs=[inp(NS, name) for name in reads],
                outputs=[out(NS, name) for name in writes],
            )
        )
    return events


def _encoded(service: LineageService, ref: str, opts: QueryOptions) -> bytes | None:
    pieces = service.lineage_encoded(ref, opts)
    return None if pieces is None else b"".join(pieces)


def _general(service: LineageService, ref: str, opts: QueryOptions) -> bytes:
    return orjson.dumps(wire.lineage_json(service.lineage(ref, opts)))


def _ingest(service: LineageService, events: list[dict[str, Any]]) -> None:
    outcome = service.ingest_values(events)
    assert not outcome.failed


CASES = [
    (f"dataset:{NS}:raw.a", QueryOptions("downstream", 20)),
    (f"dataset:{NS}:raw.a", QueryOptions("downstream", 2)),
    (f"dataset:{NS}:mart.scores", QueryOptions("upstream", 20)),
    (f"dataset:{NS}:clean.a", QueryOptions("both", 20)),
    ("job:etl:join", QueryOptions("both", 1)),
    (f"dataset:{NS}:raw.a", QueryOptions("downstream", 20, limit=3)),
    (f"dataset:{NS}:raw.a", QueryOptions("downstream", 20, as_of=at_us(1.5))),
]


@pytest.mark.parametrize(("ref", "opts"), CASES)
def test_encoded_lineage_equals_the_general_answer(
    service: LineageService, ref: str, opts: QueryOptions
) -> None:
    _ingest(service, _pipeline())
    encoded = _encoded(service, ref, opts)
    assert encoded == _general(service, ref, opts)
    assert encoded is not None and orjson.loads(encoded)["nodes"]


def test_encoded_lineage_follows_a_new_kind_and_new_nodes(service: LineageService) -> None:
    _ingest(service, _pipeline())
    ref, opts = f"dataset:{NS}:raw.a", QueryOptions("downstream", 20)
    before = _encoded(service, ref, opts)  # encodes every node reached
    model = run_event(
        RunState.COMPLETE,
        10,
        run="train",
        job=("ml", "train"),
        inputs=[inp(NS, "mart.scores")],
        outputs=[out(NS, "models.churn")],
    )
    facet = {"_producer": PRODUCER, "_schemaURL": PRODUCER, "datasetType": "MODEL"}
    model["outputs"][0]["facets"] = {"datasetType": facet}
    retyped = run_event(RunState.COMPLETE, 11, run="stage", job=("etl", "stage"))
    retyped["outputs"] = [{"namespace": NS, "name": "stage.b", "facets": {"datasetType": facet}}]
    _ingest(service, [model, retyped])
    after = _encoded(service, ref, opts)
    assert after != before
    assert after == _general(service, ref, opts)
    kinds = {n["id"]: n["kind"] for n in orjson.loads(after or b"{}")["nodes"]}
    assert kinds[f"dataset:{NS}:models.churn"] == "model"
    assert kinds[f"dataset:{NS}:stage.b"] == "model"


def test_encoded_lineage_is_equal_after_a_rebuild(service: LineageService) -> None:
    _ingest(service, _pipeline())
    ref, opts = f"dataset:{NS}:clean.a", QueryOptions("both", 20)
    _encoded(service, ref, opts)
    service.rebuild()
    assert _encoded(service, ref, opts) == _general(service, ref, opts)


def test_encoded_lineage_leaves_filters_and_other_granularities_to_the_general_path(
    service: LineageService,
) -> None:
    _ingest(service, _pipeline())
    ref = f"dataset:{NS}:raw.a"
    assert _encoded(service, ref, QueryOptions("downstream", 20, kinds=frozenset({"job"}))) is None
    assert _encoded(service, ref, QueryOptions("downstream", 20, granularity="version")) is None


def test_encoded_lineage_orders_nodes_encoded_by_earlier_answers(service: LineageService) -> None:
    _ingest(service, _pipeline())
    _encoded(service, "job:etl:join", QueryOptions("both", 1))  # encodes some nodes first
    ref, opts = f"dataset:{NS}:clean.a", QueryOptions("both", 20)
    assert _encoded(service, ref, opts) == _general(service, ref, opts)


def test_texts_rank_nodes_by_reference_and_leave_older_generations_unchanged() -> None:
    first = Texts.empty("e").with_rows([(4, "dataset", NS, "b"), (1, "job", "etl", "x")])
    second = first.with_rows([(2, "dataset", NS, "a"), (7, "dataset", NS, "c")])
    assert first.sorted_ids.tolist() == [4, 1]
    assert second.sorted_ids.tolist() == [2, 4, 7, 1]
    assert second.rank[[2, 4, 7, 1]].tolist() == [0, 1, 2, 3]
    nodes = np.array([1, 2, 7, 9], dtype=np.int64)
    assert first.described(nodes).tolist() == [True, False, False, False]
    assert second.described(nodes).tolist() == [True, True, True, False]
    assert second.missing(nodes).tolist() == [9]
    assert second.rest[7] == b',"namespace":"%b","name":"c","depth":' % NS.encode()
    assert second.body_kind[[2, 4, 7, 1]].tolist() == [-1, -1, -1, -1]


def test_edges_of_other_kinds_than_their_targets_usual_one_are_encoded_as_the_general_path(
    service: LineageService,
) -> None:
    # An edge's target piece carries the kind its target usually has (a job is read, a
    # dataset written); a dataset derived from another and a job fed by a job do not.
    derived = lineage.LineageDatasetFacet(
        inputs=[lineage.LineageDatasetInput(namespace=NS, name="mart.ab", type="DATASET")]
    )
    fed = lineage.LineageJobFacet(
        entries=[
            lineage.LineageJobEntry(
                type="JOB",
                inputs=[lineage.LineageJobInput(type="JOB", namespace="etl", name="join")],
            )
        ]
    )
    _ingest(
        service,
        [
            *_pipeline(),
            dataset_event(5, NS, "view.ab", lineage=derived),
            job_event(6, ("etl", "report"), job_facets={"lineage": fed}),
        ],
    )
    for ref, direction in ((f"dataset:{NS}:raw.a", "downstream"), ("job:etl:report", "both")):
        opts = QueryOptions(direction, 20)
        encoded = _encoded(service, ref, opts)
        assert encoded == _general(service, ref, opts)
        kinds = {e["kind"] for e in orjson.loads(encoded or b"{}")["edges"]}
        assert {"derived", "job"} & kinds, kinds


def test_encoded_lineage_equals_the_general_answer_over_many_join_blocks(
    service: LineageService,
) -> None:
    wide = BLOCK + 500  # the outputs' nodes (one depth) and edges fill more than one block
    fan = run_event(
        RunState.COMPLETE,
        1,
        run="fan",
        job=("etl", "fan"),
        inputs=[inp(NS, "raw.wide")],
        outputs=[out(NS, f"part.{i:04d}") for i in range(wide)],
    )
    _ingest(service, [fan])
    for ref, nodes in ((f"dataset:{NS}:part.0042", 3), (f"dataset:{NS}:raw.wide", wide + 2)):
        opts = QueryOptions("both", 20, limit=10_000)
        encoded = _encoded(service, ref, opts)
        assert encoded == _general(service, ref, opts)
        assert encoded is not None and len(orjson.loads(encoded)["nodes"]) == nodes


def test_texts_build_bodies_for_the_kinds_given_and_again_when_codes_are_renamed() -> None:
    texts = Texts.empty("e").with_rows([(0, "dataset", NS, "a"), (1, "job", "etl", "x")])
    nodes = np.array([0, 1], dtype=np.int64)
    built = texts.with_kinds(nodes, np.array([1, 2], np.int32), ("", "table", "training"))
    prefix = b'{"id":"dataset:%b:a","type":"dataset","kind":"table",' % NS.encode()
    assert built.body[0] == prefix + b'"namespace":"%b","name":"a","depth":' % NS.encode()
    assert built.body[1].startswith(b'{"id":"job:etl:x","type":"job","kind":"training",')
    assert not built.stale(nodes, np.array([1, 2], np.int32))
    assert built.stale(nodes, np.array([1, 1], np.int32))
    # A new index may number the kinds afresh: code 1 now names "model".
    renamed = built.with_kinds(nodes[:1], np.array([1], np.int32), ("", "model"))
    assert b'"kind":"model"' in renamed.body[0]
    assert renamed.body_kind.tolist() == [1, -1]
    assert built.body_kind.tolist() == [1, 2]  # the older generation is unchanged
