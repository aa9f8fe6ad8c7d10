"""What one event of a batch caches (entity spans, dataset fields) never goes stale for the next.

Each scenario is projected twice: one event per transaction (nothing cached across events)
and in the batches given (caches shared by the events of a batch). The projections must be
identical, and the hidden flag must be what the last event decided.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import orjson
import pytest

from tests.events import RunState, columns, inp, out, run_event, schema, version
from tests.projection.helpers import dataset_row
from threadline.admin import admin_event
from threadline.model import ParsedEvent
from threadline.openlineage import parse_event
from threadline.projection import project
from threadline.store import Store

WRITER = ("x", "writer")
READER = ("x", "reader")


def _parsed(value: dict[str, Any]) -> ParsedEvent:
    return parse_event(value, orjson.dumps(value))


def _write(minutes: float, *fields: str) -> ParsedEvent:
    target = out("db", "t", schema=schema(*fields))
    return _parsed(
        run_event(RunState.COMPLETE, minutes, run=f"w{minutes}", job=WRITER, outputs=[target])
    )


def _read(minutes: float, *fields: str) -> ParsedEvent:
    lineage = columns({f: [("db", "t", f)] for f in fields}) if fields else None
    target = out("db", "u", columnLineage=lineage) if lineage else out("db", "u")
    return _parsed(
        run_event(
            RunState.COMPLETE,
            minutes,
            run=f"r{minutes}",
            job=READER,
            inputs=[inp("db", "t")],
            outputs=[target],
        )
    )


def _run(state: RunState | None, minutes: float, *fields: str) -> ParsedEvent:
    """An event of run ``r`` of the reader: reads db:t, writes db:u."""
    lineage = columns({f: [("db", "t", f)] for f in fields}) if fields else None
    target = out("db", "u", columnLineage=lineage) if lineage else out("db", "u")
    return _parsed(
        run_event(state, minutes, run="r", job=READER, inputs=[inp("db", "t")], outputs=[target])
    )


def _versioned(state: RunState, minutes: float, name: str, *fields: str) -> ParsedEvent:
    """An event of run ``v`` of the writer: writes db:t at an explicit version, with a schema."""
    target = out("db", "t", schema=schema(*fields), version=version(name))
    return _parsed(run_event(state, minutes, run="v", job=WRITER, outputs=[target]))


def _bare(state: RunState, minutes: float, run: str) -> ParsedEvent:
    """An event of a reader's run that names no datasets (its job version has none)."""
    return _parsed(run_event(state, minutes, run=run, job=READER))


def _hide_table() -> ParsedEvent:
    return admin_event("hide", {"type": "dataset", "namespace": "db", "name": "t"})


def _hide_namespace() -> ParsedEvent:
    return admin_event("hide", {"type": "namespace", "name": "db"})


def _scenarios() -> dict[str, tuple[list[list[ParsedEvent]], bool]]:
    """Batches of events, and whether db:t ends hidden."""
    return {
        "hide after a widened span": ([[_write(1, "a")], [_read(2), _hide_table()]], True),
        "hide namespace after spans": (
            [[_write(1, "a")], [_read(2), _write(3), _hide_namespace()]],
            True,
        ),
        "mention after hide": ([[_write(1, "a")], [_read(2), _hide_table(), _read(3)]], False),
        "hide and mention, no earlier": ([[_write(5, "a"), _hide_table(), _read(1)]], False),
        "fields added then used": (
            [[_write(1, "a")], [_write(2, "a", "b"), _read(3, "a", "b"), _write(4, "c", "a")]],
            False,
        ),
        "a new run seen again": (
            [[_write(1, "a"), _run(RunState.START, 2), _run(RunState.COMPLETE, 3, "a")]],
            False,
        ),
        "a new run without a state, then late": (
            [[_run(RunState.COMPLETE, 3), _run(None, 4, "a"), _run(RunState.START, 1, "a")]],
            False,
        ),
        "fields of a new dataset": (
            [[_write(1, "a", "b"), _read(2, "b"), _read(3, "a", "b")]],
            False,
        ),
        # Runs, their inputs and outputs, schemas and versions read ahead (``prefetch``).
        "a known run read ahead": (
            [
                [_write(1, "a"), _run(RunState.START, 2)],
                [_run(RunState.COMPLETE, 3, "a")],
                [_run(None, 4, "a"), _write(5, "a", "b")],
                [_run(RunState.START, 1, "a"), _read(6, "b")],
            ],
            False,
        ),
        "a known run read ahead after a hide": (
            [[_run(RunState.START, 2)], [_hide_table(), _run(RunState.COMPLETE, 3, "a")]],
            False,
        ),
        # A completed run's job version is dropped when a late event adds datasets to the
        # run, then made again by another run in the same transaction. Job versions are
        # linked when the batch's rows are flushed: an admin event flushes between them.
        "a job version dropped and made again": (
            [
                [
                    _bare(RunState.COMPLETE, 1, "r"),
                    _hide_namespace(),
                    _run(RunState.COMPLETE, 2),
                    _hide_namespace(),
                    _bare(RunState.COMPLETE, 3, "s"),
                ]
            ],
            True,
        ),
        "explicit versions read ahead": (
            [
                [_versioned(RunState.START, 1, "v1", "a")],
                [_versioned(RunState.COMPLETE, 2, "v1", "a", "b"), _read(3, "a")],
                [_versioned(RunState.COMPLETE, 4, "v2", "a"), _versioned(RunState.FAIL, 0.5, "v1")],
            ],
            False,
        ),
    }


def _one_by_one(store: Store, batch: list[ParsedEvent]) -> None:
    for event in batch:
        store.ingest([event], 1, project)


def _looked_up_when_met(store: Store, batch: list[ParsedEvent]) -> None:
    store.ingest(batch, 1, partial(project, read_ahead=False))


OTHER_WAYS = {"one event per transaction": _one_by_one, "no read ahead": _looked_up_when_met}
"""Ways of projecting the same batches that must give what a batch with read-ahead gives."""


@pytest.mark.parametrize("way", list(OTHER_WAYS))
@pytest.mark.parametrize("name", list(_scenarios()))
def test_batch_projects_like_the_other_ways(
    store: Store, other_store: Store, name: str, way: str
) -> None:
    batches, hidden = _scenarios()[name]
    for batch in batches:
        store.ingest(batch, 1, project)
        OTHER_WAYS[way](other_store, batch)
    assert store.dump() == other_store.dump()
    assert dataset_row(store, "db", "t")["is_hidden"] is hidden
