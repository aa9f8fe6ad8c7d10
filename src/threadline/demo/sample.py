"""A small retail pipeline as real OpenLineage events, built with openlineage-python classes.

It has a parent (DAG) run with child task runs, schemas (one nested), column lineage, a
failed run, a DatasetEvent and a JobEvent with static lineage. Run ids and times are fixed,
so building it twice gives identical events (which the log recognises as re-sends).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

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
    documentation_dataset,
    error_message_run,
    job_type_job,
    ownership_dataset,
    parent_run,
    schema_dataset,
    source_code_location_job,
    sql_job,
    symlinks_dataset,
)
from openlineage.client.serde import Serde

PRODUCER = "https://github.com/threadline/threadline/demo"
NAMESPACE = "retail"
WAREHOUSE = "postgres://warehouse:5432"
BASE_TIME = datetime(2024, 3, 1, 2, 0, tzinfo=timezone.utc)
_IDS = uuid.UUID("0b5e1c4e-8f0e-4a1b-9d7c-2f6a5e4d3c21")


def _run_id(name: str) -> str:
    return str(uuid.uuid5(_IDS, name))


def _at(minutes: float) -> str:
    return (BASE_TIME + timedelta(minutes=minutes)).isoformat()


def _schema(*fields: tuple[str, str]) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in fields]
    )


def _columns(
    mapping: dict[str, list[tuple[str, str, str]]], kind: str = "DIRECT", subtype: str = "IDENTITY"
) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            out: column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace=ns,
                        name=name,
                        field=field,
                        transformations=[
                            column_lineage_dataset.Transformation(type=kind, subtype=subtype)
                        ],
                    )
                    for ns, name, field in sources
                ]
            )
            for out, sources in mapping.items()
        }
    )


def _job(name: str, sql: str | None = None) -> Job:
    facets: dict[str, Any] = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="THREADLINE", jobType="TASK"
        ),
        "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
            type="git", url=f"https://git.example.com/retail/{name}.py", version="a1b2c3d"
        ),
    }
    if sql:
        facets["sql"] = sql_job.SQLJobFacet(query=sql)
    return Job(namespace=NAMESPACE, name=name, facets=facets)


def _parent(dag_run: str) -> dict[str, Any]:
    return {
        "parent": parent_run.ParentRunFacet(
            run=parent_run.Run(runId=dag_run),
            job=parent_run.Job(namespace=NAMESPACE, name="nightly"),
        )
    }


def _task(
    name: str,
    start: float,
    *,
    dag_run: str,
    inputs: list[InputDataset],
    outputs: list[OutputDataset],
    sql: str | None = None,
    error: str | None = None,
) -> list[RunEvent]:
    run_id = _run_id(f"{name}@{start}")
    job = _job(name, sql)
    first = RunEvent(
        eventType=RunState.START,
        eventTime=_at(start),
        run=Run(runId=run_id, facets=_parent(dag_run)),
        job=job,
        producer=PRODUCER,
        inputs=inputs,
        outputs=outputs,
    )
    facets: dict[str, Any] = dict(_parent(dag_run))
    if error:
        facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=error, programmingLanguage="python"
        )
    last = RunEvent(
        eventType=RunState.FAIL if error else RunState.COMPLETE,
        eventTime=_at(start + 4),
        run=Run(runId=run_id, facets=facets),
        job=job,
        producer=PRODUCER,
        inputs=inputs,
        outputs=outputs,
    )
    return [first, last]


def sample_events() -> list[dict[str, Any]]:
    """Return the sample pipeline's events as JSON-ready dicts, in emission order."""
    dag_run = _run_id("nightly")
    dag_job = Job(namespace=NAMESPACE, name="nightly")
    raw_orders = (WAREHOUSE, "shop.raw.orders")
    clean = (WAREHOUSE, "shop.analytics.orders_clean")
    revenue = (WAREHOUSE, "shop.analytics.daily_revenue")
    events: list[Any] = [
        RunEvent(
            eventType=RunState.START,
            eventTime=_at(0),
            run=Run(runId=dag_run),
            job=dag_job,
            producer=PRODUCER,
        )
    ]
    events += _task(
        "orders.ingest",
        1,
        dag_run=dag_run,
        inputs=[InputDataset(namespace="s3://retail-landing", name="orders/2024-03-01.csv")],
        outputs=[
            OutputDataset(
                namespace=WAREHOUSE,
                name=raw_orders[1],
                facets={
                    "schema": _schema(
                        ("order_id", "bigint"),
                        ("customer_id", "bigint"),
                        ("amount", "numeric"),
                        ("ordered_at", "timestamp"),
                        ("email", "text"),
                    ),
                    "ownership": ownership_dataset.OwnershipDatasetFacet(
                        owners=[ownership_dataset.Owner(name="team:ingestion")]
                    ),
                },
            )
        ],
    )
    events += _task(
        "orders.clean",
        6,
        dag_run=dag_run,
        sql="INSERT INTO orders_clean SELECT ...",
        inputs=[InputDataset(namespace=WAREHOUSE, name=raw_orders[1])],
        outputs=[
            OutputDataset(
                namespace=WAREHOUSE,
                name=clean[1],
                facets={
                    "schema": _schema(
                        ("order_id", "bigint"),
                        ("customer_id", "bigint"),
                        ("amount", "numeric"),
                        ("order_date", "date"),
                    ),
                    "columnLineage": _columns(
                        {
                            "order_id": [(*raw_orders, "order_id")],
                            "customer_id": [(*raw_orders, "customer_id")],
                            "amount": [(*raw_orders, "amount")],
                            "order_date": [(*raw_orders, "ordered_at")],
                        }
                    ),
                },
            )
        ],
    )
    events += _task(
        "revenue.daily",
        11,
        dag_run=dag_run,
        sql="INSERT INTO daily_revenue SELECT order_date, sum(amount) FROM orders_clean GROUP BY 1",
        inputs=[InputDataset(namespace=WAREHOUSE, name=clean[1])],
        outputs=[
            OutputDataset(
                namespace=WAREHOUSE,
                name=revenue[1],
                facets={
                    "schema": _schema(("order_date", "date"), ("revenue", "numeric")),
                    "documentation": documentation_dataset.DocumentationDatasetFacet(
                        description="Revenue per day, from cleaned orders."
                    ),
                    "columnLineage": _columns(
                        {"order_date": [(*clean, "order_date")], "revenue": [(*clean, "amount")]},
                        subtype="AGGREGATION",
                    ),
                },
            )
        ],
    )
    events += _task(
        "revenue.export",
        16,
        dag_run=dag_run,
        error="permission denied for bucket s3://exports",
        inputs=[InputDataset(namespace=WAREHOUSE, name=revenue[1])],
        outputs=[OutputDataset(namespace="s3://exports", name="revenue/daily.csv")],
    )
    events.append(
        DatasetEvent(
            eventTime=_at(21),
            producer=PRODUCER,
            dataset=StaticDataset(
                namespace="bi://dashboards",
                name="revenue-overview",
                facets={
                    "symlinks": symlinks_dataset.SymlinksDatasetFacet(
                        identifiers=[
                            symlinks_dataset.Identifier(
                                namespace="bi://dashboards", name="42", type="ID"
                            )
                        ]
                    ),
                },
            ),
        )
    )
    events.append(
        JobEvent(
            eventTime=_at(22),
            producer=PRODUCER,
            job=Job(namespace=NAMESPACE, name="dashboard.refresh"),
            inputs=[InputDataset(namespace=WAREHOUSE, name=revenue[1])],
            outputs=[OutputDataset(namespace="bi://dashboards", name="revenue-overview")],
        )
    )
    events.append(
        RunEvent(
            eventType=RunState.FAIL,
            eventTime=_at(23),
            run=Run(runId=dag_run),
            job=dag_job,
            producer=PRODUCER,
        )
    )
    return [Serde.to_dict(event) for event in events]
