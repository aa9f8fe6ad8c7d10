"""The per-transaction projection context: connection, identity caches, SQL helpers."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Table, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from threadline.store.tables import changes

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


@dataclass(slots=True)
class EntityState:
    """What a projection transaction knows of a named entity's row."""

    id: int
    created_us: int
    updated_us: int
    hidden: bool


@dataclass(slots=True)
class Ctx:
    """Everything one projection transaction shares: connection and identity caches."""

    conn: Connection
    namespaces: dict[str, EntityState] = field(default_factory=dict)
    datasets: dict[str, EntityState] = field(default_factory=dict)
    jobs: dict[str, EntityState] = field(default_factory=dict)
    fields: dict[tuple[int, str], int] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    idents: dict[int, str] = field(default_factory=dict)
    seq: int = 0
    touched: set[tuple[str, int, int | None]] = field(default_factory=set)

    def touch(self, kind: str, ref: int, since_us: int | None = None) -> None:
        """Note that this event's projection changed something the lineage index holds."""
        self.touched.add((kind, ref, since_us))

    def flush_changes(self) -> None:
        """Write the notes of the current event to the change feed."""
        if self.touched:
            self.conn.execute(
                changes.insert(),
                [{"seq": self.seq, "kind": k, "ref": r, "since_us": s} for k, r, s in self.touched],
            )
            self.touched.clear()

    @property
    def dialect(self) -> str:
        """Return the database dialect name."""
        return self.conn.dialect.name

    def insert(self, table: Table) -> Any:
        """Return a dialect-specific INSERT that supports ON CONFLICT."""
        module = postgresql if self.dialect == "postgresql" else sqlite
        return module.insert(table)

    def insert_ignore(self, table: Table, rows: Sequence[dict[str, Any]], keys: list[str]) -> None:
        """Insert rows, skipping any whose key already exists."""
        if rows:
            stmt = self.insert(table).on_conflict_do_nothing(index_elements=keys)
            self.conn.execute(stmt, list(rows))

    def upsert_latest(
        self, table: Table, rows: Sequence[dict[str, Any]], keys: list[str], columns: list[str]
    ) -> None:
        """Insert rows or replace ``columns`` when the incoming (time, event key) is newer.

        Rows carry ``event_time_us`` and ``event_key``; ties in time are broken by the
        event key so that the result does not depend on the order of arrival.
        """
        if not rows:
            return
        stmt = self.insert(table)
        excluded = stmt.excluded
        newer = tuple_(excluded.event_time_us, excluded.event_key) > tuple_(
            table.c.event_time_us, table.c.event_key
        )
        values = {name: excluded[name] for name in [*columns, "event_time_us", "event_key"]}
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_=values, where=newer)
        self.conn.execute(stmt, list(rows))


def merge_timed(stored: str | None, incoming: dict[str, Any], t: int, key: str) -> str | None:
    """Merge facets into a stored map of ``{name: [time, event key, facet]}``.

    Each facet name keeps the value from the newest event, so the result does not depend
    on the order in which events arrive. Returns the new text, or None when unchanged.
    """
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
