"""Hypothesis fuzzes the parsers hostile input meets first: events and node references.

Whatever the bytes or values, the event pipeline (decode, JSON, limits, ``parse_event``)
accepts or raises a ``ClientError`` (a 4xx), nothing else; what it accepts parses again
the same from the stored payload, as a rebuild replays it. A node reference is read or
refused with ``InvalidParameter``, and every reading it offers is read back by itself.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openlineage.client.event_v2 import RunState

from tests.chaos.servers import scale
from tests.events import run_event
from threadline.errors import ClientError, InvalidParameter
from threadline.model import ParsedEvent
from threadline.openlineage import check_value, decode_body, may_hold_nul, parse_event, parse_json
from threadline.refs import candidates
from threadline.store.log import reparse

LIMIT = 1024 * 1024
FUZZ = settings(
    max_examples=300 * scale(), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),  # past 64 bits too
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["", "START", "COMPLETE", "2024-03-01T00:00:00Z", "not-a-time", "\x00"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = [
    "eventType",
    "eventTime",
    "run",
    "job",
    "inputs",
    "outputs",
    "producer",
    "schemaURL",
    "dataset",
    "runId",
    "namespace",
    "name",
    "facets",
    "inputFacets",
    "outputFacets",
]


def _pipeline(body: bytes, *, encoding: str | None = None) -> ParsedEvent:
    """Take a request body as ``POST /api/v1/lineage`` does, up to the parsed event."""
    raw = decode_body(body, content_encoding=encoding, max_bytes=LIMIT)
    value = parse_json(raw)
    check_value(value, max_depth=100, nul_possible=may_hold_nul(raw))
    return parse_event(value, raw)


def _accepted_or_refused(body: bytes, *, encoding: str | None = None) -> None:
    try:
        event = _pipeline(body, encoding=encoding)
    except ClientError:
        return
    again = reparse(event.payload)
    assert (again.event_key, again.kind, again.event_time_us) == (
        event.event_key,
        event.kind,
        event.event_time_us,
    )


def _text(value: Any) -> bytes:
    """Encode as JSON text; the standard library writes integers of any size."""
    return json.dumps(value, ensure_ascii=False).encode()


def _mutate(event: Any, path: list[str | int], value: Any) -> Any:
    """Put a value at a path of the event (creating objects on the way)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(event, dict) and isinstance(head, str):
        return {**event, head: _mutate(event.get(head), rest, value)}
    if isinstance(event, list) and isinstance(head, int) and event:
        index = head % len(event)
        return [*event[:index], _mutate(event[index], rest, value), *event[index + 1 :]]
    return value


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes_are_an_event_or_a_client_error(body: bytes) -> None:
    _accepted_or_refused(body)
    _accepted_or_refused(gzip.compress(body), encoding="gzip")


@FUZZ
@given(json_values)
def test_any_json_value_is_an_event_or_a_client_error(value: Any) -> None:
    _accepted_or_refused(_text(value))


@FUZZ
@given(
    st.sampled_from([RunState.START, RunState.COMPLETE, RunState.FAIL, None]),
    st.lists(
        st.tuples(
            st.lists(st.one_of(st.sampled_from(KEYS), st.integers(0, 3)), min_size=1, max_size=4),
            json_values,
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_valid_events_changed_anywhere_are_events_or_client_errors(
    state: RunState | None, changes: list[tuple[list[str | int], Any]]
) -> None:
    event: Any = run_event(state, 1)
    for path, value in changes:
        event = _mutate(event, path, value)
    _accepted_or_refused(_text(event))


@FUZZ
@given(
    st.one_of(
        st.text(max_size=60),
        st.builds(
            lambda kind, parts: f"{kind}:{':'.join(parts)}",
            st.sampled_from(["dataset", "job", "datasetField", "field", "run"]),
            st.lists(st.text(st.characters(codec="utf-8"), max_size=12), max_size=5),
        ),
    )
)
def test_any_reference_is_read_or_refused_and_each_reading_reads_back(text: str) -> None:
    try:
        readings = candidates(text)
    except InvalidParameter:
        return
    assert readings
    for reading in readings:
        assert reading in candidates(str(reading))
