"""The lineage index follows the log: applying changes equals loading everything afresh."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from tests.events import RunState, columns, dataset_event, inp, job_event, out, run_event, schema
from threadline.index import IndexState, LineageIndex
from threadline.index.loader import epoch, head
from threadline.queries.edgesets import valid_edges
from threadline.queries.options import QueryOptions
from threadline.service import LineageService
from threadline.store import Store
from threadline.times import parse_iso_us


def _history() -> list[dict[str, Any]]:
    events = []
    for i in range(12):
        job = ("tests", f"j{i % 3}")
        ins = [inp("db", f"d{(i + k) % 7}") for k in range(1 + i % 3)]
        outs = [
            out(
                "db",
                f"d{(i + 3) % 7}",
                schema=schema("a", "b"),
                columnLineage=columns({"a": [("db", f"d{i % 7}", "a")]}),
            )
        ]
        events.append(run_event(RunState.START, i * 2, run=f"r{i}", job=job, inputs=ins))
        state = RunState.FAIL if i % 5 == 4 else RunState.COMPLETE
        events.append(run_event(state, i * 2 + 1, run=f"r{i}", job=job, inputs=ins, outputs=outs))
    events.append(dataset_event(30, "db", "d1", schema=schema("a")))
    events.append(
        job_event(31, ("tests", "static"), inputs=[inp("db", "d2")], outputs=[out("db", "z")])
    )
    return events


def _snapshot(state: IndexState, times: list[int | None]) -> dict[str, Any]:
    n = state.nodes
    view: dict[str, Any] = {
        "nodes": sorted(
            (i, int(n.type[i]), n.kind_names[n.kind[i]], bool(n.hidden[i]))
            for i in np.nonzero(n.type)[0].tolist()
        ),
    }
    for name in ("entity", "column", "version"):
        graph = getattr(state, name)
        for when in times:
            view[f"{name}@{when}"] = sorted(map(tuple, valid_edges(graph, when).tolist()))
    return view


def _fresh(store: Store) -> IndexState:
    index = LineageIndex(store)
    return index.refresh()


def test_incremental_index_equals_a_full_load_after_every_event(
    service: LineageService, store: Store
) -> None:
    events = _history()
    random.Random(3).shuffle(events)  # out-of-order delivery too
    times = [None, *(parse_iso_us(e["eventTime"]) for e in events[::5])]
    follower = LineageIndex(store)
    follower.refresh()
    for event in events:
        assert not service.ingest_values([event]).failed
        incremental = follower.refresh()
        assert _snapshot(incremental, times) == _snapshot(_fresh(store), times)
    service.record_admin("hide", {"type": "dataset", "namespace": "db", "name": "d3"})
    assert _snapshot(follower.refresh(), times) == _snapshot(_fresh(store), times)
    assert follower.refresh().edge_count > 0


def test_index_reloads_after_rebuild_and_follows_other_writers(
    service: LineageService, store: Store, settings: Any
) -> None:
    reader_store = Store(settings)  # another process's view of the same database
    try:
        reader = LineageIndex(reader_store)
        before = reader.refresh()
        for event in _history()[:8]:
            service.ingest_values([event])
        with store.read() as conn:
            assert reader.refresh().seq == head(conn)
        old_epoch = reader.refresh().epoch
        service.rebuild()
        after = reader.refresh()
        with store.read() as conn:
            assert after.epoch == epoch(conn) != old_epoch
        assert _snapshot(after, [None]) == _snapshot(_fresh(store), [None])
        assert before.seq == 0
    finally:
        reader_store.close()


def test_a_query_sees_what_another_process_committed_just_before(
    service: LineageService, settings: Any
) -> None:
    # The writer's ids are new to this process's snapshot, which was current a moment ago:
    # the query must catch up rather than traverse a snapshot that lacks them.
    writer_store = Store(settings)
    try:
        writer = LineageService(writer_store, settings)
        upstream = QueryOptions(direction="upstream", depth=4)
        for i in range(3):
            job, source, target = ("tests", f"late{i}"), ("db", f"src{i}"), ("db", f"dst{i}")
            service.index.state()
            ingest = [
                run_event(RunState.START, 2 * i, run=f"l{i}", job=job),
                run_event(
                    RunState.COMPLETE,
                    2 * i + 1,
                    run=f"l{i}",
                    job=job,
                    inputs=[inp(*source)],
                    outputs=[out(*target)],
                ),
            ]
            assert not writer.ingest_values(ingest).failed
            found = service.lineage(f"dataset:db:dst{i}", upstream)
            assert {(n.namespace, n.name) for n in found.nodes} >= {job, source}
            since = "2000-01-01T00:00:00Z"
            versions = service.affected(f"dataset:db:src{i}", since=since)
            assert versions == writer.affected(f"dataset:db:src{i}", since=since)
    finally:
        writer_store.close()
