"""Build broken variants of valid events and check that a store was left untouched."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from openlineage.client.event_v2 import RunState
from openlineage.client.facet_v2 import sql_job
from sqlalchemy import func, select

from tests.events import (
    body,
    columns,
    inp,
    lifecycle,
    out,
    parent,
    run_event,
    schema,
    version,
)
from threadline.store import Store
from threadline.store.tables import events

LINEAGE = "/api/v1/lineage"
BATCH = "/api/v1/lineage/batch"
EVENTS = "/api/v1/events/lineage"
Snapshot = tuple[int, dict[str, list[Any]]]


def valid_run() -> dict[str, Any]:
    """A RunEvent holding every structure and standard facet that the bad cases break."""
    return run_event(
        RunState.COMPLETE,
        5,
        run="bad-input",
        job=("tests", "bad_input"),
        inputs=[inp("db", "src", schema=schema("a", "b"))],
        outputs=[
            out(
                "db",
                "dst",
                schema=schema("a"),
                version=version("v1"),
                columnLineage=columns({"x": [("db", "src", "a")]}),
                lifecycleStateChange=lifecycle("CREATE"),
            )
        ],
        run_facets={"parent": parent("dag-run")},
        job_facets={"sql": sql_job.SQLJobFacet(query="SELECT a FROM src")},
    )


def _locate(event: Any, dotted: str) -> tuple[Any, Any]:
    *parents, last = [int(p) if p.isdigit() else p for p in dotted.split(".")]
    for key in parents:
        event = event[key]
    return event, last


def with_(dotted: str, value: Any, base: Callable[[], Any] = valid_run) -> Any:
    """Return a valid event with the value at ``dotted`` (e.g. ``inputs.0.name``) set."""
    event = base()
    node, key = _locate(event, dotted)
    node[key] = value
    return event


def without(dotted: str, base: Callable[[], Any] = valid_run) -> Any:
    """Return a valid event with the key at ``dotted`` removed."""
    event = base()
    node, key = _locate(event, dotted)
    del node[key]
    return event


def spliced(dotted: str, value: Any, raw: bytes) -> bytes:
    """Return a valid event's bytes with ``raw`` put in place of the marker ``@@`` in ``value``.

    A value that is just ``"@@"`` is replaced whole, quotes and all, so ``raw`` can be any
    token (``NaN``); otherwise ``raw`` lands inside the string holding the marker.
    """
    encoded = body(with_(dotted, value))
    marker = b'"@@"' if b'"@@"' in encoded else b"@@"
    assert marker in encoded
    return encoded.replace(marker, raw, 1)


def nested(levels: int) -> dict[str, Any]:
    """Return ``levels`` objects nested in one another (as a custom facet)."""
    facet: dict[str, Any] = {}
    for _ in range(levels - 1):
        facet = {"x": facet}
    return facet


def snapshot(store: Store) -> Snapshot:
    """Return the number of logged events and the canonical projection dump."""
    with store.read() as conn:
        count = conn.execute(select(func.count()).select_from(events)).scalar_one()
    return count, store.dump()


def seed(client: TestClient, store: Store, event: dict[str, Any] | None = None) -> Snapshot:
    """Store one valid event so that 'nothing written' is checked against a non-empty store."""
    assert client.post(LINEAGE, content=body(event or valid_run())).status_code == 201
    return snapshot(store)


def assert_unchanged(store: Store, before: Snapshot) -> None:
    """Check that nothing was written and that the hash chain still verifies."""
    assert snapshot(store) == before
    assert store.verify().ok


def assert_error(response: Any, status: int, error: str, needle: str, path: str | None) -> None:
    """Check an error answer: status, body keys, a message naming the problem, the path."""
    assert response.status_code == status, response.text
    answer = response.json()
    assert set(answer) == {"code", "error", "message"} | ({"path"} if path else set())
    assert (answer["code"], answer["error"]) == (status, error)
    message = answer["message"]
    assert isinstance(message, str)
    assert needle, "every case names the phrase its message must hold"
    assert needle in message, message
    if path is not None:
        assert answer["path"] == path
        assert message.startswith(f"{path}: "), message
