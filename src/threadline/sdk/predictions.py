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
) -> None:
    """Record a batch scoring run: it read ``model`` (and ``inputs``), wrote ``outputs``."""
    marked = [predictions_dataset(o, count) for o in outputs]
    with tracker.step(job, inputs=[model, *inputs], outputs=marked, kind="scoring"):
        pass


class PredictionLogger:
    """Log predictions one request at a time; they are sent in batches.

    ``log`` only appends to a buffer (a few microseconds); a batch is sent when it holds
    ``batch_size`` records or is ``flush_seconds`` old, and on ``flush``/``close``.
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
        """Send the buffered predictions as one scoring run."""
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
        with self.tracker.step(
            f"serve.{self.endpoint}", inputs=[self.model], outputs=[output], kind="scoring"
        ):
            pass

    def close(self) -> None:
        """Send what is left."""
        self.flush()
