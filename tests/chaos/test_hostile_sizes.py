"""Huge and deep events against a real server: a 4xx or a correct acceptance, never a crash.

The corpus the bad-input tests (``tests/api/test_bad_input.py`` and its neighbours) leave
out: a 10 MB string (in a facet and as a job name), 10,000 levels of nesting, an event with
5,000 inputs and one with 20,000 column-lineage input fields, and a body over the limit.
Each is posted to a real ``threadline serve`` while another client keeps asking for
``/health`` and posting small events: every one of its requests is answered. Afterwards
the server is still up, its memory peak is bounded, the accepted events are projected
(5,000 inputs, 20,000 column edges), the chain verifies and the projections equal a
rebuild.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from tests.chaos.checks import assert_chain_verifies, assert_projections_are_a_rebuild
from tests.chaos.load import event
from tests.chaos.servers import Server, scale
from threadline.settings import Settings
from threadline.store import Store
from threadline.store.tables import run_edges, run_io

MB = 1024 * 1024
PEAK_RSS_MB = 1000  # about 250 MB measured: a few copies of the largest body, not unbounded


def _with(key: str, **changes: Any) -> dict[str, Any]:
    return {**event(key), **changes}


def _corpus() -> dict[str, tuple[bytes, int]]:
    """Each hostile body and the status it must get."""
    deep = b'{"x":' * 10_000 + b"1" + b"}" * 10_000
    nested = orjson.dumps(_with("deep", run={"runId": event("deep")["run"]["runId"]}))
    nested = nested.replace(b'"run":{', b'"run":{"facets":{"custom":@@},', 1).replace(b"@@", deep)
    column_inputs = [
        {"namespace": "hostile", "name": "wide_source", "field": f"c{i}"} for i in range(20_000)
    ]
    column_facet = {
        "columnLineage": {
            "_producer": "https://example.com",
            "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
            "fields": {"all": {"inputFields": column_inputs}},
        }
    }
    return {
        "10mb-facet-string": (
            orjson.dumps(
                _with("big", run={**event("big")["run"], "facets": {"x": {"v": "x" * 10 * MB}}})
            ),
            201,
        ),
        "10mb-job-name": (
            orjson.dumps(_with("name", job={"namespace": "hostile", "name": "n" * 10 * MB})),
            201,
        ),
        "10000-levels": (nested, 400),
        "5000-inputs": (
            orjson.dumps(
                _with(
                    "inputs",
                    inputs=[{"namespace": "hostile", "name": f"in{i}"} for i in range(5_000)],
                )
            ),
            201,
        ),
        "20000-column-inputs": (
            orjson.dumps(
                _with(
                    "columns",
                    outputs=[{"namespace": "hostile", "name": "target", "facets": column_facet}],
                )
            ),
            201,
        ),
        "over-the-limit": (b"[" + b'"x",' * (5 * MB) + b'"x"]', 413),
    }


class Prober:
    """Another client: asks for /health and posts small events until told to stop."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.stop = threading.Event()
        self.answers: list[int] = []
        self.failures: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        number = 0
        with httpx.Client(timeout=60) as http:
            while not self.stop.wait(0.1):
                number += 1
                try:
                    health = http.get(f"{self.base}/health")
                    posted = http.post(f"{self.base}/api/v1/lineage", json=event(f"probe-{number}"))
                except httpx.HTTPError as exc:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                self.answers += [health.status_code, posted.status_code]


# PostgreSQL takes about a minute over this corpus (mostly the rebuild of 20,000 column
# edges): it runs at ``make chaos`` size, SQLite in every run.
@pytest.mark.parametrize("dialect", ["sqlite", *(["postgresql"] if scale() > 1 else [])])
def test_huge_and_deep_events_get_a_4xx_or_are_stored_and_others_are_served(
    db_url: str, tmp_path: Path
) -> None:
    server = Server(db_url, tmp_path)
    prober: Prober | None = None
    try:
        base = server.start()
        prober = Prober(base)
        prober.thread.start()
        answers = {}
        with httpx.Client(timeout=300) as http:
            for name, (body, _expected) in _corpus().items():
                answer = http.post(
                    f"{base}/api/v1/lineage",
                    content=body,
                    headers={"content-type": "application/json"},
                )
                answers[name] = answer.status_code
        prober.stop.set()
        prober.thread.join(timeout=120)
        assert answers == {name: expected for name, (_body, expected) in _corpus().items()}
        assert prober.failures == []
        assert prober.answers and set(prober.answers) == {200, 201}
        assert httpx.get(f"{base}/health", timeout=30).status_code == 200
        assert server.peak_rss_mb() < PEAK_RSS_MB
    finally:
        if prober is not None:
            prober.stop.set()
        server.stop()
    store = Store(Settings(database_url=db_url, migrate_on_start=False))
    try:
        with store.read() as conn:
            inputs = conn.execute(
                select(func.count()).select_from(run_io).where(run_io.c.direction == "in")
            ).scalar()
            column_edges = conn.execute(select(func.count()).select_from(run_edges)).scalar()
    finally:
        store.close()
    probes = len(prober.answers) // 2 if prober else 0
    # chaos.source for each probe and the other accepted events; the column source too
    assert (inputs, column_edges) == (5_000 + probes + 3 + 1, 20_000)
    assert_chain_verifies(db_url)
    assert_projections_are_a_rebuild(db_url)
