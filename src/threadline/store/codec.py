"""Encodings the store uses: identity hashes, stable UUIDs, JSON text, timed facet maps."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import orjson

VERSION_NAMESPACE = uuid.UUID("6c1b8a0e-2f39-4d3e-9b7a-5a3f1f0c2d11")


def ident(*parts: str) -> str:
    """Return the 128-bit hex identity hash of a tuple of strings."""
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(joined).hexdigest()[:32]


def stable_uuid(*parts: str) -> str:
    """Return a deterministic UUID (version 5) for a tuple of strings."""
    return str(uuid.uuid5(VERSION_NAMESPACE, "\x1f".join(parts)))


def dumps(value: Any) -> str:
    """Encode a JSON document as text."""
    return orjson.dumps(value).decode()


def loads(text: str | None) -> Any:
    """Decode a JSON document stored as text."""
    return orjson.loads(text) if text else {}


def merge_timed(stored: str | None, incoming: dict[str, Any], t: int, key: str) -> str | None:
    """Merge facets into a stored map of ``{name: [time, event key, facet]}``.

    Each facet name keeps the value from the newest event, so the result does not depend
    on the order in which events arrive. Returns the new text, or None when unchanged.
    """
    if not incoming:
        return None  # nothing to merge: no need to decode what is stored
    current: dict[str, list[Any]] = loads(stored) if stored else {}
    changed = False
    for name, facet in incoming.items():
        old = current.get(name)
        if old is None or (t, key) > (old[0], old[1]):
            current[name] = [t, key, facet]
            changed = True
    return orjson.dumps(current, option=orjson.OPT_SORT_KEYS).decode() if changed else None


def unwrap_timed(stored: str | None) -> dict[str, Any]:
    """Return the facets of a timed map, leaving out deleted ones."""
    current: dict[str, list[Any]] = loads(stored) if stored else {}
    return {
        name: entry[2]
        for name, entry in sorted(current.items())
        if not (type(entry[2]) is dict and entry[2].get("_deleted") is True)
    }
