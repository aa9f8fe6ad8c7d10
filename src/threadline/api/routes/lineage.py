"""OpenLineage ingestion: ``POST /api/v1/lineage`` and ``POST /api/v1/lineage/batch``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from threadline.api.backpressure import IngestGate
from threadline.api.body import read_limited
from threadline.api.docs import ERROR, EVENT, EXAMPLE_RUN_EVENT, error_responses, json_body
from threadline.api.responses import JsonResponse
from threadline.service import LineageService

router = APIRouter(prefix="/api/v1", tags=["OpenLineage"])

INGEST_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {"seq": {"type": "integer"}, "duplicate": {"type": "boolean"}},
    "required": ["seq", "duplicate"],
}

BATCH_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["success", "partial_success", "failure"]},
        "summary": {
            "type": "object",
            "properties": {
                name: {"type": "integer"}
                for name in ("received", "successful", "failed", "retriable", "non_retriable")
            },
        },
        "failed_events": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "reason": {"type": "string"},
                    "retriable": {"type": "boolean"},
                },
            },
        },
    },
}


def _service(request: Request) -> LineageService:
    service: LineageService = request.app.state.service
    return service


def _gate(request: Request) -> IngestGate:
    gate: IngestGate = request.app.state.ingest_gate
    return gate


@router.post(
    "/lineage",
    summary="Record one OpenLineage event",
    description=(
        "Accepts a RunEvent, DatasetEvent or JobEvent (spec 1-0-x or 2-0-x), plain or with "
        "`Content-Encoding: gzip`. Answers 201 once the event is durably stored; an "
        "identical re-send answers 200 and is not stored twice."
    ),
    status_code=201,
    openapi_extra=json_body(EVENT, EXAMPLE_RUN_EVENT, "One OpenLineage event"),
    responses={
        201: {
            "description": "Recorded",
            "content": {"application/json": {"schema": INGEST_RESPONSE}},
        },
        200: {
            "description": "Already recorded (identical re-send)",
            "content": {"application/json": {"schema": INGEST_RESPONSE}},
        },
        **error_responses(400, 413, 415, 503),
    },
)
async def post_lineage(request: Request) -> JsonResponse:
    """Validate and store one event."""
    service = _service(request)
    async with _gate(request).admit():
        body = await read_limited(request, service.settings.max_body_bytes)
        outcome = await run_in_threadpool(
            service.ingest_body, body, content_encoding=request.headers.get("content-encoding")
        )
    return JsonResponse(
        {"seq": outcome.seq, "duplicate": outcome.duplicate},
        status_code=200 if outcome.duplicate else 201,
    )


@router.post(
    "/lineage/batch",
    summary="Record a batch of OpenLineage events",
    description=(
        "A JSON array of events. Valid events are stored in one transaction; each invalid "
        "one is reported with its index and reason. 200 with `success` or "
        "`partial_success`; 400 when every event failed."
    ),
    openapi_extra=json_body(
        {"type": "array", "items": EVENT}, [EXAMPLE_RUN_EVENT], "A JSON array of events"
    ),
    responses={
        200: {
            "description": "Batch processed",
            "content": {"application/json": {"schema": BATCH_RESPONSE}},
        },
        **error_responses(400, 413, 415, 503),
        400: {
            "description": "Malformed batch, or every event in it failed",
            "content": {"application/json": {"schema": {"anyOf": [ERROR, BATCH_RESPONSE]}}},
        },
    },
)
async def post_lineage_batch(request: Request) -> JsonResponse:
    """Validate a batch and store its valid events."""
    service = _service(request)
    async with _gate(request).admit():
        body = await read_limited(request, service.settings.max_body_bytes)
        outcome = await run_in_threadpool(
            service.ingest_batch_body,
            body,
            content_encoding=request.headers.get("content-encoding"),
        )
    retriable = sum(1 for failed in outcome.failed if failed.retriable)
    payload = {
        "status": outcome.status,
        "summary": {
            "received": outcome.received,
            "successful": len(outcome.accepted),
            "failed": len(outcome.failed),
            "retriable": retriable,
            "non_retriable": len(outcome.failed) - retriable,
        },
        "failed_events": [
            {"index": f.index, "reason": f.reason, "retriable": f.retriable} for f in outcome.failed
        ],
    }
    return JsonResponse(payload, status_code=400 if outcome.status == "failure" else 200)
