"""Prediction logging: batch scoring runs, and a cheap per-request log for serving.

Every prediction stays traceable: prediction set -> scoring run -> model version ->
training run -> dataset versions -> raw sources.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import orjson

from threadline.facets import facet
from threadline.sdk.datasets import Dataset, Model, as_dataset
from threadline.sdk.hashing import data_hash
from threadline.sdk.tracker import Tracker, now


def input_hash(features: Any) -> str:
    """Return the hash that identifies a prediction's input (canonical JSON, SHA-256)."""
    return data_hash(
        orjson.dumps(features, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)
    )


def predictions_dataset(
    value: Any, count: int | None, records: list[dict[str, Any]] | None = None
) -> Dataset:
    """Mark an output as a prediction set (kind ``predictions``)."""
    dataset = as_dataset(value)
    dataset.facets["threadline_predictions"] = facet(
        "threadline_predictions", count=count, records=records
    )
    return dataset


def log_predictions(
    tracker: Tracker,
    *,
    model: Model,
    inputs: list[Any],
    outputs: list[Any],
    job: str = "score",
    count: int | None = None,
) -> str:
    """Record a batch scoring run: it read ``model`` (and ``inputs``), wrote ``outputs``.

    Args:
        model: the model version that scored (it must be recorded already).
        outputs: the prediction sets written (paths, URIs, ``Dataset``s with a DataFrame).
        count: how many predictions each output holds (else the DataFrame's length).

    Returns:
        The scoring run's id.

    Raises:
        ValueError: no outputs, or the number of predictions of one is unknown.
        EventRefused: Threadline refused the record (the model version is unknown, say);
            nothing of it is stored.
    """
    if not outputs:
        raise ValueError("log_predictions needs the prediction sets the run wrote (outputs=)")
    marked = []
    for value in outputs:
        dataset = as_dataset(value)
        size = count if count is not None else _length(dataset)
        if size is None:
            raise ValueError(f"how many predictions does {dataset.ref!s} hold? pass count=")
        marked.append(predictions_dataset(dataset, size))
    return tracker.record(job, inputs=[model, *inputs], outputs=marked, kind="scoring")


def _length(dataset: Dataset) -> int | None:
    return len(dataset.df) if dataset.df is not None else None


class PredictionLogger:
    """Log predictions one request at a time; they are sent in batches.

    ``log`` only appends to a buffer (a few microseconds); a batch is sent when it holds
    ``batch_size`` records, or when a ``log`` finds it ``flush_seconds`` old, and on
    ``flush``/``close``. Each batch is one scoring run writing one version of the
    ``predictions/<endpoint>`` prediction set, whose records carry the input hash, the
    output and the time; the run reads the model version.
    """

    def __init__(
        self,
        tracker: Tracker,
        *,
        model: Model,
        endpoint: str,
        batch_size: int = 1000,
        flush_seconds: float = 5.0,
    ) -> None:
        self.tracker, self.model, self.endpoint = tracker, model, endpoint
        self.batch_size, self.flush_seconds = batch_size, flush_seconds
        self._records: list[dict[str, Any]] = []
        self._since = time.monotonic()
        self._lock = threading.Lock()

    def log(self, features: Any, output: Any) -> str:
        """Record one prediction; return its input hash."""
        digest = input_hash(features)
        with self._lock:
            self._records.append({"inputHash": digest, "output": output, "at": now()})
            due = len(self._records) >= self.batch_size or (
                time.monotonic() - self._since >= self.flush_seconds
            )
        if due:
            self.flush()
        return digest

    def flush(self) -> None:
        """Send the buffered predictions as one scoring run.

        Raises:
            EventRefused: Threadline refused the batch (the model version is unknown, say).
        """
        with self._lock:
            records, self._records = self._records, []
            self._since = time.monotonic()
        if not records:
            return
        batch = Dataset(
            f"predictions/{self.endpoint}",
            namespace="predictions",
            version=data_hash(orjson.dumps(records)),
        )
        output = predictions_dataset(batch, len(records), records)
        self.tracker.record(
            f"serve.{self.endpoint}", inputs=[self.model], outputs=[output], kind="scoring"
        )

    def __enter__(self) -> PredictionLogger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Send what is left."""
        self.flush()
