"""DVC: import a pipeline's stages (``dvc.yaml``, ``dvc.lock``) as OpenLineage runs.

    plan = plan_import("path/to/repo", namespace="dvc")   # reads and checks everything
    summary = run_import(plan, Tracker(db="sqlite:///threadline.db"))   # one batch

Each locked stage becomes a job with one run per lock entry (a deterministic run id, so
importing the same lock twice adds nothing); its deps and outs are ``file`` datasets
versioned by DVC's md5, the same nodes and versions the SDK records for those paths.
"""

from threadline.integrations.dvc.files import DvcError
from threadline.integrations.dvc.importer import (
    ImportPlan,
    ImportSummary,
    PlannedRun,
    plan_import,
    run_import,
)

__all__ = ["DvcError", "ImportPlan", "ImportSummary", "PlannedRun", "plan_import", "run_import"]
