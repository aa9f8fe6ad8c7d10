"""Group commit: events that arrive while a write is under way share the next transaction.

Every write holds the log head's lock from its first statement to its commit, so requests
that each carry one event are written one transaction after another, and each pays a
whole transaction (the lock, the read-ahead, the statements, the commit) for its one
event. Here, a request that finds no write under way writes at once; requests that
arrive meanwhile queue, and when that write has committed the first of them writes
every event queued so far in one transaction, projected as a batch is. An event is
still acknowledged only once the transaction that appended and projected it has
committed; a client alone never waits for anyone.

If a group's transaction fails because the store is unavailable, every request of the
group gets that error. If it fails for another reason, its events are written again one
transaction each, so that an event the projection cannot take fails alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from threadline.errors import StoreUnavailable
from threadline.model import IngestOutcome, ParsedEvent

log = logging.getLogger("threadline.store")

Write = Callable[[Sequence[ParsedEvent]], list[IngestOutcome]]
"""Appends and projects events in one transaction; returns their outcomes, in order."""


class _Entry:
    """One queued event, and what became of it."""

    __slots__ = ("error", "event", "lead", "outcome", "ready")

    def __init__(self, event: ParsedEvent) -> None:
        self.event = event
        self.ready = threading.Event()
        self.outcome: IngestOutcome | None = None
        self.error: BaseException | None = None
        self.lead = False  # set when this entry's request is to write the next group


class GroupCommit:
    """Writes concurrent single events in shared transactions (see the module)."""

    def __init__(self, write: Write, *, most: int) -> None:
        self._write = write
        self._most = most
        self._lock = threading.Lock()
        self._queue: list[_Entry] = []
        self._writing = False

    @property
    def waiting(self) -> int:
        """Return how many events wait for the write under way to end."""
        with self._lock:
            return len(self._queue)

    def ingest(self, event: ParsedEvent) -> IngestOutcome:
        """Append and project one event, with whatever else is queued; return its outcome."""
        entry = _Entry(event)
        with self._lock:
            if self._writing:
                self._queue.append(entry)
            else:
                self._writing = entry.lead = True
        if not entry.lead:
            entry.ready.wait()
        if entry.lead:  # no write was under way, or the last one handed the next to us
            self._lead(entry)
        if entry.error is not None:
            raise entry.error
        assert entry.outcome is not None, "a written entry has its outcome"
        return entry.outcome

    def _lead(self, entry: _Entry) -> None:
        """Write this entry and the ones queued behind it; hand the next write on."""
        with self._lock:
            group = [entry, *self._queue[: self._most - 1]]
            del self._queue[: self._most - 1]
        try:
            self._write_group(group)
        finally:
            with self._lock:
                if self._queue:
                    following = self._queue.pop(0)
                    following.lead = True
                    following.ready.set()
                else:
                    self._writing = False
            for done in group[1:]:
                if done.outcome is None and done.error is None:  # the write was interrupted
                    done.error = StoreUnavailable("the write of this event was interrupted")
                done.ready.set()

    def _write_group(self, group: list[_Entry]) -> None:
        """Write a group in one transaction (one each when that fails); record outcomes."""
        try:
            outcomes = self._write([e.event for e in group])
        except StoreUnavailable as exc:
            for e in group:
                e.error = exc
            return
        except Exception as exc:
            if len(group) == 1:
                group[0].error = exc
                return
            log.warning("a group of %d events failed (%s); writing each alone", len(group), exc)
            for e in group:
                self._write_group([e])
            return
        for e, outcome in zip(group, outcomes, strict=True):
            e.outcome = outcome
