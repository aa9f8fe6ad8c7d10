"""Deliver events: to a server over HTTP (spooling to disk while it is down) or into a store.

Both are openlineage-python transports, so the SDK emits with the official client.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import orjson
from openlineage.client import OpenLineageClient
from openlineage.client.serde import Serde
from openlineage.client.transport import Transport
from openlineage.client.transport.http import HttpConfig, HttpTransport

log = logging.getLogger("threadline.sdk")


class LocalTransport(Transport):
    """Write events straight into a local store, without a server."""

    kind = "threadline_local"

    def __init__(self, database_url: str) -> None:
        from threadline.service import LineageService
        from threadline.settings import Settings
        from threadline.store import Store

        settings = Settings.from_env(database_url=database_url)
        self.store = Store(settings)
        self.store.upgrade()
        self.service = LineageService(self.store, settings)

    def emit(self, event: Any) -> Any:
        """Store one event; raise if it is refused."""
        outcome = self.service.ingest_values([Serde.to_dict(event)])
        if outcome.failed:
            raise ValueError(f"event refused: {outcome.failed[0].reason}")
        return outcome

    def close(self, timeout: float = -1) -> bool:
        """Release the store."""
        self.store.close()
        return True


class SpoolingTransport(Transport):
    """Send over HTTP; while the server cannot be reached, keep events in a spool directory.

    Spooled events are delivered first, in the order they were emitted, before any new one;
    a file is removed only after the server acknowledged it. If a process dies between the
    acknowledgement and the removal, the re-send is an identical event, which the server
    recognises and does not store twice.
    """

    kind = "threadline_spool"

    def __init__(
        self,
        url: str,
        spool: str | os.PathLike[str],
        *,
        timeout: float = 5.0,
        api_key: str | None = None,
    ) -> None:
        params: dict[str, Any] = {"url": url, "timeout": timeout, "retry": {"total": 0}}
        if api_key:
            params["auth"] = {"type": "api_key", "apiKey": api_key}
        self.http = HttpTransport(HttpConfig.from_dict(params))
        self.spool = Path(spool)
        self.spool.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def _pending(self) -> list[Path]:
        return sorted(self.spool.glob("*.json"))

    def _write(self, payload: bytes) -> None:
        pending = self._pending()
        number = int(pending[-1].stem) + 1 if pending else 1
        tmp = self.spool / f"{number:012d}.tmp"
        tmp.write_bytes(payload)
        tmp.replace(self.spool / f"{number:012d}.json")

    def _send(self, payload: bytes) -> bool:
        try:
            self.http.emit(orjson.loads(payload))  # the transport serialises dicts as events
        except Exception as exc:  # the server is down or refused it: keep it for later
            log.warning("Threadline server unavailable (%s); event spooled", exc)
            return False
        return True

    def flush(self) -> int:
        """Deliver spooled events in order; return how many are still waiting."""
        with self._lock:
            pending = self._pending()
            for path in pending:
                if not self._send(path.read_bytes()):
                    return len(self._pending())
                path.unlink()
            return 0

    def emit(self, event: Any) -> Any:
        """Send an event after the spooled ones, or spool it."""
        payload = Serde.to_json(event).encode()
        with self._lock:
            if self._pending() or not self._send(payload):
                self._write(payload)
        self.flush()
        return None


def make_client(
    *,
    url: str | None,
    database_url: str | None,
    spool: str | os.PathLike[str],
    api_key: str | None = None,
) -> OpenLineageClient:
    """Return an OpenLineage client that delivers to a server or into a local store."""
    if url:
        return OpenLineageClient(transport=SpoolingTransport(url, spool, api_key=api_key))
    return OpenLineageClient(transport=LocalTransport(database_url or "sqlite:///threadline.db"))
