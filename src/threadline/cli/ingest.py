"""``threadline ingest``: load NDJSON or JSON-array files of events, locally or into a server."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from threadline.cli.common import DB_OPTION, err, fail, local_service, out
from threadline.openlineage.body import element_spans

CHUNK = 500
_SPACE = b" \t\r\n"


@dataclass(frozen=True, slots=True)
class Item:
    """One event read from a file: where it was, its value and bytes, or why it was unreadable.

    ``payload`` is the event's bytes as they stand in the file (a line, an array element or
    the whole file, without the whitespace around it): the log keeps them verbatim.
    """

    where: str
    value: Any = None
    error: str | None = None
    payload: bytes = b""


def read_items(label: str, data: bytes) -> Iterator[Item]:
    """Yield the events of a file holding a JSON array, one JSON object, or NDJSON lines."""
    stripped = data.lstrip()
    if stripped.startswith((b"[", b"{")):
        try:
            whole = orjson.loads(data)
        except orjson.JSONDecodeError:
            whole = None
            if stripped.startswith(b"["):
                yield Item(f"{label}", error="file is not a valid JSON array")
                return
        if isinstance(whole, list):
            spans = element_spans(data, len(whole)) or [orjson.dumps(v) for v in whole]
            for i, (value, payload) in enumerate(zip(whole, spans, strict=True)):
                yield Item(f"{label}[{i}]", value, payload=payload)
            return
        if isinstance(whole, dict):
            yield Item(f"{label}:1", whole, payload=data.strip(_SPACE))
            return
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield Item(f"{label}:{number}", orjson.loads(line), payload=line.strip(_SPACE))
        except orjson.JSONDecodeError as exc:
            yield Item(f"{label}:{number}", error=f"not valid JSON ({exc})")


def _load(files: list[str]) -> list[Item]:
    items: list[Item] = []
    for name in files:
        if name == "-":
            items.extend(read_items("<stdin>", sys.stdin.buffer.read()))
            continue
        path = Path(name)
        if not path.is_file():
            raise fail(f"{name}: no such file")
        items.extend(read_items(name, path.read_bytes()))
    return items


Sender = Callable[[list[Item]], list[tuple[int, str]]]


def _local_sender(service: Any) -> Sender:
    def send(items: list[Item]) -> list[tuple[int, str]]:
        outcome = service.ingest_values(
            [item.value for item in items], payloads=[item.payload for item in items]
        )
        return [(f.index, f.reason) for f in outcome.failed]

    return send


def _remote_sender(client: Any) -> Sender:
    def send(items: list[Item]) -> list[tuple[int, str]]:
        # The events' own bytes, joined: the server logs each element as it was read.
        response = client.post(
            "/api/v1/lineage/batch",
            content=b"[" + b",".join(item.payload for item in items) + b"]",
            headers={"Content-Type": "application/json"},
        )
        if response.status_code >= 500 or response.status_code in (404, 405, 413):
            raise fail(f"server answered {response.status_code}: {response.text[:300]}")
        body = response.json()
        if "failed_events" not in body:
            raise fail(f"server answered {response.status_code}: {body.get('message', body)}")
        return [(f["index"], f["reason"]) for f in body["failed_events"]]

    return send


def _run(items: list[Item], send: Sender) -> list[tuple[str, str]]:
    rejected = [(item.where, item.error) for item in items if item.error is not None]
    good = [item for item in items if item.error is None]
    columns = (TextColumn("ingesting"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("ingest", total=len(good))
        for start in range(0, len(good), CHUNK):
            chunk = good[start : start + CHUNK]
            for index, reason in send(chunk):
                rejected.append((chunk[index].where, reason))
            progress.advance(task, len(chunk))
    return [(where, reason or "") for where, reason in rejected]


def ingest(
    files: list[str] = typer.Argument(
        ..., help="Files of events (NDJSON or JSON array); - is stdin."
    ),
    db: str | None = DB_OPTION,
    url: str | None = typer.Option(None, "--url", help="Send to a running server instead."),
    timeout: float = typer.Option(60.0, help="Seconds to wait for the server per batch."),
) -> None:
    """Ingest OpenLineage events from files, continuing past bad lines."""
    items = _load(files)
    if url:
        import httpx

        with httpx.Client(base_url=url.rstrip("/"), timeout=timeout) as client:
            rejected = _run(items, _remote_sender(client))
    else:
        with local_service(db) as service:
            rejected = _run(items, _local_sender(service))
    accepted = len(items) - len(rejected)
    for where, reason in rejected:
        err.print(f"[red]rejected[/] {where}: {reason}", highlight=False, soft_wrap=True)
    out.print(f"{accepted} accepted, {len(rejected)} rejected, {len(items)} read")
    if rejected:
        raise typer.Exit(1)
