"""Model questions under ``/api/threadline/v1/models``: registry, lineage, reproducibility."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from threadline.api import examples
from threadline.api.docs import answer
from threadline.api.responses import JsonResponse
from threadline.service import LineageService
from threadline.web.report import render_report

router = APIRouter(prefix="/api/threadline/v1", tags=["Models"])
MODEL = Query(
    ..., description="NAME, NAME@VERSION or NAME@ALIAS", examples=["nepse-price@champion"]
)


def _service(request: Request) -> LineageService:
    service: LineageService = request.app.state.service
    return service


@router.get(
    "/models/registry",
    summary="A model's versions, aliases, stages and history",
    responses=answer(examples.MODEL_REGISTRY, "The registry state and its history", 400, 404),
)
async def get_model_registry(request: Request, model: str = MODEL) -> JsonResponse:
    """Return the registry state and the full history of alias moves and stage transitions."""
    answer: dict[str, Any] = await run_in_threadpool(_service(request).model_registry, model)
    return JsonResponse(answer)


@router.get(
    "/models/lineage",
    summary="What trained a model version, and where it serves",
    responses=answer(examples.MODEL_LINEAGE, "The model version's lineage", 400, 404),
)
async def get_model_lineage(
    request: Request,
    model: str = MODEL,
    as_of: str | None = Query(
        None,
        description="Resolve aliases and lineage as of this time",
        examples=["2024-04-01T06:00:00Z"],
    ),
) -> JsonResponse:
    """Training run, code version, data versions back to raw sources, validation, registry
    history, deployments and prediction sets of one model version."""
    answer = await run_in_threadpool(_service(request).model_lineage, model, as_of)
    return JsonResponse(answer)


@router.get(
    "/models/check",
    summary="Can a model version be rebuilt exactly?",
    responses=answer(examples.MODEL_CHECK, "One check per model version", 400, 404),
)
async def get_model_check(
    request: Request,
    model: str | None = Query(
        None,
        description="NAME[@VERSION|@ALIAS]; all models when absent",
        examples=["nepse-price@3"],
    ),
) -> JsonResponse:
    """List every input not pinned to a version and every step not pinned to a commit."""
    answer = await run_in_threadpool(_service(request).model_check, model)
    return JsonResponse({"models": answer})


@router.get(
    "/affected",
    summary="Models, deployments and predictions built on some data",
    responses=answer(examples.AFFECTED, "What was built on those versions", 400, 404),
)
async def get_affected(
    request: Request,
    dataset: str = Query(
        ...,
        description="A dataset (or dataset version) reference",
        examples=["dataset:file:/data/raw/prices.csv"],
    ),
    version: str | None = Query(
        None, description="One version of the dataset", examples=["md5:41ab"]
    ),
    since: str | None = Query(
        None,
        alias="from",
        description="Versions created from this time",
        examples=["2024-03-01T00:00:00Z"],
    ),
    until: str | None = Query(
        None, alias="to", description="... up to this time", examples=["2024-04-01T00:00:00Z"]
    ),
) -> JsonResponse:
    """Everything downstream of those exact dataset versions, grouped."""
    answer = await run_in_threadpool(
        lambda: _service(request).affected(dataset, version=version, since=since, until=until)
    )
    return JsonResponse(answer)


@router.get(
    "/audit/report",
    summary="Audit report of a model version (JSON or HTML)",
    responses=answer(examples.AUDIT_REPORT, "The report (JSON; HTML with format=html)", 400, 404),
)
async def get_audit_report(
    request: Request,
    model: str = MODEL,
    format: str = Query(
        "json", pattern="^(json|html)$", description="json or html", examples=["html"]
    ),
) -> Response:
    """Lineage, reproducibility, the events behind them and the verified hash chain."""
    answer = await run_in_threadpool(_service(request).audit_report, model)
    if format == "html":
        return HTMLResponse(render_report(answer))
    return JsonResponse(answer)
