"""The Threadline SDK: record steps, models and predictions as OpenLineage events.

from threadline.sdk import Tracker, Dataset, Model
"""

from threadline.sdk.datasets import Dataset, Model
from threadline.sdk.emitters import EventRefused
from threadline.sdk.hashing import content_hash
from threadline.sdk.predictions import PredictionLogger, input_hash, log_predictions
from threadline.sdk.tracker import StepRun, Tracker

__all__ = [
    "Dataset",
    "EventRefused",
    "Model",
    "PredictionLogger",
    "StepRun",
    "Tracker",
    "content_hash",
    "input_hash",
    "log_predictions",
]
