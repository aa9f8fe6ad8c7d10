"""Threadline's custom OpenLineage facets (``threadline_*``): builders and JSON Schemas.

What OpenLineage has no facet for travels in these, as the spec prescribes for custom
facets: each carries ``_producer`` and a ``_schemaURL`` naming its JSON Schema, which the
server serves at ``/api/threadline/v1/facets/{Name}.json``.

- ``threadline_model`` (dataset): the dataset is a model (its versions are model versions).
- ``threadline_registry`` (dataset): registry changes — versions registered, aliases set or
  removed, stage transitions — each with who and when; the server keeps their full history.
- ``threadline_endpoint`` (dataset): the dataset is a serving endpoint in an environment;
  a deployment is a run that reads a model version and writes the endpoint.
- ``threadline_predictions`` (dataset): the dataset is a set of predictions, optionally with
  the individual records (input hash, output, time) of per-request logging.
- ``threadline_contentHash`` (dataset): how a file or directory version was hashed.
- ``threadline_job`` (job): the job's semantic kind (training, validation, deployment...).
- ``threadline_mlflow`` (run), ``threadline_validation`` (run), ``threadline_dvc`` (run):
  what MLflow, a validation step and DVC know about a run.
"""

from __future__ import annotations

from typing import Any

PRODUCER = "https://threadline.dev/threadline"
SPEC = "https://threadline.dev/spec/facets/1-0-0"
JOB_KINDS = (
    "ingestion",
    "transformation",
    "training",
    "validation",
    "registration",
    "deployment",
    "scoring",
)
REGISTRY_CHANGES = ("version_registered", "alias_set", "alias_removed", "stage_transition")

_OBJECT = {"type": "object"}
_STRING = {"type": "string"}
_NUMBERS = {"type": "object", "additionalProperties": {"type": "number"}}
_STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}


def _schema(
    name: str, base: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SPEC}/{name}.json",
        "$defs": {
            name: {
                "allOf": [
                    {"$ref": f"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/{base}"},
                    {"type": "object", "properties": properties, "required": required},
                ],
                "type": "object",
            }
        },
        "type": "object",
        "properties": {},
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "ThreadlineModelDatasetFacet": _schema(
        "ThreadlineModelDatasetFacet",
        "DatasetFacet",
        {
            "name": _STRING,
            "framework": _STRING,
            "flavor": _STRING,
            "task": _STRING,
            "source": {"type": "string", "description": "where the model lives, e.g. models:/<id>"},
            "metrics": _NUMBERS,
            "params": _STRINGS,
        },
        ["name"],
    ),
    "ThreadlineRegistryDatasetFacet": _schema(
        "ThreadlineRegistryDatasetFacet",
        "DatasetFacet",
        {
            "registry": {"type": "string", "description": "e.g. the MLflow tracking URI"},
            "changes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "version", "at"],
                    "properties": {
                        "type": {"type": "string", "enum": list(REGISTRY_CHANGES)},
                        "version": _STRING,
                        "alias": _STRING,
                        "stage": _STRING,
                        "actor": _STRING,
                        "at": {"type": "string", "format": "date-time"},
                    },
                },
            },
        },
        ["changes"],
    ),
    "ThreadlineEndpointDatasetFacet": _schema(
        "ThreadlineEndpointDatasetFacet",
        "DatasetFacet",
        {
            "environment": _STRING,
            "url": _STRING,
            "platform": _STRING,
        },
        ["environment"],
    ),
    "ThreadlinePredictionsDatasetFacet": _schema(
        "ThreadlinePredictionsDatasetFacet",
        "DatasetFacet",
        {
            "count": {"type": "integer"},
            "records": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["inputHash", "at"],
                    "properties": {
                        "inputHash": _STRING,
                        "output": {},
                        "at": {"type": "string", "format": "date-time"},
                    },
                },
            },
        },
        ["count"],
    ),
    "ThreadlineContentHashDatasetFacet": _schema(
        "ThreadlineContentHashDatasetFacet",
        "DatasetFacet",
        {
            "algorithm": {"type": "string", "enum": ["md5", "sha256"]},
            "value": _STRING,
            "dvcCompatible": {"type": "boolean"},
            "size": {"type": "integer"},
            "files": {"type": "integer"},
        },
        ["algorithm", "value"],
    ),
    "ThreadlineJobFacet": _schema(
        "ThreadlineJobFacet",
        "JobFacet",
        {
            "kind": {"type": "string", "enum": list(JOB_KINDS)},
        },
        ["kind"],
    ),
    "ThreadlineMlflowRunFacet": _schema(
        "ThreadlineMlflowRunFacet",
        "RunFacet",
        {
            "runId": _STRING,
            "experimentId": _STRING,
            "experimentName": _STRING,
            "trackingUri": _STRING,
            "status": _STRING,
            "gitCommit": _STRING,
            "params": _STRINGS,
            "metrics": _NUMBERS,
            "tags": _STRINGS,
        },
        ["runId"],
    ),
    "ThreadlineValidationRunFacet": _schema(
        "ThreadlineValidationRunFacet",
        "RunFacet",
        {
            "passed": {"type": "boolean"},
            "metrics": _NUMBERS,
            "thresholds": _NUMBERS,
        },
        ["passed"],
    ),
    "ThreadlineDvcRunFacet": _schema(
        "ThreadlineDvcRunFacet",
        "RunFacet",
        {
            "repo": _STRING,
            "stage": _STRING,
            "cmd": _STRING,
            "lockHash": _STRING,
        },
        ["stage"],
    ),
}

FACET_KEYS = {
    "threadline_model": "ThreadlineModelDatasetFacet",
    "threadline_registry": "ThreadlineRegistryDatasetFacet",
    "threadline_endpoint": "ThreadlineEndpointDatasetFacet",
    "threadline_predictions": "ThreadlinePredictionsDatasetFacet",
    "threadline_contentHash": "ThreadlineContentHashDatasetFacet",
    "threadline_job": "ThreadlineJobFacet",
    "threadline_mlflow": "ThreadlineMlflowRunFacet",
    "threadline_validation": "ThreadlineValidationRunFacet",
    "threadline_dvc": "ThreadlineDvcRunFacet",
}


def facet(key: str, **fields: Any) -> dict[str, Any]:
    """Build a custom facet: its fields (None left out), ``_producer`` and ``_schemaURL``."""
    name = FACET_KEYS[key]
    return {
        "_producer": PRODUCER,
        "_schemaURL": f"{SPEC}/{name}.json#/$defs/{name}",
        **{k: v for k, v in fields.items() if v is not None},
    }


def schema_of(name: str) -> dict[str, Any] | None:
    """Return the JSON Schema of a facet by its name (``ThreadlineModelDatasetFacet``)."""
    return SCHEMAS.get(name.removesuffix(".json"))
