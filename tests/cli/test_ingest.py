"""`threadline ingest`: NDJSON and JSON-array files, bad lines reported, local or remote."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.events import RunState, inp, run_event
from threadline.cli.main import app
from threadline.store import Store
from threadline.store.tables import events


def _ndjson(path: Path) -> Path:
    lines = [
        orjson.dumps(run_event(RunState.START, 1, run="a", inputs=[inp("db", "x")])),
        b"",
        b'{"eventTime": "2024-03-01T00:00:00Z", "producer": "https://p"',  # truncated JSON
        orjson.dumps(run_event(RunState.COMPLETE, 2, run="a")),
        orjson.dumps({**run_event(RunState.START, 3, run="b"), "eventType": "FINISHED"}),
        orjson.dumps(run_event(RunState.START, 4, run="c")),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _count(store: Store) -> int:
    return store.head_seq()


def test_ingest_ndjson_continues_past_bad_lines(tmp_path: Path, db_url: str, store: Store) -> None:
    result = CliRunner().invoke(
        app, ["ingest", str(_ndjson(tmp_path / "events.ndjson")), "--db", db_url]
    )
    assert result.exit_code == 1
    assert "3 accepted, 2 rejected, 5 read" in result.output
    assert "events.ndjson:3: not valid JSON" in result.output
    assert "events.ndjson:5: $.eventType: 'FINISHED' is not one of" in result.output
    assert _count(store) == 3


def test_ingest_json_array_and_stdin(tmp_path: Path, db_url: str, store: Store) -> None:
    array = tmp_path / "events.json"
    array.write_bytes(orjson.dumps([run_event(RunState.START, 1, run="a"), {"not": "an event"}]))
    single = orjson.dumps(run_event(RunState.COMPLETE, 2, run="a"), option=orjson.OPT_INDENT_2)
    result = CliRunner().invoke(app, ["ingest", str(array), "-", "--db", db_url], input=single)
    assert result.exit_code == 1
    assert "events.json[1]: $.eventTime: is required" in result.output
    assert "2 accepted, 1 rejected, 3 read" in result.output
    assert _count(store) == 2


def test_ingest_all_good_exits_zero_and_is_idempotent(
    tmp_path: Path, db_url: str, store: Store
) -> None:
    path = tmp_path / "good.ndjson"
    path.write_bytes(
        b"\n".join(orjson.dumps(run_event(RunState.START, m, run=f"r{m}")) for m in range(5))
    )
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(app, ["ingest", str(path), "--db", db_url])
        assert result.exit_code == 0, result.output
        assert "5 accepted, 0 rejected" in result.output
    assert _count(store) == 5


def test_ingest_into_running_server(tmp_path: Path, live_server: str, store: Store) -> None:
    result = CliRunner().invoke(
        app, ["ingest", str(_ndjson(tmp_path / "e.ndjson")), "--url", live_server]
    )
    assert result.exit_code == 1
    assert "3 accepted, 2 rejected, 5 read" in result.output
    assert "e.ndjson:5: $.eventType" in result.output
    assert _count(store) == 3


def test_ingest_missing_file_is_a_clear_error(db_url: str) -> None:
    result = CliRunner().invoke(app, ["ingest", "no-such-file.ndjson", "--db", db_url])
    assert result.exit_code == 1
    assert "no-such-file.ndjson: no such file" in result.output


def _odd_spellings(minutes: int, run: str) -> bytes:
    """Return an event's bytes with spacing, escapes and numbers a re-encoding would change."""
    compact = orjson.dumps(run_event(RunState.START, minutes, run=run))
    return compact[:-1] + b' ,  "x_note" : "caf\\u00e9 \\/ \\"q\\"",\t"x_n": 1.50E+2 }'


@pytest.mark.parametrize("target", ["local", "server"])
def test_ingest_logs_each_event_byte_for_byte(
    tmp_path: Path, db_url: str, store: Store, request: pytest.FixtureRequest, target: str
) -> None:
    lines = [_odd_spellings(1, "a"), b"  " + _odd_spellings(2, "b")]
    ndjson = tmp_path / "odd.ndjson"
    ndjson.write_bytes(lines[0] + b"\r\n" + lines[1] + b"  \n")
    elements = [_odd_spellings(3, "c"), orjson.dumps(run_event(RunState.START, 4, run="d"))]
    array = tmp_path / "odd.json"
    array.write_bytes(b"[\n  " + elements[0] + b" ,\n\t" + elements[1] + b"\n]\n")
    single = tmp_path / "one.json"
    single.write_bytes(b"\n" + _odd_spellings(5, "e") + b"\n")
    where = ["--url", request.getfixturevalue("live_server")] if target == "server" else []
    result = CliRunner().invoke(
        app, ["ingest", str(ndjson), str(array), str(single), *(where or ["--db", db_url])]
    )
    assert result.exit_code == 0, result.output
    with store.read() as conn:
        rows = conn.execute(
            select(events.c.payload, events.c.payload_sha256).order_by(events.c.seq)
        ).all()
    sent = [lines[0], lines[1].strip(), *elements, _odd_spellings(5, "e")]
    assert [(bytes(r.payload), r.payload_sha256) for r in rows] == [
        (payload, hashlib.sha256(payload).hexdigest()) for payload in sent
    ]
    assert store.verify().ok
