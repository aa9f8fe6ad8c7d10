"""Turn a snapshot of MLflow into the ordered list of events one sync emits.

The plan is a pure function of the snapshot, of Threadline's registry record (for alias and
stage changes) and of the sync time (which only those changes carry), so syncing an
unchanged MLflow builds byte-identical events, which the log recognises and does not store
again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from openlineage.client.event_v2 import OutputDataset, RunState

from threadline.integrations.mlflow.entities import ModelVersion, Snapshot
from threadline.integrations.mlflow.events import (
    logged_model_event,
    logged_model_output,
    run_events,
)
from threadline.integrations.mlflow.naming import dataset_identity, model_dataset, run_uuid
from threadline.integrations.mlflow.registry import (
    ModelSource,
    artifact_output,
    registration_events,
    registry_changes,
    registry_events,
    version_source,
)

# Ties in event time keep this order: runs before what they produce. Registry changes,
# stamped with the sync time, come after everything MLflow dates.
TRAINING, LOGGED_MODEL, REGISTRATION = range(3)


@dataclass(frozen=True, slots=True)
class Plan:
    """The events of one sync, and what they describe (node references, for the summary)."""

    events: tuple[Any, ...]
    runs: tuple[str, ...]
    datasets: tuple[str, ...]
    models: tuple[str, ...]
    versions: tuple[tuple[str, str], ...]
    alias_changes: int
    stage_changes: int


def build_plan(
    snapshot: Snapshot,
    registry: Mapping[str, Mapping[str, Any] | None],
    *,
    namespace: str,
    at: str,
) -> Plan:
    """Return the events of a sync: runs, LoggedModels, registrations, registry changes.

    ``registry`` is Threadline's record of each registered model (None when unknown);
    ``at`` (ISO 8601) stamps alias changes, which MLflow does not date.
    """
    runs = {run.run_id: run for run in snapshot.runs}
    sources = {
        (rm.name, mv.version): (mv, version_source(mv, snapshot, runs))
        for rm in snapshot.registered
        for mv in rm.versions
    }
    updates = [
        (rm, registry_changes(rm, registry.get(rm.name), at=at)) for rm in snapshot.registered
    ]
    changes = [change["type"] for _rm, found in updates for change in found]
    return Plan(
        events=(
            *_timeline(snapshot, sources.values(), namespace),
            *(
                event
                for rm, found in updates
                for event in registry_events(rm, found, at=at, tracking_uri=snapshot.tracking_uri)
            ),
        ),
        runs=tuple(run_uuid(run.run_id) for run in snapshot.runs),
        datasets=_dataset_refs(snapshot),
        models=tuple(
            _ref(*model_dataset(m.experiment, m.name), m.model_id) for m in snapshot.models.values()
        ),
        versions=tuple(sources),
        alias_changes=sum(kind.startswith("alias") for kind in changes),
        stage_changes=changes.count("stage_transition"),
    )


Timed = tuple[int, int, Any]
Outputs = dict[str, dict[tuple[str, str | None], OutputDataset]]
Sources = Collection[tuple[ModelVersion, ModelSource]]


def _timeline(snapshot: Snapshot, sources: Sources, namespace: str) -> list[Any]:
    """Return the events MLflow dates (runs, models, registrations) in time order."""
    runs = {run.run_id for run in snapshot.runs}
    timed = [
        *_run_timeline(snapshot, _outputs(snapshot, sources), namespace),
        *(
            (model.created_ms, LOGGED_MODEL, logged_model_event(model))
            for model in snapshot.models.values()
            if model.source_run_id not in runs
        ),
        *(
            (mv.created_ms, REGISTRATION, event)
            for mv, source in sources
            for event in registration_events(
                mv, source, namespace=namespace, tracking_uri=snapshot.tracking_uri
            )
        ),
    ]
    timed.sort(key=lambda item: (item[0], item[1]))
    return [event for _ms, _rank, event in timed]


def _run_timeline(snapshot: Snapshot, outputs: Outputs, namespace: str) -> list[Timed]:
    experiments = {run.run_id: run.experiment for run in snapshot.runs}
    timed: list[Timed] = []
    for run in snapshot.runs:
        produced = outputs.get(run.run_id, {})
        for event in run_events(
            run,
            namespace=namespace,
            tracking_uri=snapshot.tracking_uri,
            outputs=[produced[key] for key in sorted(produced, key=str)],
            experiments=experiments,
        ):
            started = event.eventType is RunState.START
            timed.append((run.start_ms if started else run.end_ms or run.start_ms, TRAINING, event))
    return timed


def _outputs(snapshot: Snapshot, sources: Sources) -> Outputs:
    """Return each run's outputs: its LoggedModels, and run artifacts registered as models."""
    outputs: Outputs = {}
    producers: dict[str, set[str]] = {}
    for run in snapshot.runs:  # a run lists its models; a model names its source run
        for model_id in run.model_outputs:
            producers.setdefault(model_id, set()).add(run.run_id)
    runs = {run.run_id for run in snapshot.runs}
    for model in snapshot.models.values():
        found = producers.get(model.model_id, set()) | {model.source_run_id}
        for run_id in sorted(p for p in found if p in runs):
            output = logged_model_output(model)
            outputs.setdefault(run_id, {})[(output.name, model.model_id)] = output
    for mv, source in sources:
        if source.run_id is not None and source.model is None:
            key = (source.name, source.version)
            outputs.setdefault(source.run_id, {})[key] = artifact_output(source, mv)
    return outputs


def _ref(namespace: str, name: str, version: str) -> str:
    return f"dataset:{namespace}:{name}#{version}"


def _dataset_refs(snapshot: Snapshot) -> tuple[str, ...]:
    refs = {
        _ref(*dataset_identity(dataset), dataset.digest)
        for run in snapshot.runs
        for dataset in run.inputs
    }
    return tuple(sorted(refs))
