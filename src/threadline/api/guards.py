"""ASGI guards that run before routing: refuse what no database column could hold."""

from __future__ import annotations

from typing import Any

from threadline.api.responses import JsonResponse

Scope = dict[str, Any]


class RejectNul:
    """Answer 400 to a request whose path or query holds a NUL character (``%00``).

    PostgreSQL cannot store or compare text holding NUL, and SQLite would; refusing it at
    the door keeps both databases answering alike, and never a 500.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (
            b"%00" in scope.get("query_string", b"")
            or b"%00" in scope.get("raw_path", b"")
            or "\x00" in scope.get("path", "")
        ):
            response = JsonResponse(
                {
                    "code": 400,
                    "error": "invalid_parameter",
                    "message": "the request path or query holds a NUL character (%00)",
                },
                status_code=400,
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
