"""OpenLineage wire format: decode bodies, validate events, read standard facets."""

from threadline.openlineage.body import (
    check_value,
    decode_body,
    load_json,
    may_hold_nul,
    parse_json,
)
from threadline.openlineage.events import event_key, parse_event, run_uuid

__all__ = [
    "check_value",
    "decode_body",
    "event_key",
    "load_json",
    "may_hold_nul",
    "parse_event",
    "parse_json",
    "run_uuid",
]
