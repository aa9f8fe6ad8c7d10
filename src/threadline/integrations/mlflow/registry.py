"""Build the events of the model registry: registrations, and alias and stage changes.

A model version is the output of a registration run (job ``register.<name>``) at the
version's creation time, reading the LoggedModel it was registered from — or, for a version
registered from run artifacts, the artifact as an output of its run. MLflow keeps only the
current alias targets and stages, so those are compared with what Threadline recorded and
each difference becomes a registry change on the model (aliases stamped with the sync time).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    OutputDataset,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.event_v2 import Run as OLRun

from threadline.facets import facet
from threadline.integrations.mlflow.entities import (
    LoggedModel,
    ModelVersion,
    RegisteredModel,
    Run,
    Snapshot,
)
from threadline.integrations.mlflow.events import model_facet
from threadline.integrations.mlflow.naming import (
    MODELS_NAMESPACE,
    PRODUCER,
    REGISTRY_NAMESPACE,
    derived_uuid,
    iso,
    model_dataset,
    uri_identity,
    version_facet,
)

ENDED = {"READY": RunState.COMPLETE, "FAILED_REGISTRATION": RunState.FAIL}
RUN_ARTIFACT = re.compile(r"^runs:/(?P<run>[^/]+)/(?P<path>.+)$")
ARTIFACT_PATH = re.compile(r"/(?P<run>[0-9a-fA-F]{32})/artifacts/(?P<path>.+)$")


@dataclass(frozen=True, slots=True)
class ModelSource:
    """What a version was registered from: a dataset version, and the run that wrote it."""

    namespace: str
    name: str
    version: str | None
    model: LoggedModel | None = None
    run_id: str | None = None


def version_source(mv: ModelVersion, snapshot: Snapshot, runs: Mapping[str, Run]) -> ModelSource:
    """Return the dataset a version was registered from (a LoggedModel or run artifacts)."""
    if mv.model_id:
        model = snapshot.models.get(mv.model_id)
        if model is None:  # deleted since: still named by its id
            return ModelSource(MODELS_NAMESPACE, mv.model_id, mv.model_id)
        namespace, name = model_dataset(model.experiment, model.name)
        return ModelSource(namespace, name, mv.model_id, model)
    match = RUN_ARTIFACT.match(mv.source) or ARTIFACT_PATH.search(mv.source)
    run = runs.get(match["run"]) if match else None
    if match and run is not None:
        namespace, name = model_dataset(run.experiment, match["path"].strip("/"))
        return ModelSource(namespace, name, run.run_id, run_id=run.run_id)
    namespace, name = uri_identity(mv.source) or (MODELS_NAMESPACE, mv.source)
    return ModelSource(namespace, name, mv.run_id)


def artifact_output(source: ModelSource, mv: ModelVersion) -> OutputDataset:
    """Return the run artifacts a version was registered from, as an output of their run."""
    facets: dict[str, Any] = {"threadline_model": model_facet(source.name, None, mv.source)}
    if source.version:
        facets["version"] = version_facet(source.version)
    return OutputDataset(namespace=source.namespace, name=source.name, facets=facets)


def registration_events(
    mv: ModelVersion, source: ModelSource, *, namespace: str, tracking_uri: str
) -> list[RunEvent]:
    """Return START and COMPLETE (or FAIL) of the run that registered a model version."""
    job_facets: dict[str, Any] = {"threadline_job": facet("threadline_job", kind="registration")}
    job = Job(namespace=namespace, name=f"register.{mv.name}", facets=job_facets)
    run_id = derived_uuid("registration", namespace, mv.name, mv.version, str(mv.created_ms))
    read_facets: dict[str, Any] = (
        {"version": version_facet(source.version)} if source.version else {}
    )
    read = InputDataset(namespace=source.namespace, name=source.name, facets=read_facets)
    events = [
        RunEvent(
            eventType=RunState.START,
            eventTime=iso(mv.created_ms),
            run=OLRun(runId=run_id),
            job=job,
            inputs=[read],
            outputs=[],
            producer=PRODUCER,
        )
    ]
    state = ENDED.get(mv.status)
    if state is not None:  # else still PENDING_REGISTRATION
        written = [_registered(mv, source, tracking_uri)] if state is RunState.COMPLETE else []
        events.append(
            RunEvent(
                eventType=state,
                eventTime=iso(mv.created_ms),
                run=OLRun(runId=run_id),
                job=job,
                inputs=[read],
                outputs=written,
                producer=PRODUCER,
            )
        )
    return events


def _registered(mv: ModelVersion, source: ModelSource, tracking_uri: str) -> OutputDataset:
    """Return the registered model version a registration writes."""
    change = {"type": "version_registered", "version": mv.version, "at": iso(mv.created_ms)}
    if mv.user_id:
        change["actor"] = mv.user_id
    facets: dict[str, Any] = {
        "threadline_model": model_facet(mv.name, source.model, mv.source),
        "threadline_registry": facet(
            "threadline_registry", registry=tracking_uri, changes=[change]
        ),
        "version": version_facet(mv.version),
    }
    return OutputDataset(namespace=REGISTRY_NAMESPACE, name=mv.name, facets=facets)


def registry_changes(
    model: RegisteredModel, known: Mapping[str, Any] | None, *, at: str
) -> list[dict[str, Any]]:
    """Return the alias and stage changes between MLflow now and Threadline's record."""
    aliases: Mapping[str, str] = (known or {}).get("aliases") or {}
    stages: Mapping[str, str] = (known or {}).get("stages") or {}
    changes: list[dict[str, Any]] = []
    for alias, version in sorted(model.aliases.items()):
        before = aliases.get(alias)
        if before == version:
            continue
        if before is not None:
            changes.append(_change("alias_removed", before, at, alias=alias))
        changes.append(_change("alias_set", version, at, alias=alias))
    for alias, before in sorted(aliases.items()):
        if alias not in model.aliases:
            changes.append(_change("alias_removed", before, at, alias=alias))
    for mv in model.versions:
        stage = mv.stage or "None"
        if stages.get(mv.version, "None") != stage:
            changes.append(_change("stage_transition", mv.version, iso(mv.updated_ms), stage=stage))
    return changes


def _change(kind: str, version: str, at: str, **label: str) -> dict[str, Any]:
    return {"type": kind, "version": version, **label, "at": at}


def registry_events(
    model: RegisteredModel, changes: list[dict[str, Any]], *, at: str, tracking_uri: str
) -> list[DatasetEvent]:
    """Return DatasetEvents carrying a model's registry changes, one per version concerned.

    Each names its version (``version`` facet), so it adds to that version rather than
    recording a new one, as a DatasetEvent without a version would.
    """
    by_version: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        by_version.setdefault(change["version"], []).append(change)
    events = []
    for version, found in sorted(by_version.items(), key=lambda item: _order(item[0])):
        facets: dict[str, Any] = {
            "threadline_registry": facet(
                "threadline_registry", registry=tracking_uri, changes=found
            ),
            "version": version_facet(version),
        }
        dataset = StaticDataset(namespace=REGISTRY_NAMESPACE, name=model.name, facets=facets)
        events.append(DatasetEvent(eventTime=at, producer=PRODUCER, dataset=dataset))
    return events


def _order(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (1 << 62, version)
