"""The log itself under ``/api/threadline/v1``: the time it covers and its verified chain."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from threadline.api import examples
from threadline.api.docs import answer
from threadline.api.responses import JsonResponse
from threadline.service import LineageService

router = APIRouter(prefix="/api/threadline/v1", tags=["Audit"])


def _service(request: Request) -> LineageService:
    service: LineageService = request.app.state.service
    return service


@router.get(
    "/log/range",
    summary="The time range the log's events cover",
    responses=answer(examples.LOG_RANGE, "Earliest and latest event time, and the count"),
)
async def get_log_range(request: Request) -> JsonResponse:
    """Return the earliest and latest event time of the lineage events (null when empty)."""
    return JsonResponse(await run_in_threadpool(_service(request).log_range))


@router.get(
    "/audit/chain",
    summary="Re-verify the log's hash chain",
    responses=answer(examples.AUDIT_CHAIN, "The chain's state, its head and the redactions"),
)
async def get_audit_chain(request: Request) -> JsonResponse:
    """Recompute every link of the hash chain; list the entries whose payload was redacted."""
    return JsonResponse(await run_in_threadpool(_service(request).audit_chain))
