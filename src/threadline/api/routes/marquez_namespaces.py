"""Marquez API: namespaces and tags (``/api/v1/namespaces``, ``/api/v1/tags``)."""

from __future__ import annotations

from fastapi import Body, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from threadline.api.responses import JsonResponse
from threadline.api.routes.marquez_common import (
    ERRORS,
    limit_param,
    marquez_router,
    offset_param,
    service_of,
)

router = marquez_router("Namespaces and tags")


class NamespaceBody(BaseModel):
    """The body of ``PUT /namespaces/{namespace}``."""

    ownerName: str = Field(min_length=1, max_length=1024)  # noqa: N815 (Marquez's JSON name)
    description: str | None = None


class TagBody(BaseModel):
    """The body of ``PUT /tags/{tag}``."""

    description: str | None = None


@router.get("/namespaces", summary="List namespaces", responses=ERRORS)
async def list_namespaces(
    request: Request, limit: int = limit_param(), offset: int = offset_param()
) -> JsonResponse:
    """Namespaces by name; soft-deleted ones are flagged ``isHidden`` (as in Marquez)."""
    answer = await run_in_threadpool(
        service_of(request).marquez_namespaces, limit=limit, offset=offset
    )
    return JsonResponse(answer)


@router.get("/namespaces/{namespace}", summary="Get a namespace", responses=ERRORS)
async def get_namespace(request: Request, namespace: str) -> JsonResponse:
    """One namespace: owner, description, times and whether it is hidden."""
    return JsonResponse(await run_in_threadpool(service_of(request).marquez_namespace, namespace))


@router.put("/namespaces/{namespace}", summary="Set a namespace's owner", responses=ERRORS)
async def put_namespace(request: Request, namespace: str, body: NamespaceBody) -> JsonResponse:
    """Set the owner and description of a namespace that events created."""
    answer = await run_in_threadpool(
        service_of(request).marquez_put_namespace,
        namespace,
        owner_name=body.ownerName,
        description=body.description,
    )
    return JsonResponse(answer)


@router.delete("/namespaces/{namespace}", summary="Soft-delete a namespace", responses=ERRORS)
async def delete_namespace(request: Request, namespace: str) -> JsonResponse:
    """Hide a namespace with its datasets and jobs until an event mentions them again."""
    service = service_of(request)
    return JsonResponse(await run_in_threadpool(service.marquez_delete, "namespace", namespace))


@router.get("/tags", summary="List tags", responses=ERRORS)
async def list_tags(
    request: Request, limit: int = limit_param(), offset: int = offset_param()
) -> JsonResponse:
    """Tags by name, with their descriptions."""
    service = service_of(request)
    return JsonResponse(await run_in_threadpool(service.marquez_tags, limit=limit, offset=offset))


@router.put("/tags/{tag}", summary="Create a tag", responses=ERRORS)
async def put_tag(request: Request, tag: str, body: TagBody | None = Body(None)) -> JsonResponse:
    """Create a tag, or change its description."""
    description = body.description if body else None
    return JsonResponse(
        await run_in_threadpool(service_of(request).marquez_put_tag, tag, description)
    )
