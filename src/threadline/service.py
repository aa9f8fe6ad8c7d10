"""The service layer: the one API every edge (HTTP, CLI, SDK) calls."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from threadline.admin import admin_event, is_admin
from threadline.errors import ClientError, InvalidEvent, InvalidParameter, ThreadlineError
from threadline.index import LineageIndex
from threadline.model import (
    BatchOutcome,
    ChainReport,
    FailedEvent,
    IngestOutcome,
    LineageResult,
    ParsedEvent,
    Resolved,
)
from threadline.openlineage import check_value, decode_body, may_hold_nul, parse_event, parse_json
from threadline.openlineage.body import dump_element
from threadline.projection import project
from threadline.queries.changes import DiffResult, OrphansResult, diff, orphans
from threadline.queries.details import node_details
from threadline.queries.impact import ImpactResult, impact
from threadline.queries.lineage import lineage
from threadline.queries.options import QueryOptions, parse_as_of
from threadline.queries.paths import PathResult, path
from threadline.queries.resolve import resolve
from threadline.settings import Settings
from threadline.store import Store, StoredEvent
from threadline.times import now_us, parse_iso_us

log = logging.getLogger("threadline")

EVENTS_DEFAULT_AFTER = "1970-01-01T00:00:00Z"
EVENTS_DEFAULT_BEFORE = "2030-01-01T00:00:00Z"


@dataclass(frozen=True, slots=True)
class EventsPage:
    """A page of raw events, newest or oldest first."""

    events: list[StoredEvent]
    total: int


class LineageService:
    """Ingest OpenLineage events into the log and answer questions about it."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.index = LineageIndex(store)

    # --- ingestion ------------------------------------------------------------------------

    def parse_body(self, body: bytes, *, content_encoding: str | None = None) -> tuple[bytes, Any]:
        """Decode a request body and parse its JSON, enforcing the size limit."""
        raw = decode_body(
            body, content_encoding=content_encoding, max_bytes=self.settings.max_body_bytes
        )
        return raw, parse_json(raw)

    def ingest_body(self, body: bytes, *, content_encoding: str | None = None) -> IngestOutcome:
        """Validate one event sent as a request body and store it durably.

        Raises:
            ClientError: the body or the event is malformed (nothing is written).
        """
        raw, value = self.parse_body(body, content_encoding=content_encoding)
        check_value(value, max_depth=self.settings.max_json_depth, nul_possible=may_hold_nul(raw))
        event = parse_event(_not_admin(value), raw)
        outcome = self.store.ingest([event], now_us(), project)[0]
        self.index.note_write()
        return outcome

    def ingest_batch_body(
        self, body: bytes, *, content_encoding: str | None = None
    ) -> BatchOutcome:
        """Validate a JSON array of events; store the valid ones in one transaction."""
        _raw, value = self.parse_body(body, content_encoding=content_encoding)
        if type(value) is not list:
            raise InvalidEvent("$", "a batch must be a JSON array of events")
        if len(value) > self.settings.max_batch_events:
            raise InvalidParameter(
                f"a batch holds at most {self.settings.max_batch_events} events; got {len(value)}"
            )
        return self.ingest_values(value)

    def ingest_values(self, values: Iterable[Any]) -> BatchOutcome:
        """Validate decoded events and store the valid ones; report each invalid one."""
        valid: list[tuple[int, ParsedEvent]] = []
        failed: list[FailedEvent] = []
        received = 0
        for index, value in enumerate(values):
            received += 1
            try:
                payload = dump_element(value)
                check_value(
                    value,
                    max_depth=self.settings.max_json_depth,
                    nul_possible=may_hold_nul(payload),
                )
                valid.append((index, parse_event(_not_admin(value), payload)))
            except ClientError as exc:
                failed.append(FailedEvent(index, exc.message, retriable=False))
        accepted = self._store_valid(valid, failed)
        self.index.note_write()
        failed.sort(key=lambda f: f.index)
        return BatchOutcome(received, tuple(accepted), tuple(failed))

    def _store_valid(
        self, valid: list[tuple[int, ParsedEvent]], failed: list[FailedEvent]
    ) -> list[IngestOutcome]:
        if not valid:
            return []
        try:
            return self.store.ingest([event for _i, event in valid], now_us(), project)
        except ThreadlineError:
            raise
        except Exception:  # a projection bug must not cost the other events of the batch
            log.exception("batch projection failed; storing its events one by one")
        accepted: list[IngestOutcome] = []
        for index, event in valid:
            try:
                accepted.extend(self.store.ingest([event], now_us(), project))
            except ThreadlineError:
                raise
            except Exception:
                log.exception("event %d of a batch could not be projected", index)
                failed.append(
                    FailedEvent(
                        index,
                        "internal error while storing this event; it was not stored",
                        retriable=False,
                    )
                )
        return accepted

    # --- the log ----------------------------------------------------------------------------

    def events(
        self,
        *,
        before: str | None = None,
        after: str | None = None,
        sort_direction: str = "desc",
        limit: int = 100,
        offset: int = 0,
    ) -> EventsPage:
        """Return raw events by event time, as Marquez's ``/events/lineage`` does."""
        if sort_direction not in ("asc", "desc"):
            raise InvalidParameter("sortDirection must be 'asc' or 'desc'")
        if not 0 <= limit <= 10_000:
            raise InvalidParameter("limit must be between 0 and 10000")
        if offset < 0:
            raise InvalidParameter("offset must not be negative")
        after_us = _time_param("after", after or EVENTS_DEFAULT_AFTER)
        before_us = _time_param("before", before or EVENTS_DEFAULT_BEFORE)
        page, total = self.store.events_page(
            after_us=after_us,
            before_us=before_us,
            descending=sort_direction == "desc",
            limit=limit,
            offset=offset,
        )
        return EventsPage(page, total)

    def verify(self) -> ChainReport:
        """Recompute the log's hash chain."""
        return self.store.verify()

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Replay the log into fresh projections."""
        replayed = self.store.rebuild(project, progress)
        self.index.note_write()
        return replayed

    # --- changes made through the API, logged as admin events --------------------------------

    def record_admin(self, action: str, target: dict[str, Any], **details: Any) -> None:
        """Log and project an admin event (tags, soft deletes, namespace details)."""
        self.store.ingest([admin_event(action, target, **details)], now_us(), project)
        self.index.note_write()

    # --- lineage queries ----------------------------------------------------------------------

    def resolve(self, ref: str) -> Resolved:
        """Resolve a node reference (404 with the closest matches when unknown)."""
        with self.store.read() as conn:
            return resolve(conn, ref)

    def lineage(self, ref: str, options: QueryOptions) -> LineageResult:
        """Traverse from a node: upstream, downstream or both, at a granularity and time."""
        state = self.index.state()
        with self.store.read() as conn:
            return lineage(conn, state, resolve(conn, ref), options)

    def path(self, source: str, target: str, options: QueryOptions) -> PathResult:
        """Find the shortest path between two nodes and count the distinct paths."""
        state = self.index.state()
        with self.store.read() as conn:
            return path(conn, state, resolve(conn, source), resolve(conn, target), options)

    def impact(self, ref: str, options: QueryOptions) -> ImpactResult:
        """Find everything downstream of a node, by kind, with severity and owners."""
        state = self.index.state()
        with self.store.read() as conn:
            return impact(conn, state, resolve(conn, ref), options)

    def node_details(self, ref: str) -> dict[str, Any]:
        """Return everything known about one node (see ``threadline.queries.details``)."""
        with self.store.read() as conn:
            return node_details(conn, resolve(conn, ref))

    def orphans(self, options: QueryOptions) -> OrphansResult:
        """List datasets that nothing writes or nothing reads."""
        state = self.index.state()
        with self.store.read() as conn:
            return orphans(conn, state, options)

    def diff(
        self, since: str, until: str | None, options: QueryOptions, ref: str | None = None
    ) -> DiffResult:
        """Compare the lineage (of a node, or everything) between two times."""
        start = parse_as_of(since, "since")
        end = parse_as_of(until, "until") if until else now_us()
        if start is None:
            raise InvalidParameter("since is required")
        state = self.index.state()
        with self.store.read() as conn:
            root = resolve(conn, ref) if ref else None
            return diff(conn, state, start, end if end is not None else now_us(), options, root)


def _not_admin(value: Any) -> Any:
    if is_admin(value):
        raise InvalidEvent("$.schemaURL", "admin events are recorded by the API, not posted")
    return value


def _time_param(name: str, value: str) -> int:
    try:
        return parse_iso_us(value)
    except ValueError as exc:
        raise InvalidParameter(f"{name}: {exc}") from None
