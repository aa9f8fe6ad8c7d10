"""Several ``threadline serve`` processes on one database ingest and answer queries at once.

Three servers share one PostgreSQL database and two share one SQLite file. Writers post to
any of them while readers ask any of them for the downstream lineage of the source every
event reads. The promised delay: an answer includes every event acknowledged (by any
process) before the query began, because each query first catches its index up to the log
head read in its own read transaction. Afterwards no event is lost or logged twice, the
chain is one linear chain, every server answers the same whole lineage, and that answer
equals the one a freshly loaded index gives.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.chaos.checks import (
    assert_chain_verifies,
    assert_exactly_once,
    assert_projections_are_a_rebuild,
    downstream_outputs,
)
from tests.chaos.load import Ledger, Writers
from tests.chaos.servers import Server, scale
from threadline.api import create_app
from threadline.settings import Settings

LINEAGE = "/api/v1/lineage?nodeId=dataset:chaos:source&depth=2"


class Readers:
    """Threads that check each answer holds every event acknowledged before it was asked."""

    def __init__(self, bases: list[str], ledger: Ledger, *, threads: int) -> None:
        self.bases, self.ledger = bases, ledger
        self.stop = threading.Event()
        self.answers = 0
        self.missing: list[tuple[str, list[str]]] = []
        self.errors: list[str] = []
        self.threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)
        ]

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _run(self, number: int) -> None:
        rng = random.Random(number)
        while not self.stop.is_set():
            before = self.ledger.acked_now()
            base = rng.choice(self.bases)
            try:
                found = downstream_outputs(base)
            except (AssertionError, httpx.HTTPError) as exc:
                self.errors.append(f"{base}: {exc}")
                continue
            self.answers += 1
            if not before <= found:
                self.missing.append((base, sorted(before - found)[:5]))


def _graph(answer: Any) -> list[Any]:
    return sorted(answer["graph"], key=lambda node: node["id"])


def test_servers_sharing_a_database_lose_nothing_and_agree(
    db_url: str, dialect: str, tmp_path: Path
) -> None:
    servers = [Server(db_url, tmp_path) for _ in range(3 if dialect == "postgresql" else 2)]
    ledger = Ledger()
    try:
        for server in servers:
            server.spawn()
        bases = [server.wait_ready() for server in servers]
        with (
            Writers(bases, ledger, threads=2 * len(bases), prefix="w"),
            Readers(bases, ledger, threads=2) as readers,
        ):
            time.sleep(4 * scale())
        assert ledger.refused == []
        assert readers.errors == []
        assert readers.answers > 0
        assert readers.missing == []
        assert len(ledger.acked) > 0

        assert_exactly_once(db_url, ledger.acked)
        assert_chain_verifies(db_url)
        assert all(downstream_outputs(base) >= ledger.acked for base in bases)
        answers = [_graph(httpx.get(f"{base}{LINEAGE}", timeout=60).json()) for base in bases]
        with TestClient(create_app(Settings(database_url=db_url))) as fresh:
            loaded = _graph(fresh.get(LINEAGE).json())
        assert answers == [loaded] * len(bases)
    finally:
        for server in servers:
            server.stop()
    assert_projections_are_a_rebuild(db_url)
