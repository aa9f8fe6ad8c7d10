"""Build the OpenLineage events of MLflow runs and of the LoggedModels they produced.

An MLflow run is a run of the job named after its experiment: START at its start time, then
COMPLETE, FAIL or ABORT (FINISHED, FAILED, KILLED) at its end time; a run still RUNNING has
START only. Its inputs are its logged datasets, versioned by digest; its outputs (on the
terminal event) are its LoggedModels, versioned by model id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from openlineage.client.facet_v2 import (
    input_statistics_input_dataset,
    parent_run,
    source_code_location_job,
)

from threadline.facets import facet
from threadline.integrations.mlflow.entities import DatasetInput, LoggedModel, Run
from threadline.integrations.mlflow.naming import (
    INPUT_FACET,
    PRODUCER,
    dataset_identity,
    finite,
    input_facet,
    iso,
    model_dataset,
    row_count,
    run_uuid,
    schema_facet,
    version_facet,
)

TERMINAL = {"FINISHED": RunState.COMPLETE, "FAILED": RunState.FAIL, "KILLED": RunState.ABORT}
KEPT_TAGS = frozenset(
    {
        "mlflow.note.content",
        "mlflow.parentRunId",
        "mlflow.runName",
        "mlflow.source.git.branch",
        "mlflow.source.git.repoURL",
        "mlflow.source.name",
        "mlflow.source.type",
        "mlflow.user",
    }
)


def run_events(
    run: Run,
    *,
    namespace: str,
    tracking_uri: str,
    outputs: Sequence[OutputDataset],
    experiments: Mapping[str, str],
) -> list[RunEvent]:
    """Return the START and (when the run ended) terminal event of an MLflow run.

    ``outputs`` are the models it produced; ``experiments`` maps run ids to experiment
    names, to name the parent of a nested run.
    """
    kind = "training" if outputs else "transformation"
    job = Job(namespace=namespace, name=run.experiment, facets=_job_facets(run, kind))
    ol_run = OLRun(
        runId=run_uuid(run.run_id), facets=_run_facets(run, namespace, tracking_uri, experiments)
    )
    inputs = _inputs(run.inputs)
    events = [
        RunEvent(
            eventType=RunState.START,
            eventTime=iso(run.start_ms),
            run=ol_run,
            job=job,
            inputs=inputs,
            outputs=[],
            producer=PRODUCER,
        )
    ]
    state = TERMINAL.get(run.status)
    if state is not None:
        events.append(
            RunEvent(
                eventType=state,
                eventTime=iso(run.end_ms or run.start_ms),
                run=ol_run,
                job=job,
                inputs=inputs,
                outputs=list(outputs),
                producer=PRODUCER,
            )
        )
    return events


def _run_facets(
    run: Run, namespace: str, tracking_uri: str, experiments: Mapping[str, str]
) -> dict[str, Any]:
    facets: dict[str, Any] = {}
    parent = run.tags.get("mlflow.parentRunId")
    if parent:
        facets["parent"] = parent_run.ParentRunFacet(
            run=parent_run.Run(runId=run_uuid(parent)),
            job=parent_run.Job(namespace=namespace, name=experiments.get(parent, run.experiment)),
            producer=PRODUCER,
        )
    facets["threadline_mlflow"] = _mlflow_facet(run, tracking_uri)
    return facets


def _job_facets(run: Run, kind: str) -> dict[str, Any]:
    facets: dict[str, Any] = {}
    commit = run.tags.get("mlflow.source.git.commit")
    repo = run.tags.get("mlflow.source.git.repoURL")
    path = run.tags.get("mlflow.source.name")
    if commit and (repo or path):
        facets["sourceCodeLocation"] = source_code_location_job.SourceCodeLocationJobFacet(
            type="git",
            url=repo or path or "",
            repoUrl=repo,
            path=path,
            version=commit,
            branch=run.tags.get("mlflow.source.git.branch"),
            producer=PRODUCER,
        )
    facets["threadline_job"] = facet("threadline_job", kind=kind)
    return facets


def _mlflow_facet(run: Run, tracking_uri: str) -> dict[str, Any]:
    tags = {k: v for k, v in run.tags.items() if not k.startswith("mlflow.") or k in KEPT_TAGS}
    return facet(
        "threadline_mlflow",
        runId=run.run_id,
        experimentId=run.experiment_id,
        experimentName=run.experiment,
        trackingUri=tracking_uri,
        status=run.status,
        gitCommit=run.tags.get("mlflow.source.git.commit"),
        params=dict(sorted(run.params.items())),
        metrics=finite(run.metrics),
        tags=dict(sorted(tags.items())),
    )


def _inputs(datasets: Sequence[DatasetInput]) -> list[InputDataset]:
    inputs: dict[tuple[str, str, str], InputDataset] = {}
    for dataset in datasets:
        namespace, name = dataset_identity(dataset)
        if (namespace, name, dataset.digest) in inputs:
            continue  # the same data logged again (another context): the first use stands
        facets: dict[str, Any] = {}
        schema = schema_facet(dataset.schema)
        if schema is not None:
            facets["schema"] = schema
        facets["version"] = version_facet(dataset.digest)
        input_facets: dict[str, Any] = {}
        rows = row_count(dataset.profile)
        if rows is not None:
            input_facets["inputStatistics"] = (
                input_statistics_input_dataset.InputStatisticsInputDatasetFacet(
                    rowCount=rows, producer=PRODUCER
                )
            )
        input_facets[INPUT_FACET] = input_facet(dataset)
        inputs[(namespace, name, dataset.digest)] = InputDataset(
            namespace=namespace, name=name, facets=facets, inputFacets=input_facets
        )
    return [inputs[key] for key in sorted(inputs)]


def model_facet(name: str, model: LoggedModel | None, source: str) -> dict[str, Any]:
    """Return the ``threadline_model`` facet of a model (what its LoggedModel knows)."""
    return facet(
        "threadline_model",
        name=name,
        framework=model.framework if model else None,
        flavor=model.flavor if model else None,
        source=source,
        metrics=(model_metrics(model) or None) if model else None,
        params=(dict(model.params) or None) if model else None,
    )


def model_metrics(model: LoggedModel) -> dict[str, float]:
    """Return a LoggedModel's latest metrics; ``key@dataset#digest`` when computed on data."""
    latest: dict[str, float] = {}
    for metric in model.metrics:  # ordered by key, time, step: the last one wins
        label = metric.key
        if metric.dataset_name:
            label += f"@{metric.dataset_name}"
            label += f"#{metric.dataset_digest}" if metric.dataset_digest else ""
        latest[label] = metric.value
    return finite(latest)


def logged_model_output(model: LoggedModel) -> OutputDataset:
    """Return a LoggedModel as an output dataset, versioned by its model id."""
    namespace, name = model_dataset(model.experiment, model.name)
    facets: dict[str, Any] = {
        "threadline_model": model_facet(name, model, f"models:/{model.model_id}"),
        "version": version_facet(model.model_id),
    }
    return OutputDataset(namespace=namespace, name=name, facets=facets)


def logged_model_event(model: LoggedModel) -> DatasetEvent:
    """Return a DatasetEvent for a LoggedModel no synced run produced."""
    output = logged_model_output(model)
    return DatasetEvent(
        eventTime=iso(model.created_ms),
        producer=PRODUCER,
        dataset=StaticDataset(namespace=output.namespace, name=output.name, facets=output.facets),
    )
