"""Marquez API: jobs, their versions, tags and runs (``/api/v1/.../jobs``, ``/jobs/runs``)."""

from __future__ import annotations

from fastapi import Query, Request
from starlette.concurrency import run_in_threadpool

from threadline.api.responses import JsonResponse
from threadline.api.routes.marquez_common import (
    ERRORS,
    limit_param,
    marquez_router,
    offset_param,
    service_of,
)

router = marquez_router("Jobs and runs")
JOB = "/namespaces/{namespace}/jobs/{job}"
STATES = Query(None, alias="lastRunStates", description="NEW, RUNNING, COMPLETED, FAILED...")


@router.get("/namespaces/{namespace}/jobs", summary="List a namespace's jobs", responses=ERRORS)
async def list_jobs(
    request: Request,
    namespace: str,
    last_run_states: list[str] | None = STATES,
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> JsonResponse:
    """Jobs by name with their latest runs, with ``totalCount``."""
    answer = await run_in_threadpool(
        service_of(request).marquez_jobs,
        namespace,
        states=last_run_states or [],
        limit=limit,
        offset=offset,
    )
    return JsonResponse(answer)


@router.get("/jobs", summary="List jobs of every namespace", responses=ERRORS)
async def list_all_jobs(
    request: Request,
    last_run_states: list[str] | None = STATES,
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> JsonResponse:
    """Jobs of all namespaces, optionally only those whose last run is in given states."""
    answer = await run_in_threadpool(
        service_of(request).marquez_jobs,
        None,
        states=last_run_states or [],
        limit=limit,
        offset=offset,
    )
    return JsonResponse(answer)


@router.get(JOB, summary="Get a job", responses=ERRORS)
async def get_job(request: Request, namespace: str, job: str) -> JsonResponse:
    """A job: parent, current inputs and outputs, latest runs, facets and tags."""
    return JsonResponse(await run_in_threadpool(service_of(request).marquez_job, namespace, job))


@router.delete(JOB, summary="Soft-delete a job", responses=ERRORS)
async def delete_job(request: Request, namespace: str, job: str) -> JsonResponse:
    """Hide a job until an event mentions it again; answers the job as it was."""
    service = service_of(request)
    return JsonResponse(await run_in_threadpool(service.marquez_delete, "job", namespace, job))


@router.get(JOB + "/versions", summary="List a job's versions", responses=ERRORS)
async def list_job_versions(
    request: Request,
    namespace: str,
    job: str,
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> JsonResponse:
    """Versions newest first (a version changes with inputs, outputs or code)."""
    answer = await run_in_threadpool(
        service_of(request).marquez_job_versions, namespace, job, limit=limit, offset=offset
    )
    return JsonResponse(answer)


@router.get(JOB + "/versions/{version}", summary="Get a job version", responses=ERRORS)
async def get_job_version(request: Request, namespace: str, job: str, version: str) -> JsonResponse:
    """One version: inputs, outputs, location and its latest run."""
    service = service_of(request)
    return JsonResponse(
        await run_in_threadpool(service.marquez_job_version, namespace, job, version)
    )


@router.post(JOB + "/tags/{tag}", summary="Tag a job", responses=ERRORS)
async def tag_job(request: Request, namespace: str, job: str, tag: str) -> JsonResponse:
    """Tag a job; answers the job."""
    service = service_of(request)
    return JsonResponse(await run_in_threadpool(service.marquez_tag, "job", namespace, job, tag))


@router.delete(JOB + "/tags/{tag}", summary="Untag a job", responses=ERRORS)
async def untag_job(request: Request, namespace: str, job: str, tag: str) -> JsonResponse:
    """Remove a tag from a job; answers the job."""
    answer = await run_in_threadpool(
        service_of(request).marquez_tag, "job", namespace, job, tag, remove=True
    )
    return JsonResponse(answer)


@router.get(JOB + "/runs", summary="List a job's runs", responses=ERRORS)
async def list_runs(
    request: Request,
    namespace: str,
    job: str,
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> JsonResponse:
    """Runs newest first, with ``totalCount``."""
    answer = await run_in_threadpool(
        service_of(request).marquez_job_runs, namespace, job, limit=limit, offset=offset
    )
    return JsonResponse(answer)


@router.get("/jobs/runs/{run_id}", summary="Get a run", responses=ERRORS)
async def get_run(request: Request, run_id: str) -> JsonResponse:
    """A run: state, times, job version, dataset versions read and written, facets."""
    return JsonResponse(await run_in_threadpool(service_of(request).marquez_run, run_id))


@router.get("/jobs/runs/{run_id}/facets", summary="Get a run's facets", responses=ERRORS)
async def get_run_facets(
    request: Request, run_id: str, type: str = Query("run", description="run or job")
) -> JsonResponse:
    """The run facets (``type=run``) or job facets (``type=job``) a run accumulated."""
    service = service_of(request)
    return JsonResponse(await run_in_threadpool(service.marquez_run_facets, run_id, type))
