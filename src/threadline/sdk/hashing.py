"""Content versions of local files and directories, DVC-compatible where DVC defines one.

A file's version is the MD5 of its bytes (what DVC 3 records in ``dvc.lock``). A
directory's is DVC's: the MD5 of the JSON list of its files' ``{"md5", "relpath"}``
entries, sorted by path, with the suffix ``.dir``. As DVC does, ``.git``, ``.hg`` and ``.dvc``
folders are left out, and so is whatever a ``.dvcignore`` (gitignore syntax) in the folder,
inside it or above it up to the DVC repository's root excludes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHUNK = 1 << 20
IGNORED = frozenset({".git", ".hg", ".dvc"})
"""Folders DVC never counts in a directory (version control and DVC's own)."""


@dataclass(frozen=True, slots=True)
class ContentHash:
    """What a path hashed to, and how."""

    value: str
    size: int
    files: int


def file_md5(path: Path) -> str:
    """Return the MD5 of a file's bytes."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    """Return the files under a folder, leaving out what DVC ignores."""
    found: list[Path] = []
    for parent, folders, files in os.walk(folder):
        folders[:] = [f for f in folders if f not in IGNORED]
        found.extend(Path(parent, name) for name in files)
    ignores = _dvcignores(folder)
    return [f for f in found if f.is_file() and not _ignored(f, ignores)]


def _dvcignores(folder: Path) -> list[tuple[Path, Any]]:
    """Return (directory, pattern set) of each ``.dvcignore`` that applies inside a folder."""
    places = [*folder.rglob(".dvcignore")]
    for above in folder.resolve().parents:
        places.append(above / ".dvcignore")
        if (above / ".dvc").is_dir():
            break  # the repository's root: nothing above it applies
    places = [p for p in places if p.is_file()]
    if not places:
        return []
    import pathspec  # only when DVC ignore files exist

    return [
        (p.parent.resolve(), pathspec.GitIgnoreSpec.from_lines(p.read_text().splitlines()))
        for p in places
    ]


def _ignored(file: Path, ignores: list[tuple[Path, Any]]) -> bool:
    path = file.resolve()
    return any(
        path.is_relative_to(base) and spec.match_file(path.relative_to(base).as_posix())
        for base, spec in ignores
    )


def content_hash(path: str | os.PathLike[str]) -> ContentHash:
    """Hash a file or a directory the way DVC versions them.

    Raises:
        FileNotFoundError: the path does not exist.
    """
    target = Path(path)
    if target.is_file():
        return ContentHash(file_md5(target), target.stat().st_size, 1)
    if not target.is_dir():
        raise FileNotFoundError(f"{target} does not exist")
    entries, size = [], 0
    for file in _files(target):
        relpath = file.relative_to(target).as_posix()
        entries.append({"md5": file_md5(file), "relpath": relpath})
        size += file.stat().st_size
    entries.sort(key=lambda e: e["relpath"])
    listing = json.dumps(entries, sort_keys=True).encode()
    return ContentHash(
        hashlib.md5(listing, usedforsecurity=False).hexdigest() + ".dir", size, len(entries)
    )


def data_hash(data: bytes) -> str:
    """Return the SHA-256 of bytes (inputs of predictions, in-memory data)."""
    return hashlib.sha256(data).hexdigest()
