"""Group commit: single events that wait behind a write share the next transaction.

And what both ways of writing many events in one transaction (a group, a batch) do with an
event the projection cannot take: it fails alone.
"""

from __future__ import annotations

import threading
import time

import orjson

from tests.events import RunState, body, inp, out, run_event, schema
from threadline.errors import StoreUnavailable
from threadline.model import IngestOutcome
from threadline.openlineage import parse_event
from threadline.projection import project
from threadline.service import LineageService
from threadline.settings import Settings
from threadline.store import Store
from threadline.store.log import lock_head

WRITERS = 6


def _bodies() -> list[bytes]:
    """Six events of a three-job chain (each job reads what the one before wrote)."""
    events = []
    for n in range(3):
        for state, minute in ((RunState.START, 10 * n), (RunState.COMPLETE, 10 * n + 5)):
            events.append(
                run_event(
                    state,
                    minute,
                    run=f"run-{n}",
                    job=("tests", f"job-{n}"),
                    inputs=[inp("warehouse", f"out-{n - 1}" if n else "source")],
                    outputs=[out("warehouse", f"out-{n}", schema=schema("id", "amount"))],
                )
            )
    return [body(event) for event in events]


def _send_behind_a_write(
    service: LineageService, bodies: list[bytes], *, hold_s: float
) -> list[IngestOutcome | BaseException]:
    """Send each body from its own thread while the test holds the log head's lock.

    The lock is released once every request but the one waiting for it has queued, and
    ``hold_s`` later. Returns what each request got.
    """
    results: list[IngestOutcome | BaseException] = [RuntimeError("no answer")] * len(bodies)

    def send(at: int) -> None:
        try:
            results[at] = service.ingest_body(bodies[at])
        except BaseException as exc:  # the test reads what each request got
            results[at] = exc

    threads = [threading.Thread(target=send, args=(at,), daemon=True) for at in range(len(bodies))]
    with service.store.write() as conn:
        lock_head(conn)
        threads[0].start()  # the first request writes at once: it waits for the lock
        time.sleep(0.2)
        for thread in threads[1:]:
            thread.start()
        deadline = time.monotonic() + 30
        while service.group_commit.waiting < len(bodies) - 1:
            assert time.monotonic() < deadline, "the other requests never queued"
            time.sleep(0.01)
        time.sleep(hold_s)
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_events_queued_behind_a_write_share_the_next_transaction(
    service: LineageService, other_store: Store
) -> None:
    bodies = _bodies()
    results = _send_behind_a_write(service, bodies, hold_s=0.0)
    outcomes = [r for r in results if isinstance(r, IngestOutcome)]
    assert len(outcomes) == WRITERS, results
    assert sorted(o.seq for o in outcomes) == list(range(1, WRITERS + 1))
    assert not any(o.duplicate for o in outcomes)
    logged, total = service.store.events_page(
        after_us=0, before_us=2**62, descending=False, limit=100, offset=0
    )
    assert total == WRITERS
    # One transaction for the first request, one for the five that queued behind it
    # (a transaction's events share its time of receipt).
    by_seq = sorted(logged, key=lambda e: e.seq)
    assert len({e.received_us for e in by_seq[1:]}) == 1
    assert by_seq[0].received_us != by_seq[1].received_us
    report = service.store.verify()
    assert (report.checked, report.broken) == (WRITERS, None)
    # The projection is the one the same events give one transaction each, in log order.
    for event in by_seq:
        assert event.payload is not None
        parsed = parse_event(orjson.loads(event.payload), event.payload)
        other_store.ingest([parsed], event.received_us, project)
    assert other_store.dump() == service.store.dump()


def test_a_request_alone_is_written_at_once_in_its_own_transaction(
    service: LineageService,
) -> None:
    for at, payload in enumerate(_bodies()):
        outcome = service.ingest_body(payload)
        assert (outcome.seq, outcome.duplicate) == (at + 1, False)
        assert service.group_commit.waiting == 0
    again = service.ingest_body(_bodies()[0])
    assert (again.seq, again.duplicate) == (1, True)


def test_a_group_the_store_cannot_write_fails_every_request_and_writes_nothing(
    db_url: str,
) -> None:
    settings = Settings(database_url=db_url, sqlite_synchronous="NORMAL", write_lock_timeout_s=1.0)
    store = Store(settings)
    try:
        service = LineageService(store, settings)
        bodies = _bodies()
        results = _send_behind_a_write(service, bodies, hold_s=2.5)
        assert all(isinstance(r, StoreUnavailable) for r in results), results
        assert store.head_seq() == 0  # nothing was written
        assert service.group_commit.waiting == 0
        # The clients' retries are written (the group commit is not left stuck).
        retried = [service.ingest_body(payload) for payload in bodies]
        assert [o.seq for o in retried] == list(range(1, WRITERS + 1))
    finally:
        store.close()


_POISON = {
    "sqlite": [
        "CREATE TRIGGER poison BEFORE INSERT ON jobs WHEN NEW.name = 'poison' "
        "BEGIN SELECT RAISE(ABORT, 'this job cannot be projected'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.name = 'poison' THEN RAISE EXCEPTION 'this job cannot be projected'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER poison BEFORE INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION poison()",
    ],
}


def _with_poison(store: Store) -> list[bytes]:
    """Make the database refuse the job ``poison`` (as a projection bug would fail); return
    the six events with one of that job's inserted at index 3."""
    with store.engine.begin() as conn:
        for statement in _POISON[store.dialect]:
            conn.exec_driver_sql(statement)
    bodies = _bodies()
    bodies.insert(3, body(run_event(RunState.START, 50, run="run-poison", job=("tests", "poison"))))
    return bodies


def test_an_event_the_projection_cannot_take_fails_alone_and_its_group_is_written(
    service: LineageService,
) -> None:
    results = _send_behind_a_write(service, _with_poison(service.store), hold_s=0.0)
    failed = [at for at, r in enumerate(results) if not isinstance(r, IngestOutcome)]
    assert failed == [3], results
    assert "this job cannot be projected" in str(results[3])
    outcomes = [r for r in results if isinstance(r, IngestOutcome)]
    assert sorted(o.seq for o in outcomes) == list(range(1, WRITERS + 1))
    report = service.store.verify()
    assert (report.checked, report.broken) == (WRITERS, None)
    assert service.store.head_seq() == WRITERS


def test_an_event_the_projection_cannot_take_fails_alone_in_a_batch(
    service: LineageService,
) -> None:
    outcome = service.ingest_batch_body(b"[" + b",".join(_with_poison(service.store)) + b"]")
    assert outcome.status == "partial_success"
    assert [(f.index, f.retriable) for f in outcome.failed] == [(3, False)]
    assert "it was not stored" in outcome.failed[0].reason
    assert [a.seq for a in outcome.accepted] == list(range(1, WRITERS + 1))
    report = service.store.verify()
    assert (report.checked, report.broken) == (WRITERS, None)
