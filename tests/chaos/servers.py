"""Real ``threadline serve`` processes for the chaos tests: start, wait for health, SIGKILL.

Each server is the installed console script (what a user runs) on a port of its own, its
output in a log file beside the test's database, so a full pipe never stalls it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port

THREADLINE = Path(sys.executable).with_name("threadline")


def scale() -> int:
    """Return how much larger than the CI size to run (``THREADLINE_CHAOS_SCALE``, default 1)."""
    return max(1, int(os.environ.get("THREADLINE_CHAOS_SCALE", "1")))


def threadline(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a ``threadline`` command to completion and return what it did."""
    return subprocess.run(
        [str(THREADLINE), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


class Server:
    """One ``threadline serve`` process that can be killed and started again on its port."""

    def __init__(self, db_url: str, logs: Path, *, env: dict[str, str] | None = None) -> None:
        assert THREADLINE.is_file(), "threadline is not installed in this environment"
        self.db_url = db_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logs = logs
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, *, timeout: float = 60) -> str:
        """Start the server and wait until ``/health`` says ok; return its base URL."""
        self.spawn()
        return self.wait_ready(timeout=timeout)

    def spawn(self) -> None:
        """Start the server process without waiting for it."""
        self.starts += 1
        log = (self.logs / f"serve-{self.port}-{self.starts}.log").open("wb")
        command = [str(THREADLINE), "serve", "--db", self.db_url, "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT, env=self.env
        )
        log.close()

    def wait_ready(self, *, timeout: float = 60) -> str:
        """Wait until ``/health`` says ok; return the base URL."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.base}/health", timeout=5).json()["status"] == "ok":
                    return self.base
            except (httpx.HTTPError, ValueError):
                pass
            assert self.process.poll() is None, f"threadline serve exited: {self.output()}"
            assert time.monotonic() < deadline, "threadline serve did not come up"
            time.sleep(0.05)

    def kill(self) -> None:
        """Kill the server with SIGKILL, wherever it is (mid-request, mid-commit)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop the server the ordinary way (SIGTERM), killing it if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def peak_rss_mb(self) -> float:
        """Return the most memory the running process has held so far (VmHWM), in MB."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(row for row in status.splitlines() if row.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def output(self) -> str:
        """Return what the server process has written so far (all its starts)."""
        return "".join(
            path.read_text(errors="replace")
            for path in sorted(self.logs.glob(f"serve-{self.port}-*.log"))
        )
