"""Threadline's native lineage API under ``/api/threadline/v1``: what Marquez cannot answer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from threadline import wire
from threadline.api import examples
from threadline.api.docs import answer
from threadline.api.responses import JsonPieces, JsonResponse
from threadline.errors import InvalidParameter
from threadline.queries.options import DEFAULT_BUDGET_MS, DEFAULT_DEPTH, DEFAULT_LIMIT, QueryOptions
from threadline.refs import TYPES, NodeRef
from threadline.service import LineageService

router = APIRouter(prefix="/api/threadline/v1", tags=["Lineage"])
EXAMPLE_REF = examples.CLEAN
WHEN = "2024-03-01T02:30:00Z"

DIRECTION = Query("both", description="upstream, downstream or both", examples=["downstream"])
DEPTH = Query(
    DEFAULT_DEPTH, description="Most edges to follow (dataset -> job is one)", examples=[4]
)
AS_OF = Query(None, description="Lineage as it was at this time (ISO 8601)", examples=[WHEN])
GRANULARITY = Query("entity", description="entity, version or column", examples=["column"])
KINDS = Query(
    None,
    description="Only return nodes of these types or semantic kinds (repeat or comma-separate)",
    examples=[["dataset", "model"]],
)
NAMESPACES = Query(
    None,
    description="Only return nodes in these namespaces (repeat or comma-separate)",
    examples=[["retail"]],
)
LIMIT = Query(
    DEFAULT_LIMIT, description="Most nodes to return; more sets truncated", examples=[1000]
)
BUDGET = Query(
    DEFAULT_BUDGET_MS,
    description="Time budget in milliseconds; past it the answer is partial and truncated",
    examples=[2000],
)


def _hidden() -> Any:
    """Return a parameter parsed but not documented: the route refuses it by name (400)."""
    return Query(None, include_in_schema=False)


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


async def options(
    direction: str = DIRECTION,
    depth: int = DEPTH,
    as_of: str | None = AS_OF,
    granularity: str = GRANULARITY,
    kinds: list[str] | None = KINDS,
    namespaces: list[str] | None = NAMESPACES,
    limit: int = LIMIT,
    budget_ms: int = BUDGET,
) -> QueryOptions:
    """Validate the traversal parameters of the lineage and impact routes.

    The parameter dependencies are async only so that FastAPI runs them on the event loop:
    they are a few microseconds of parsing, and a sync one would cost a thread hop.
    """
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


async def path_options(
    direction: str = DIRECTION,
    depth: int = DEPTH,
    as_of: str | None = AS_OF,
    granularity: str = GRANULARITY,
    limit: int = LIMIT,
    budget_ms: int = BUDGET,
    kinds: list[str] | None = _hidden(),
    namespaces: list[str] | None = _hidden(),
) -> QueryOptions:
    """Validate the path route's parameters (it refuses the node filters)."""
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


async def diff_options(
    direction: str = Query(
        "both", description="Around the node: upstream, downstream or both", examples=["upstream"]
    ),
    depth: int = Query(DEFAULT_DEPTH, description="How far around the node", examples=[2]),
    kinds: list[str] | None = Query(
        None, description="Only changes touching nodes of these kinds", examples=[["job"]]
    ),
    namespaces: list[str] | None = Query(
        None, description="Only changes touching nodes in these namespaces", examples=[["retail"]]
    ),
    limit: int = Query(DEFAULT_LIMIT, description="Most entries per list", examples=[100]),
    budget_ms: int = BUDGET,
    as_of: str | None = _hidden(),
) -> QueryOptions:
    """Validate the diff route's parameters (it refuses as_of: it compares two times)."""
    return QueryOptions.parse(
        direction=direction,
        depth=depth,
        as_of=as_of,
        granularity="entity",
        kinds=_split(kinds),
        namespaces=_split(namespaces),
        limit=limit,
        budget_ms=budget_ms,
    )


def orphans_options(
    as_of: str | None = AS_OF,
    kinds: list[str] | None = Query(
        None, description="Only datasets of these semantic kinds", examples=[["model"]]
    ),
    namespaces: list[str] | None = Query(
        None, description="Only datasets in these namespaces", examples=[["s3://exports"]]
    ),
    limit: int = Query(DEFAULT_LIMIT, description="Most datasets per list", examples=[100]),
    granularity: str = Query("entity", include_in_schema=False),
) -> QueryOptions:
    """Validate the orphans route's parameters (entity level only)."""
    return QueryOptions.parse(
        as_of=as_of,
        granularity=granularity,
        kinds=_split(kinds),
        namespaces=_split(namespaces),
        limit=limit,
    )


