"""Overload answers 503 with ``Retry-After`` at once, and OpenLineage clients retry it.

A real ``threadline serve`` takes at most two ingestion requests at a time and waits at
most one second for the log's write lock. The test holds that lock itself (a write
transaction of its own on the same database) while many clients post at once: every one
gets a 503 with ``Retry-After`` well before its timeout, either because the server is full
(``overloaded``, before its body is read) or because the lock did not come in time
(``store_unavailable``); reads stay answered meanwhile. The official OpenLineage client,
with its default retry policy, gets its event stored once the lock is released; the
Threadline SDK keeps what was refused in its spool and delivers it later.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.transport.http import HttpConfig, HttpTransport

from tests.chaos.checks import assert_chain_verifies, assert_exactly_once
from tests.chaos.load import client_event, event
from tests.chaos.servers import Server, scale
from threadline.sdk import Tracker
from threadline.settings import Settings
from threadline.store import Store

LIMITS = {"THREADLINE_MAX_INFLIGHT_INGEST": "2", "THREADLINE_WRITE_LOCK_TIMEOUT": "1"}


def _post(base: str, key: str) -> tuple[int, str | None, str]:
    answer = httpx.post(f"{base}/api/v1/lineage", json=event(key), timeout=30)
    return answer.status_code, answer.headers.get("retry-after"), answer.json().get("error", "")


def test_overload_is_answered_503_with_retry_after_and_clients_retry(
    db_url: str, tmp_path: Path
) -> None:
    server = Server(db_url, tmp_path, env=LIMITS)
    holder = Store(Settings(database_url=db_url, migrate_on_start=False))
    try:
        base = server.start()
        assert _post(base, "first")[0] == 201  # the log has a head to lock from here on
        clients = 24 * scale()
        with holder.write(), ThreadPoolExecutor(clients) as pool:  # the write lock is ours
            answers = list(pool.map(lambda n: _post(base, f"busy-{n}"), range(clients)))
            health = httpx.get(f"{base}/health", timeout=30)
        assert health.status_code == 200
        assert {(status, retry) for status, retry, _error in answers} == {(503, "1")}
        errors = Counter(error for _status, _retry, error in answers)
        assert set(errors) == {"overloaded", "store_unavailable"}
        assert errors["store_unavailable"] <= clients - errors["overloaded"]

        emitter = OpenLineageClient(transport=HttpTransport(HttpConfig.from_dict({"url": base})))
        delivered: list[BaseException | None] = []

        def emit() -> None:
            try:
                emitter.emit(client_event("retried"))
                delivered.append(None)
            except BaseException as exc:
                delivered.append(exc)

        with holder.write():
            sender = threading.Thread(target=emit, daemon=True)
            sender.start()
            time.sleep(2.5)  # the client is answered 503 and retries meanwhile
            assert delivered == []
        sender.join(timeout=60)
        assert delivered == [None]
    finally:
        holder.close()
        server.stop()
    assert_exactly_once(db_url, {"first", "retried"})
    assert_chain_verifies(db_url)


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_the_sdk_spools_events_an_overloaded_server_refuses_and_delivers_them_later(
    db_url: str, tmp_path: Path
) -> None:
    server = Server(db_url, tmp_path, env=LIMITS)
    holder = Store(Settings(database_url=db_url, migrate_on_start=False))
    spool = tmp_path / "spool"
    try:
        base = server.start()
        assert _post(base, "first")[0] == 201
        tracker = Tracker(url=base, spool=spool, namespace="busy")
        with holder.write():  # every write now waits a second and is answered 503
            with tracker.step("while-busy"):
                pass
            assert len(list(spool.glob("*.json"))) == 2  # START and COMPLETE wait
        assert tracker.flush() == 0
        tracker.close()
        stored = httpx.get(f"{base}/api/v1/namespaces/busy/jobs/while-busy", timeout=30)
        assert stored.json()["latestRun"]["state"] == "COMPLETED"
    finally:
        holder.close()
        server.stop()
    assert_chain_verifies(db_url)
