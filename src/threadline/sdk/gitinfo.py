"""Where a step's code comes from: the git commit, remote and path of its source file."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A source file within a git repository (``commit`` None outside one)."""

    path: str
    commit: str | None = None
    remote: str | None = None
    branch: str | None = None
    dirty: bool = False


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _without_credentials(url: str) -> str:
    """Drop the user and password of a remote URL: lineage must not carry tokens."""
    parts = urlsplit(url)
    if not parts.scheme or "@" not in parts.netloc:
        return url  # scp-like "git@host:path" names a user, never a secret
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def locate(source: str | Path) -> SourceLocation:
    """Describe where a source file lives in git (if it does)."""
    path = Path(source).resolve()
    folder = path.parent if path.is_file() else path
    root = _git(folder, "rev-parse", "--show-toplevel")
    if root is None:
        return SourceLocation(str(path))
    commit = _git(folder, "rev-parse", "HEAD")
    relative = (
        path.relative_to(Path(root).resolve()).as_posix()
        if path.is_relative_to(Path(root).resolve())
        else str(path)
    )
    status = _git(folder, "status", "--porcelain", "--", relative) or ""
    branch = _git(folder, "rev-parse", "--abbrev-ref", "HEAD") if commit else None
    remote = _git(folder, "config", "--get", "remote.origin.url")
    return SourceLocation(
        path=relative,
        commit=commit,
        remote=_without_credentials(remote) if remote else f"file://{root}",
        branch=None if branch == "HEAD" else branch,  # "HEAD": detached, on no branch
        dirty=bool(status),
    )
