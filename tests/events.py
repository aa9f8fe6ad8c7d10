"""Build OpenLineage events for tests with the real openlineage-python client classes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    dataset_version_dataset,
    lifecycle_state_change_dataset,
    parent_run,
    schema_dataset,
)
from openlineage.client.serde import Serde

PRODUCER = "https://github.com/threadline/threadline/tests"
BASE = datetime(2024, 3, 1, tzinfo=timezone.utc)
_IDS = uuid.UUID("5d0c2a4e-1b7f-4c3d-8e9a-0f1e2d3c4b5a")


def at(minutes: float) -> str:
    """Return the ISO time ``minutes`` after the test epoch (2024-03-01T00:00Z)."""
    return (BASE + timedelta(minutes=minutes)).isoformat()


def at_us(minutes: float) -> int:
    """Return the microsecond timestamp ``minutes`` after the test epoch."""
    return int((BASE + timedelta(minutes=minutes)).timestamp() * 1_000_000)


def rid(name: str) -> str:
    """Return a deterministic run id for a name."""
    return str(uuid.uuid5(_IDS, name))


def schema(*fields: str | tuple[str, str]) -> schema_dataset.SchemaDatasetFacet:
    """Return a schema facet; a field is ``name`` or ``(name, type)``."""
    pairs = [f if isinstance(f, tuple) else (f, "string") for f in fields]
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in pairs]
    )


def columns(
    mapping: dict[str, list[tuple[str, str, str]]],
    dataset: list[tuple[str, str, str]] | None = None,
) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    """Return a columnLineage facet: output field -> [(namespace, name, field)]."""

    def field(ns: str, name: str, f: str) -> column_lineage_dataset.InputField:
        return column_lineage_dataset.InputField(
            namespace=ns,
            name=name,
            field=f,
            transformations=[
                column_lineage_dataset.Transformation(type="DIRECT", subtype="IDENTITY")
            ],
        )

    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            out: column_lineage_dataset.Fields(inputFields=[field(*s) for s in sources])
            for out, sources in mapping.items()
        },
        dataset=[field(*s) for s in dataset or []],
    )


def version(value: str) -> dataset_version_dataset.DatasetVersionDatasetFacet:
    """Return an explicit dataset version facet."""
    return dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=value)


def lifecycle(state: str, previous: tuple[str, str] | None = None) -> Any:
    """Return a lifecycleStateChange facet."""
    prev = (
        lifecycle_state_change_dataset.PreviousIdentifier(namespace=previous[0], name=previous[1])
        if previous
        else None
    )
    return lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet(
        lifecycleStateChange=getattr(lifecycle_state_change_dataset.LifecycleStateChange, state),
        previousIdentifier=prev,
    )


def parent(
    run_name: str,
    job: tuple[str, str] = ("tests", "dag"),
    root: tuple[str, tuple[str, str]] | None = None,
) -> parent_run.ParentRunFacet:
    """Return a parent run facet pointing at run ``rid(run_name)`` of ``job``."""
    root_facet = None
    if root is not None:
        root_facet = parent_run.Root(
            run=parent_run.RootRun(runId=rid(root[0])),
            job=parent_run.RootJob(namespace=root[1][0], name=root[1][1]),
        )
    return parent_run.ParentRunFacet(
        run=parent_run.Run(runId=rid(run_name)),
        job=parent_run.Job(namespace=job[0], name=job[1]),
        root=root_facet,
    )


def inp(ns: str, name: str, **facets: Any) -> InputDataset:
    """Return an input dataset with facets."""
    return InputDataset(namespace=ns, name=name, facets=facets or None)


def out(ns: str, name: str, **facets: Any) -> OutputDataset:
    """Return an output dataset with facets."""
    return OutputDataset(namespace=ns, name=name, facets=facets or None)


def run_event(
    state: RunState | None,
    minutes: float,
    *,
    run: str = "run",
    job: tuple[str, str] = ("tests", "job"),
    inputs: list[InputDataset] | None = None,
    outputs: list[OutputDataset] | None = None,
    run_facets: dict[str, Any] | None = None,
    job_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a RunEvent as a dict (run id ``rid(run)``)."""
    event = RunEvent(
        eventType=state,
        eventTime=at(minutes),
        producer=PRODUCER,
        run=Run(runId=rid(run), facets=run_facets),
        job=Job(namespace=job[0], name=job[1], facets=job_facets),
        inputs=inputs or [],
        outputs=outputs or [],
    )
    return Serde.to_dict(event)  # type: ignore[no-any-return]


def dataset_event(minutes: float, ns: str, name: str, **facets: Any) -> dict[str, Any]:
    """Return a DatasetEvent as a dict."""
    event = DatasetEvent(
        eventTime=at(minutes),
        producer=PRODUCER,
        dataset=StaticDataset(namespace=ns, name=name, facets=facets or None),
    )
    return Serde.to_dict(event)  # type: ignore[no-any-return]


def job_event(
    minutes: float,
    job: tuple[str, str],
    *,
    inputs: list[InputDataset] | None = None,
    outputs: list[OutputDataset] | None = None,
    job_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a JobEvent as a dict."""
    event = JobEvent(
        eventTime=at(minutes),
        producer=PRODUCER,
        job=Job(namespace=job[0], name=job[1], facets=job_facets),
        inputs=inputs or [],
        outputs=outputs or [],
    )
    return Serde.to_dict(event)  # type: ignore[no-any-return]


def body(event: dict[str, Any]) -> bytes:
    """Encode an event as a request body."""
    return orjson.dumps(event)
