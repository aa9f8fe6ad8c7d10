"""Where query commands get their answers: a local store (``--db``) or a server (``--url``).

Both give the same JSON answers (``threadline.wire``), so the commands render one shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import typer

from threadline.cli.common import explain, fail, local_service
from threadline.errors import ThreadlineError


class Backend(Protocol):
    """The questions a command can ask, answered as JSON-ready dicts."""

    def lineage(self, node: str, **params: Any) -> dict[str, Any]: ...
    def path(self, source: str, target: str, **params: Any) -> dict[str, Any]: ...
    def impact(self, node: str, **params: Any) -> dict[str, Any]: ...
    def diff(
        self, since: str, until: str | None = None, node: str | None = None, **params: Any
    ) -> dict[str, Any]: ...
    def orphans(self, **params: Any) -> dict[str, Any]: ...
    def node(self, ref: str) -> dict[str, Any]: ...
    def search(self, query: str, **params: Any) -> dict[str, Any]: ...
    def model_registry(self, model: str) -> dict[str, Any]: ...
    def model_lineage(self, model: str, as_of: str | None = None) -> dict[str, Any]: ...
    def model_check(self, model: str | None = None) -> list[dict[str, Any]]: ...
    def affected(
        self,
        dataset: str,
        *,
        version: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> dict[str, Any]: ...
    def audit_report(self, model: str) -> dict[str, Any]: ...


class LocalBackend:
    """Answers from a store opened in this process."""

    def __init__(self, service: Any) -> None:
        self.service = service

    def _options(self, params: dict[str, Any]) -> Any:
        from threadline.queries.options import QueryOptions

        return QueryOptions.parse(**{k: v for k, v in params.items() if v is not None})

    def lineage(self, node: str, **params: Any) -> dict[str, Any]:
        from threadline.wire import lineage_json

        return lineage_json(self.service.lineage(node, self._options(params)))

    def path(self, source: str, target: str, **params: Any) -> dict[str, Any]:
        from threadline.wire import path_json

        return path_json(self.service.path(source, target, self._options(params)))

    def impact(self, node: str, **params: Any) -> dict[str, Any]:
        from threadline.wire import impact_json

        return impact_json(self.service.impact(node, self._options(params)))

    def diff(
        self, since: str, until: str | None = None, node: str | None = None, **params: Any
    ) -> dict[str, Any]:
        from threadline.wire import diff_json

        granularity = params.pop("granularity", None)
        options = self._options(params)
        return diff_json(self.service.diff(since, until, options, node, granularity))

    def orphans(self, **params: Any) -> dict[str, Any]:
        from threadline.wire import orphans_json

        return orphans_json(self.service.orphans(self._options(params)))

    def node(self, ref: str) -> dict[str, Any]:
        return dict(self.service.node_details(ref))

    def search(self, query: str, **params: Any) -> dict[str, Any]:
        return dict(self.service.marquez_search(query, **params))

    def __getattr__(self, name: str) -> Any:
        # Model questions answer in JSON already: the service method is the answer.
        if name in ("model_registry", "model_lineage", "model_check", "affected", "audit_report"):
            return getattr(self.service, name)
        raise AttributeError(name)


@contextmanager
def backend(db: str | None, url: str | None) -> Iterator[Backend]:
    """Open the backend the options name; turn Threadline errors into clean exits."""
    try:
        if url:
            from threadline.client import Client

            with Client(url) as client:
                yield client
        else:
            with local_service(db, migrate=True) as service:
                yield LocalBackend(service)
    except ThreadlineError as exc:
        raise fail(explain(exc)) from None
    except typer.Exit:
        raise
