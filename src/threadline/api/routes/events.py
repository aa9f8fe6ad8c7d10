"""Raw events back out of the log: ``GET /api/v1/events/lineage`` (Marquez shape)."""

from __future__ import annotations

from typing import Literal

import orjson
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from threadline.api.docs import error_responses
from threadline.api.responses import raw_json
from threadline.service import LineageService
from threadline.store import StoredEvent
from threadline.times import format_iso_us

router = APIRouter(prefix="/api/v1", tags=["OpenLineage"])


def _encoded(event: StoredEvent) -> bytes:
    if event.payload is not None:
        return event.payload
    # A redacted event keeps its place (and its hash in the chain) but not its content.
    return orjson.dumps(
        {
            "_threadline_redacted": {
                "seq": event.seq,
                "redactedAt": format_iso_us(event.redacted_us),
                "eventTime": format_iso_us(event.event_time_us),
            }
        }
    )


@router.get(
    "/events/lineage",
    summary="List stored OpenLineage events",
    description="Events exactly as received, by event time, paged (Marquez's shape).",
    responses={200: {"description": "`{events: [...], totalCount: n}`"}, **error_responses(400)},
)
async def list_lineage_events(
    request: Request,
    before: str | None = Query(None, description="Only events at or before this time (ISO 8601)"),
    after: str | None = Query(None, description="Only events at or after this time (ISO 8601)"),
    sort_direction: Literal["asc", "desc"] = Query("desc", alias="sortDirection"),
    limit: int = Query(100, ge=0, le=10_000),
    offset: int = Query(0, ge=0, le=2**31),
) -> Response:
    """Return a page of raw events."""
    service: LineageService = request.app.state.service
    page = await run_in_threadpool(
        service.events,
        before=before,
        after=after,
        sort_direction=sort_direction,
        limit=limit,
        offset=offset,
    )
    # The stored bytes are valid JSON already: join them instead of re-encoding.
    body = b'{"events":[' + b",".join(_encoded(e) for e in page.events) + b'],"totalCount":'
    return raw_json(body + str(page.total).encode() + b"}")
