"""OpenLineage wire format: decode bodies, validate events, read standard facets."""

from threadline.openlineage.body import decode_body, load_json
from threadline.openlineage.events import event_key, parse_event, run_uuid

__all__ = ["decode_body", "event_key", "load_json", "parse_event", "run_uuid"]
