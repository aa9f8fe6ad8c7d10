"""JSON answers sent in pieces: the body is the pieces joined, in as few messages as sensible."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from typing import Any

import pytest

from threadline.api.responses import SEND_AT_LEAST, send_json_pieces


def _sent(pieces: list[bytes]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    asyncio.run(send_json_pieces(send, 200, pieces))
    return messages


@pytest.mark.parametrize(
    "pieces",
    [
        [b"{}"],
        [b'{"a":[', *[b"1," for _ in range(40_000)], b"2]}"],  # small pieces only
        [b'{"a":"', b"x" * SEND_AT_LEAST, b"y" * 10, b"z" * (3 * SEND_AT_LEAST), b'"}'],
        [],
    ],
    ids=["one", "small", "mixed", "none"],
)
def test_pieces_are_sent_whole_in_order_with_their_length(pieces: list[bytes]) -> None:
    start, *bodies = _sent(pieces)
    body = b"".join(message["body"] for message in bodies)
    assert body == b"".join(pieces)
    assert start["status"] == 200
    assert (b"content-length", str(len(body)).encode()) in start["headers"]
    assert [m.get("more_body", False) for m in bodies] == [True] * (len(bodies) - 1) + [False]
    # Small pieces travel together: no two messages in a row are both small (a large piece
    # goes alone, and the small ones before it in one message).
    sizes = [len(m["body"]) for m in bodies]
    assert not any(a < SEND_AT_LEAST and b < SEND_AT_LEAST for a, b in pairwise(sizes))
