"""OpenAPI descriptions of raw-body routes: the OpenLineage event shapes and examples."""

from __future__ import annotations

from typing import Any

_FACETS = {
    "type": "object",
    "description": "Facets by name; each is an object. Unknown facets are stored verbatim.",
    "additionalProperties": {"type": "object"},
}
_DATASET = {
    "type": "object",
    "required": ["namespace", "name"],
    "properties": {
        "namespace": {"type": "string", "minLength": 1},
        "name": {"type": "string", "minLength": 1},
        "facets": _FACETS,
        "inputFacets": _FACETS,
        "outputFacets": _FACETS,
    },
}
_JOB = {
    "type": "object",
    "required": ["namespace", "name"],
    "properties": {
        "namespace": {"type": "string", "minLength": 1},
        "name": {"type": "string", "minLength": 1},
        "facets": _FACETS,
    },
}
_BASE = {
    "eventTime": {"type": "string", "format": "date-time"},
    "producer": {"type": "string", "format": "uri"},
    "schemaURL": {"type": "string", "format": "uri"},
}
RUN_EVENT: dict[str, Any] = {
    "title": "RunEvent",
    "type": "object",
    "required": ["eventTime", "producer", "schemaURL", "run", "job"],
    "properties": {
        **_BASE,
        "eventType": {
            "type": "string",
            "enum": ["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"],
        },
        "run": {
            "type": "object",
            "required": ["runId"],
            "properties": {"runId": {"type": "string"}, "facets": _FACETS},
        },
        "job": _JOB,
        "inputs": {"type": "array", "items": _DATASET},
        "outputs": {"type": "array", "items": _DATASET},
    },
}
DATASET_EVENT: dict[str, Any] = {
    "title": "DatasetEvent",
    "type": "object",
    "required": ["eventTime", "producer", "schemaURL", "dataset"],
    "properties": {**_BASE, "dataset": _DATASET},
}
JOB_EVENT: dict[str, Any] = {
    "title": "JobEvent",
    "type": "object",
    "required": ["eventTime", "producer", "schemaURL", "job"],
    "properties": {
        **_BASE,
        "job": _JOB,
        "inputs": {"type": "array", "items": _DATASET},
        "outputs": {"type": "array", "items": _DATASET},
    },
}
EVENT = {"oneOf": [RUN_EVENT, DATASET_EVENT, JOB_EVENT]}

EXAMPLE_RUN_EVENT = {
    "eventType": "COMPLETE",
    "eventTime": "2024-03-01T06:00:00.000Z",
    "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "run": {"runId": "0190f1b0-6a3e-7c1a-9c35-3a8d7e3f4b21"},
    "job": {"namespace": "nepse", "name": "prices.clean"},
    "inputs": [{"namespace": "file", "name": "/data/raw/prices.csv"}],
    "outputs": [{"namespace": "file", "name": "/data/clean/prices.parquet"}],
}

ERROR = {
    "type": "object",
    "required": ["code", "error", "message"],
    "properties": {
        "code": {"type": "integer"},
        "error": {"type": "string"},
        "message": {"type": "string"},
        "path": {"type": "string", "description": "JSON path of the offending value"},
    },
}


def json_body(schema: dict[str, Any], example: Any, description: str) -> dict[str, Any]:
    """Return an ``openapi_extra`` request body for a route that reads the raw body."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": schema, "example": example}},
        }
    }


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI response entries for Threadline's JSON errors."""
    text = {
        400: "Malformed request",
        404: "Not found",
        413: "Body too large",
        415: "Unsupported content encoding",
        503: "Store busy; retry later",
    }
    return {
        code: {"description": text[code], "content": {"application/json": {"schema": ERROR}}}
        for code in codes
    }


def answer(example: Any, description: str, *errors: int) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI response entries: a 200 JSON answer with an example, and the errors."""
    return {
        200: {"description": description, "content": {"application/json": {"example": example}}},
        **error_responses(*errors),
    }
