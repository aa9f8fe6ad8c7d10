"""The event log: verbatim payloads, SHA-256 chain, re-send recognition, tamper detection."""

from __future__ import annotations

import hashlib

import orjson
import pytest
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from tests.events import RunState, body, inp, out, run_event
from threadline.cli.main import app
from threadline.service import LineageService
from threadline.store import Store
from threadline.store.log import GENESIS, chain_hash
from threadline.store.tables import events, log_head


def _ingest_three(service: LineageService) -> list[bytes]:
    bodies = [
        body(run_event(RunState.START, 1, inputs=[inp("db", "a")])),
        b'{  "eventTime": "2024-03-01T00:02:00Z", "producer": "https://p", '
        b'"schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",'
        b' "eventType": "RUNNING", "run": {"runId": "'
        + run_event(None, 0)["run"]["runId"].encode()
        + b'"}, "job": {"namespace": "tests", "name": "job"}}\n',
        body(run_event(RunState.COMPLETE, 3, outputs=[out("db", "b")])),
    ]
    for payload in bodies:
        service.ingest_body(payload)
    return bodies


def _rows(store: Store) -> list[dict[str, object]]:
    with store.read() as conn:
        return [dict(r) for r in conn.execute(select(events).order_by(events.c.seq)).mappings()]


def test_log_keeps_payload_verbatim_with_hash_and_chain(
    service: LineageService, store: Store
) -> None:
    bodies = _ingest_three(service)
    rows = _rows(store)
    assert [bytes(r["payload"]) for r in rows] == bodies  # type: ignore[arg-type]
    previous = GENESIS
    for row, payload in zip(rows, bodies, strict=True):
        assert row["payload_sha256"] == hashlib.sha256(payload).hexdigest()
        expected = chain_hash(previous, row["payload_sha256"], row["seq"], row["received_us"])  # type: ignore[arg-type]
        assert row["chain_hash"] == expected
        previous = expected
    assert [r["seq"] for r in rows] == [1, 2, 3]
    assert [r["event_type"] for r in rows] == ["START", "RUNNING", "COMPLETE"]
    with store.read() as conn:
        head = conn.execute(select(log_head)).one()
    assert (head.seq, head.chain_hash) == (3, previous)
    assert store.verify().ok


def test_log_recognises_resend_and_does_not_append_twice(
    service: LineageService, store: Store
) -> None:
    event = run_event(RunState.START, 1, inputs=[inp("db", "a")])
    first = service.ingest_body(body(event))
    # The same event re-serialised differently (key order, spacing) is the same event.
    reordered = orjson.dumps(dict(reversed(list(event.items()))), option=orjson.OPT_INDENT_2)
    again = service.ingest_body(reordered)
    batch = service.ingest_values([event, event])
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.seq == first.seq
    assert [a.duplicate for a in batch.accepted] == [True, True]
    assert len(_rows(store)) == 1


def _tamper_and_verify(store: Store, statement: object) -> str:
    with store.write() as conn:
        conn.execute(statement)  # type: ignore[call-overload]
    report = store.verify()
    assert not report.ok
    assert report.broken is not None
    return f"{report.broken.seq}: {report.broken.reason}"


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        pytest.param(
            lambda: update(events).where(events.c.seq == 2).values(payload=b'{"forged": true}'),
            "2: payload does not match its SHA-256",
            id="payload-edited",
        ),
        pytest.param(
            lambda: update(events).where(events.c.seq == 2).values(job_name="other"),
            "2: column job_name does not match the payload",
            id="derived-column-edited",
        ),
        pytest.param(
            lambda: (
                update(events).where(events.c.seq == 2).values(received_us=events.c.received_us + 1)
            ),
            "2: chain hash does not match",
            id="received-time-edited",
        ),
        pytest.param(
            lambda: delete(events).where(events.c.seq == 2),
            "2: entry 2 is missing",
            id="row-deleted",
        ),
        pytest.param(
            lambda: delete(events).where(events.c.seq == 3),
            "3: log head says entry 3 is last",
            id="last-row-deleted",
        ),
        pytest.param(
            lambda: update(events).where(events.c.seq == 2).values(payload=None),
            "2: payload is missing and no redaction is recorded",
            id="payload-nulled",
        ),
    ],
)
def test_verify_names_first_broken_sequence(
    service: LineageService, store: Store, tamper: object, expected: str
) -> None:
    _ingest_three(service)
    assert _tamper_and_verify(store, tamper()).startswith(expected)  # type: ignore[operator]


def test_verify_detects_reordered_rows(service: LineageService, store: Store) -> None:
    _ingest_three(service)
    rows = _rows(store)
    with store.write() as conn:
        for seq, row in ((2, rows[2]), (3, rows[1])):
            values = {k: v for k, v in row.items() if k != "seq"}
            values["event_key"] = f"tmp{seq}"
            conn.execute(update(events).where(events.c.seq == seq).values(**values))
        for seq, row in ((2, rows[2]), (3, rows[1])):
            conn.execute(
                update(events).where(events.c.seq == seq).values(event_key=row["event_key"])
            )
    report = store.verify()
    assert report.broken is not None and report.broken.seq == 2


def test_verify_detects_inserted_row(service: LineageService, store: Store) -> None:
    _ingest_three(service)
    forged = dict(_rows(store)[2])
    forged.update(seq=4, event_key="f" * 64)
    with store.write() as conn:
        conn.execute(insert(events).values(**forged))
    report = store.verify()
    assert report.broken is not None and report.broken.seq == 4


def test_audit_verify_cli_exit_codes(service: LineageService, store: Store, db_url: str) -> None:
    _ingest_three(service)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--db", db_url])
    assert ok.exit_code == 0, ok.output
    assert "3 events verified" in ok.output
    with store.write() as conn:
        conn.execute(update(events).where(events.c.seq == 2).values(payload=b"{}"))
    broken = runner.invoke(app, ["audit", "verify", "--db", db_url])
    assert broken.exit_code == 1
    assert "chain broken at sequence 2" in broken.output
