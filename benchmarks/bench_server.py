"""Serve an app for a benchmark in its own process: Threadline, or a bare ASGI baseline.

Both run on the same stack (uvicorn with httptools and uvloop, one worker, no access log),
so the difference between them is Threadline itself. ``Served`` starts this module as a
child process and stops it again:

    python benchmarks/bench_server.py threadline <database url> <port>
    python benchmarks/bench_server.py bare <pickle of pre-encoded fragments> <port>
    python benchmarks/bench_server.py plain <baseline database (plain_ingest.target_of)> <port>
"""

from __future__ import annotations

import gc
import http.client
import pickle
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvicorn

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


Fragments = tuple[bytes, list[bytes], list[bytes], bytes]


def bare_app(bodies: dict[str, Fragments]) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """Return an ASGI app answering ``GET /<key>`` with that key's pre-encoded fragments.

    A body is (prefix, node JSON, edge JSON, suffix): the nodes and the edges are joined
    per request, as any server that holds pre-encoded nodes must, and the five pieces sent
    one after another.
    """
    headers = [(b"content-type", b"application/json")]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        found = bodies.get(scope["path"].lstrip("/"))
        if found is None:
            pieces = [b"null"]
        else:
            prefix, nodes, edges, suffix = found
            pieces = [prefix, b",".join(nodes), b'],"edges":[', b",".join(edges), suffix]
        length = (b"content-length", str(sum(len(p) for p in pieces)).encode())
        await send({"type": "http.response.start", "status": 200, "headers": [*headers, length]})
        for piece in pieces[:-1]:  # as Threadline does: no copy of the whole into one buffer
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": pieces[-1]})

    return app


def plain_app(target: str) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """Return an ASGI app that writes each ``POST`` body with the ingestion baseline.

    The event is parsed and written with plain inserts (``plain_ingest``) on the event
    loop, in its own transaction, and answered as Threadline answers a new event: the
    bare stack with the baseline's work and nothing else.
    """
    from plain_ingest import reopen

    writer = reopen(target)
    headers = [(b"content-type", b"application/json")]
    seq = 0

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal seq
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        status, body = 200, b"null"
        if scope["method"] == "POST":
            writer.write([b"".join(chunks)])
            seq += 1
            status, body = 201, b'{"seq":%d,"duplicate":false}' % seq
        length = (b"content-length", str(len(body)).encode())
        await send({"type": "http.response.start", "status": status, "headers": [*headers, length]})
        await send({"type": "http.response.body", "body": body})

    return app


def _threadline_app(url: str) -> Any:
    from threadline.api import create_app
    from threadline.settings import Settings

    return create_app(Settings(database_url=url))


class Served:
    """A benchmark server in a child process, reachable over one keep-alive connection."""

    def __init__(self, kind: str, target: str, port: int) -> None:
        script = str(Path(__file__).resolve())
        command = [sys.executable, script, kind, target, str(port)]
        self.process = subprocess.Popen(command)
        self.port = port
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        deadline = time.monotonic() + 120
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            try:
                conn.request("GET", "/health")
                conn.getresponse().read()
                return conn
            except OSError:
                conn.close()
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("benchmark server did not start") from None
                time.sleep(0.1)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """Send one request on the kept-alive connection; return status and body."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        """Stop the server process."""
        self.conn.close()
        self.process.terminate()
        self.process.wait(timeout=60)


def main(kind: str, target: str, port: int) -> None:
    """Run one server until terminated."""
    if kind == "bare":
        bodies = pickle.loads(Path(target).read_bytes())
        app = bare_app(bodies)
        gc.freeze()
    elif kind == "plain":
        app = plain_app(target)
        gc.freeze()
    else:
        app = _threadline_app(target)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        http="httptools",
        loop="uvloop",
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
