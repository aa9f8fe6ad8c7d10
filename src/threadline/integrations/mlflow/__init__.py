"""Sync an MLflow 3 tracking store into Threadline as OpenLineage events.

    from threadline.integrations.mlflow import sync
    report = sync("sqlite:///mlflow.db", Tracker(db="sqlite:///threadline.db"))

Runs, their dataset inputs and LoggedModels, registered model versions, stages and
aliases become runs, datasets and model registry changes (see ``events`` and
``registry`` for the mapping). Importing this package does not import MLflow.
"""

from threadline.integrations.mlflow.sync import (
    Count,
    SyncReport,
    read_store,
    sync,
    sync_snapshot,
)
from threadline.integrations.mlflow.tracking import MlflowSyncError

__all__ = ["Count", "MlflowSyncError", "SyncReport", "read_store", "sync", "sync_snapshot"]
