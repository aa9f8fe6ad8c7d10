"""Checks an event must pass against what the store knows before it is logged.

Predictions must be traceable: an event that writes a prediction set
(``threadline_predictions``) must read the model version it came from, and that model
version must already be recorded: written by a run, or registered in a model registry.
"""

from __future__ import annotations

from sqlalchemy import Connection, exists, or_, select

from threadline.model import EventKind, ParsedEvent
from threadline.projection.versions import explicit_version
from threadline.refs import format_ref
from threadline.store.codec import ident
from threadline.store.tables import dataset_versions, datasets, registry_changes, run_io


def _known_model(conn: Connection, namespace: str, name: str) -> int | None:
    d = datasets.c
    row = conn.execute(select(d.id, d.kind).where(d.ident == ident(namespace, name))).first()
    return int(row.id) if row is not None and row.kind == "model" else None


def _recorded(conn: Connection, dataset: int, version: str) -> bool:
    """Say whether a model version was recorded: a run wrote it, or a registry registered it.

    Being named as some run's input is not enough: a step that merely claims to read version
    9 would otherwise make version 9 exist (its START event projects the input).
    """
    v, io, rc = dataset_versions.c, run_io.c, registry_changes.c
    written = exists().where(io.version_id == v.id, io.direction == "out")
    registered = exists().where(
        rc.dataset_id == dataset, rc.version == version, rc.change == "version_registered"
    )
    found = conn.execute(
        select(v.id).where(
            v.dataset_id == dataset,
            v.version == version,
            v.implicit.is_(False),
            or_(written, registered),
        )
    ).first()
    return found is not None


def refusal(conn: Connection, event: ParsedEvent) -> tuple[str, str] | None:
    """Return (JSON path, reason) if the event must be refused, else None."""
    if event.kind is not EventKind.RUN:
        return None
    if not any("threadline_predictions" in o.facets for o in event.outputs):
        return None
    models = []
    for i, record in enumerate(event.inputs):
        dataset = _known_model(conn, record.namespace, record.name)
        if dataset is None and "threadline_model" not in record.facets:
            continue
        models.append((i, record, dataset))
    if not models:
        return "$.inputs", (
            "predictions must read the model version they came from "
            "(an input dataset of kind model with a version facet)"
        )
    for i, record, dataset in models:
        version = explicit_version(record.facets)
        ref = format_ref("dataset", record.namespace, record.name, version=version)
        if version is None:
            return f"$.inputs[{i}]", f"the model input {ref} names no version"
        if dataset is None or not _recorded(conn, dataset, version):
            return f"$.inputs[{i}]", (
                f"model version {ref} is unknown; predictions must come "
                "from a recorded model version"
            )
    return None
