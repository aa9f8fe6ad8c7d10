"""Node references in Marquez's textual form: ``dataset:<ns>:<name>[#<version>]`` and friends.

Namespaces hold colons (``postgres://db:5432``), so a reference can often be split more
than one way. ``candidates`` lists every split, Marquez's rule first (split at a colon not
followed by ``//`` or a digit); the caller keeps the first that names something that
exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from threadline.errors import InvalidParameter

TYPES = {
    "dataset": "dataset",
    "job": "job",
    "datasetField": "datasetField",
    "field": "datasetField",
    "run": "run",
}
_MARQUEZ_SPLIT = re.compile(r":(?!//|\d)")
_UUID = re.compile(r"[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}")


@dataclass(frozen=True, slots=True)
class NodeRef:
    """One reading of a node reference."""

    type: str
    namespace: str = ""
    name: str = ""
    field: str | None = None
    version: str | None = None
    run_id: str | None = None

    def __str__(self) -> str:
        """Return the canonical textual form."""
        if self.type == "run":
            return f"run:{self.run_id}"
        text = f"{self.type}:{self.namespace}:{self.name}"
        if self.field is not None:
            text += f":{self.field}"
        return text + (f"#{self.version}" if self.version else "")


def format_ref(
    kind: str, namespace: str, name: str, field: str | None = None, version: str | None = None
) -> str:
    """Return the textual reference of a dataset, job or field (optionally a version)."""
    return str(NodeRef(kind, namespace, name, field, version))


def _split_points(text: str) -> list[int]:
    preferred = [m.start() for m in _MARQUEZ_SPLIT.finditer(text)]
    others = [i for i, ch in enumerate(text) if ch == ":" and i not in preferred]
    return [i for i in preferred + others if 0 < i < len(text) - 1]


def candidates(text: str) -> list[NodeRef]:
    """Return every reading of a reference, the most likely first.

    Raises:
        InvalidParameter: the text cannot be a node reference at all.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidParameter("a node reference must not be empty")
    kind_text, sep, rest = text.partition(":")
    kind = TYPES.get(kind_text)
    if kind is None or not sep:
        raise InvalidParameter(
            f"{text[:80]!r} is not a node reference; expected dataset:<namespace>:<name>, "
            "job:<namespace>:<name>, datasetField:<namespace>:<dataset>:<field> or run:<id>"
        )
    if kind == "run":
        if not _UUID.fullmatch(rest.strip()):
            raise InvalidParameter(f"run references take a UUID: {text[:80]!r}")
        return [NodeRef("run", run_id=rest.strip().lower())]
    readings = _versioned(rest)
    found: list[NodeRef] = []
    for body, version in readings:
        found.extend(_readings(kind, body, version))
    if not found:
        raise InvalidParameter(f"{text[:80]!r} lacks a namespace or a name")
    return found


def _versioned(rest: str) -> list[tuple[str, str | None]]:
    if "#" not in rest:
        return [(rest, None)]
    body, _, version = rest.rpartition("#")
    readings: list[tuple[str, str | None]] = [(body, version)] if body and version else []
    return [*readings, (rest, None)]


def _readings(kind: str, body: str, version: str | None) -> list[NodeRef]:
    points = _split_points(body)
    if kind != "datasetField":
        return [NodeRef(kind, body[:i], body[i + 1 :], version=version) for i in points]
    found = []
    for i in points:
        for j in _split_points(body[i + 1 :]):
            dataset_and_field = body[i + 1 :]
            found.append(
                NodeRef(
                    kind,
                    body[:i],
                    dataset_and_field[:j],
                    dataset_and_field[j + 1 :],
                    version=version,
                )
            )
    return found
