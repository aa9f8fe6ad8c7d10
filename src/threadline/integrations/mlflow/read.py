"""Read an MLflow tracking store through ``mlflow.MlflowClient`` into a ``Snapshot``.

Every search is paginated. Deleted experiments, runs and models are left out (MLflow's
active view). The order is made deterministic here, so events built from a snapshot are too.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from threadline.integrations.mlflow.entities import (
    DatasetInput,
    LoggedModel,
    ModelMetric,
    ModelVersion,
    RegisteredModel,
    Run,
    Snapshot,
)
from threadline.integrations.mlflow.tracking import MlflowSyncError, identity, redact

PAGE = 1000
MODELS_PAGE = 100  # MLflow's default (and a safe maximum) for LoggedModel searches
MODELS_PREFIX = "models:/"
FRAMEWORKS = {"sklearn": "scikit-learn", "pytorch": "pytorch", "tensorflow": "tensorflow"}


def read_snapshot(uri: str) -> Snapshot:
    """Read runs, LoggedModels and the model registry of one tracking store.

    Raises:
        MlflowSyncError: MLflow could not be read (the message says why).
    """
    from mlflow import MlflowClient

    shown = redact(uri)
    try:
        with warnings.catch_warnings():
            # MLflow's own deprecations (SQLAlchemy loader options...) are not the user's.
            warnings.simplefilter("ignore", DeprecationWarning)
            client = MlflowClient(tracking_uri=uri, registry_uri=uri)
            return _read(client, identity(uri))
    except MlflowSyncError:
        raise
    except Exception as exc:  # any failure inside MLflow (store, network, parsing)
        message = str(exc).splitlines()[0] if str(exc) else ""
        raise MlflowSyncError(
            f"{shown}: cannot read MLflow ({type(exc).__name__}: {message})"
        ) from None


def _read(client: Any, recorded: str) -> Snapshot:
    experiments = {
        e.experiment_id: e.name
        for e in _pages(lambda token: client.search_experiments(max_results=PAGE, page_token=token))
    }
    runs: list[Run] = []
    models: dict[str, LoggedModel] = {}
    for experiment_id in sorted(experiments, key=_id_order):
        name = experiments[experiment_id]
        runs.extend(_run(r, name) for r in _search_runs(client, experiment_id))
        for lm in _search_models(client, experiment_id):
            models[lm.model_id] = _logged_model(lm, name)
    registered = [_registered(client, rm) for rm in _search_registered(client)]
    for rm in registered:  # versions may point at models of deleted experiments
        for mv in rm.versions:
            if mv.model_id and mv.model_id not in models:
                found = _get_logged_model(client, mv.model_id)
                if found is not None:
                    models[mv.model_id] = found
    runs.sort(key=lambda r: (r.start_ms, r.run_id))
    registered.sort(key=lambda r: r.name)
    return Snapshot(recorded, tuple(runs), dict(sorted(models.items())), tuple(registered))


def _pages(fetch: Callable[[str | None], Any]) -> Iterator[Any]:
    token: str | None = None
    while True:
        page = fetch(token)
        yield from page
        token = getattr(page, "token", None)
        if not token:
            return


def _id_order(experiment_id: str) -> tuple[int, str]:
    return (int(experiment_id), "") if experiment_id.isdigit() else (1 << 62, experiment_id)


def _search_runs(client: Any, experiment_id: str) -> Iterator[Any]:
    return _pages(
        lambda token: client.search_runs(
            experiment_ids=[experiment_id], max_results=PAGE, page_token=token
        )
    )


def _search_models(client: Any, experiment_id: str) -> Iterator[Any]:
    return _pages(
        lambda token: client.search_logged_models(
            experiment_ids=[experiment_id], max_results=MODELS_PAGE, page_token=token
        )
    )


def _search_registered(client: Any) -> Iterator[Any]:
    return _pages(lambda token: client.search_registered_models(max_results=PAGE, page_token=token))


def _run(run: Any, experiment: str) -> Run:
    info, data = run.info, run.data
    inputs = run.inputs.dataset_inputs if run.inputs else []
    outputs = run.outputs.model_outputs if getattr(run, "outputs", None) else []
    return Run(
        run_id=info.run_id,
        experiment_id=info.experiment_id,
        experiment=experiment,
        status=str(info.status),
        start_ms=int(info.start_time or 0),
        end_ms=int(info.end_time) if info.end_time else None,
        params=dict(sorted(data.params.items())),
        metrics=dict(sorted(data.metrics.items())),
        tags=dict(sorted(data.tags.items())),
        inputs=tuple(sorted((_input(i) for i in inputs), key=lambda d: (d.name, d.digest))),
        model_outputs=tuple(sorted({o.model_id for o in outputs})),
    )


def _input(dataset_input: Any) -> DatasetInput:
    d = dataset_input.dataset
    tags = {t.key: t.value for t in dataset_input.tags or []}
    context = tags.pop("mlflow.data.context", None)
    return DatasetInput(
        name=d.name,
        digest=d.digest,
        source_type=d.source_type or "",
        source=d.source or "",
        schema=d.schema or None,
        profile=d.profile or None,
        context=context,
        tags=dict(sorted(tags.items())),
    )


def _logged_model(lm: Any, experiment: str) -> LoggedModel:
    metrics = [
        ModelMetric(
            key=m.key,
            value=float(m.value),
            step=int(m.step or 0),
            timestamp=int(m.timestamp or 0),
            dataset_name=m.dataset_name or None,
            dataset_digest=m.dataset_digest or None,
        )
        for m in lm.metrics or []
    ]
    flavor, framework = _flavor(lm.artifact_location)
    return LoggedModel(
        model_id=lm.model_id,
        name=lm.name,
        experiment_id=lm.experiment_id,
        experiment=experiment,
        source_run_id=lm.source_run_id or None,
        created_ms=int(lm.creation_timestamp or 0),
        params=dict(sorted((lm.params or {}).items())),
        metrics=tuple(sorted(metrics, key=lambda m: (m.key, m.timestamp, m.step))),
        flavor=flavor,
        framework=framework,
    )


def _get_logged_model(client: Any, model_id: str) -> LoggedModel | None:
    from mlflow.exceptions import MlflowException

    try:
        lm = client.get_logged_model(model_id)
        experiment = client.get_experiment(lm.experiment_id).name
    except MlflowException:  # deleted, or not a LoggedModel of this store
        return None
    return _logged_model(lm, experiment)


def _flavor(artifact_location: str | None) -> tuple[str | None, str | None]:
    """Return (flavor, framework) from the model's ``MLmodel`` file, when it is local."""
    import yaml

    if not artifact_location:
        return None, None
    parts = urlsplit(artifact_location)
    if parts.scheme not in ("", "file"):
        return None, None  # reading remote artifacts would need their credentials
    path = Path(parts.path if parts.scheme else artifact_location) / "MLmodel"
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None, None
    flavors = sorted(k for k in (meta or {}).get("flavors", {}) if k != "python_function")
    if not flavors:
        return None, None
    return flavors[0], FRAMEWORKS.get(flavors[0], flavors[0])


