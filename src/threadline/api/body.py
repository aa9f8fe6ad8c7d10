"""Read request bodies without ever holding more than the configured limit."""

from __future__ import annotations

from starlette.requests import Request

from threadline.errors import PayloadTooLarge


async def read_limited(request: Request, limit: int) -> bytes:
    """Return the raw request body, refusing (413) bodies over ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is {declared} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
