"""Projections are a function of the log: rebuild is exact, and arrival order does not matter."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openlineage.client.facet_v2 import lineage
from typer.testing import CliRunner

from tests.events import (
    RunState,
    columns,
    dataset_event,
    inp,
    job_event,
    lifecycle,
    out,
    parent,
    run_event,
    schema,
    version,
)
from threadline.cli.main import app
from threadline.demo.sample import sample_events
from threadline.service import LineageService
from threadline.settings import Settings
from threadline.store import Store
from threadline.store.tables import edges, run_io, runs


def rich_events() -> list[dict[str, Any]]:
    """Events exercising every projection: the demo pipeline, versions, renames, static lineage."""
    derived = lineage.LineageDatasetFacet(
        inputs=[lineage.LineageDatasetInput(namespace="db", name="t", type="DATASET")]
    )
    extra = [
        run_event(
            RunState.START,
            30,
            run="w1",
            job=("x", "writer"),
            outputs=[out("db", "t", schema=schema("a", "b"))],
        ),
        run_event(
            RunState.COMPLETE,
            31,
            run="w1",
            job=("x", "writer"),
            outputs=[out("db", "t", schema=schema("a", "c"))],
            run_facets={"parent": parent("dag")},
        ),
        run_event(
            RunState.COMPLETE,
            33,
            run="r1",
            job=("x", "reader"),
            inputs=[inp("db", "t")],
            outputs=[out("db", "u", columnLineage=columns({"k": [("db", "t", "a")]}))],
        ),
        run_event(
            RunState.COMPLETE,
            35,
            run="w2",
            job=("x", "writer"),
            outputs=[out("db", "t", version=version("v9"), schema=schema("a", "c", "d"))],
        ),
        run_event(RunState.RUNNING, 36, run="r1", job=("x", "reader")),
        run_event(RunState.COMPLETE, 37, run="r2", job=("x", "reader"), inputs=[inp("db", "t")]),
        run_event(
            RunState.COMPLETE,
            38,
            run="mv",
            job=("x", "mover"),
            outputs=[out("db", "t2", lifecycleStateChange=lifecycle("RENAME", ("db", "t")))],
        ),
        dataset_event(39, "db", "view", lineage=derived, schema=schema("z")),
        job_event(40, ("x", "declared"), inputs=[inp("db", "u")], outputs=[out("db", "w")]),
        job_event(41, ("x", "declared"), inputs=[inp("db", "t2")], outputs=[out("db", "w")]),
        run_event(RunState.START, 29, run="dag", job=("tests", "dag")),
        run_event(RunState.FAIL, 42, run="dag", job=("tests", "dag")),
    ]
    return sample_events() + extra


def _ingest(service: LineageService, events: list[dict[str, Any]], *, batch: bool = False) -> None:
    if batch:
        assert not service.ingest_values(events).failed
        return
    for event in events:
        assert not service.ingest_values([event]).failed


def test_rebuild_reproduces_projections_exactly(
    service: LineageService, store: Store, db_url: str
) -> None:
    _ingest(service, rich_events())
    before = store.dump()
    assert len(before["edges"]) > 20 and len(before["dataset_versions"]) > 10
    with store.write() as conn:  # damage the projections: only a real replay mends them
        conn.execute(edges.delete())
        conn.execute(run_io.delete())
        conn.execute(runs.update().values(state="ABORT"))
    assert store.dump() != before
    result = CliRunner().invoke(app, ["rebuild", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert f"from {len(rich_events())} events" in result.output
    assert store.dump() == before
    assert store.verify().ok


@pytest.mark.parametrize("order", ["reversed", "shuffled", "one-batch"])
def test_arrival_order_does_not_change_projections(
    service: LineageService, store: Store, other_store: Store, order: str
) -> None:
    events = rich_events()
    _ingest(service, events)
    arrived = list(reversed(events)) if order == "reversed" else list(events)
    if order == "shuffled":
        random.Random(7).shuffle(arrived)
    _ingest(LineageService(other_store, other_store.settings), arrived, batch=order == "one-batch")
    assert other_store.dump() == store.dump()


@given(order=st.permutations(range(len(rich_events()))))
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_permutation_gives_in_order_result_on_sqlite(
    sqlite_template: Path, in_order_dump: dict[str, Any], order: list[int]
) -> None:
    events = rich_events()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.db"
        shutil.copy(sqlite_template, path)
        store = Store(Settings(database_url=f"sqlite:///{path}", sqlite_synchronous="OFF"))
        try:
            _ingest(LineageService(store, store.settings), [events[i] for i in order])
            assert store.dump() == in_order_dump
        finally:
            store.close()


@pytest.fixture(scope="module")
def in_order_dump(sqlite_template: Path) -> dict[str, Any]:
    """The projections of the rich events ingested in order."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in-order.db"
        shutil.copy(sqlite_template, path)
        store = Store(Settings(database_url=f"sqlite:///{path}", sqlite_synchronous="OFF"))
        _ingest(LineageService(store, store.settings), rich_events())
        dump = store.dump()
        store.close()
        return dump