def _registered(client: Any, rm: Any) -> RegisteredModel:
    name = rm.name
    quoted = f'"{name}"' if "'" in name else f"'{name}'"  # MLflow's filters do not escape
    versions = [
        _version(mv)
        for mv in _pages(
            lambda token: client.search_model_versions(
                filter_string=f"name={quoted}", max_results=PAGE, page_token=token
            )
        )
        if mv.name == name
    ]
    versions.sort(key=lambda v: (int(v.version) if v.version.isdigit() else 0, v.version))
    aliases = {str(k): str(v) for k, v in sorted((rm.aliases or {}).items())}
    return RegisteredModel(name, aliases, tuple(versions))


def _version(mv: Any) -> ModelVersion:
    source = mv.source or ""
    model_id = getattr(mv, "model_id", None)
    rest = source[len(MODELS_PREFIX) :] if source.startswith(MODELS_PREFIX) else ""
    if not model_id and rest and "/" not in rest:
        # OSS stores leave ``model_id`` unset; ``source`` is ``models:/<model_id>``.
        model_id = rest
    stage = mv.current_stage if mv.current_stage not in (None, "", "None") else None
    return ModelVersion(
        name=mv.name,
        version=str(mv.version),
        source=source,
        run_id=mv.run_id or None,
        model_id=model_id,
        created_ms=int(mv.creation_timestamp or 0),
        updated_ms=int(mv.last_updated_timestamp or mv.creation_timestamp or 0),
        stage=stage,
        status=str(mv.status or "READY"),
        user_id=mv.user_id or None,
    )
