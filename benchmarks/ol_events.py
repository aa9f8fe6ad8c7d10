"""A deterministic generator of realistic lineage as OpenLineage RunEvents (JSON bytes).

Jobs sit in layers inside domains (one namespace each). Each job reads 1-5 datasets (sources
or outputs of earlier layers, with a few hub tables read far more often than the rest) and
writes 1-3 datasets of its own, with a schema facet and column lineage on every output, an
SQL job facet, and several runs: each run is a START and a COMPLETE event, and every third
run changes the SQL, so jobs have several versions. The same arguments give the same bytes.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

import orjson

PRODUCER = "https://github.com/threadline/benchmarks"
RUN_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACET_SCHEMA = "https://openlineage.io/spec/facets/1-0-1/{}.json"
LAYERS, HUBS, FIELDS = 6, 8, 6
T0_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


@dataclass(frozen=True, slots=True)
class Job:
    """One generated job: its name, namespace and the datasets it reads and writes."""

    namespace: str
    name: str
    inputs: tuple[tuple[str, str], ...]
    outputs: tuple[tuple[str, str], ...]


def plan(jobs: int, *, seed: int = 5) -> list[Job]:
    """Lay out ``jobs`` jobs in layers with their inputs and outputs."""
    rng = random.Random(seed)
    domains = max(1, jobs // 40)
    hubs = [(f"warehouse{d}", f"raw.hub_{h}") for d in range(domains) for h in range(HUBS)]
    available: list[list[tuple[str, str]]] = [
        [(f"warehouse{d}", f"raw.source_{s}") for s in range(12)] for d in range(domains)
    ]
    laid: list[Job] = []
    per_layer = max(1, jobs // LAYERS)
    for number in range(jobs):
        domain = number % domains
        layer = min(number // per_layer, LAYERS - 1)
        pool = available[domain]
        reads = set()
        for _ in range(rng.randint(1, 5)):
            use_hub = rng.random() < 0.25
            reads.add(rng.choice(hubs) if use_hub else pool[-rng.randint(1, min(len(pool), 60))])
        ns = f"warehouse{domain}"
        writes = tuple((ns, f"l{layer}.table_{number}_{k}") for k in range(rng.randint(1, 3)))
        laid.append(Job(ns, f"etl.layer{layer}.job_{number}", tuple(sorted(reads)), writes))
        pool.extend(writes)
    return laid


def _schema(name: str) -> dict[str, object]:
    fields = [{"name": f"col_{i}", "type": "VARCHAR" if i % 2 else "BIGINT"} for i in range(FIELDS)]
    return {
        "_producer": PRODUCER,
        "_schemaURL": FACET_SCHEMA.format("SchemaDatasetFacet"),
        "fields": fields,
    }


def _column_lineage(inputs: tuple[tuple[str, str], ...], salt: int) -> dict[str, object]:
    mapped = {}
    for i in range(FIELDS):
        ns, name = inputs[(i + salt) % len(inputs)]
        sources = [{"namespace": ns, "name": name, "field": f"col_{(i + salt) % FIELDS}"}]
        mapped[f"col_{i}"] = {"inputFields": sources, "transformationType": "IDENTITY"}
    return {
        "_producer": PRODUCER,
        "_schemaURL": FACET_SCHEMA.format("ColumnLineageDatasetFacet"),
        "fields": mapped,
    }


def _event(job: Job, run: str, state: str, t_us: int, sql: str) -> dict[str, object]:
    seconds, micros = divmod(t_us, 1_000_000)
    stamp = f"{_iso(seconds)}.{micros:06d}Z"
    outputs = [
        {
            "namespace": ns,
            "name": name,
            "facets": {"schema": _schema(name), "columnLineage": _column_lineage(job.inputs, k)},
        }
        for k, (ns, name) in enumerate(job.outputs)
    ]
    return {
        "eventType": state,
        "eventTime": stamp,
        "producer": PRODUCER,
        "schemaURL": RUN_SCHEMA,
        "run": {"runId": run, "facets": {}},
        "job": {
            "namespace": job.namespace,
            "name": job.name,
            "facets": {
                "sql": {
                    "_producer": PRODUCER,
                    "_schemaURL": FACET_SCHEMA.format("SQLJobFacet"),
                    "query": sql,
                },
            },
        },
        "inputs": [{"namespace": ns, "name": name, "facets": {}} for ns, name in job.inputs],
        "outputs": outputs,
    }


def _iso(seconds: int) -> str:
    import datetime

    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def events(jobs: int, *, runs: int = 3, seed: int = 5) -> list[bytes]:
    """Return the events of ``runs`` runs of every job, in time order, as JSON bytes."""
    laid = plan(jobs, seed=seed)
    out: list[bytes] = []
    t = T0_US
    for round_ in range(runs):
        for number, job in enumerate(laid):
            run = str(uuid.UUID(int=(seed << 64) | (round_ << 32) | number, version=4))
            sql = f"INSERT INTO {job.outputs[0][1]} SELECT * FROM x -- v{round_ // 3}"
            out.append(orjson.dumps(_event(job, run, "START", t, sql)))
            out.append(orjson.dumps(_event(job, run, "COMPLETE", t + 1_000, sql)))
            t += 10_000
    return out
