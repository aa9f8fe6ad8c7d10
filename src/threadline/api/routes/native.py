"""Threadline's native lineage API under ``/api/threadline/v1``: what Marquez cannot answer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from threadline import wire
from threadline.api.docs import error_responses
from threadline.api.responses import JsonResponse
from threadline.errors import InvalidParameter
from threadline.queries.options import QueryOptions
from threadline.refs import format_ref
from threadline.service import LineageService

router = APIRouter(prefix="/api/threadline/v1", tags=["Lineage"])
ERRORS = error_responses(400, 404)
EXAMPLE_REF = "dataset:postgres://warehouse:5432:shop.analytics.orders_clean"


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def options(
    direction: str = Query("both", description="upstream, downstream or both"),
    depth: int = Query(20, description="Most edges to follow (dataset -> job is one)"),
    as_of: str | None = Query(
        None,
        description="Lineage as it was at this time (ISO 8601)",
        examples=["2024-03-01T06:00:00Z"],
    ),
    granularity: str = Query("entity", description="entity, version or column"),
    kinds: list[str] | None = Query(None, description="Only return nodes of these types or kinds"),
    namespaces: list[str] | None = Query(None, description="Only return nodes in these namespaces"),
    limit: int = Query(10_000, description="Most nodes to return; more sets truncated"),
    budget_ms: int = Query(5_000, description="Time budget; past it the answer is partial"),
) -> QueryOptions:
    """Validate the traversal parameters every lineage route takes."""
    return QueryOptions.parse(
        direction=direction,
        depth=depth,
        as_of=as_of,
        granularity=granularity,
        kinds=_split(kinds),
        namespaces=_split(namespaces),
        limit=limit,
        budget_ms=budget_ms,
    )


def node_param(
    node: str | None = Query(
        None, description="Node reference, e.g. dataset:<ns>:<name>", examples=[EXAMPLE_REF]
    ),
    type: str | None = Query(None, description="Or the parts: dataset, job or datasetField"),
    namespace: str | None = Query(None),
    name: str | None = Query(None),
    field: str | None = Query(None),
    version: str | None = Query(None),
) -> str:
    """Return the node reference, given whole or as separate parts."""
    if node:
        return node
    if type and namespace and name:
        return format_ref(type, namespace, name, field, version)
    raise InvalidParameter("give node=<reference>, or type, namespace and name")


def _service(request: Request) -> LineageService:
    service: LineageService = request.app.state.service
    return service


@router.get("/lineage", summary="Lineage of a node: upstream, downstream or both", responses=ERRORS)
async def get_lineage(
    request: Request, ref: str = Depends(node_param), opts: QueryOptions = Depends(options)
) -> JsonResponse:
    """Traverse from a node at entity, version or column granularity, now or as of a time."""
    result = await run_in_threadpool(_service(request).lineage, ref, opts)
    return JsonResponse(wire.lineage_json(result))


@router.get("/path", summary="How one node reaches another", responses=ERRORS)
async def get_path(
    request: Request,
    source: str = Query(
        ..., alias="from", examples=["dataset:postgres://warehouse:5432:shop.raw.orders"]
    ),
    target: str = Query(..., alias="to", examples=[EXAMPLE_REF]),
    opts: QueryOptions = Depends(options),
) -> JsonResponse:
    """Return the shortest directed path and the number of distinct paths (capped)."""
    result = await run_in_threadpool(_service(request).path, source, target, opts)
    return JsonResponse(wire.path_json(result))


@router.get("/impact", summary="Everything downstream, with severity and owners", responses=ERRORS)
async def get_impact(
    request: Request, ref: str = Depends(node_param), opts: QueryOptions = Depends(options)
) -> JsonResponse:
    """Group what a change to the node affects: datasets, jobs, models, endpoints, predictions."""
    result = await run_in_threadpool(_service(request).impact, ref, opts)
    return JsonResponse(wire.impact_json(result))


@router.get("/diff", summary="What changed in the lineage between two times", responses=ERRORS)
async def get_diff(
    request: Request,
    since: str = Query(..., examples=["2024-03-01T00:00:00Z"]),
    until: str | None = Query(None, description="Defaults to now"),
    node: str | None = Query(None, description="Only the lineage of this node"),
    opts: QueryOptions = Depends(options),
) -> JsonResponse:
    """Edges added and retired, dataset versions created, schema fields added and removed."""
    result = await run_in_threadpool(_service(request).diff, since, until, opts, node)
    return JsonResponse(wire.diff_json(result))


@router.get("/orphans", summary="Datasets nothing writes or nothing reads", responses=ERRORS)
async def get_orphans(request: Request, opts: QueryOptions = Depends(options)) -> JsonResponse:
    """List datasets without a producer, without a consumer, or without either."""
    result = await run_in_threadpool(_service(request).orphans, opts)
    return JsonResponse(wire.orphans_json(result))


@router.get("/nodes/{ref:path}", summary="Everything known about one node", responses=ERRORS)
async def get_node(request: Request, ref: str) -> JsonResponse:
    """Details, facets, versions and runs of a dataset, job, field, version or run."""
    details: dict[str, Any] = await run_in_threadpool(_service(request).node_details, ref)
    return JsonResponse(details)
