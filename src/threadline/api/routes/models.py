"""Model questions under ``/api/threadline/v1/models``: registry, lineage, reproducibility."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from threadline.api.docs import error_responses
from threadline.api.responses import JsonResponse
from threadline.service import LineageService

router = APIRouter(prefix="/api/threadline/v1", tags=["Models"])
ERRORS = error_responses(400, 404)
MODEL = Query(
    ..., description="NAME, NAME@VERSION or NAME@ALIAS", examples=["nepse-price@champion"]
)


def _service(request: Request) -> LineageService:
    service: LineageService = request.app.state.service
    return service


@router.get(
    "/models/registry", summary="A model's versions, aliases, stages and history", responses=ERRORS
)
async def get_model_registry(request: Request, model: str = MODEL) -> JsonResponse:
    """Return the registry state and the full history of alias moves and stage transitions."""
    answer: dict[str, Any] = await run_in_threadpool(_service(request).model_registry, model)
    return JsonResponse(answer)
