"""Fixtures for the SDK tests: trackers writing into a fresh store, locally or over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from threadline.queries.options import QueryOptions
from threadline.sdk import Tracker
from threadline.service import LineageService
from threadline.wire import lineage_json


@pytest.fixture
def local(db_url: str, tmp_path: Path) -> Iterator[Tracker]:
    """A tracker writing straight into the fresh store (no server)."""
    tracker = Tracker(db=db_url, namespace="sdk", spool=tmp_path / "unused-spool")
    yield tracker
    tracker.close()


@pytest.fixture
def remote(live_server: str, tmp_path: Path) -> Iterator[Tracker]:
    """A tracker sending to a real server over HTTP (serving the fresh store)."""
    tracker = Tracker(url=live_server, namespace="sdk", spool=tmp_path / "spool")
    yield tracker
    tracker.close()


def logged(service: LineageService) -> list[dict[str, Any]]:
    """Return every event of the log, in the order it was appended (sequence number)."""
    page = service.events(sort_direction="asc", limit=10_000)
    ordered = sorted(page.events, key=lambda e: e.seq)
    return [orjson.loads(e.payload) for e in ordered if e.payload is not None]


def states(service: LineageService, run_id: str) -> list[str]:
    """Return the event types logged for one run, in log order."""
    return [e["eventType"] for e in logged(service) if e["run"]["runId"] == run_id]


def upstream(service: LineageService, ref: str, *, granularity: str = "version") -> dict[str, Any]:
    """Return the upstream lineage of a node as the native API answers it."""
    service.index.refresh()  # the tracker wrote through another process's view of the store
    options = QueryOptions.parse(direction="upstream", granularity=granularity)
    return lineage_json(service.lineage(ref, options))


def file_ref(path: Path, version: str | None = None) -> str:
    """Return the node reference of a local file (as the SDK names it)."""
    return f"dataset:file:{path.resolve()}" + (f"#{version}" if version else "")
