"""The service layer: the one API every edge (HTTP, CLI, SDK) calls."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

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
from threadline.openlineage.body import dump_element, element_spans
from threadline.projection import project
from threadline.queries.admission import refusal
from threadline.queries.audit import audit_report
from threadline.queries.changes import DiffResult, OrphansResult, diff, orphans
from threadline.queries.details import node_details
from threadline.queries.encoded import NodeText, encodable, encoded_lineage
from threadline.queries.impact import ImpactResult, impact
from threadline.queries.lineage import lineage
from threadline.queries.log_status import chain_summary, redactions, time_range
from threadline.queries.marquez import admin as mq_admin
from threadline.queries.marquez import datasets as mq_datasets
from threadline.queries.marquez import graph as mq_graph
from threadline.queries.marquez import jobs as mq_jobs
from threadline.queries.marquez import jobversions as mq_jobversions
from threadline.queries.marquez import namespaces as mq_namespaces
from threadline.queries.marquez import runs as mq_runs
from threadline.queries.marquez import search as mq_search
from threadline.queries.marquez import versions as mq_versions
from threadline.queries.models import model_lineage
from threadline.queries.options import QueryOptions, parse_as_of
from threadline.queries.paths import PathResult, path
from threadline.queries.registry import models, registry
from threadline.queries.reproduce import affected, model_check, models_check
from threadline.queries.resolve import resolve
from threadline.refs import NodeRef
from threadline.settings import Settings
from threadline.store import Store, StoredEvent
from threadline.store.groupcommit import GroupCommit
from threadline.times import now_us, parse_iso_us

log = logging.getLogger("threadline")
T = TypeVar("T")

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
        self.node_text = NodeText()
        self.group_commit = GroupCommit(self._write, most=settings.max_batch_events)

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
        check_value(
            value,
            max_depth=self.settings.max_json_depth,
            nul_possible=may_hold_nul(raw),
            raw=raw,
        )
        event = parse_event(_not_admin(value), raw)
        self._admit(event)
        return self.group_commit.ingest(event)

    def _write(self, batch: Sequence[ParsedEvent]) -> list[IngestOutcome]:
        """Append and project events in one transaction (``GroupCommit``'s writer)."""
        return self.store.ingest(batch, now_us(), project)

    def ingest_batch_body(
        self, body: bytes, *, content_encoding: str | None = None
    ) -> BatchOutcome:
        """Validate a JSON array of events; store the valid ones in one transaction."""
        raw, value = self.parse_body(body, content_encoding=content_encoding)
        if type(value) is not list:
            raise InvalidEvent("$", "a batch must be a JSON array of events")
        if len(value) > self.settings.max_batch_events:
            raise InvalidParameter(
                f"a batch holds at most {self.settings.max_batch_events} events; got {len(value)}"
            )
        return self.ingest_values(value, payloads=element_spans(raw, len(value)))

    def check_value(self, value: Any) -> str | None:
        """Return why an event would be refused, or None if it would be accepted."""
        try:
            payload = dump_element(value)
            check_value(
                value, max_depth=self.settings.max_json_depth, nul_possible=may_hold_nul(payload)
            )
            self._admit(parse_event(_not_admin(value), payload))
        except ClientError as exc:
            return exc.message
        return None

    def ingest_values(
        self, values: Iterable[Any], *, payloads: Sequence[bytes] | None = None
    ) -> BatchOutcome:
        """Validate decoded events and store the valid ones; report each invalid one.

        ``payloads`` are the events as they were sent, kept verbatim in the log; without
        them each event is kept as compact JSON.
        """
        valid: list[tuple[int, ParsedEvent]] = []
        failed: list[FailedEvent] = []
        received = 0
        for index, value in enumerate(values):
            received += 1
            try:
                payload = payloads[index] if payloads is not None else dump_element(value)
                check_value(
                    value,
                    max_depth=self.settings.max_json_depth,
                    nul_possible=may_hold_nul(payload),
                    raw=payload,
                )
                valid.append((index, parse_event(_not_admin(value), payload)))
            except ClientError as exc:
                failed.append(FailedEvent(index, exc.message, retriable=False))
        accepted = self._store_valid(valid, failed)
        failed.sort(key=lambda f: f.index)
        return BatchOutcome(received, tuple(accepted), tuple(failed))

    def _admit(self, event: ParsedEvent) -> None:
        """Refuse an event that contradicts the store (see ``queries.admission``)."""
        if not any("threadline_predictions" in o.facets for o in event.outputs):
            return  # only prediction sets need a look at the store
        with self.store.read() as conn:
            refused = refusal(conn, event)
        if refused is not None:
            raise InvalidEvent(*refused)

    def _store_valid(
        self, valid: list[tuple[int, ParsedEvent]], failed: list[FailedEvent]
    ) -> list[IngestOutcome]:
        admitted = []
        for index, event in valid:
            try:
                self._admit(event)
                admitted.append((index, event))
            except InvalidEvent as exc:
                failed.append(FailedEvent(index, exc.message, retriable=False))
        valid = admitted
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
        return self.store.rebuild(project, progress)

    # --- changes made through the API, logged as admin events --------------------------------

    def record_admin(self, action: str, target: dict[str, Any], **details: Any) -> None:
        """Log and project an admin event (tags, soft deletes, namespace details)."""
        self.store.ingest([admin_event(action, target, **details)], now_us(), project)

    # --- models ------------------------------------------------------------------------------

    def models(self) -> list[dict[str, Any]]:
        """List every model with its newest version and current aliases."""
        with self.store.read() as conn:
            return models(conn)

    def model_registry(self, model: str) -> dict[str, Any]:
        """Return a model's registry state: aliases, stages, versions, full history."""
        with self.store.read() as conn:
            return registry(conn, model)

    def model_lineage(self, model: str, as_of: str | None = None) -> dict[str, Any]:
        """Return what trained a model version, how it was checked, where it serves."""
        when = parse_as_of(as_of)
        with self.store.read() as conn:
            state = self.index.state_for(conn)
            return model_lineage(conn, state, model, when)

    def model_check(self, model: str | None = None) -> list[dict[str, Any]]:
        """Check that model versions (one, or the newest of each) can be rebuilt exactly."""
        with self.store.read() as conn:
            state = self.index.state_for(conn)
            return [model_check(conn, state, model)] if model else models_check(conn, state)

    def affected(
        self,
        dataset: str,
        *,
        version: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> dict[str, Any]:
        """Return the models, deployments and predictions built on some dataset versions."""
        start, end = parse_as_of(since, "from"), parse_as_of(until, "to")
        with self.store.read() as conn:
            state = self.index.state_for(conn)
            return affected(conn, state, dataset, version=version, since=start, until=end)

    def audit_report(self, model: str) -> dict[str, Any]:
        """Return the audit report of a model version (lineage, checks, proof)."""
        with self.store.read() as conn:
            state = self.index.state_for(conn)
            return audit_report(conn, state, model)

    def log_range(self) -> dict[str, Any]:
        """Return the time range the log's lineage events cover, and how many there are."""
        with self.store.read() as conn:
            return time_range(conn)

    def audit_chain(self) -> dict[str, Any]:
        """Re-verify the log's hash chain; return its state and the redacted entries."""
        with self.store.read() as conn:
            return {**chain_summary(conn), "redactions": redactions(conn)}

    # --- lineage queries ----------------------------------------------------------------------

    def resolve(self, ref: str | NodeRef) -> Resolved:
        """Resolve a node reference (404 with the closest matches when unknown)."""
        with self.store.read() as conn:
            return resolve(conn, ref)

    def lineage(self, ref: str | NodeRef, options: QueryOptions) -> LineageResult:
        """Traverse from a node: upstream, downstream or both, at a granularity and time."""
        with self.store.read() as conn:
            state = self.index.state_for(conn)
            return lineage(conn, state, resolve(conn, ref), options)

    def lineage_encoded(self, ref: str | NodeRef, options: QueryOptions) -> list[bytes] | None:
        """Answer ``lineage`` as JSON bytes joined from pre-encoded node text, in pieces.

        Returns None for options that need the general path (version and column
        granularity, kind and namespace filters): encode ``lineage`` then.
        """
        if not encodable(options):
            return None
        with self.store.read() as conn:
            state = self.index.state_for(conn)
            return encoded_lineage(conn, state, resolve(conn, ref), options, self.node_text)

    def path(self, source: str, target: str, options: QueryOptions) -> PathResult:
        """Find the shortest path between two nodes and count the distinct paths."""
        with self.store.read() as conn:
            state = self.index.state_for(conn)
            return path(conn, state, resolve(conn, source), resolve(conn, target), options)

    def impact(self, ref: str | NodeRef, options: QueryOptions) -> ImpactResult:
        """Find everything downstream of a node, by kind, with severity and owners."""
        with self.store.read() as conn:
            state = self.index.state_for(conn)
            return impact(conn, state, resolve(conn, ref), options)

    def node_details(self, ref: str) -> dict[str, Any]:
        """Return everything known about one node (see ``threadline.queries.details``)."""
        with self.store.read() as conn:
            return node_details(conn, resolve(conn, ref))

    def orphans(self, options: QueryOptions) -> OrphansResult:
        """List datasets that nothing writes or nothing reads."""
        with self.store.read() as conn:
            state = self.index.state_for(conn)
            return orphans(conn, state, options)

    def diff(
        self,
        since: str,
        until: str | None,
        options: QueryOptions,
        ref: str | NodeRef | None = None,
        granularity: str | None = None,
    ) -> DiffResult:
        """Compare the lineage (of a node, or everything) between two times."""
        start = parse_as_of(since, "since")
        end = parse_as_of(until, "until") if until else now_us()
        if start is None:
            raise InvalidParameter("since is required")
        with self.store.read() as conn:
            state = self.index.state_for(conn)
            root = resolve(conn, ref) if ref else None
            end = end if end is not None else now_us()
            return diff(conn, state, start, end, options, root, granularity=granularity)

    # --- Marquez read API ---------------------------------------------------------------------
    # Marquez's REST shapes, read by ``threadline.queries.marquez``; changes are admin events.

    def _marquez(
        self, read: Callable[..., T], *args: Any, indexed: bool = False, **kwargs: Any
    ) -> T:
        with self.store.read() as conn:
            if indexed:  # graph reads take (conn, state, ...)
                return read(conn, self.index.state_for(conn), *args, **kwargs)
            return read(conn, *args, **kwargs)

    def marquez_namespaces(self, *, limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """List namespaces (``GET /namespaces``)."""
        return self._marquez(mq_namespaces.list_namespaces, limit=limit, offset=offset)

    def marquez_namespace(self, name: str) -> dict[str, Any]:
        """Return a namespace (``GET /namespaces/{ns}``)."""
        return self._marquez(mq_namespaces.namespace, name)

    def marquez_datasets(self, namespace: str, *, limit: int, offset: int) -> dict[str, Any]:
        """List a namespace's datasets with their total count."""
        return self._marquez(mq_datasets.list_datasets, namespace, limit=limit, offset=offset)

    def marquez_dataset(self, namespace: str, name: str) -> dict[str, Any]:
        """Return a dataset."""
        return self._marquez(mq_datasets.dataset, namespace, name)

    def marquez_dataset_versions(
        self, namespace: str, name: str, *, limit: int, offset: int
    ) -> dict[str, Any]:
        """List a dataset's versions, newest first."""
        read = mq_versions.list_dataset_versions
        return self._marquez(read, namespace, name, limit=limit, offset=offset)

    def marquez_dataset_version(self, namespace: str, name: str, version: str) -> dict[str, Any]:
        """Return one version of a dataset."""
        return self._marquez(mq_versions.dataset_version, namespace, name, version)

    def marquez_jobs(
        self, namespace: str | None, *, states: list[str], limit: int, offset: int
    ) -> dict[str, Any]:
        """List jobs of a namespace (or all), optionally by their last run's state."""
        read = mq_jobs.list_jobs
        return self._marquez(read, namespace, states=states, limit=limit, offset=offset)

    def marquez_job(self, namespace: str, name: str) -> dict[str, Any]:
        """Return a job with its latest runs."""
        return self._marquez(mq_jobs.job, namespace, name)

    def marquez_job_versions(
        self, namespace: str, name: str, *, limit: int, offset: int
    ) -> dict[str, Any]:
        """List a job's versions, newest first."""
        read = mq_jobversions.list_job_versions
        return self._marquez(read, namespace, name, limit=limit, offset=offset)

    def marquez_job_version(self, namespace: str, name: str, version: str) -> dict[str, Any]:
        """Return one version of a job."""
        return self._marquez(mq_jobversions.job_version, namespace, name, version)

    def marquez_job_runs(
        self, namespace: str, name: str, *, limit: int, offset: int
    ) -> dict[str, Any]:
        """List a job's runs, newest first."""
        return self._marquez(mq_runs.job_runs, namespace, name, limit=limit, offset=offset)

    def marquez_run(self, run_id: str) -> dict[str, Any]:
        """Return a run (``GET /jobs/runs/{id}``)."""
        return self._marquez(mq_runs.run, run_id)

    def marquez_run_facets(self, run_id: str, scope: str) -> dict[str, Any]:
        """Return the run or job facets of a run."""
        return self._marquez(mq_runs.run_facets_of, run_id, scope)

    def marquez_search(self, q: str | None, **filters: Any) -> dict[str, Any]:
        """Search dataset and job names (``GET /search``)."""
        return self._marquez(mq_search.search, q, **filters)

    def marquez_tags(self, *, limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """List tags."""
        return self._marquez(mq_namespaces.list_tags, limit=limit, offset=offset)

    def marquez_lineage(self, node_id: str, depth: int) -> dict[str, Any]:
        """Return the dataset and job graph around a node (Marquez's depth counts jobs)."""
        return self._marquez(mq_graph.lineage_graph, node_id, depth, indexed=True)

    def marquez_column_lineage(
        self, node_id: str, depth: int, *, with_downstream: bool
    ) -> dict[str, Any]:
        """Return the field graph around a dataset, field or job."""
        read = mq_graph.column_graph
        return self._marquez(read, node_id, depth, indexed=True, with_downstream=with_downstream)

    def marquez_put_namespace(
        self, name: str, *, owner_name: str, description: str | None
    ) -> dict[str, Any]:
        """Set a namespace's owner and description; return the namespace."""
        target = self._marquez(mq_admin.namespace_target, name, owner_name)
        described = mq_admin.description(description)
        self.record_admin("namespace", target, ownerName=owner_name, description=described)
        return self.marquez_namespace(name)

    def marquez_put_tag(self, name: str, description: str | None) -> dict[str, Any]:
        """Create a tag or change its description; return the tag."""
        name, described = mq_admin.tag_name(name), mq_admin.description(description)
        self.record_admin("createTag", {"type": "tag", "name": name}, description=described)
        return self._marquez(mq_namespaces.tag, name)

    def marquez_tag(
        self, kind: str, namespace: str, name: str, tag: str, **change: Any
    ) -> dict[str, Any]:
        """Tag or untag (``remove=True``) a dataset, a ``field`` of it or a job; return it."""
        field = change.get("field")
        tag = mq_admin.tag_name(tag).upper() if field else mq_admin.tag_name(tag)  # as Marquez
        target = self._marquez(mq_admin.tag_target, kind, namespace, name, field)
        self.record_admin("untag" if change.get("remove") else "tag", target, tag=tag)
        read = mq_jobs.job if kind == "job" else mq_datasets.dataset
        return self._marquez(read, namespace, name)

    def marquez_delete(self, kind: str, namespace: str, name: str | None = None) -> dict[str, Any]:
        """Soft-delete a dataset, job or namespace; return it as it was (a namespace as it is)."""
        target, before = self._marquez(mq_admin.hide_target, kind, namespace, name)
        self.record_admin("hide", target)
        return self.marquez_namespace(namespace) if kind == "namespace" else before


_ADMIN_FRAGMENT = re.compile(r"#/(?:definitions|\$defs)/AdminEvent\s*$")


def _not_admin(value: Any) -> Any:
    url = value.get("schemaURL") if type(value) is dict else None
    if is_admin(value) or (isinstance(url, str) and _ADMIN_FRAGMENT.search(url)):
        raise InvalidEvent("$.schemaURL", "admin events are recorded by the API, not posted")
    return value


def _time_param(name: str, value: str) -> int:
    try:
        return parse_iso_us(value)
    except ValueError as exc:
        raise InvalidParameter(f"{name}: {exc}") from None
