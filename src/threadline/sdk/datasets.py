"""What a step reads and writes: local paths, URIs, pandas DataFrames and models.

Each becomes an OpenLineage dataset, named by the OpenLineage conventions (``file`` +
absolute path for local files; ``scheme://authority`` + path for URIs), with a version:
the content hash of a local file or directory, a hash of a DataFrame's values, or the
version a model is given.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from openlineage.client.event_v2 import InputDataset, OutputDataset

from threadline.facets import PRODUCER, facet
from threadline.sdk.hashing import content_hash

Facets = dict[str, Any]


@dataclass
class Dataset:
    """A dataset a step reads or writes.

    Args:
        ref: a local path, a URI (``s3://bucket/key``) or, with ``df``, a name.
        df: a pandas DataFrame whose values version the dataset and give its schema.
        namespace: overrides the namespace derived from ``ref``.
        version: an explicit version (else the content hash, for local data).
        facets: more dataset facets, kept verbatim.
    """

    ref: str | os.PathLike[str]
    df: Any = None
    namespace: str | None = None
    version: str | None = None
    facets: Facets = field(default_factory=dict)

    def identity(self, default_namespace: str) -> tuple[str, str]:
        """Return (namespace, name) by the OpenLineage naming conventions."""
        text = os.fspath(self.ref)
        if self.df is not None:
            return self.namespace or default_namespace, text
        parts = urlsplit(text)
        if parts.scheme and parts.scheme != "file" and len(parts.scheme) > 1:
            return self.namespace or f"{parts.scheme}://{parts.netloc}", parts.path.lstrip("/")
        if self.namespace and self.namespace != "file":
            return self.namespace, text  # a name within a namespace of the caller's choosing
        path = parts.path if parts.scheme == "file" else text
        return "file", str(Path(path).resolve())

    def describe(self, default_namespace: str) -> tuple[str, str, Facets]:
        """Return (namespace, name, facets) as of now (hashing local content)."""
        namespace, name = self.identity(default_namespace)
        facets: Facets = dict(self.facets)
        version = self.version
        if self.df is not None:
            facets["schema"] = dataframe_schema(self.df)
            version = version or dataframe_hash(self.df)
        elif namespace == "file" and Path(name).exists() and version is None:
            digest = content_hash(name)
            version = digest.value
            facets["threadline_contentHash"] = facet(
                "threadline_contentHash",
                algorithm="md5",
                value=digest.value,
                dvcCompatible=True,
                size=digest.size,
                files=digest.files,
            )
        if version is not None:
            facets["version"] = {
                "_producer": PRODUCER,
                "_schemaURL": VERSION_SCHEMA,
                "datasetVersion": version,
            }
        return namespace, name, facets

    def as_input(self, default_namespace: str) -> InputDataset:
        """Return the OpenLineage input dataset."""
        namespace, name, facets = self.describe(default_namespace)
        return InputDataset(namespace=namespace, name=name, facets=facets or None)

    def as_output(self, default_namespace: str) -> OutputDataset:
        """Return the OpenLineage output dataset."""
        namespace, name, facets = self.describe(default_namespace)
        return OutputDataset(namespace=namespace, name=name, facets=facets or None)


VERSION_SCHEMA = (
    "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json"
    "#/$defs/DatasetVersionDatasetFacet"
)


@dataclass
class Model(Dataset):
    """A model (a dataset of kind ``model``): a registered model name and its version.

    Args:
        ref: the model's name (e.g. the registered model name).
        version: the model version (a registry version, or a hash of the model file).
        path: the model file or directory, hashed for the version when none is given.
        framework, flavor, task, source: what and where the model is.
        metrics, params: how it was trained and how it scored.
    """

    path: str | os.PathLike[str] | None = None
    framework: str | None = None
    flavor: str | None = None
    task: str | None = None
    source: str | None = None
    metrics: dict[str, float] | None = None
    params: dict[str, str] | None = None

    def identity(self, default_namespace: str) -> tuple[str, str]:
        """Return (namespace, name): models live in the ``models`` namespace by default."""
        return self.namespace or "models", os.fspath(self.ref)

    def describe(self, default_namespace: str) -> tuple[str, str, Facets]:
        """Return (namespace, name, facets) including the model facet."""
        if self.version is None and self.path is not None and Path(self.path).exists():
            # Hashed now, on every use: the same Model may describe a retrained file later.
            return replace(self, version=content_hash(self.path).value).describe(default_namespace)
        namespace, name, facets = super().describe(default_namespace)
        facets["threadline_model"] = facet(
            "threadline_model",
            name=name,
            framework=self.framework,
            flavor=self.flavor,
            task=self.task,
            source=self.source,
            metrics=self.metrics,
            params=self.params,
        )
        return namespace, name, facets


def dataframe_schema(df: Any) -> Facets:
    """Return a schema facet for a pandas DataFrame's columns and dtypes."""
    return {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json"
        "#/$defs/SchemaDatasetFacet",
        "fields": [{"name": str(name), "type": str(dtype)} for name, dtype in df.dtypes.items()],
    }


def dataframe_hash(df: Any) -> str:
    """Return a stable hash of a pandas DataFrame's values, index and columns."""
    import pandas as pd

    digest = hashlib.sha256()
    try:
        digest.update(pd.util.hash_pandas_object(df, index=True).values.tobytes())
    except TypeError:  # cells pandas cannot hash (lists, dicts): hash their JSON instead
        digest.update(df.to_json(orient="split", date_format="iso", default_handler=str).encode())
    digest.update("|".join(map(str, df.columns)).encode())
    return digest.hexdigest()[:32]


def as_dataset(value: Any) -> Dataset:
    """Turn a path, URI or ``Dataset`` into a ``Dataset``."""
    if isinstance(value, Dataset):
        return value
    if isinstance(value, (str, os.PathLike)):
        return Dataset(value)
    raise TypeError(f"cannot read {value!r} as a dataset; pass a path, a URI or a Dataset")
