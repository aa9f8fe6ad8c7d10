"""Read a DVC pipeline from its files: ``dvc.yaml`` (stages, wdir) and ``dvc.lock`` (last runs).

Only the files are read, with PyYAML, never DVC's internals, so an import needs no DVC
install. Every problem is a ``DvcError`` naming the file and what is wrong with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from threadline.errors import ClientError

LOCK_SCHEMAS = ("2.0",)
MD5 = re.compile(r"^[0-9a-f]{32}(\.dir)?$")
OTHER_HASHES = ("etag", "checksum", "version_id")  # remote deps: what the cloud reports
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DvcError(ClientError):
    """A DVC repository that cannot be imported, naming the file and the problem."""

    code = "invalid_dvc_repo"

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Artifact:
    """A dep or out of a locked stage and the hash DVC recorded for it.

    ``location`` is the absolute local path (or the URI of a remote dep); ``version`` the
    md5 (``.dir`` suffixed for a directory) or a remote's etag/checksum; ``md5`` tells
    whether it is a plain MD5 of the content (DVC 3's ``hash: md5``), as the SDK computes.
    """

    path: str
    location: str
    version: str
    md5: bool
    size: int | None = None
    files: int | None = None


@dataclass(frozen=True, slots=True)
class LockedStage:
    """A stage as ``dvc.lock`` records its last run; ``digest`` hashes its lock entry."""

    name: str
    cmd: str
    wdir: str
    deps: tuple[Artifact, ...]
    outs: tuple[Artifact, ...]
    params: dict[str, Any]
    digest: str


@dataclass(frozen=True, slots=True)
class Pipeline:
    """The locked stages of one ``dvc.yaml``, and the stages skipped with the reason."""

    root: Path
    dvcfile: Path
    lockfile: Path
    stages: tuple[LockedStage, ...]
    skipped: tuple[tuple[str, str], ...]


def load_yaml(path: Path) -> Any:
    """Parse a YAML file, or raise ``DvcError`` saying where it is broken."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DvcError(path, f"cannot be read ({exc})") from None
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DvcError(path, f"is not valid YAML: {problem}{where}") from None


def entry_digest(entry: Any) -> str:
    """Return the SHA-256 of a lock entry's canonical JSON (sorted keys)."""
    text = json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dvc_root(folder: Path) -> Path:
    """Return the DVC repository holding ``folder`` (the nearest one with ``.dvc/``)."""
    resolved = folder.resolve()
    for candidate in (resolved, *resolved.parents):
        if (candidate / ".dvc").is_dir():
            return candidate
    raise DvcError(folder, "not a DVC repository (no .dvc directory here or above)")


def read_pipeline(repo: str | Path) -> Pipeline:
    """Read the ``dvc.yaml`` in ``repo`` and the stages its ``dvc.lock`` records.

    Raises:
        DvcError: the directory, the repository or one of the files is missing or invalid.
    """
    folder = Path(repo)  # messages name files as the caller named the directory
    if not folder.is_dir():
        raise DvcError(folder, "no such directory")
    root = dvc_root(folder)
    dvcfile, lockfile = folder / "dvc.yaml", folder / "dvc.lock"
    if not dvcfile.is_file():
        raise DvcError(dvcfile, "does not exist (no DVC pipeline here)")
    plain, groups = stage_wdirs(dvcfile)
    entries = lock_entries(lockfile)
    stages, skipped = _locked(lockfile, entries, plain, groups, folder.resolve())
    skipped += [(n, "never run (no entry in dvc.lock)") for n in plain if n not in entries]
    skipped += [
        (group, "never run (no entry in dvc.lock)")
        for group in groups
        if not any(name.startswith(f"{group}@") for name in entries)
    ]
    return Pipeline(root, dvcfile.resolve(), lockfile.resolve(), tuple(stages), tuple(skipped))


def _locked(
    lockfile: Path,
    entries: dict[str, Any],
    plain: dict[str, str],
    groups: dict[str, str],
    folder: Path,
) -> tuple[list[LockedStage], list[tuple[str, str]]]:
    """Parse the lock entries of stages dvc.yaml still defines; skip the others."""
    stages: list[LockedStage] = []
    skipped: list[tuple[str, str]] = []
    for name, entry in entries.items():
        wdir = plain.get(name) if name in plain else groups.get(name.split("@", 1)[0])
        if wdir is None:
            skipped.append((name, "in dvc.lock but no longer in dvc.yaml"))
        elif "${" in wdir:
            skipped.append((name, f"its wdir {wdir!r} is templated (not resolved here)"))
        else:
            stages.append(parse_stage(lockfile, name, entry, wdir, folder / wdir))
    return stages, skipped


def stage_wdirs(dvcfile: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Return the wdir of each plain stage, and of each ``foreach``/``matrix`` group."""
    document = load_yaml(dvcfile)
    if document is None:
        raise DvcError(dvcfile, "is empty")
    if not isinstance(document, dict):
        raise DvcError(dvcfile, "is not a mapping (expected 'stages:')")
    stages = document.get("stages")
    if not stages:
        raise DvcError(dvcfile, "defines no stages")
    if not isinstance(stages, dict):
        raise DvcError(dvcfile, "'stages' is not a mapping of stage names to definitions")
    plain: dict[str, str] = {}
    groups: dict[str, str] = {}
    for name, definition in stages.items():
        if not isinstance(definition, dict):
            raise DvcError(dvcfile, f"stage '{name}' is not a mapping")
        body = definition.get("do") if "foreach" in definition else definition
        wdir = body.get("wdir", ".") if isinstance(body, dict) else "."
        grouped = "foreach" in definition or "matrix" in definition
        (groups if grouped else plain)[str(name)] = str(wdir)
    return plain, groups


def lock_entries(lockfile: Path) -> dict[str, Any]:
    """Return the stage entries of a ``dvc.lock`` after checking its schema version."""
    if not lockfile.is_file():
        raise DvcError(lockfile, "does not exist: no stage has run yet (dvc repro)")
    document = load_yaml(lockfile)
    if document is None:
        raise DvcError(lockfile, "is empty")
    if not isinstance(document, dict):
        raise DvcError(lockfile, "is not a mapping (expected 'schema:' and 'stages:')")
    schema = document.get("schema")
    if schema is None:
        raise DvcError(lockfile, "has no schema version (a DVC 1 lock file?); supported: 2.0")
    if str(schema) not in LOCK_SCHEMAS:
        raise DvcError(lockfile, f"schema {schema!r} is not supported (supported: 2.0)")
    stages = document.get("stages") or {}
    if not isinstance(stages, dict):
        raise DvcError(lockfile, "'stages' is not a mapping of stage names to entries")
    return {str(name): entry for name, entry in stages.items()}


def parse_stage(lockfile: Path, name: str, entry: Any, wdir: str, base: Path) -> LockedStage:
    """Check one lock entry and return the stage it records."""
    where = f"stage '{name}'"
    if not isinstance(entry, dict):
        raise DvcError(lockfile, f"{where} is not a mapping")
    cmd = entry.get("cmd")
    if isinstance(cmd, list) and all(isinstance(part, str) for part in cmd):
        cmd = "\n".join(cmd)
    if not isinstance(cmd, str) or not cmd:
        raise DvcError(lockfile, f"{where} has no cmd")
    params = entry.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
        raise DvcError(lockfile, f"{where}: params is not a mapping of files to values")
    deps = tuple(artifact(lockfile, f"{where}: dep", item, base) for item in _items(entry, "deps"))
    outs = tuple(artifact(lockfile, f"{where}: out", item, base) for item in _items(entry, "outs"))
    plain_params = json.loads(json.dumps(params, sort_keys=True, default=str))
    return LockedStage(name, cmd, wdir, deps, outs, plain_params, entry_digest(entry))


def _items(entry: dict[str, Any], key: str) -> list[Any]:
    value = entry.get(key) or []
    return value if isinstance(value, list) else [value]


def artifact(lockfile: Path, what: str, item: Any, base: Path) -> Artifact:
    """Check one dep or out of a lock entry and return it with its location and version."""
    if not isinstance(item, dict) or not isinstance(item.get("path"), str):
        raise DvcError(lockfile, f"{what} without a path")
    path: str = item["path"]
    md5 = item.get("md5")
    if md5 is not None:
        if not isinstance(md5, str) or not MD5.match(md5):
            raise DvcError(lockfile, f"{what} '{path}': md5 {md5!r} is not an MD5 hash")
        # DVC 3 writes ``hash: md5``; without it, DVC 2 hashed text as md5-dos2unix.
        version, plain = md5, item.get("hash") == "md5"
    else:
        other = next((item[key] for key in OTHER_HASHES if item.get(key)), None)
        if other is None:
            raise DvcError(lockfile, f"{what} '{path}' has no hash (md5)")
        version, plain = str(other), False
    # normpath, not resolve(): the SDK names datasets; this only compares paths
    location = path if "://" in path else os.path.normpath(base / path)
    size, files = item.get("size"), item.get("nfiles")
    return Artifact(
        path=path,
        location=location,
        version=version,
        md5=plain,
        size=size if isinstance(size, int) else None,
        files=files if isinstance(files, int) else (None if version.endswith(".dir") else 1),
    )
