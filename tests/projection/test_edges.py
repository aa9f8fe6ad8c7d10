"""Edges: provenance, validity intervals, retirement, column lineage, static lineage facets."""

from __future__ import annotations

from typing import Any

import orjson
from openlineage.client.facet_v2 import lineage
from sqlalchemy import select

from tests.events import (
    RunState,
    at_us,
    columns,
    dataset_event,
    inp,
    job_event,
    out,
    rid,
    run_event,
)
from tests.projection.helpers import edge_set, ingest
from threadline.service import LineageService
from threadline.store import Store
from threadline.store.tables import edges, run_edges

JOB = "tests:job"


def _run(
    state: RunState, minutes: float, run: str, ins: list[str], outs: list[str]
) -> dict[str, Any]:
    return run_event(
        state,
        minutes,
        run=run,
        inputs=[inp("db", n) for n in ins],
        outputs=[out("db", n) for n in outs],
    )


def test_edges_open_at_first_assertion_and_retire_on_next_complete_run(
    service: LineageService, store: Store
) -> None:
    ingest(
        service,
        _run(RunState.COMPLETE, 1, "r1", ["a", "b"], ["x"]),
        _run(RunState.FAIL, 3, "r2", ["c"], []),  # a failed run adds, never retires
        _run(RunState.COMPLETE, 5, "r3", ["a"], ["x"]),  # retires b and c
        _run(RunState.COMPLETE, 7, "r4", [], []),  # asserts nothing: retires nothing
    )
    assert edge_set(store) == {
        ("db:a", JOB, "input", at_us(1), None),
        ("db:b", JOB, "input", at_us(1), at_us(5)),
        ("db:c", JOB, "input", at_us(3), at_us(5)),
        (JOB, "db:x", "output", at_us(1), None),
    }


def test_edge_reasserted_after_retirement_gets_a_new_interval(
    service: LineageService, store: Store
) -> None:
    ingest(
        service,
        _run(RunState.COMPLETE, 1, "r1", ["a"], []),
        _run(RunState.COMPLETE, 2, "r2", ["b"], []),
        _run(RunState.COMPLETE, 3, "r3", ["a"], []),
    )
    assert {e for e in edge_set(store) if e[0] == "db:a"} == {
        ("db:a", JOB, "input", at_us(1), at_us(2)),
        ("db:a", JOB, "input", at_us(3), None),
    }


def test_edges_remember_the_runs_that_opened_and_closed_them(
    service: LineageService, store: Store
) -> None:
    ingest(
        service,
        _run(RunState.COMPLETE, 1, "r1", ["a"], []),
        _run(RunState.COMPLETE, 2, "r2", ["b"], []),
    )
    with store.read() as conn:
        rows = {
            (r.from_run, r.to_run) for r in conn.execute(select(edges.c.from_run, edges.c.to_run))
        }
    assert rows == {(rid("r1"), rid("r2")), (rid("r2"), None)}


def test_column_lineage_makes_field_edges_with_transformations(
    service: LineageService, store: Store
) -> None:
    facet = columns(
        {"total": [("db", "orders", "amount"), ("db", "fx", "rate")]},
        dataset=[("db", "orders", "status")],
    )
    ingest(
        service,
        run_event(
            RunState.COMPLETE,
            1,
            inputs=[inp("db", "orders")],
            outputs=[out("db", "revenue", columnLineage=facet)],
        ),
    )
    assert {e[:3] for e in edge_set(store, kinds=("column", "column_dataset"))} == {
        ("db:orders#amount", "db:revenue#total", "column"),
        ("db:fx#rate", "db:revenue#total", "column"),
        ("db:orders#status", "db:revenue", "column_dataset"),
    }
    # db.fx is named only by column lineage: it becomes an input of the job (dbt seeds do this).
    assert ("db:fx", JOB, "input") in {e[:3] for e in edge_set(store)}
    with store.read() as conn:
        stored = [orjson.loads(r) for r in conn.execute(select(run_edges.c.facets)).scalars()]
    assert {"transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}]} in stored


def test_job_event_declares_static_lineage_that_later_declarations_replace(
    service: LineageService, store: Store
) -> None:
    ingest(
        service,
        job_event(1, ("tests", "job"), inputs=[inp("db", "a")], outputs=[out("db", "x")]),
        job_event(4, ("tests", "job"), inputs=[inp("db", "b")], outputs=[out("db", "x")]),
    )
    assert edge_set(store) == {
        ("db:a", JOB, "input", at_us(1), at_us(4)),
        ("db:b", JOB, "input", at_us(4), None),
        (JOB, "db:x", "output", at_us(1), None),
    }


def _entry(target: str, sources: list[str], field_map: dict[str, list[tuple[str, str]]]) -> Any:
    def source(name: str, field: str | None = None) -> lineage.LineageDatasetInput:
        return lineage.LineageDatasetInput(namespace="db", name=name, type="DATASET", field=field)

    return lineage.LineageDatasetEntry(
        namespace="db",
        name=target,
        type="DATASET",
        inputs=[source(s) for s in sources],
        fields={
            f: lineage.LineageFieldEntry(inputs=[source(n, c) for n, c in srcs])
            for f, srcs in field_map.items()
        },
    )


def test_lineage_job_facet_asserts_entity_and_column_edges(
    service: LineageService, store: Store
) -> None:
    facet = lineage.LineageJobFacet(
        entries=[
            _entry("report", ["orders"], {"total": [("orders", "amount")]}),
            lineage.LineageJobEntry(
                type="JOB",
                inputs=[lineage.LineageJobInput(type="JOB", namespace="tests", name="upstream")],
            ),
        ]
    )
    ingest(service, job_event(1, ("tests", "job"), job_facets={"lineage": facet}))
    assert {e[:3] for e in edge_set(store)} == {
        ("db:orders", JOB, "input"),
        (JOB, "db:report", "output"),
        ("db:orders#amount", "db:report#total", "column"),
        ("tests:upstream", JOB, "job"),
    }


def test_lineage_facet_on_dataset_event_derives_it_directly(
    service: LineageService, store: Store
) -> None:
    facet = lineage.LineageDatasetFacet(
        inputs=[lineage.LineageDatasetInput(namespace="db", name="raw", type="DATASET")],
        fields={
            "id": lineage.LineageFieldEntry(
                inputs=[
                    lineage.LineageDatasetInput(
                        namespace="db", name="raw", type="DATASET", field="key"
                    )
                ]
            )
        },
    )
    ingest(service, dataset_event(2, "db", "view", lineage=facet))
    assert {e[:3] for e in edge_set(store)} == {
        ("db:raw", "db:view", "derived"),
        ("db:raw#key", "db:view#id", "column"),
    }
