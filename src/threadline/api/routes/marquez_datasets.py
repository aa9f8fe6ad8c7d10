"""Marquez API: datasets, their versions and tags (``/api/v1/namespaces/{ns}/datasets``)."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from threadline.api.responses import JsonResponse
from threadline.api.routes.marquez_common import (
    ERRORS,
    limit_param,
    marquez_router,
    offset_param,
    service_of,
)

router = marquez_router("Datasets")
DATASET = "/namespaces/{namespace}/datasets/{dataset}"


@router.get("/namespaces/{namespace}/datasets", summary="List datasets", responses=ERRORS)
async def list_datasets(
    request: Request, namespace: str, limit: int = limit_param(), offset: int = offset_param()
) -> JsonResponse:
    """A namespace's datasets by name, with ``totalCount``."""
    answer = await run_in_threadpool(
        service_of(request).marquez_datasets, namespace, limit=limit, offset=offset
    )
    return JsonResponse(answer)


@router.get(DATASET, summary="Get a dataset", responses=ERRORS)
async def get_dataset(request: Request, namespace: str, dataset: str) -> JsonResponse:
    """Schema, tags, facets, current version and column lineage of a dataset."""
    service = service_of(request)
    return JsonResponse(await run_in_threadpool(service.marquez_dataset, namespace, dataset))


@router.delete(DATASET, summary="Soft-delete a dataset", responses=ERRORS)
async def delete_dataset(request: Request, namespace: str, dataset: str) -> JsonResponse:
    """Hide a dataset until an event mentions it again; answers the dataset as it was."""
    service = service_of(request)
    return JsonResponse(
        await run_in_threadpool(service.marquez_delete, "dataset", namespace, dataset)
    )


@router.get(DATASET + "/versions", summary="List a dataset's versions", responses=ERRORS)
async def list_dataset_versions(
    request: Request,
    namespace: str,
    dataset: str,
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> JsonResponse:
    """Versions newest first, each with the run that created it, with ``totalCount``."""
    answer = await run_in_threadpool(
        service_of(request).marquez_dataset_versions,
        namespace,
        dataset,
        limit=limit,
        offset=offset,
    )
    return JsonResponse(answer)


@router.get(DATASET + "/versions/{version}", summary="Get a dataset version", responses=ERRORS)
async def get_dataset_version(
    request: Request, namespace: str, dataset: str, version: str
) -> JsonResponse:
    """One version: its schema, facets and the run that created it."""
    service = service_of(request)
    return JsonResponse(
        await run_in_threadpool(service.marquez_dataset_version, namespace, dataset, version)
    )


@router.post(DATASET + "/tags/{tag}", summary="Tag a dataset", responses=ERRORS)
async def tag_dataset(request: Request, namespace: str, dataset: str, tag: str) -> JsonResponse:
    """Tag a dataset; answers the dataset."""
    service = service_of(request)
    return JsonResponse(
        await run_in_threadpool(service.marquez_tag, "dataset", namespace, dataset, tag)
    )


@router.delete(DATASET + "/tags/{tag}", summary="Untag a dataset", responses=ERRORS)
async def untag_dataset(request: Request, namespace: str, dataset: str, tag: str) -> JsonResponse:
    """Remove a tag from a dataset; answers the dataset."""
    answer = await run_in_threadpool(
        service_of(request).marquez_tag, "dataset", namespace, dataset, tag, remove=True
    )
    return JsonResponse(answer)


@router.post(DATASET + "/fields/{field}/tags/{tag}", summary="Tag a field", responses=ERRORS)
async def tag_field(
    request: Request, namespace: str, dataset: str, field: str, tag: str
) -> JsonResponse:
    """Tag a field of a dataset (tag names are upper-cased, as in Marquez); answers the dataset."""
    answer = await run_in_threadpool(
        service_of(request).marquez_tag, "dataset", namespace, dataset, tag, field=field
    )
    return JsonResponse(answer)


@router.delete(DATASET + "/fields/{field}/tags/{tag}", summary="Untag a field", responses=ERRORS)
async def untag_field(
    request: Request, namespace: str, dataset: str, field: str, tag: str
) -> JsonResponse:
    """Remove a tag from a field of a dataset; answers the dataset."""
    answer = await run_in_threadpool(
        service_of(request).marquez_tag,
        "dataset",
        namespace,
        dataset,
        tag,
        field=field,
        remove=True,
    )
    return JsonResponse(answer)
