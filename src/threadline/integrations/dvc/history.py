"""When and in which git commit each stage's ``dvc.lock`` entry was recorded.

A stage's run is dated by the commit that first recorded its current lock entry (walking
the lock file's history back while the entry stays the same), so an unchanged entry gives
the same time and code version however many unrelated commits follow. An entry not yet
committed is dated by the lock file's modification time, with HEAD as its code version.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from threadline.integrations.dvc.files import Loader, Pipeline, entry_digest
from threadline.sdk.gitinfo import locate


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a pipeline's code lives: the repository URL and the dvc.yaml path in it."""

    url: str
    path: str
    head: str | None


@dataclass(frozen=True, slots=True)
class Recorded:
    """The commit that recorded a stage's lock entry and its time (µs since the epoch)."""

    commit: str | None
    time_us: int
    committed: bool


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, input=stdin, capture_output=True, timeout=120, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def origin(pipeline: Pipeline) -> Origin:
    """Return the git remote (or ``file://`` root), the dvc.yaml path in it and HEAD."""
    source = locate(pipeline.dvcfile)
    if source.commit is None:  # not in git: the DVC repository is the best location there is
        path = pipeline.dvcfile.relative_to(pipeline.root).as_posix()
        return Origin(f"file://{pipeline.root}", path, None)
    return Origin(source.remote or f"file://{pipeline.root}", source.path, source.commit)


def recorded(pipeline: Pipeline, head: str | None) -> dict[str, Recorded]:
    """Return, for each locked stage, the commit that recorded its entry and when."""
    mtime = pipeline.lockfile.stat().st_mtime_ns // 1000
    fallback = Recorded(head, mtime, committed=False)
    found: dict[str, Recorded] = {}
    top = _git(pipeline.lockfile.parent, "rev-parse", "--show-toplevel")
    if head is not None and top is not None:
        folder = Path(top.decode().strip()).resolve()
        relative = pipeline.lockfile.relative_to(folder).as_posix()
        found = _walk(folder, relative, {s.name: s.digest for s in pipeline.stages})
    return {stage.name: found.get(stage.name, fallback) for stage in pipeline.stages}


def _walk(top: Path, relative: str, pending: dict[str, str]) -> dict[str, Recorded]:
    """Walk the lock file's commits, newest first, while each entry stays the same."""
    listing = _git(top, "log", "--format=%H %ct", "--", relative) or b""
    commits = [line.split() for line in listing.decode().splitlines() if line.strip()]
    blobs = _blobs(top, [f"{sha}:{relative}" for sha, _time in commits]) if commits else []
    found: dict[str, Recorded] = {}
    for (sha, seconds), blob in zip(commits, blobs, strict=True):
        entries = _digests(blob)
        for name, digest in list(pending.items()):
            if entries.get(name) == digest:
                found[name] = Recorded(sha, int(seconds) * 1_000_000, committed=True)
            else:
                del pending[name]
        if not pending:
            break
    return found


def _blobs(top: Path, specs: list[str]) -> list[bytes | None]:
    """Read many ``commit:path`` blobs with one ``git cat-file --batch``."""
    output = _git(top, "cat-file", "--batch", stdin="".join(f"{s}\n" for s in specs).encode())
    blobs: list[bytes | None] = []
    position = 0
    while output is not None and position < len(output) and len(blobs) < len(specs):
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) != 3 or header[1] != b"blob":
            blobs.append(None)  # missing: the file was deleted in that commit
            continue
        size = int(header[2])
        blobs.append(output[position : position + size])
        position += size + 1
    return blobs + [None] * (len(specs) - len(blobs))


def _digests(blob: bytes | None) -> dict[str, str]:
    """Return the digest of each stage entry of a historical lock file (none if unreadable)."""
    if blob is None:
        return {}
    try:
        document = yaml.load(blob.decode("utf-8"), Loader=Loader)
    except (yaml.YAMLError, UnicodeDecodeError):
        return {}
    stages = document.get("stages") if isinstance(document, dict) else None
    if not isinstance(stages, dict):
        return {}
    return {str(name): entry_digest(entry) for name, entry in stages.items()}
