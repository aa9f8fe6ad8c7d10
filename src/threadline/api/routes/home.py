"""The front page, ``GET /``: what is recorded and where to ask about it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from threadline.service import LineageService
from threadline.web.home import render_home

router = APIRouter(tags=["Operations"])


@router.get(
    "/",
    summary="The front page: recorded models and links to every answer",
    response_class=HTMLResponse,
)
async def home(request: Request) -> HTMLResponse:
    """Return an HTML page listing the models with links to their lineage and audit report."""
    service: LineageService = request.app.state.service
    models, head = await run_in_threadpool(lambda: (service.models(), service.store.head_seq()))
    return HTMLResponse(render_home(models, head))
