"""Steps record where their code lives: scripts run as real processes, in and out of git."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from threadline.service import LineageService

SCRIPT = """\
import sys
from threadline.sdk import Tracker

tracker = Tracker(db=sys.argv[1], namespace="code")
with tracker.step("ctx"):
    pass

@tracker.step("deco")
def deco() -> None:
    pass

deco()
tracker.close()
"""

# Subprocesses dominate these tests; what they check does not depend on the dialect.
pytestmark = pytest.mark.parametrize("dialect", ["sqlite"])


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout.strip()


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "pipe").mkdir(parents=True)
    (repo / "pipe" / "job.py").write_text(SCRIPT)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "Dev")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    return repo


def _run(script: Path, db_url: str, *, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(
        [sys.executable, str(script), db_url],
        cwd=script.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _location(service: LineageService, job: str) -> dict[str, Any]:
    facet: dict[str, Any] = service.node_details(job)["facets"]["sourceCodeLocation"]
    return {k: v for k, v in facet.items() if not k.startswith("_")}


def test_steps_in_a_git_repository_record_commit_path_and_branch(
    db_url: str, service: LineageService, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    commit = _git(repo, "rev-parse", "HEAD")
    _run(repo / "pipe" / "job.py", db_url)
    expected = {
        "type": "git",
        "url": f"file://{repo.resolve()}",
        "repoUrl": f"file://{repo.resolve()}",
        "path": "pipe/job.py",
        "version": commit,
        "branch": "main",
    }
    assert _location(service, "job:code:ctx") == expected
    assert _location(service, "job:code:deco") == expected
    [version] = service.node_details("job:code:ctx")["versions"]
    assert version["sourceVersion"] == commit


def test_a_new_commit_gives_the_job_a_new_version(
    db_url: str, service: LineageService, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    first = _git(repo, "rev-parse", "HEAD")
    _run(repo / "pipe" / "job.py", db_url)
    (repo / "pipe" / "job.py").write_text(SCRIPT + "# a change\n")
    _git(repo, "commit", "-q", "-am", "second")
    second = _git(repo, "rev-parse", "HEAD")
    _run(repo / "pipe" / "job.py", db_url)
    versions = service.node_details("job:code:ctx")["versions"]
    assert sorted(v["sourceVersion"] for v in versions) == sorted([first, second])
    assert len({v["version"] for v in versions}) == 2
    assert len(service.node_details("job:code:ctx")["runs"]) == 2


def test_remote_credentials_are_not_recorded_and_a_detached_head_has_no_branch(
    db_url: str, service: LineageService, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    _git(repo, "remote", "add", "origin", "https://ana:s3cr3t-token@git.example.com/org/repo.git")
    _git(repo, "checkout", "-q", "--detach")
    _run(repo / "pipe" / "job.py", db_url)
    location = _location(service, "job:code:ctx")
    assert (location["url"], location["repoUrl"], location.get("branch")) == (
        "https://git.example.com/org/repo.git",
        "https://git.example.com/org/repo.git",
        None,
    )
    assert "s3cr3t" not in str(service.node_details("job:code:ctx"))


def test_outside_git_the_step_records_the_file_path(
    db_url: str, service: LineageService, tmp_path: Path
) -> None:
    script = tmp_path / "plain" / "job.py"
    script.parent.mkdir()
    script.write_text(SCRIPT)
    _run(script, db_url)
    assert _location(service, "job:code:ctx") == {
        "type": "file",
        "url": f"file://{script.resolve()}",
        "path": str(script.resolve()),
    }
    assert service.node_details("job:code:ctx")["runs"][0]["state"] == "COMPLETE"


def test_without_a_git_executable_steps_still_run(
    db_url: str, service: LineageService, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    empty = tmp_path / "no-tools"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    _run(repo / "pipe" / "job.py", db_url, env=env)
    location = _location(service, "job:code:deco")
    assert (location["type"], location["path"]) == ("file", str((repo / "pipe/job.py").resolve()))
    assert [r["state"] for r in service.node_details("job:code:deco")["runs"]] == ["COMPLETE"]


def test_a_repository_without_commits_does_not_crash(
    db_url: str, service: LineageService, tmp_path: Path
) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "job.py").write_text(SCRIPT)
    _run(repo / "job.py", db_url)
    location = _location(service, "job:code:ctx")
    assert (location["type"], location["path"], location.get("version")) == (
        "file",
        "job.py",
        None,
    )
