"""Liveness and readiness: ``GET /health``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from threadline import __version__
from threadline.api.responses import JsonResponse
from threadline.errors import StoreUnavailable
from threadline.service import LineageService

router = APIRouter(tags=["Operations"])


@router.get("/health", summary="Report whether the server and its database are usable")
async def health(request: Request) -> JsonResponse:
    """Answer 200 with the log's head, or 503 when the database cannot be read."""
    service: LineageService = request.app.state.service
    try:
        head = await run_in_threadpool(service.store.head_seq)
    except StoreUnavailable as exc:
        return JsonResponse(
            {"status": "unavailable", "message": exc.message},
            status_code=503,
            headers={"Retry-After": "1"},  # load balancers and clients may try again
        )
    return JsonResponse(
        {"status": "ok", "version": __version__, "database": service.store.dialect, "headSeq": head}
    )
