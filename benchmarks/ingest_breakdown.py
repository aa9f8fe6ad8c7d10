"""Where the time of one event per transaction goes: the log, the projection, HTTP.

``bench_ingest`` measures a single POST end to end against the baseline. This splits
Threadline's figure, in the same run and on fresh databases of the same kind, into what
``Store.ingest`` costs in the process with the projection and without it (the log append
alone: the duplicate check, the hash chain, the row and the commit). What the HTTP figure
adds to the first is the request (client, server, framework, thread hop); what the first
adds to the second is the projection. The events are parsed before the clock starts, so
both in-process figures are the store's own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection

from threadline.openlineage import parse_event
from threadline.projection import project
from threadline.settings import Settings
from threadline.store import Store
from threadline.times import now_us


def _no_projection(_conn: Connection, _events: Sequence[tuple[Any, int]]) -> None:
    """Project nothing: the log append alone."""


def store_rate(url: str, payloads: Sequence[bytes], *, projected: bool) -> float:
    """Ingest each event in its own transaction through ``Store.ingest``; return events/s."""
    parsed = [parse_event(orjson.loads(p), p) for p in payloads]
    store = Store(Settings(database_url=url))
    try:
        store.upgrade()
        projector = project if projected else _no_projection
        start = time.perf_counter()
        for event in parsed:
            store.ingest([event], now_us(), projector)
        elapsed = time.perf_counter() - start
    finally:
        store.close()
    return len(parsed) / elapsed


def describe(label: str, http: float, plain: float, alone: float, projected: float) -> str:
    """Return the INFO line splitting one event's milliseconds."""

    def each(rate: float) -> float:
        return 1000 / rate

    return (
        f"INFO  {label}, one event per transaction, ms per event: baseline {each(plain):.2f}; "
        f"Threadline's log append alone {each(alone):.2f} ({alone / plain:.2f}x the baseline's "
        f"rate), + projection {each(projected) - each(alone):.2f}, + the request over HTTP "
        f"{each(http) - each(projected):.2f} = {each(http):.2f} over HTTP"
    )
