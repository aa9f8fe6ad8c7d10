"""Turn locked DVC stages into OpenLineage run events, one START and one COMPLETE per run.

Deps and outs are datasets named as the SDK names them (``Dataset(path)``: namespace
``file``, the absolute path), versioned by DVC's md5, so a file recorded by the SDK and one
imported from DVC are the same node with the same versions.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
from openlineage.client.facet_v2 import source_code_job, source_code_location_job

from threadline.facets import facet
from threadline.integrations.dvc.files import Artifact, LockedStage
from threadline.integrations.dvc.history import Origin, Recorded
from threadline.sdk.datasets import Dataset

PRODUCER = "https://threadline.dev/integrations/dvc"
RUN_IDS = uuid.UUID("5c1f7a52-4d0e-4b8e-9f3a-6d2b1c0e7a91")  # the uuid5 namespace of run ids
MODEL_SUFFIXES = (".pkl", ".pickle", ".joblib", ".onnx", ".pt", ".pth", ".h5", ".safetensors")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class StageContext:
    """What a stage's events need beyond its lock entry."""

    namespace: str
    job: str
    dvcfile: Path
    root: Path
    origin: Origin
    recorded: Recorded
    depth: int


def dependency_order(stages: Sequence[LockedStage]) -> list[tuple[LockedStage, int]]:
    """Order stages producers first (lock order among equals), each with its depth.

    A stage depends on the stage writing one of its deps, or a directory holding one, or a
    file inside one; its depth is one more than its deepest producer's.
    """
    producers = [(Path(out.location), s.name) for s in stages for out in s.outs]
    needs = {
        s.name: {
            name
            for dep in s.deps
            for path, name in producers
            if name != s.name and _overlaps(Path(dep.location), path)
        }
        for s in stages
    }
    depth: dict[str, int] = {}
    ordered: list[tuple[LockedStage, int]] = []
    waiting = list(stages)
    while waiting:
        ready = next((s for s in waiting if needs[s.name] <= depth.keys()), waiting[0])
        depth[ready.name] = 1 + max((depth.get(n, 0) for n in needs[ready.name]), default=-1)
        ordered.append((ready, depth[ready.name]))
        waiting.remove(ready)
    return ordered


def _overlaps(a: Path, b: Path) -> bool:
    return a == b or a in b.parents or b in a.parents


def run_id(namespace: str, dvcfile: Path, stage: LockedStage) -> str:
    """Return the run's id: the same namespace, dvc.yaml, stage and lock entry, the same id."""
    seed = json.dumps([namespace, str(dvcfile), stage.name, stage.digest])
    return str(uuid.uuid5(RUN_IDS, seed))


def job_kind(stage: LockedStage, root: Path) -> str:
    """Guess the job's kind: ``training`` if it writes a model file or into models/."""
    for out in stage.outs:
        path = Path(out.location)
        inside = path.relative_to(root).parts if path.is_relative_to(root) else path.parts
        if "models" in inside or path.suffix.lower() in MODEL_SUFFIXES:
            return "training"
    return "transformation"


def _dataset(artifact: Artifact) -> Dataset:
    facets: dict[str, Any] = {}
    if artifact.md5:
        facets["threadline_contentHash"] = facet(
            "threadline_contentHash",
            algorithm="md5",
            value=artifact.version,
            dvcCompatible=True,
            size=artifact.size,
            files=artifact.files,
        )
    return Dataset(artifact.location, version=artifact.version, facets=facets)


def _job_facets(stage: LockedStage, context: StageContext) -> dict[str, Any]:
    commit = context.recorded.commit
    return {
        "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
            type="git" if commit else "file",
            url=context.origin.url,
            repoUrl=context.origin.url if commit else None,
            path=context.origin.path,
            version=commit,
            producer=PRODUCER,
        ),
        "sourceCode": source_code_job.SourceCodeJobFacet(
            language="shell", sourceCode=stage.cmd, producer=PRODUCER
        ),
        "threadline_job": facet("threadline_job", kind=job_kind(stage, context.root)),
    }


def _time(time_us: int) -> str:
    return (EPOCH + timedelta(microseconds=time_us)).isoformat()


def stage_events(stage: LockedStage, context: StageContext) -> list[RunEvent]:
    """Return the START and COMPLETE events of the stage's locked run.

    Both are dated by the commit that recorded the entry, plus two microseconds per level
    of depth, so a consumer starts after its producer completed.
    """
    run_facets: dict[str, Any] = {
        "threadline_dvc": facet(
            "threadline_dvc",
            repo=context.origin.url,
            stage=stage.name,
            cmd=stage.cmd,
            lockHash=stage.digest,
            params=stage.params or None,
        )
    }
    run = Run(runId=run_id(context.namespace, context.dvcfile, stage), facets=run_facets)
    job = Job(namespace=context.namespace, name=context.job, facets=_job_facets(stage, context))
    inputs = [_dataset(dep).as_input("file") for dep in stage.deps]
    start = context.recorded.time_us + 2 * context.depth
    return [
        RunEvent(
            eventType=state,
            eventTime=_time(start + offset),
            producer=PRODUCER,
            run=run,
            job=job,
            inputs=inputs,
            outputs=[_dataset(out).as_output("file") for out in stage.outs] if offset else [],
        )
        for state, offset in ((RunState.START, 0), (RunState.COMPLETE, 1))
    ]
