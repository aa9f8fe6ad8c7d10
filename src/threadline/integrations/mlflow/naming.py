"""Name MLflow things the OpenLineage way: run ids, times, datasets, models and their facets.

Everything here is a pure function of what MLflow stored, so a re-sync builds identical
events: run ids are the MLflow ids (or a uuid5 of them), times are MLflow's timestamps.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from openlineage.client.facet_v2 import dataset_version_dataset, schema_dataset

from threadline.facets import PRODUCER as FACET_PRODUCER
from threadline.facets import SPEC
from threadline.integrations.mlflow.entities import DatasetInput

PRODUCER = "https://threadline.dev/integrations/mlflow"
DATASETS_NAMESPACE = "mlflow-datasets"
MODELS_NAMESPACE = "mlflow-models"
REGISTRY_NAMESPACE = "models"
INPUT_FACET = "threadline_mlflowInput"
INPUT_FACET_NAME = "ThreadlineMlflowInputDatasetFacet"
IDS = uuid.UUID("0b6f3a1e-5c47-4f2a-9d8e-2f1c7b9a4e63")  # the uuid5 namespace of derived ids
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
HEX32 = re.compile(r"[0-9a-fA-F]{32}")


def iso(ms: int) -> str:
    """Return an MLflow timestamp (ms since the epoch) as ISO 8601 UTC, exactly."""
    return (EPOCH + timedelta(milliseconds=ms)).isoformat()


def run_uuid(run_id: str) -> str:
    """Return the OpenLineage run id of an MLflow run: its id read as a UUID (32 hex digits)."""
    if HEX32.fullmatch(run_id):
        return str(uuid.UUID(hex=run_id))
    return str(uuid.uuid5(IDS, f"run/{run_id}"))


def derived_uuid(*parts: str) -> str:
    """Return a stable run id for something that is not an MLflow run (a registration)."""
    return str(uuid.uuid5(IDS, "/".join(parts)))


def model_dataset(experiment: str, name: str) -> tuple[str, str]:
    """Return (namespace, name) of a LoggedModel (or run artifact) of an experiment."""
    return MODELS_NAMESPACE, f"{experiment}/{name}"


def uri_identity(uri: str) -> tuple[str, str] | None:
    """Return (namespace, name) of a URI by the OpenLineage conventions, or None.

    ``/abs/path`` and ``file:///abs/path`` are ``file`` + the path; ``s3://bucket/key`` is
    ``s3://bucket`` + ``key`` (and so for every ``scheme://authority``). A relative path
    says nothing about where the data is, so it gives None.
    """
    parts = urlsplit(uri)
    if parts.scheme in ("", "file"):
        path = parts.path if parts.scheme else uri
        return ("file", path) if path.startswith("/") else None
    name = parts.path.lstrip("/")
    if len(parts.scheme) < 2 or not name:
        return None
    return f"{parts.scheme}://{parts.netloc}", name


def dataset_identity(dataset: DatasetInput) -> tuple[str, str]:
    """Return (namespace, name) of a logged dataset: from its source, else its MLflow name."""
    try:
        source = json.loads(dataset.source) if dataset.source else {}
    except ValueError:
        source = {}
    if isinstance(source, dict):
        for key in ("uri", "url", "path"):
            value = source.get(key)
            found = uri_identity(value) if isinstance(value, str) and value else None
            if found is not None:
                return found
    return DATASETS_NAMESPACE, dataset.name


def version_facet(version: str) -> dataset_version_dataset.DatasetVersionDatasetFacet:
    """Return the ``version`` dataset facet."""
    return dataset_version_dataset.DatasetVersionDatasetFacet(
        datasetVersion=version, producer=PRODUCER
    )


def schema_facet(schema: str | None) -> schema_dataset.SchemaDatasetFacet | None:
    """Return a ``schema`` facet from an MLflow column-spec schema (None for other schemas)."""
    try:
        value = json.loads(schema) if schema else None
    except ValueError:
        return None
    columns = value.get("mlflow_colspec") if isinstance(value, dict) else None
    if not isinstance(columns, list):
        return None
    fields = [
        schema_dataset.SchemaDatasetFacetFields(
            name=str(c.get("name", i)), type=str(c["type"]) if c.get("type") else None
        )
        for i, c in enumerate(columns)
        if isinstance(c, dict)
    ]
    return schema_dataset.SchemaDatasetFacet(fields=fields, producer=PRODUCER)


def input_facet(dataset: DatasetInput) -> dict[str, Any]:
    """Return the input facet keeping how the run used the dataset (context, tags)."""
    fields = {
        "name": dataset.name,
        "sourceType": dataset.source_type or None,
        "context": dataset.context,
        "tags": dict(sorted(dataset.tags.items())) or None,
    }
    return {
        "_producer": FACET_PRODUCER,
        "_schemaURL": f"{SPEC}/{INPUT_FACET_NAME}.json#/$defs/{INPUT_FACET_NAME}",
        **{k: v for k, v in fields.items() if v is not None},
    }


def row_count(profile: str | None) -> int | None:
    """Return the number of rows a dataset profile records, if any."""
    try:
        value = json.loads(profile) if profile else None
    except ValueError:
        return None
    rows = value.get("num_rows") if isinstance(value, dict) else None
    return rows if isinstance(rows, int) and not isinstance(rows, bool) else None


def finite(metrics: Mapping[str, float]) -> dict[str, float]:
    """Return the metrics that JSON can carry (NaN and infinities left out), sorted."""
    return {k: v for k, v in sorted(metrics.items()) if math.isfinite(v)}
