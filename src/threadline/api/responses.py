"""JSON responses encoded with orjson, and responses of pre-encoded JSON bytes."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse, Response


class JsonResponse(JSONResponse):
    """A JSON response encoded by orjson (UTF-8, no NaN, compact).

    It is a ``JSONResponse`` so that FastAPI documents its answers as JSON of any shape
    rather than as a JSON string.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Encode the content."""
        return orjson.dumps(content)


def raw_json(body: bytes, status_code: int = 200) -> Response:
    """Return JSON bytes that were assembled (or stored) already encoded."""
    return Response(body, status_code=status_code, media_type="application/json")
