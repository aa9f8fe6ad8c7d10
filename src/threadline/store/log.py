"""The append-only, hash-chained event log: append, read back, verify."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, func, select

from threadline.admin import is_admin, parse_admin
from threadline.errors import InvalidEvent
from threadline.model import ChainBreak, ChainReport, LoggedEvent, ParsedEvent
from threadline.openlineage import load_json, parse_event
from threadline.store.rawsql import RawSql, in_chunks
from threadline.store.tables import events, log_head

GENESIS = "0" * 64


def chain_hash(previous: str, payload_sha256: str, seq: int, received_us: int) -> str:
    """Return the chain hash linking a log entry to the one before it."""
    text = f"{previous}|{payload_sha256}|{seq}|{received_us}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def lock_head(conn: Connection) -> tuple[int, str]:
    """Lock the log head for this transaction and return its (seq, chain hash)."""
    sql = RawSql(conn)
    query = "SELECT seq, chain_hash FROM log_head WHERE id = 1"
    if conn.dialect.name == "postgresql":
        query += " FOR UPDATE"
    row = sql.first(query)
    if row is None:
        # Writers in other processes may be creating the head of an empty log right now:
        # whoever loses the race takes the winner's row (and waits for its lock).
        sql.run(
            "INSERT INTO log_head (id, seq, chain_hash) VALUES (1, 0, ?) "
            "ON CONFLICT (id) DO NOTHING",
            (GENESIS,),
        )
        row = sql.first(query)
        assert row is not None, "the head exists once the insert is done"
    return int(row[0]), str(row[1])


# The columns that are a function of the payload (``audit verify`` recomputes them).
_DERIVED = (
    "event_time_us",
    "kind",
    "event_type",
    "run_uuid",
    "job_namespace",
    "job_name",
    "producer",
    "schema_url",
    "event_key",
)
_COLUMNS = ("seq", "received_us", *_DERIVED, "payload", "payload_sha256", "chain_hash")


def append(
    conn: Connection,
    batch: Sequence[ParsedEvent],
    received_us: int,
    *,
    head: tuple[int, str] | None = None,
) -> list[tuple[ParsedEvent, int, bool]]:
    """Append the events not already logged; return (event, seq, duplicate) for each.

    ``head`` is what ``lock_head`` returned when this transaction already holds the lock;
    without it, the head is locked (again) here, one more round trip. The statements run
    on the driver's cursor (``RawSql``): for one event per request, building them with
    SQLAlchemy cost more than running them.
    """
    seq, chain = head if head is not None else lock_head(conn)
    sql = RawSql(conn)
    keys = list({event.event_key for event in batch})
    known: dict[str, int] = {}
    for marks, chunk in in_chunks(keys):
        rows = sql.all(f"SELECT event_key, seq FROM events WHERE event_key IN ({marks})", chunk)
        known.update({str(key): int(found) for key, found in rows})
    results: list[tuple[ParsedEvent, int, bool]] = []
    rows_out: list[tuple[object, ...]] = []
    for event in batch:
        if event.event_key in known:
            results.append((event, known[event.event_key], True))
            continue
        seq += 1
        payload_sha = hashlib.sha256(event.payload).hexdigest()
        chain = chain_hash(chain, payload_sha, seq, received_us)
        known[event.event_key] = seq
        row = _row(event, seq, received_us, payload_sha, chain)
        rows_out.append(tuple(row[name] for name in _COLUMNS))
        results.append((event, seq, False))
    if rows_out:
        sql.insert_values(events, _COLUMNS, rows_out)
        sql.run("UPDATE log_head SET seq = ?, chain_hash = ? WHERE id = 1", (seq, chain))
    return results


def _row(
    event: ParsedEvent, seq: int, received_us: int, payload_sha: str, chain: str
) -> dict[str, object]:
    return {
        "seq": seq,
        "received_us": received_us,
        "event_time_us": event.event_time_us,
        "kind": event.kind.value,
        "event_type": event.event_type.value if event.event_type else None,
        "run_uuid": event.run_uuid,
        "job_namespace": event.job.namespace if event.job else None,
        "job_name": event.job.name if event.job else None,
        "producer": event.producer,
        "schema_url": event.schema_url,
        "payload": event.payload,
        "payload_sha256": payload_sha,
        "event_key": event.event_key,
        "chain_hash": chain,
    }


def head_seq(conn: Connection) -> int:
    """Return the sequence number of the newest log entry (0 when empty)."""
    value = conn.execute(select(log_head.c.seq).where(log_head.c.id == 1)).scalar()
    return int(value or 0)


def replay(conn: Connection, *, after: int = 0, chunk: int = 1000) -> Iterator[list[LoggedEvent]]:
    """Yield logged events in sequence order, in chunks, re-parsed from their payloads."""
    while True:
        rows = conn.execute(
            select(events.c.seq, events.c.received_us, events.c.payload)
            .where(events.c.seq > after, events.c.payload.is_not(None))
            .order_by(events.c.seq)
            .limit(chunk)
        ).all()
        if not rows:
            return
        yield [LoggedEvent(int(r.seq), int(r.received_us), reparse(bytes(r.payload))) for r in rows]
        after = int(rows[-1].seq)


def reparse(payload: bytes) -> ParsedEvent:
    """Parse a stored payload again (it was valid when it was accepted)."""
    value = load_json(payload, max_depth=10_000)
    if is_admin(value):
        return parse_admin(value, payload)
    return parse_event(value, payload)


def verify(conn: Connection) -> ChainReport:
    """Recompute the chain from the first entry and report the first broken link."""
    previous, expected_seq, checked, redacted = GENESIS, 1, 0, 0
    query = select(events).order_by(events.c.seq).execution_options(yield_per=2000)
    with conn.execute(query) as result:
        for row in result:
            problem = _check_row(row, expected_seq, previous)
            if problem:
                result.close()
                broken = ChainBreak(expected_seq, problem)
                return ChainReport(checked, head_seq(conn), redacted, broken)
            redacted += row.payload is None
            previous, expected_seq, checked = row.chain_hash, expected_seq + 1, checked + 1
    head = conn.execute(select(log_head)).first()
    head_seq_value = int(head.seq) if head else 0
    if head_seq_value != checked or (head is not None and head.chain_hash != previous):
        reason = f"log head says entry {head_seq_value} is last, but the chain ends at {checked}"
        return ChainReport(checked, head_seq_value, redacted, ChainBreak(checked + 1, reason))
    return ChainReport(checked, head_seq_value, redacted, None)


def _check_row(row: object, expected_seq: int, previous: str) -> str | None:
    seq = int(row.seq)  # type: ignore[attr-defined]
    if seq != expected_seq:
        return f"entry {expected_seq} is missing (found {seq} next)"
    payload = row.payload  # type: ignore[attr-defined]
    if payload is None:
        # Nothing redacts yet; when erasure lands it must chain a record of its own, and
        # only a payload that record covers may be missing.
        return "payload is missing and no redaction is recorded"
    payload = bytes(payload)
    if hashlib.sha256(payload).hexdigest() != row.payload_sha256:  # type: ignore[attr-defined]
        return "payload does not match its SHA-256"
    problem = _check_derived(row, payload)
    if problem:
        return problem
    recomputed = chain_hash(previous, row.payload_sha256, seq, int(row.received_us))  # type: ignore[attr-defined]
    if recomputed != row.chain_hash:  # type: ignore[attr-defined]
        return "chain hash does not match (entry altered, inserted or reordered)"
    return None


def _check_derived(row: object, payload: bytes) -> str | None:
    try:
        event = reparse(payload)
    except InvalidEvent as exc:
        return f"payload no longer parses ({exc.message})"
    expected = _row(event, 0, 0, "", "")
    for column in _DERIVED:
        if getattr(row, column) != expected[column]:
            return f"column {column} does not match the payload"
    return None


def count(conn: Connection) -> int:
    """Return the number of entries in the log."""
    return int(conn.execute(select(func.count()).select_from(events)).scalar() or 0)
