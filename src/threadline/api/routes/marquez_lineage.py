"""Marquez API: lineage graphs and search (``/api/v1/lineage``, ``/column-lineage``, ``/search``).

``POST /api/v1/lineage`` (ingestion) lives in ``routes.lineage``; this module answers GET.
"""

from __future__ import annotations

from fastapi import Query, Request
from starlette.concurrency import run_in_threadpool

from threadline.api.responses import JsonResponse
from threadline.api.routes.marquez_common import ERRORS, marquez_router, service_of
from threadline.queries.marquez.graph import MARQUEZ_DEFAULT_DEPTH

router = marquez_router("Lineage and search")
NODE_ID = Query(
    ...,
    alias="nodeId",
    description="dataset:<ns>:<name>, job:<ns>:<name> or datasetField:<ns>:<dataset>:<field>",
    examples=["dataset:postgres://warehouse:5432:shop.analytics.orders_clean"],
)


@router.get("/lineage", summary="Dataset and job lineage graph", responses=ERRORS)
async def get_lineage(
    request: Request,
    node_id: str = NODE_ID,
    depth: int = Query(
        MARQUEZ_DEFAULT_DEPTH, description="Most jobs to pass, upstream and downstream"
    ),
) -> JsonResponse:
    """The graph around a node: ``{graph: [{id, type, data, inEdges, outEdges}]}``."""
    service = service_of(request)
    return JsonResponse(await run_in_threadpool(service.marquez_lineage, node_id, depth))


@router.get("/column-lineage", summary="Column lineage graph", responses=ERRORS)
async def get_column_lineage(
    request: Request,
    node_id: str = NODE_ID,
    depth: int = Query(MARQUEZ_DEFAULT_DEPTH, description="Most field-to-field steps"),
    with_downstream: bool = Query(False, alias="withDownstream"),
) -> JsonResponse:
    """Upstream fields (and downstream ones on request) of a dataset, field or job."""
    answer = await run_in_threadpool(
        service_of(request).marquez_column_lineage,
        node_id,
        depth,
        with_downstream=with_downstream,
    )
    return JsonResponse(answer)


@router.get("/search", summary="Search datasets and jobs", responses=ERRORS)
async def search(
    request: Request,
    q: str | None = Query(None, description="Text to find in names (case-insensitive)"),
    filter: str | None = Query(None, description="DATASET or JOB"),
    sort: str | None = Query(None, description="NAME (default) or UPDATE_AT"),
    limit: int = Query(10, description="Most results"),
    namespace: str | None = Query(None, description="Only this namespace"),
    before: str | None = Query(None, description="Only updated before this date"),
    after: str | None = Query(None, description="Only updated after this date"),
) -> JsonResponse:
    """Datasets and jobs whose name (or a column name, or a job's SQL) contains ``q``."""
    answer = await run_in_threadpool(
        service_of(request).marquez_search,
        q,
        filter=filter,
        sort=sort,
        limit=limit,
        namespace=namespace,
        before=before,
        after=after,
    )
    return JsonResponse(answer)
