"""Import a DVC pipeline: plan every event from the files first, then emit them as one batch.

Planning reads and checks everything, so a bad repository raises before anything is sent;
the SDK's ``Tracker.emit_batch`` then stores the whole import in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threadline.integrations.dvc.events import StageContext, dependency_order, stage_events
from threadline.integrations.dvc.files import Pipeline, read_pipeline
from threadline.integrations.dvc.history import Origin, origin, recorded

if TYPE_CHECKING:
    from openlineage.client.event_v2 import RunEvent

    from threadline.sdk import Tracker


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """One stage's run and the events that record it."""

    stage: str
    job: str
    run_id: str
    events: tuple[RunEvent, ...]


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """Everything an import will emit, and what it leaves out."""

    pipeline: Pipeline
    origin: Origin
    namespace: str
    runs: tuple[PlannedRun, ...]
    uncommitted: tuple[str, ...]

    def datasets(self) -> set[tuple[str, str, str | None]]:
        """Return (namespace, name, version) of every dataset version the events name."""
        found: set[tuple[str, str, str | None]] = set()
        for run in self.runs:
            for event in run.events:
                for dataset in [*(event.inputs or []), *(event.outputs or [])]:
                    facets: dict[str, Any] = dict(dataset.facets or {})
                    version = facets.get("version") or {}
                    found.add((dataset.namespace, dataset.name, version.get("datasetVersion")))
        return found


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did; ``runs_known`` is None when the server could not be asked."""

    dvcfile: str
    namespace: str
    stages: int
    runs_new: int | None
    runs_known: int | None
    datasets: int
    versions: int
    skipped: tuple[tuple[str, str], ...]
    uncommitted: tuple[str, ...]
    spooled: int

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-ready values."""
        return {
            "dvcfile": self.dvcfile,
            "namespace": self.namespace,
            "stages": self.stages,
            "runs": {"new": self.runs_new, "known": self.runs_known},
            "datasets": self.datasets,
            "versions": self.versions,
            "skipped": [{"stage": name, "reason": why} for name, why in self.skipped],
            "uncommitted": list(self.uncommitted),
            "spooled": self.spooled,
        }


def job_name(pipeline: Pipeline, stage: str) -> str:
    """Name a stage's job: the stage name, addressed as DVC does outside the repo root."""
    if pipeline.dvcfile.parent == pipeline.root:
        return stage
    return f"{pipeline.dvcfile.relative_to(pipeline.root).as_posix()}:{stage}"


def plan_import(repo: str | Path, *, namespace: str = "dvc") -> ImportPlan:
    """Read the pipeline in ``repo`` and build the events of every locked stage.

    Raises:
        DvcError: the repository or its files are missing or invalid.
    """
    pipeline = read_pipeline(repo)
    where = origin(pipeline)
    when = recorded(pipeline, where.head)
    runs = []
    for stage, depth in dependency_order(pipeline.stages):
        context = StageContext(
            namespace=namespace,
            job=job_name(pipeline, stage.name),
            dvcfile=pipeline.dvcfile,
            root=pipeline.root,
            origin=where,
            recorded=when[stage.name],
            depth=depth,
        )
        events = tuple(stage_events(stage, context))
        runs.append(PlannedRun(stage.name, context.job, events[0].run.runId, events))
    uncommitted = tuple(name for name, at in when.items() if not at.committed)
    return ImportPlan(pipeline, where, namespace, tuple(runs), uncommitted)


def known_run(tracker: Tracker, run_id: str) -> bool | None:
    """Tell whether Threadline already has a run (None when it cannot be asked)."""
    from threadline.errors import NotFound, ThreadlineError
    from threadline.sdk.emitters import LocalTransport

    transport: Any = tracker.client.transport
    method = "node_details" if isinstance(transport, LocalTransport) else "node"
    try:
        transport.read(method, f"run:{run_id}")
    except NotFound:
        return False
    except ThreadlineError:
        return None
    return True


def run_import(plan: ImportPlan, tracker: Tracker) -> ImportSummary:
    """Emit the plan's events as one batch and summarise the import.

    Raises:
        ValueError: Threadline refused an event; nothing of the import was stored.
    """
    known = [known_run(tracker, run.run_id) for run in plan.runs]
    tracker.emit_batch([event for run in plan.runs for event in run.events])
    versions = plan.datasets()
    undecided = None in known
    return ImportSummary(
        dvcfile=str(plan.pipeline.dvcfile),
        namespace=plan.namespace,
        stages=len(plan.runs),
        runs_new=None if undecided else known.count(False),
        runs_known=None if undecided else known.count(True),
        datasets=len({(namespace, name) for namespace, name, _v in versions}),
        versions=len(versions),
        skipped=plan.pipeline.skipped,
        uncommitted=plan.uncommitted,
        spooled=tracker.flush(),
    )
