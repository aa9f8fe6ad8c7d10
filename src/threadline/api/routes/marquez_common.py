"""What the Marquez route modules share: raw-path routing, the service, paging parameters.

Marquez clients put namespaces such as ``postgres://db:5432`` and dataset names such as
``orders/2024.csv`` in the path, percent-encoding their slashes (``%2F``). The server
decodes the path before routing, which would split such a name over several segments; so
Marquez routes match the raw path, one encoded segment per parameter.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Query, Request
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from threadline.api.docs import error_responses
from threadline.service import LineageService

ERRORS = error_responses(400, 404)
PREFIX = "/api/v1"


def _escaped_path(raw: bytes) -> str:
    """Return the path with each raw segment decoded and escaped again as one whole.

    An encoded ``/`` inside a segment stays escaped, so a segment still matches exactly one
    path parameter; ``MarquezRoute`` decodes the parameters afterwards.
    """
    text = raw.decode("utf-8", errors="replace")
    return "/".join(quote(unquote(part), safe="") for part in text.split("/"))


class MarquezRoute(APIRoute):
    """A route matched against the raw request path (encoded slashes stay in one parameter)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Match the raw path, then decode each path parameter."""
        raw = scope.get("raw_path")
        if scope["type"] != "http" or not raw or scope.get("root_path"):
            return super().matches(scope)
        match, child = super().matches({**scope, "path": _escaped_path(raw)})
        if match is not Match.NONE:
            child["path_params"] = {
                key: unquote(value) if isinstance(value, str) else value
                for key, value in child.get("path_params", {}).items()
            }
        return match, child


def marquez_router(tag: str) -> APIRouter:
    """Return a router for Marquez routes under ``/api/v1``."""
    return APIRouter(prefix=PREFIX, tags=[f"Marquez: {tag}"], route_class=MarquezRoute)


def service_of(request: Request) -> LineageService:
    """Return the application's service."""
    service: LineageService = request.app.state.service
    return service


def limit_param(default: int = 100) -> Any:
    """Return the ``limit`` query parameter (validated by the read models)."""
    return Query(default, description="Most items to return")


def offset_param() -> Any:
    """Return the ``offset`` query parameter (validated by the read models)."""
    return Query(0, description="Items to skip")
