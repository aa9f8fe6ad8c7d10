"""What the sync reads from MLflow, as plain values (no MLflow objects past ``read``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DatasetInput:
    """A dataset logged as an input of a run (``mlflow.log_input``)."""

    name: str
    digest: str
    source_type: str
    source: str
    schema: str | None = None
    profile: str | None = None
    context: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Run:
    """An MLflow run with its latest metrics, params, tags and dataset inputs."""

    run_id: str
    experiment_id: str
    experiment: str
    status: str
    start_ms: int
    end_ms: int | None
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    inputs: tuple[DatasetInput, ...] = ()
    model_outputs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ModelMetric:
    """A metric of a LoggedModel, with the dataset it was computed on (if any)."""

    key: str
    value: float
    step: int = 0
    timestamp: int = 0
    dataset_name: str | None = None
    dataset_digest: str | None = None


@dataclass(frozen=True, slots=True)
class LoggedModel:
    """An MLflow 3 LoggedModel: the model a run produced (``models:/<model_id>``)."""

    model_id: str
    name: str
    experiment_id: str
    experiment: str
    source_run_id: str | None
    created_ms: int
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: tuple[ModelMetric, ...] = ()
    flavor: str | None = None
    framework: str | None = None


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """A registered model version; ``model_id`` is resolved from ``source`` when unset."""

    name: str
    version: str
    source: str
    run_id: str | None
    model_id: str | None
    created_ms: int
    updated_ms: int
    stage: str | None
    status: str
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class RegisteredModel:
    """A registered model: its versions and its aliases as they are now."""

    name: str
    aliases: Mapping[str, str]
    versions: tuple[ModelVersion, ...] = ()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything read from one tracking store, in a deterministic order."""

    tracking_uri: str
    runs: tuple[Run, ...] = ()
    models: Mapping[str, LoggedModel] = field(default_factory=dict)
    registered: tuple[RegisteredModel, ...] = ()
