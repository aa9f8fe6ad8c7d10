"""Validate one decoded OpenLineage event (spec 1-0-x or 2-0-x) into a ``ParsedEvent``."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import orjson

from threadline.errors import InvalidEvent
from threadline.model import DatasetRecord, EventKind, JobId, ParsedEvent, RunState
from threadline.openlineage.checks import (
    child,
    describe,
    facet_map,
    optional_array,
    require_object,
    require_string,
    required_object,
)
from threadline.openlineage.facets import DATASET_FACETS, JOB_FACETS, RUN_FACETS, check_facets
from threadline.times import parse_iso_us

_KIND_FRAGMENT = re.compile(r"#/(?:definitions|\$defs)/([A-Za-z]+)\s*$")
# Only the OpenLineage kinds: an AdminEvent is built by the API (threadline.admin), never
# parsed from what a client sent.
_KINDS = {kind.value: kind for kind in EventKind if kind is not EventKind.ADMIN}
_STATES = {state.value: state for state in RunState}
_NO_SPACE = re.compile(r"\S+")


def run_uuid(raw: str) -> str:
    """Return the canonical UUID for a run id; a non-UUID id is mapped as Marquez maps it.

    Marquez (Java) uses ``UUID.nameUUIDFromBytes``: an MD5-based version 3 UUID of the
    id's UTF-8 bytes, which this reproduces so both servers agree on the mapping.
    """
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        digest = hashlib.md5(raw.encode("utf-8"), usedforsecurity=False).digest()
        return str(uuid.UUID(bytes=digest, version=3))


def event_key(event: dict[str, Any]) -> str:
    """Return the SHA-256 of the event's canonical JSON (sorted keys, compact)."""
    return hashlib.sha256(orjson.dumps(event, option=orjson.OPT_SORT_KEYS)).hexdigest()


def parse_event(value: Any, payload: bytes) -> ParsedEvent:
    """Validate a decoded event and return it with everything the store needs.

    Raises:
        InvalidEvent: naming the JSON path of the first problem found.
    """
    if type(value) is not dict:
        hint = "; send arrays of events to /api/v1/lineage/batch" if type(value) is list else ""
        raise InvalidEvent("$", f"an event must be a JSON object, got {describe(value)}{hint}")
    if not value:
        raise InvalidEvent(
            "$", "the event is empty; eventTime, producer and schemaURL are required"
        )
    event_time = _event_time(value)
    producer = _uri(value, "producer")
    schema_url = _uri(value, "schemaURL")
    kind = _kind(schema_url, value)
    common: dict[str, Any] = {
        "kind": kind,
        "event_time_us": event_time,
        "producer": producer,
        "schema_url": schema_url,
        "payload": payload,
        "event_key": event_key(value),
    }
    if kind is EventKind.DATASET:
        dataset = _dataset(required_object(value, "dataset", "$"), "$.dataset", "")
        return ParsedEvent(**common, dataset=dataset)
    job, job_facets = _job(value)
    inputs = _datasets(value, "inputs", "inputFacets")
    outputs = _datasets(value, "outputs", "outputFacets")
    if kind is EventKind.JOB:
        return ParsedEvent(**common, job=job, job_facets=job_facets, inputs=inputs, outputs=outputs)
    run = required_object(value, "run", "$")
    raw_run_id = require_string(run, "runId", "$.run")
    run_facets = facet_map(run, "facets", "$.run")
    check_facets(run_facets, RUN_FACETS, "$.run.facets")
    canonical = run_uuid(raw_run_id)
    return ParsedEvent(
        **common,
        event_type=_event_type(value),
        run_uuid=canonical,
        run_external_id=None if canonical == raw_run_id else raw_run_id,
        job=job,
        run_facets=run_facets,
        job_facets=job_facets,
        inputs=inputs,
        outputs=outputs,
    )


def _event_time(value: dict[str, Any]) -> int:
    text = require_string(value, "eventTime", "$")
    try:
        return parse_iso_us(text)
    except ValueError as exc:
        raise InvalidEvent("$.eventTime", str(exc)) from None


def _uri(value: dict[str, Any], key: str) -> str:
    text = require_string(value, key, "$")
    if _NO_SPACE.fullmatch(text) is None:
        raise InvalidEvent(f"$.{key}", "must be a URI without spaces or control characters")
    return text


def _kind(schema_url: str, value: dict[str, Any]) -> EventKind:
    match = _KIND_FRAGMENT.search(schema_url)
    if match is None:
        # No fragment: decide by shape, as Marquez falls back to RunEvent.
        if "run" not in value and "dataset" in value:
            return EventKind.DATASET
        if "run" not in value and "job" in value:
            return EventKind.JOB
        return EventKind.RUN
    kind = _KINDS.get(match.group(1))
    if kind is None:
        raise InvalidEvent(
            "$.schemaURL",
            f"{match.group(1)!r} is not an event kind; expected RunEvent, DatasetEvent or JobEvent",
        )
    return kind


def _event_type(value: dict[str, Any]) -> RunState | None:
    raw = value.get("eventType")
    if raw is None:
        return None
    if type(raw) is not str:
        raise InvalidEvent("$.eventType", f"expected a string, got {describe(raw)}")
    state = _STATES.get(raw.upper())
    if state is None:
        raise InvalidEvent("$.eventType", f"{raw[:40]!r} is not one of {', '.join(_STATES)}")
    return state


def _job(value: dict[str, Any]) -> tuple[JobId, dict[str, Any]]:
    job = required_object(value, "job", "$")
    namespace = require_string(job, "namespace", "$.job")
    name = require_string(job, "name", "$.job")
    facets = facet_map(job, "facets", "$.job")
    check_facets(facets, JOB_FACETS, "$.job.facets")
    return JobId(namespace, name), facets


def _datasets(value: dict[str, Any], key: str, io_key: str) -> tuple[DatasetRecord, ...]:
    items = optional_array(value, key, "$")
    return tuple(
        _dataset(require_object(item, child(f"$.{key}", i)), child(f"$.{key}", i), io_key)
        for i, item in enumerate(items)
    )


def _dataset(obj: dict[str, Any], path: str, io_key: str) -> DatasetRecord:
    namespace = require_string(obj, "namespace", path)
    name = require_string(obj, "name", path)
    facets = facet_map(obj, "facets", path)
    check_facets(facets, DATASET_FACETS, child(path, "facets"))
    io_facets = facet_map(obj, io_key, path) if io_key else {}
    return DatasetRecord(namespace, name, facets, io_facets)
