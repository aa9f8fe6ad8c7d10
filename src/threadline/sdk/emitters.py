"""Deliver events: to a server over HTTP (spooling to disk while it is down) or into a store.

Both are openlineage-python transports, so the SDK emits with the official client.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import orjson
import requests
from openlineage.client import OpenLineageClient
from openlineage.client.serde import Serde
from openlineage.client.transport import Transport
from openlineage.client.transport.http import HttpConfig, HttpTransport

log = logging.getLogger("threadline.sdk")


class EventRefused(ValueError):
    """The server refused an event as invalid (a 4xx answer)."""


def _reason(exc: requests.HTTPError) -> str:
    try:
        return str(exc.response.json().get("message"))  # type: ignore[union-attr]
    except (ValueError, AttributeError):
        return str(exc)


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
            raise EventRefused(outcome.failed[0].reason)
        return outcome

    def emit_batch(self, events: list[Any]) -> None:
        """Store events in one transaction; raise (storing nothing) if any is refused."""
        dicts = [Serde.to_dict(event) for event in events]
        for value in dicts:  # validate all first: a refused event must not leave half a batch
            problem = self.service.check_value(value)
            if problem:
                raise EventRefused(f"event refused: {problem}")
        outcome = self.service.ingest_values(dicts)
        if outcome.failed:
            raise EventRefused(f"event refused: {outcome.failed[0].reason}")

    def read(self, method: str, *args: Any) -> Any:
        """Ask the store a question (a ``LineageService`` method)."""
        return getattr(self.service, method)(*args)

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
        self.url, self.api_key, self.timeout = url, api_key, timeout

    def _pending(self) -> list[Path]:
        return sorted(self.spool.glob("*.json"))

    def _write(self, payload: bytes) -> None:
        """Append an event to the spool, after every event already there.

        The event is written under a private name first and then linked under the next
        free number: a link never replaces a file, so a process that is killed leaves a
        whole file or none, and processes sharing the spool never overwrite each other.
        """
        pending = self._pending()
        number = int(pending[-1].stem) + 1 if pending else 1
        tmp = self.spool / f"{uuid.uuid4().hex}.tmp"
        tmp.write_bytes(payload)
        try:
            while True:
                try:
                    os.link(tmp, self.spool / f"{number:012d}.json")
                    return
                except FileExistsError:
                    number += 1
        finally:
            tmp.unlink()

    def _reject(self, path: Path, reason: EventRefused) -> None:
        """Set a refused spooled event aside in ``rejected/``, with its reason beside it."""
        log.error("spooled event %s refused: %s", path.name, reason)
        rejected = self.spool / "rejected"
        rejected.mkdir(exist_ok=True)
        target = rejected / path.name
        if target.exists():  # numbers start again once the spool empties
            target = rejected / f"{path.stem}-{uuid.uuid4().hex[:8]}.json"
        target.with_suffix(".reason").write_text(f"{reason}\n", encoding="utf-8")
        path.replace(target)

    def _send(self, payload: bytes) -> bool:
        """Send; False when the server cannot take it now (down, overloaded: retry later).

        Raises:
            EventRefused: the server refused the event itself (a 4xx): retrying cannot help.
        """
        try:
            self.http.emit(orjson.loads(payload))  # the transport serialises dicts as events
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if 400 <= status < 500 and status not in (408, 429):
                raise EventRefused(_reason(exc)) from None
            log.warning("Threadline server answered %s; event spooled", status)
            return False
        except Exception as exc:  # the server is down or unreachable: keep it for later
            log.warning("Threadline server unavailable (%s); event spooled", exc)
            return False
        return True

    def flush(self) -> int:
        """Deliver spooled events in order; return how many are still waiting.

        A spooled event the server refuses is moved to ``rejected/`` (and logged, its
        reason in a ``.reason`` file beside it) so it does not hold back the others.
        """
        with self._lock:
            for path in self._pending():
                try:
                    payload = path.read_bytes()
                except FileNotFoundError:
                    continue  # another process sharing the spool delivered it
                try:
                    if not self._send(payload):
                        return len(self._pending())
                except EventRefused as exc:
                    self._reject(path, exc)
                    continue
                path.unlink(missing_ok=True)
            return 0

    def emit_batch(self, events: list[Any]) -> None:
        """Send events as one batch (one transaction on the server); spool them if it is down."""
        from threadline.client import Client
        from threadline.errors import ClientError, ThreadlineError

        payloads = [Serde.to_json(event).encode() for event in events]
        if self.flush() == 0:
            try:
                with Client(self.url, api_key=self.api_key, timeout=self.timeout) as client:
                    answer = client.send(orjson.loads(p) for p in payloads)
            except ClientError as exc:  # the batch itself was refused (too large, say)
                raise EventRefused(exc.message) from None
            except ThreadlineError:  # down or failing: keep the batch for later, like emit
                answer = None
            if answer is not None:
                if answer.get("failed_events"):
                    raise EventRefused(f"events refused: {answer['failed_events'][:3]}")
                return
        with self._lock:
            for payload in payloads:
                self._write(payload)

    def read(self, method: str, *args: Any) -> Any:
        """Ask the server a question (a ``threadline.client.Client`` method)."""
        from threadline.client import Client

        with Client(self.url, api_key=self.api_key) as client:
            return getattr(client, method)(*args)

    def close(self, timeout: float = -1) -> bool:
        """Release the HTTP connections."""
        return bool(self.http.close(timeout))

    def emit(self, event: Any) -> Any:
        """Send an event after the spooled ones, or spool it.

        Raises:
            EventRefused: the server refused this event (it is not spooled).
        """
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
