"""Without PostgreSQL, a run says loudly how many PostgreSQL tests it skipped, with xdist too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TARGET = "tests/store/test_log.py::test_log_recognises_resend_and_does_not_append_twice"


@pytest.mark.parametrize("workers", [["-n", "2"], ["-p", "no:xdist"]], ids=["xdist", "serial"])
def test_pg_skip_banner_counts_skips_with_and_without_xdist(workers: list[str]) -> None:
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["THREADLINE_TEST_PG"] = "postgresql+psycopg://postgres@127.0.0.1:1/postgres"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *workers, TARGET],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    banner = [line for line in result.stdout.splitlines() if "PostgreSQL tests SKIPPED" in line]
    assert len(banner) == 1, result.stdout
    assert banner[0].startswith("! 1 PostgreSQL tests SKIPPED: ")
    assert 'connection to server at "127.0.0.1", port 1 failed' in banner[0]
