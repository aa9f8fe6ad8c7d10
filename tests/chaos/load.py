"""A load generator for the chaos tests and the ledger of what each client was told.

Every event is built from a key alone, so a retry is byte for byte the event first sent.
Each event is a run of its own job ``job-<key>`` reading ``chaos.source`` and writing
``chaos.out-<key>``: the downstream lineage of ``dataset:chaos:source`` names every event.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from sqlalchemy import select

from threadline.settings import Settings
from threadline.store import Store
from threadline.store.tables import events

PRODUCER = "https://github.com/threadline/threadline/tests/chaos"
SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"
_IDS = uuid.UUID("0f5e1c9a-3b2d-4e6f-8a7b-9c0d1e2f3a4b")


def event(key: str) -> dict[str, Any]:
    """Return the one event of a key."""
    return {
        "eventType": "COMPLETE",
        "eventTime": "2024-03-01T00:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SCHEMA,
        "run": {"runId": str(uuid.uuid5(_IDS, key))},
        "job": {"namespace": "chaos", "name": f"job-{key}"},
        "inputs": [{"namespace": "chaos", "name": "source"}],
        "outputs": [{"namespace": "chaos", "name": f"out-{key}"}],
    }


def client_event(key: str) -> RunEvent:
    """Return the event of a key as the OpenLineage client's own class."""
    value = event(key)
    return RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=value["eventTime"],
        run=Run(runId=value["run"]["runId"]),
        job=Job(namespace="chaos", name=value["job"]["name"]),
        producer=PRODUCER,
        inputs=[InputDataset(namespace="chaos", name="source")],
        outputs=[OutputDataset(namespace="chaos", name=f"out-{key}")],
    )


def key_of(payload: bytes) -> str:
    """Return the key of a logged event."""
    name: str = orjson.loads(payload)["job"]["name"]
    return name.removeprefix("job-")


def logged_keys(db_url: str) -> Counter[str]:
    """Count each key's events in the log, read straight from the database."""
    store = Store(Settings(database_url=db_url, migrate_on_start=False))
    try:
        with store.read() as conn:
            rows = conn.execute(select(events.c.payload).where(events.c.kind == "RunEvent"))
            return Counter(key_of(bytes(row.payload)) for row in rows)
    finally:
        store.close()


@dataclass
class Ledger:
    """What the clients sent and what they were told, shared by their threads."""

    acked: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)
    refused: list[tuple[str, int, str]] = field(default_factory=list)
    retried: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def settle(self, keys: Iterable[str], status: int | None, body: str = "") -> None:
        """Record the answer to a request carrying these keys (None: no answer at all)."""
        with self.lock:
            for key in keys:
                if status is not None and 200 <= status < 300:
                    self.acked.add(key)
                    self.unanswered.discard(key)
                elif status is None or status == 503:
                    if key not in self.acked:
                        self.unanswered.add(key)
                else:
                    self.refused.append((key, status, body[:200]))

    def note_retry(self, keys: Iterable[str]) -> None:
        """Record that these keys are being sent again after getting no answer."""
        with self.lock:
            self.retried.update(keys)

    def acked_now(self) -> frozenset[str]:
        """Return the keys acknowledged so far."""
        with self.lock:
            return frozenset(self.acked)


def post(http: httpx.Client, base: str, keys: list[str], *, batch: bool) -> tuple[int | None, str]:
    """Send the keys' events (one alone, or as a batch); return the status, None if no answer."""
    try:
        if batch:
            response = http.post(f"{base}/api/v1/lineage/batch", json=[event(k) for k in keys])
            if response.status_code == 200 and response.json()["status"] != "success":
                return 500, response.text  # a valid event refused: no better status to record
        else:
            response = http.post(f"{base}/api/v1/lineage", json=event(keys[0]))
    except httpx.HTTPError:
        return None, ""
    return response.status_code, response.text


class Writers:
    """Threads that post events, singly and in batches, until told to stop.

    A request that got no answer (or a 503) is sent again, unchanged, as a client retries.
    """

    def __init__(self, bases: list[str], ledger: Ledger, *, threads: int, prefix: str) -> None:
        self.bases, self.ledger = bases, ledger
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(f"{prefix}{n}",), daemon=True)
            for n in range(threads)
        ]

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _run(self, name: str) -> None:
        """Post new events; send events that got no answer again, as they were, first."""
        rng = random.Random(name)
        number = 0
        keys: list[str] = []
        with httpx.Client(timeout=10) as http:
            while not self.stop.is_set():
                if not keys:
                    keys = [f"{name}-{number + i}" for i in range(rng.choice([1, 1, 2, 5]))]
                    number += len(keys)
                status, body = post(http, rng.choice(self.bases), keys, batch=len(keys) > 1)
                self.ledger.settle(keys, status, body)
                if status is None or status == 503:
                    self.ledger.note_retry(keys)
                    time.sleep(0.1)  # the server is down or busy: wait, then send them again
                else:
                    keys = []


def resend_unanswered(base: str, ledger: Ledger, *, attempts: int = 20) -> None:
    """Send every unanswered event again, one by one, until each is acknowledged."""
    with httpx.Client(timeout=30) as http:
        for key in sorted(ledger.unanswered):
            for _attempt in range(attempts):
                status, body = post(http, base, [key], batch=False)
                if status is not None and status != 503:
                    break
                time.sleep(0.2)
            ledger.settle([key], status, body)
