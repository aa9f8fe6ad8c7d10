"""Parsing one event: the schema URL's fragment names its kind, and only OpenLineage's kinds."""

from __future__ import annotations

import orjson
import pytest
from openlineage.client.event_v2 import RunState

from tests.events import run_event
from threadline.errors import InvalidEvent
from threadline.model import EventKind
from threadline.openlineage import parse_event

SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"


@pytest.mark.parametrize(
    ("fragment", "kind"),
    [
        ("#/$defs/RunEvent", EventKind.RUN),
        ("#/definitions/RunEvent", EventKind.RUN),
        ("#/$defs/JobEvent", EventKind.JOB),
        ("#/$defs/DatasetEvent", EventKind.DATASET),
    ],
)
def test_parse_event_takes_the_kind_from_the_schema_fragment(
    fragment: str, kind: EventKind
) -> None:
    event = {**run_event(RunState.START, 1), "schemaURL": SPEC + fragment}
    if kind is EventKind.DATASET:
        event["dataset"] = {"namespace": "db", "name": "d"}
    assert parse_event(event, orjson.dumps(event)).kind is kind


@pytest.mark.parametrize("fragment", ["#/$defs/AdminEvent", "#/definitions/AdminEvent"])
def test_parse_event_refuses_the_admin_kind(fragment: str) -> None:
    event = {**run_event(RunState.START, 1), "schemaURL": SPEC + fragment}
    with pytest.raises(InvalidEvent) as refused:
        parse_event(event, orjson.dumps(event))
    assert (refused.value.path, refused.value.message) == (
        "$.schemaURL",
        "$.schemaURL: 'AdminEvent' is not an event kind; expected RunEvent, DatasetEvent or "
        "JobEvent",
    )
