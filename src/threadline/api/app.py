"""The ASGI application factory: routes, error mapping and the store's lifecycle."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from threadline import __version__
from threadline.api.backpressure import IngestGate
from threadline.api.fastlineage import FastLineage
from threadline.api.guards import RejectNul
from threadline.api.responses import JsonResponse
from threadline.api.routes import (
    events,
    facets,
    health,
    home,
    lineage,
    log_status,
    marquez_datasets,
    marquez_jobs,
    marquez_lineage,
    marquez_namespaces,
    models,
    native,
)
from threadline.errors import StoreUnavailable, ThreadlineError
from threadline.service import LineageService
from threadline.settings import Settings
from threadline.store import Store

log = logging.getLogger("threadline.api")


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """Build the Threadline HTTP application.

    Args:
        settings: the process settings (database URL, limits).
        store: an already open store to use instead of opening one from the settings.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        opened = store or Store(settings)
        if settings.migrate_on_start:
            opened.upgrade()
        service = LineageService(opened, settings)
        # Load the lineage index before serving, so the first query does not pay for it.
        # A database that cannot be read yet is no reason not to start: /health says 503
        # and the first query loads the index.
        try:
            service.index.refresh()
        except StoreUnavailable as exc:
            log.warning("lineage index not loaded at start: %s", exc.message)
        app.state.service = service
        # Long-lived start-up objects need no more collection passes (see the benchmarks).
        gc.freeze()
        try:
            yield
        finally:
            if own:
                opened.close()

    app = FastAPI(
        title="Threadline",
        version=__version__,
        description=(
            "Data and model lineage. OpenLineage ingestion (`/api/v1/lineage`), the Marquez "
            "read API and Threadline's native lineage API."
        ),
        default_response_class=JsonResponse,
        lifespan=lifespan,
    )
    app.state.ingest_gate = IngestGate(settings.max_inflight_ingest)
    _install_error_handlers(app)
    app.add_middleware(FastLineage)
    app.add_middleware(RejectNul)  # outermost: it guards the fast lineage route too
    app.include_router(lineage.router)
    app.include_router(events.router)
    app.include_router(native.router)
    app.include_router(facets.router)
    app.include_router(models.router)
    app.include_router(log_status.router)
    app.include_router(marquez_namespaces.router)
    app.include_router(marquez_datasets.router)
    app.include_router(marquez_jobs.router)
    app.include_router(marquez_lineage.router)
    app.include_router(health.router)
    app.include_router(home.router)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ThreadlineError)
    async def _threadline_error(_request: Request, exc: ThreadlineError) -> JsonResponse:
        if exc.status >= 500:
            log.error("request failed: %s", exc.message)
        headers = {"Retry-After": "1"} if exc.status == 503 else None
        return JsonResponse(exc.to_dict(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, exc: RequestValidationError) -> JsonResponse:
        problems = [
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        ]
        return JsonResponse(
            {"code": 400, "error": "invalid_parameter", "message": "; ".join(problems)},
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JsonResponse:
        return JsonResponse(
            {"code": exc.status_code, "error": "http_error", "message": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JsonResponse:
        log.exception("unexpected error", exc_info=exc)
        return JsonResponse(
            {"code": 500, "error": "internal_error", "message": "internal server error"},
            status_code=500,
        )
