"""Bound the ingestion requests a process works on at once; refuse the rest with a 503."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from threadline.errors import Overloaded


class IngestGate:
    """Admit at most ``limit`` ingestion requests at a time.

    A request over the limit is answered 503 with ``Retry-After`` (which OpenLineage
    clients retry) before its body is read, so neither memory nor the queue for the write
    lock grows with the load. The count lives on the event loop, which alone touches it.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    @asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        """Hold a place for one request, or raise ``Overloaded`` when none is free."""
        if self.active >= self.limit:
            raise Overloaded(
                f"the server is working on {self.active} ingestion requests, its limit; "
                "retry after the time in Retry-After"
            )
        self.active += 1
        try:
            yield
        finally:
            self.active -= 1
