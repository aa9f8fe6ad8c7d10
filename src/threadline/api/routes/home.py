"""The front page, ``GET /``: the web UI when built, else a plain page saying how to build it."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from threadline.service import LineageService
from threadline.web.home import render_home
from threadline.web.ui import BUILD_HINT, UI_DIR, ui_index

router = APIRouter(tags=["Operations"])


def _ui_dir(request: Request) -> Path:
    directory: Path = getattr(request.app.state, "ui_dir", UI_DIR)
    return directory


async def _overview(request: Request, hint: str | None) -> HTMLResponse:
    service: LineageService = request.app.state.service
    models, head = await run_in_threadpool(lambda: (service.models(), service.store.head_seq()))
    return HTMLResponse(render_home(models, head, hint=hint))


@router.get(
    "/",
    summary="The web UI (or, when it is not built, the plain front page)",
    response_class=HTMLResponse,
)
async def home(request: Request) -> Response:
    """Return the web UI's page; without a built UI, the plain page and how to build it."""
    index = ui_index(_ui_dir(request))
    if index is None:
        return await _overview(request, BUILD_HINT)
    return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get(
    "/overview",
    summary="The plain front page: recorded models and links to every answer",
    response_class=HTMLResponse,
)
async def overview(request: Request) -> HTMLResponse:
    """Return an HTML page listing the models with links to their lineage and audit report."""
    return await _overview(request, None)


@router.get("/ui/{path:path}", summary="The web UI's built files", include_in_schema=False)
async def ui_file(request: Request, path: str) -> Response:
    """Serve one built file of the web UI (404 when absent or outside the build)."""
    files = StaticFiles(directory=_ui_dir(request), check_dir=False)
    return await files.get_response(path, request.scope)
