"""The native lineage route's common request, answered before the framework's routing.

``GET /api/threadline/v1/lineage`` is the request a UI and an impact script send most, and
for a small answer FastAPI's routing and parameter solving cost more than the answer (about
0.3 ms of 0.6). ``FastLineage`` answers that route itself when its query string is plain:
only the route's own parameters, each scalar once, integers written as digits, and options
the pre-encoded path serves (``LineageService.lineage_encoded``). It validates with the very
functions the route depends on (``native.node_param`` and ``native.options``), so the
answer and every message are the route's own. Anything else (a parameter FastAPI would
parse differently, an invalid value, a filter or a granularity the general path needs, an
unexpected error) passes to the application unchanged, which answers it as documented.
"""

from __future__ import annotations

import inspect
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool

from threadline.api.responses import send_json_pieces
from threadline.api.routes.native import node_param, options
from threadline.errors import ThreadlineError
from threadline.queries.encoded import encodable
from threadline.service import LineageService

Scope = dict[str, Any]
PATH = "/api/threadline/v1/lineage"
NODE = frozenset(("node", "type", "namespace", "name", "field", "version"))
TEXT = frozenset(("direction", "as_of", "granularity"))
NUMBERS = frozenset(("depth", "limit", "budget_ms"))
LISTS = frozenset(("kinds", "namespaces"))
DIGITS = re.compile(r"[0-9]{1,9}")


def _defaults(dependency: Callable[..., Any]) -> dict[str, Any]:
    """Return a dependency's parameter defaults (the values inside its ``Query`` markers)."""
    return {
        name: parameter.default.default
        for name, parameter in inspect.signature(dependency).parameters.items()
    }


NODE_DEFAULTS, OPTION_DEFAULTS = _defaults(node_param), _defaults(options)


class FastLineage:
    """ASGI middleware answering a plain ``GET`` of the native lineage route (see above)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        answered = await self._answer(scope, send)
        if not answered:
            await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, send: Any) -> bool:
        """Answer the request and return True, or return False to leave it to the route."""
        kwargs = _arguments(scope["query_string"])
        if kwargs is None:
            return False
        try:
            ref = await node_param(**{k: kwargs.get(k, v) for k, v in NODE_DEFAULTS.items()})
            opts = await options(**{k: kwargs.get(k, v) for k, v in OPTION_DEFAULTS.items()})
        except ThreadlineError:
            return False  # the route gives the same message, through its error handler
        if not encodable(opts):
            return False  # the general path: no thread hop to learn it
        service: LineageService = scope["app"].state.service
        try:
            pieces = await run_in_threadpool(service.lineage_encoded, ref, opts)
        except ThreadlineError as exc:
            if exc.status >= 500:
                return False  # logged and answered by the application's handler
            pieces, status = [orjson.dumps(exc.to_dict())], exc.status
        else:
            if pieces is None:
                return False
            status = 200
        await send_json_pieces(send, status, pieces)
        return True


def _arguments(query: bytes) -> dict[str, Any] | None:
    """Return the route's keyword arguments from a plain query string, or None."""
    kwargs: dict[str, Any] = {}
    try:
        pairs = urllib.parse.parse_qsl(
            query.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except (UnicodeDecodeError, ValueError):
        return None
    for key, value in pairs:
        if key in LISTS:
            kwargs.setdefault(key, []).append(value)
        elif key in kwargs or not (key in NODE or key in TEXT or key in NUMBERS):
            return None
        elif key in NUMBERS:
            if not DIGITS.fullmatch(value):
                return None
            kwargs[key] = int(value)
        else:
            kwargs[key] = value
    return kwargs
