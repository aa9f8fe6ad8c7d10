"""Admin events: changes made through the API (tags, soft deletes, namespaces), logged like events.

The log is the single source of truth, so an API change is not written to a table
directly: it becomes an ``AdminEvent`` in the same hash chain and is projected like any
OpenLineage event, so ``rebuild`` reproduces it. Admin events never arrive from producers:
``POST /api/v1/lineage`` refuses their schema.
"""

from __future__ import annotations

from typing import Any

import orjson

from threadline.errors import InvalidEvent
from threadline.model import EventKind, ParsedEvent
from threadline.openlineage.events import event_key
from threadline.times import format_iso_us, now_us, parse_iso_us

SCHEMA_URL = "https://threadline.dev/spec/admin/1-0-0/AdminEvent.json"
PRODUCER = "https://threadline.dev/api"
ACTIONS = ("createTag", "tag", "untag", "hide", "namespace")
TARGETS = ("dataset", "job", "datasetField", "namespace", "tag")


def is_admin(value: Any) -> bool:
    """Tell whether a decoded event is an admin event."""
    return type(value) is dict and value.get("schemaURL") == SCHEMA_URL


def admin_event(action: str, target: dict[str, Any], **details: Any) -> ParsedEvent:
    """Build an admin event for ``action`` on ``target`` (stamped now)."""
    value = {
        "eventTime": format_iso_us(now_us()),
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "action": action,
        "target": target,
        **{key: v for key, v in details.items() if v is not None},
    }
    return parse_admin(value, orjson.dumps(value))


def parse_admin(value: dict[str, Any], payload: bytes) -> ParsedEvent:
    """Validate an admin event read back from the log."""
    action, target = value.get("action"), value.get("target")
    if action not in ACTIONS or type(target) is not dict or target.get("type") not in TARGETS:
        raise InvalidEvent("$", "not a valid admin event")
    return ParsedEvent(
        kind=EventKind.ADMIN,
        event_time_us=parse_iso_us(str(value["eventTime"])),
        producer=str(value["producer"]),
        schema_url=SCHEMA_URL,
        payload=payload,
        event_key=event_key(value),
        admin=value,
    )
