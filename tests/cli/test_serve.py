"""``threadline serve`` as a user starts it: a real process, a real OpenLineage client."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
from openlineage.client.transport.http import HttpConfig, HttpTransport
from typer.testing import CliRunner

from tests.conftest import free_port
from tests.events import PRODUCER, at
from threadline.cli.main import app

# The console script installed next to this interpreter: what a user types.
THREADLINE = Path(sys.executable).with_name("threadline")


@contextmanager
def serving(db_url: str, *options: str) -> Iterator[str]:
    """Run ``threadline serve`` until /health answers; yield its base URL, then stop it."""
    assert THREADLINE.is_file(), "threadline is not installed in this environment"
    port = free_port()
    server = subprocess.Popen(
        [str(THREADLINE), "serve", "--db", db_url, "--port", str(port), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health").json()["status"] == "ok":
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, "threadline serve exited"
            assert time.monotonic() < deadline, "threadline serve did not come up"
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.communicate(timeout=30)  # reaps the process and closes its pipe


def test_serve_takes_events_from_the_openlineage_client(db_url: str) -> None:
    with serving(db_url) as base:
        client = OpenLineageClient(transport=HttpTransport(HttpConfig.from_dict({"url": base})))
        run_id = str(uuid.uuid4())
        client.emit(
            RunEvent(
                eventType=RunState.COMPLETE,
                eventTime=at(1),
                run=Run(runId=run_id),
                job=Job(namespace="serve-test", name="load"),
                producer=PRODUCER,
            )
        )
        stored = httpx.get(f"{base}/api/v1/events/lineage").json()["events"]
        assert [e["run"]["runId"] for e in stored] == [run_id]
        job = httpx.get(f"{base}/api/v1/namespaces/serve-test/jobs/load").json()
        assert job["latestRun"]["id"] == run_id


def test_serve_refuses_a_public_address_without_insecure(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["serve", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--host", "0.0.0.0"]
    )
    assert result.exit_code == 1
    assert "refusing to listen on 0.0.0.0 without authentication" in result.stderr


def test_serve_binds_a_public_address_when_told_insecure(tmp_path: Path) -> None:
    with serving(f"sqlite:///{tmp_path / 'x.db'}", "--host", "0.0.0.0", "--insecure") as base:
        assert httpx.get(f"{base}/health").json()["headSeq"] == 0
