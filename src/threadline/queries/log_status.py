"""The log as a whole: the time range its events cover, and the state of its hash chain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from threadline.model import EventKind
from threadline.store import log
from threadline.store.tables import events, log_head
from threadline.times import format_iso_us

MAX_REDACTIONS = 1000


def time_range(conn: Connection) -> dict[str, Any]:
    """Return the earliest and latest event time of the OpenLineage events, and their count."""
    lineage_events = events.c.kind != EventKind.ADMIN.value
    row = conn.execute(
        select(
            func.min(events.c.event_time_us).label("first"),
            func.max(events.c.event_time_us).label("last"),
            func.count().label("n"),
        ).where(lineage_events)
    ).one()
    first, last = row.first, row.last
    return {
        "firstEventTime": format_iso_us(int(first) if first is not None else None),
        "lastEventTime": format_iso_us(int(last) if last is not None else None),
        "events": int(row.n or 0),
    }


def chain_summary(conn: Connection) -> dict[str, Any]:
    """Re-verify the whole hash chain; return the result with the head that anchors it."""
    chain = log.verify(conn)
    head = conn.execute(select(log_head.c.seq, log_head.c.chain_hash)).first()
    return {
        "verified": chain.ok,
        "checked": chain.checked,
        "redacted": chain.redacted,
        "broken": {"seq": chain.broken.seq, "reason": chain.broken.reason}
        if chain.broken
        else None,
        "headSeq": int(head.seq) if head else 0,
        "headHash": head.chain_hash if head else None,
    }


def redactions(conn: Connection, *, limit: int = MAX_REDACTIONS) -> list[dict[str, Any]]:
    """List the log entries whose payload was removed, oldest first (at most ``limit``)."""
    e = events.c
    rows = conn.execute(
        select(e.seq, e.event_time_us, e.redacted_us, e.redacted_by, e.redaction_reason)
        .where(e.payload.is_(None))
        .order_by(e.seq)
        .limit(limit)
    ).all()
    return [
        {
            "seq": int(r.seq),
            "eventTime": format_iso_us(r.event_time_us),
            "redactedAt": format_iso_us(r.redacted_us),
            "redactedBy": r.redacted_by,
            "reason": r.redaction_reason,
        }
        for r in rows
    ]
