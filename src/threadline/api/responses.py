"""JSON responses encoded with orjson, and responses of pre-encoded JSON bytes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from starlette.responses import JSONResponse, Response

Send = Callable[[dict[str, Any]], Awaitable[None]]
JSON_HEADERS = [(b"content-type", b"application/json")]


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


SEND_AT_LEAST = 65_536
"""Bytes a body message carries at least (but the last): small pieces go out together."""


async def send_json_pieces(send: Send, status: int, pieces: Sequence[bytes]) -> None:
    """Send a JSON answer given as pieces (``b"".join(pieces)``) without joining it whole.

    A large piece goes in a body message of its own; small ones are joined until they
    fill one (a message each would cost a write each).
    """
    length = (b"content-length", b"%d" % sum(len(piece) for piece in pieces))
    await send(
        {"type": "http.response.start", "status": status, "headers": [*JSON_HEADERS, length]}
    )
    small: list[bytes] = []
    held = 0
    for piece in pieces:
        if len(piece) >= SEND_AT_LEAST:
            if small:
                await send(
                    {"type": "http.response.body", "body": b"".join(small), "more_body": True}
                )
                small, held = [], 0
            await send({"type": "http.response.body", "body": piece, "more_body": True})
            continue
        small.append(piece)
        held += len(piece)
        if held >= SEND_AT_LEAST:
            await send({"type": "http.response.body", "body": b"".join(small), "more_body": True})
            small, held = [], 0
    await send({"type": "http.response.body", "body": b"".join(small)})


class JsonPieces(Response):
    """A JSON answer assembled already encoded, in pieces sent as they are (no joined copy)."""

    media_type = "application/json"

    def __init__(self, pieces: Sequence[bytes], status_code: int = 200) -> None:
        super().__init__(None, status_code=status_code)
        self.pieces = pieces

    async def __call__(self, scope: Any, receive: Any, send: Send) -> None:
        """Send the answer."""
        await send_json_pieces(send, self.status_code, self.pieces)
