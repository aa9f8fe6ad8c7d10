"""A batch of many events with many inputs and outputs projects as one event per transaction.

The batch path reads entities ahead, creates fields together, remembers the run inputs,
outputs and versions it wrote, and sweeps edges and refreshes derived columns once at
the end; none of that may change what is projected. The events here overlap on purpose:
runs read what other runs write (and sometimes what they write themselves), schemas
and SQL change, versions are explicit or implied, events arrive out of time order, some are sent
twice within a batch, and admin events and static declarations are mixed in.
"""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest
from openlineage.client.facet_v2 import sql_job

from tests.events import (
    RunState,
    columns,
    dataset_event,
    inp,
    job_event,
    out,
    run_event,
    schema,
    version,
)
from threadline.admin import admin_event
from threadline.model import ParsedEvent
from threadline.openlineage import parse_event
from threadline.projection import project
from threadline.store import Store

TABLES = [("db", f"t{n}") for n in range(8)] + [("lake", f"f{n}") for n in range(4)]
STATES = (RunState.START, RunState.RUNNING, RunState.COMPLETE, RunState.FAIL, None)


def _parsed(value: dict[str, Any]) -> ParsedEvent:
    return parse_event(value, orjson.dumps(value))


def _output(rng: random.Random, target: tuple[str, str], reads: list[tuple[str, str]]) -> Any:
    fields = [f"c{i}" for i in range(rng.randint(1, 4))]
    facets: dict[str, Any] = {"schema": schema(*fields)}
    if reads:
        facets["columnLineage"] = columns(
            {f: [(*rng.choice(reads), f"c{rng.randint(0, 3)}")] for f in fields},
            dataset=[(*rng.choice(reads), "c0")] if rng.random() < 0.3 else None,
        )
    if rng.random() < 0.2:
        facets["version"] = version(f"v{rng.randint(1, 3)}")
    return out(*target, **facets)


def _input(rng: random.Random, source: tuple[str, str]) -> Any:
    """An input, sometimes with an explicit version or a schema of its own."""
    draw = rng.random()
    if draw < 0.15:
        return inp(*source, version=version(f"v{rng.randint(1, 3)}"))
    if draw < 0.3:
        return inp(*source, schema=schema(*[f"c{i}" for i in range(rng.randint(1, 5))]))
    return inp(*source)


def _run_events(rng: random.Random, count: int) -> list[dict[str, Any]]:
    found = []
    for number in range(count):
        job = ("jobs", f"job{number % 5}")
        reads = rng.sample(TABLES, rng.randint(1, 4))
        writes = rng.sample(TABLES, rng.randint(1, 3))  # may overlap what it reads
        inputs = [_input(rng, t) for t in reads]
        for state in rng.sample(STATES, rng.randint(1, 3)):
            found.append(
                run_event(
                    state,
                    rng.uniform(0, 120),
                    run=f"run{number}",
                    job=job,
                    inputs=inputs,
                    outputs=[_output(rng, t, reads) for t in writes],
                    job_facets={"sql": sql_job.SQLJobFacet(query=f"q{rng.randint(1, 3)}")},
                )
            )
    return found


def _events(seed: int) -> list[ParsedEvent]:
    rng = random.Random(seed)
    values = _run_events(rng, 14)
    values.append(dataset_event(30, "db", "t1", schema=schema("c0", "c9")))
    values.append(
        job_event(40, ("jobs", "static"), inputs=[inp("db", "t2")], outputs=[out(*TABLES[9])])
    )
    rng.shuffle(values)
    values += rng.sample(values, 6)  # re-sent within the batch: logged and projected once
    parsed = [_parsed(value) for value in values]
    parsed.insert(
        len(parsed) // 2, admin_event("hide", {"type": "dataset", "namespace": "db", "name": "t3"})
    )
    parsed.insert(len(parsed) // 3, admin_event("hide", {"type": "namespace", "name": "lake"}))
    return parsed


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mixed_batch_projects_like_one_event_per_transaction(
    store: Store, other_store: Store, seed: int
) -> None:
    events = _events(seed)
    outcomes = store.ingest(events, 1, project)
    assert sum(o.duplicate for o in outcomes) == 6
    for event in events:
        other_store.ingest([event], 1, project)
    assert store.dump() == other_store.dump()


def test_mixed_batches_rebuild_to_the_same_projections(store: Store) -> None:
    events = _events(4)
    for start in range(0, len(events), 17):
        store.ingest(events[start : start + 17], 1, project)
    before = store.dump()
    assert store.rebuild(project) == len(events) - 6
    assert store.dump() == before


def _history(seed: int) -> list[ParsedEvent]:
    """Runs that write each table many times (more versions than a batch reads ahead of
    each), some of them at the same instant."""
    rng = random.Random(seed)
    values = [
        run_event(
            RunState.COMPLETE,
            rng.choice([10, 50, 90]) if rng.random() < 0.3 else rng.uniform(0, 120),
            run=f"history{number}",
            job=("jobs", f"writer{number % 3}"),
            outputs=[out(*t) for t in rng.sample(TABLES, 4)],
        )
        for number in range(30)
    ]
    return [_parsed(value) for value in values]


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_batch_over_a_long_history_projects_like_one_event_per_transaction(
    store: Store, other_store: Store, seed: int
) -> None:
    """Inputs read at any time of a history of versions are bound as one by one."""
    for event in _history(seed):
        store.ingest([event], 1, project)
        other_store.ingest([event], 1, project)
    events = _events(seed)
    store.ingest(events, 1, project)
    for event in events:
        other_store.ingest([event], 1, project)
    assert store.dump() == other_store.dump()
