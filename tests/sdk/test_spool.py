"""While the server is down, events wait on disk; later they arrive once each, in order.

A port with nothing listening stands for the server being down; a real server on the
same store (``live_server``) for it being back. Killed clients are real processes, and so
is a server killed mid-delivery (a ``threadline serve`` sent SIGKILL, then started again).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from openlineage.client.event_v2 import Job, Run, RunEvent, RunState

from tests.conftest import free_port
from tests.sdk.conftest import logged
from threadline.sdk import Tracker
from threadline.service import LineageService

EMIT_FOREVER = """\
import sys
from threadline.sdk import Tracker

tracker = Tracker(url=sys.argv[1], spool=sys.argv[2], namespace="killed")
number = 0
while True:
    number += 1
    with tracker.step(f"step.{number}"):
        pass
"""

FLUSH = """\
import sys
from threadline.sdk import Tracker

tracker = Tracker(url=sys.argv[1], spool=sys.argv[2])
sys.exit(tracker.flush())
"""


def _down() -> str:
    return f"http://127.0.0.1:{free_port()}"


def _spooled(spool: Path) -> list[dict[str, Any]]:
    return [orjson.loads(p.read_bytes()) for p in sorted(spool.glob("*.json"))]


def _key(event: dict[str, Any]) -> tuple[str, str, str]:
    return (event["job"]["name"], event["run"]["runId"], event["eventType"])


def _record_while_down(spool: Path) -> list[dict[str, Any]]:
    """Record nested and failing steps with no server; return the spooled events."""
    tracker = Tracker(url=_down(), spool=spool, namespace="offline")
    with tracker.step("outer"), tracker.step("inner"):
        pass
    with pytest.raises(RuntimeError), tracker.step("broken"):
        raise RuntimeError("while offline")
    assert tracker.flush() == 6  # still down: all six wait
    tracker.close()
    return _spooled(spool)


def test_events_wait_in_the_spool_and_arrive_once_in_order(
    live_server: str, service: LineageService, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    spooled = _record_while_down(spool)
    assert [(e["job"]["name"], e["eventType"]) for e in spooled] == [
        ("outer", "START"),
        ("inner", "START"),
        ("inner", "COMPLETE"),
        ("outer", "COMPLETE"),
        ("broken", "START"),
        ("broken", "FAIL"),
    ]
    assert logged(service) == []
    back = Tracker(url=live_server, spool=spool, namespace="offline")
    assert back.flush() == 0
    assert list(spool.glob("*.json")) == []
    assert logged(service) == spooled  # every event once, in the order it was emitted
    assert back.flush() == 0
    assert logged(service) == spooled  # flushing again sends nothing
    answer = httpx.get(
        f"{live_server}/api/v1/events/lineage", params={"sortDirection": "asc"}
    ).json()
    assert [_key(e) for e in answer["events"]] == [_key(e) for e in spooled]
    assert service.node_details("job:offline:inner")["parent"] == "job:offline:outer"
    back.close()


def test_a_new_event_goes_after_the_spooled_ones(
    live_server: str, service: LineageService, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    spooled = _record_while_down(spool)
    back = Tracker(url=live_server, spool=spool, namespace="offline")
    with back.step("online"):  # no flush: the spool is delivered first
        pass
    events = logged(service)
    assert events[: len(spooled)] == spooled
    assert [(e["job"]["name"], e["eventType"]) for e in events[len(spooled) :]] == [
        ("online", "START"),
        ("online", "COMPLETE"),
    ]
    back.close()


def test_a_refused_spooled_event_is_set_aside_without_blocking_the_others(
    live_server: str, service: LineageService, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    offline = Tracker(url=_down(), spool=spool, namespace="offline")
    with offline.step("first"):
        pass
    with offline.step("bad\x00name"):  # the server refuses NUL characters
        pass
    with offline.step("last"):
        pass
    offline.close()
    spooled = _spooled(spool)
    back = Tracker(url=live_server, spool=spool)
    assert back.flush() == 0
    assert [(e["job"]["name"], e["eventType"]) for e in logged(service)] == [
        ("first", "START"),
        ("first", "COMPLETE"),
        ("last", "START"),
        ("last", "COMPLETE"),
    ]
    rejected = sorted((spool / "rejected").glob("*.json"))
    assert [orjson.loads(p.read_bytes()) for p in rejected] == spooled[2:4]
    for path in rejected:
        assert "NUL" in path.with_suffix(".reason").read_text()
    assert list(spool.glob("*.json")) == []
    back.close()


def test_rejected_events_with_the_same_number_are_all_kept(
    live_server: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    for _ in range(2):  # each round empties the spool, so numbering starts again
        offline = Tracker(url=_down(), spool=spool)
        with offline.step("bad\x00name"):
            pass
        offline.close()
        Tracker(url=live_server, spool=spool).close()
    assert len(list((spool / "rejected").glob("*.json"))) == 4


def test_a_resent_acknowledged_event_is_not_stored_twice(
    live_server: str, service: LineageService, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    spooled = _record_while_down(spool)
    kept = tmp_path / "kept"
    shutil.copytree(spool, kept)
    assert Tracker(url=live_server, spool=spool).flush() == 0
    # As if the process had died after the server's answer and before removing the files:
    for path in kept.glob("*.json"):
        shutil.copy(path, spool / path.name)
    assert Tracker(url=live_server, spool=spool).flush() == 0
    assert logged(service) == spooled
    assert list(spool.glob("*.json")) == []


def test_emit_batch_spools_while_down_and_delivers_in_order(
    live_server: str, service: LineageService, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    run, job = Run(runId="01906a62-0000-7000-8000-000000000001"), Job(namespace="b", name="j")
    events = [
        RunEvent(
            eventType=state,
            eventTime=f"2024-03-01T00:00:0{i}Z",
            producer="https://example.com/test",
            run=run,
            job=job,
        )
        for i, state in enumerate([RunState.START, RunState.RUNNING, RunState.COMPLETE])
    ]
    Tracker(url=_down(), spool=spool).emit_batch(events)
    assert len(_spooled(spool)) == 3
    assert Tracker(url=live_server, spool=spool).flush() == 0
    assert [e["eventType"] for e in logged(service)] == ["START", "RUNNING", "COMPLETE"]


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_killed_client_leaves_a_spool_a_later_process_delivers_once(
    live_server: str, service: LineageService, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    emitter = subprocess.Popen(
        [sys.executable, "-c", EMIT_FOREVER, _down(), str(spool)],
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(list(spool.glob("*.json"))) < 30:
            assert emitter.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        emitter.send_signal(signal.SIGKILL)  # wherever it is: mid-step, mid-write
        emitter.wait(timeout=30)
    spooled = _spooled(spool)
    later = subprocess.run(
        [sys.executable, "-c", FLUSH, live_server, str(spool)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert later.returncode == 0, later.stderr
    events = logged(service)
    assert events == spooled
    assert len({_key(e) for e in events}) == len(events)
    assert list(spool.glob("*.json")) == []


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_client_killed_while_delivering_leaves_nothing_twice(
    live_server: str, service: LineageService, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    offline = Tracker(url=_down(), spool=spool, namespace="many")
    for number in range(150):
        with offline.step(f"step.{number}"):
            pass
    offline.close()
    spooled = _spooled(spool)
    flusher = subprocess.Popen(
        [sys.executable, "-c", FLUSH, live_server, str(spool)], stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while len(logged(service)) < 40:
            assert flusher.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        flusher.send_signal(signal.SIGKILL)  # mid-delivery
        flusher.wait(timeout=30)
    assert 0 < len(list(spool.glob("*.json"))) < len(spooled)
    assert Tracker(url=live_server, spool=spool).flush() == 0
    events = logged(service)
    assert events == spooled
    assert len({_key(e) for e in events}) == len(spooled)


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_server_killed_while_the_spool_is_delivered_gets_every_event_once_in_order(
    db_url: str, service: LineageService, tmp_path: Path
) -> None:
    from tests.chaos.servers import Server

    spool = tmp_path / "spool"
    offline = Tracker(url=_down(), spool=spool, namespace="server-killed")
    for number in range(50):
        with offline.step(f"step.{number}"):
            pass
    offline.close()
    spooled = _spooled(spool)
    server = Server(db_url, tmp_path)
    try:
        base = server.start()
        flusher = subprocess.Popen(
            [sys.executable, "-c", FLUSH, base, str(spool)], stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while len(logged(service)) < 20:
            assert flusher.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        server.kill()  # the server dies mid-delivery; the client keeps the rest
        assert flusher.wait(timeout=60) > 0  # it exits saying how many still wait
        assert 0 < len(list(spool.glob("*.json"))) < len(spooled)
        server.start()
        assert Tracker(url=base, spool=spool).flush() == 0
    finally:
        server.stop()
    events = logged(service)
    assert events == spooled
    assert len({_key(e) for e in events}) == len(spooled)