async def node_param(
    node: str | None = Query(
        None, description="Node reference, e.g. dataset:<ns>:<name>", examples=[EXAMPLE_REF]
    ),
    type: str | None = Query(
        None, description="Or the parts: dataset, job or datasetField", examples=["dataset"]
    ),
    namespace: str | None = Query(None, description="... its namespace", examples=[examples.W]),
    name: str | None = Query(
        None, description="... its name", examples=["shop.analytics.orders_clean"]
    ),
    field: str | None = Query(None, description="... a field (datasetField)", examples=["amount"]),
    version: str | None = Query(
        None, description="... a dataset version", examples=["snapshot-4711"]
    ),
) -> str | NodeRef:
    """Return the node reference given whole, or its exact parts (no reading to guess).

    Async only to run on the event loop (no thread hop), as ``options``.
    """
    if node:
        return node
    if not (type and namespace and name):
        raise InvalidParameter("give node=<reference>, or type, namespace and name")
    kind = TYPES.get(type)
    if kind is None or kind == "run":
        raise InvalidParameter(f"type must be dataset, job or datasetField; got {type!r}")
    if kind == "datasetField" and not field:
        raise InvalidParameter("type=datasetField needs field=<the field's name>")
    return NodeRef(kind, namespace, name, field if kind == "datasetField" else None, version)


def _service(request: Request) -> LineageService:
    service: LineageService = request.app.state.service
    return service


@router.get(
    "/lineage",
    summary="Lineage of a node: upstream, downstream or both",
    responses=answer(examples.LINEAGE, "The nodes reached, with depths, and their edges", 400, 404),
)
async def get_lineage(
    request: Request,
    ref: str | NodeRef = Depends(node_param),
    opts: QueryOptions = Depends(options),
) -> Response:
    """Traverse from a node at entity, version or column granularity, now or as of a time."""
    service = _service(request)
    pieces = await run_in_threadpool(service.lineage_encoded, ref, opts)
    if pieces is not None:
        return JsonPieces(pieces)
    result = await run_in_threadpool(service.lineage, ref, opts)
    return JsonResponse(wire.lineage_json(result))


@router.get(
    "/path",
    summary="How one node reaches another",
    responses=answer(examples.PATH, "The shortest path and the number of paths", 400, 404),
)
async def get_path(
    request: Request,
    source: str = Query(
        ..., alias="from", description="Where the path starts", examples=[examples.RAW]
    ),
    target: str = Query(..., alias="to", description="Where it ends", examples=[examples.REVENUE]),
    opts: QueryOptions = Depends(path_options),
) -> JsonResponse:
    """Return the shortest directed path and the number of distinct paths within depth (capped).

    ``kinds`` and ``namespaces`` are refused: a path runs through whatever lies between.
    """
    result = await run_in_threadpool(_service(request).path, source, target, opts)
    return JsonResponse(wire.path_json(result))


@router.get(
    "/impact",
    summary="Everything downstream, with severity and owners",
    responses=answer(examples.IMPACT, "What is affected, grouped, and whom to notify", 400, 404),
)
async def get_impact(
    request: Request,
    ref: str | NodeRef = Depends(node_param),
    opts: QueryOptions = Depends(options),
) -> JsonResponse:
    """Group what a change to the node affects: datasets, jobs, models, endpoints, predictions."""
    result = await run_in_threadpool(_service(request).impact, ref, opts)
    return JsonResponse(wire.impact_json(result))


@router.get(
    "/diff",
    summary="What changed in the lineage between two times",
    responses=answer(examples.DIFF, "Edges, versions and schema fields that changed", 400, 404),
)
async def get_diff(
    request: Request,
    since: str = Query(
        ..., description="The earlier time (ISO 8601)", examples=["2024-03-01T02:12:00Z"]
    ),
    until: str | None = Query(None, description="The later time; defaults to now", examples=[WHEN]),
    node: str | None = Query(
        None, description="Only the lineage around this node", examples=[EXAMPLE_REF]
    ),
    granularity: str | None = Query(
        None,
        description="What to compare: entity (dataset/job edges), column (column edges and "
        "schema fields) or version (dataset versions created); every level when absent",
        examples=["column"],
    ),
    opts: QueryOptions = Depends(diff_options),
) -> JsonResponse:
    """Edges added and retired, dataset versions created, schema fields added and removed."""
    service = _service(request)
    result = await run_in_threadpool(service.diff, since, until, opts, node, granularity)
    return JsonResponse(wire.diff_json(result))


@router.get(
    "/orphans",
    summary="Datasets nothing writes or nothing reads",
    responses=answer(examples.ORPHANS, "Datasets without writer, reader or either", 400),
)
async def get_orphans(
    request: Request, opts: QueryOptions = Depends(orphans_options)
) -> JsonResponse:
    """List datasets without a producer, without a consumer, or without either."""
    result = await run_in_threadpool(_service(request).orphans, opts)
    return JsonResponse(wire.orphans_json(result))


@router.get(
    "/nodes/{ref:path}",
    summary="Everything known about one node",
    responses=answer(examples.NODE, "Details, facets, versions and runs", 400, 404),
)
async def get_node(
    request: Request,
    ref: str = Path(
        description="Node reference (percent-encode #)", examples=[f"{examples.CLEAN}#4711"]
    ),
) -> JsonResponse:
    """Details, facets, versions and runs of a dataset, job, field, version or run."""
    details: dict[str, Any] = await run_in_threadpool(_service(request).node_details, ref)
    return JsonResponse(details)
