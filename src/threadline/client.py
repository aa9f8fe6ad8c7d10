"""``threadline.Client``: the native API over HTTP, for scripts and the command line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from threadline.errors import (
    ClientError,
    InvalidParameter,
    NotFound,
    StoreUnavailable,
    ThreadlineError,
)

NATIVE = "/api/threadline/v1"


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = {"message": response.text[:500]}
    message = str(body.get("message", response.reason_phrase))
    if response.status_code == 404:
        raise NotFound(message, list(body.get("suggestions") or []))
    if response.status_code in (502, 503, 504):
        raise StoreUnavailable(message)
    if response.status_code >= 500:
        raise ThreadlineError(f"server error {response.status_code}: {message}")
    error = (
        InvalidParameter(message)
        if body.get("error") == "invalid_parameter"
        else ClientError(message)
    )
    error.status = response.status_code
    raise error


class Client:
    """A Threadline server, reached over HTTP.

    Args:
        url: the server's base URL, e.g. ``http://127.0.0.1:5000``.
        timeout: seconds to wait for an answer.
        api_key: sent as ``Authorization: Bearer <key>`` when given.
    """

    def __init__(self, url: str, *, timeout: float = 60.0, api_key: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=url.rstrip("/"), timeout=timeout, headers=headers)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        clean = {k: v for k, v in params.items() if v is not None and v != []}
        try:
            response = self._http.get(path, params=clean)
        except httpx.TransportError as exc:
            raise StoreUnavailable(f"cannot reach {self._http.base_url}: {exc}") from None
        _raise_for(response)
        return response.json()

    def send(self, events: Iterable[dict[str, Any]]) -> dict[str, Any]:
        """Send events in one batch; return the batch answer (failed events by index)."""
        try:
            response = self._http.post(
                "/api/v1/lineage/batch",
                content=orjson.dumps(list(events)),
                headers={"Content-Type": "application/json"},
            )
        except httpx.TransportError as exc:
            raise StoreUnavailable(f"cannot reach {self._http.base_url}: {exc}") from None
        if response.status_code == 400 and "failed_events" in response.text:
            return dict(response.json())
        _raise_for(response)
        return dict(response.json())

    def lineage(self, node: str, **params: Any) -> dict[str, Any]:
        """Return the lineage of a node (``direction``, ``depth``, ``as_of``, ``granularity``)."""
        return dict(self._get(f"{NATIVE}/lineage", {"node": node, **params}))

    def path(self, source: str, target: str, **params: Any) -> dict[str, Any]:
        """Return the shortest path between two nodes and the number of distinct paths."""
        return dict(self._get(f"{NATIVE}/path", {"from": source, "to": target, **params}))

    def impact(self, node: str, **params: Any) -> dict[str, Any]:
        """Return what a change to the node affects, with severity and owners."""
        return dict(self._get(f"{NATIVE}/impact", {"node": node, **params}))

    def diff(
        self, since: str, until: str | None = None, node: str | None = None, **params: Any
    ) -> dict[str, Any]:
        """Return what changed in the lineage between two times."""
        return dict(
            self._get(f"{NATIVE}/diff", {"since": since, "until": until, "node": node, **params})
        )

    def orphans(self, **params: Any) -> dict[str, Any]:
        """Return datasets nothing writes or nothing reads."""
        return dict(self._get(f"{NATIVE}/orphans", params))

    def search(self, query: str, **params: Any) -> dict[str, Any]:
        """Search dataset and job names, columns and SQL (Marquez's ``/search``)."""
        return dict(self._get("/api/v1/search", {"q": query, **params}))

    def model_registry(self, model: str) -> dict[str, Any]:
        """Return a model's registry state: aliases, stages, versions, full history."""
        return dict(self._get(f"{NATIVE}/models/registry", {"model": model}))

    def model_lineage(self, model: str, as_of: str | None = None) -> dict[str, Any]:
        """Return what trained a model version, how it was checked, where it serves."""
        return dict(self._get(f"{NATIVE}/models/lineage", {"model": model, "as_of": as_of}))

    def model_check(self, model: str | None = None) -> list[dict[str, Any]]:
        """Check that model versions can be rebuilt exactly."""
        return list(self._get(f"{NATIVE}/models/check", {"model": model})["models"])

    def affected(
        self,
        dataset: str,
        *,
        version: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> dict[str, Any]:
        """Return the models, deployments and predictions built on some dataset versions."""
        params = {"dataset": dataset, "version": version, "from": since, "to": until}
        return dict(self._get(f"{NATIVE}/affected", params))

    def audit_report(self, model: str) -> dict[str, Any]:
        """Return the audit report of a model version."""
        return dict(self._get(f"{NATIVE}/audit/report", {"model": model}))

    def node(self, ref: str) -> dict[str, Any]:
        """Return everything known about one node."""
        return dict(self._get(f"{NATIVE}/nodes/{quote(ref, safe=':/@')}", {}))
