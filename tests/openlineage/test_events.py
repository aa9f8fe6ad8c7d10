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


@pytest.mark.parametrize(
    ("facets", "where", "why"),
    [
        (
            {"schema": {"fields": [{"name": "a"}, {"name": "b", "fields": [{"name": " "}]}]}},
            "schema.fields[1].fields[0].name",
            "must not be empty",
        ),
        (
            {"schema": {"fields": [{"name": "a", "type": 3}]}},
            "schema.fields[0].type",
            "expected a string",
        ),
        (
            {
                "columnLineage": {
                    "fields": {"x": {"inputFields": [{"namespace": "n", "name": "t"}]}}
                }
            },
            "columnLineage.fields.x.inputFields[0].field",
            "is required",
        ),
        (
            {
                "columnLineage": {
                    "dataset": [
                        {"namespace": "n", "name": "t", "field": "f", "transformations": [1]}
                    ]
                }
            },
            "columnLineage.dataset[0].transformations[0]",
            "expected an object",
        ),
    ],
)
def test_parse_event_names_where_a_schema_or_column_lineage_is_wrong(
    facets: dict[str, object], where: str, why: str
) -> None:
    value = run_event(RunState.COMPLETE, 1)
    value["outputs"] = [{"namespace": "n", "name": "out", "facets": facets}]
    with pytest.raises(InvalidEvent) as raised:
        parse_event(value, orjson.dumps(value))
    assert raised.value.path.endswith(f".facets.{where}"), raised.value.path
    assert why in raised.value.problem


def test_parse_event_accepts_a_nested_schema_and_column_lineage() -> None:
    value = run_event(RunState.COMPLETE, 1)
    schema = {"fields": [{"name": "a", "type": "T", "fields": [{"name": "b"}]}]}
    lineage = {
        "fields": {"a": {"inputFields": [{"namespace": "n", "name": "t", "field": "f"}]}},
        "dataset": [{"namespace": "n", "name": "t", "field": "g", "transformations": [{}]}],
    }
    value["outputs"] = [
        {"namespace": "n", "name": "out", "facets": {"schema": schema, "columnLineage": lineage}}
    ]
    assert parse_event(value, orjson.dumps(value)).outputs[0].facets["schema"] == schema
