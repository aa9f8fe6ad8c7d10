"""Sync one MLflow tracking store into Threadline: check, read, plan, emit once, summarise.

Everything is read and every event built before anything is emitted, and the events go
out as one batch (one transaction, or spooled in order while a server is down): a sync
that fails stores nothing of itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from threadline.errors import NotFound, ThreadlineError
from threadline.integrations.mlflow.entities import Snapshot
from threadline.integrations.mlflow.plan import build_plan
from threadline.integrations.mlflow.read import read_snapshot
from threadline.integrations.mlflow.tracking import MlflowSyncError, check_tracking_uri

if TYPE_CHECKING:
    from threadline.sdk import Tracker


@dataclass(frozen=True, slots=True)
class Count:
    """How many of something MLflow holds, and how many Threadline did not know before."""

    total: int
    new: int | None  # None when Threadline could not be asked


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one sync read and emitted."""

    tracking_uri: str
    namespace: str
    runs: Count
    datasets: Count
    models: Count
    versions: Count
    alias_changes: int
    stage_changes: int
    events: int
    spooled: int

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready values."""
        return asdict(self)


def sync(
    tracking_uri: str, tracker: Tracker, *, namespace: str = "mlflow", at: str | None = None
) -> SyncReport:
    """Sync an MLflow tracking store into Threadline through ``tracker``.

    Args:
        tracking_uri: where MLflow stores runs and the registry (``sqlite:///mlflow.db``...).
        tracker: the SDK tracker the events are emitted through.
        namespace: the namespace of the jobs (experiments and registrations).
        at: the time alias changes are stamped with (ISO 8601; default now).

    Raises:
        MlflowSyncError: the store is missing, not MLflow, or unreadable; nothing was sent.
        ValueError: Threadline refused an event; nothing of the sync was stored.
    """
    return sync_snapshot(read_store(tracking_uri), tracker, namespace=namespace, at=at)


def read_store(tracking_uri: str) -> Snapshot:
    """Check a tracking URI and read everything the sync needs from it.

    Raises:
        MlflowSyncError: the store is missing, not MLflow, or unreadable.
    """
    return read_snapshot(check_tracking_uri(tracking_uri))


def sync_snapshot(
    snapshot: Snapshot, tracker: Tracker, *, namespace: str = "mlflow", at: str | None = None
) -> SyncReport:
    """Emit what a snapshot holds that Threadline lacks (see ``sync``)."""
    registry = {rm.name: _registry(tracker, rm.name) for rm in snapshot.registered}
    at = at or datetime.now(timezone.utc).isoformat()
    plan = build_plan(snapshot, registry, namespace=namespace, at=at)
    known_versions = {
        (name, str(v["version"]))
        for name, record in registry.items()
        for v in (record or {}).get("versions", [])
    }
    report = SyncReport(
        tracking_uri=snapshot.tracking_uri,
        namespace=namespace,
        runs=_count(tracker, [f"run:{run}" for run in plan.runs]),
        datasets=_count(tracker, plan.datasets),
        models=_count(tracker, plan.models),
        versions=Count(len(plan.versions), len(set(plan.versions) - known_versions)),
        alias_changes=plan.alias_changes,
        stage_changes=plan.stage_changes,
        events=len(plan.events),
        spooled=0,
    )
    if plan.events:
        tracker.emit_batch(list(plan.events))
    return replace(report, spooled=tracker.flush())


def _registry(tracker: Tracker, name: str) -> dict[str, Any] | None:
    """Return Threadline's record of a registered model (None if it has none)."""
    try:
        return tracker.model_registry(f"dataset:models:{name}")
    except ThreadlineError as exc:
        raise MlflowSyncError(
            f"cannot compare the aliases of {name!r} with Threadline's record: {exc.message}"
        ) from None


def _count(tracker: Tracker, refs: Iterable[str]) -> Count:
    known = [_knows(tracker, ref) for ref in refs]
    return Count(len(known), None if None in known else known.count(False))


def _knows(tracker: Tracker, ref: str) -> bool | None:
    """Tell whether Threadline has a node (None when it cannot be asked)."""
    from threadline.sdk.emitters import LocalTransport

    transport: Any = tracker.client.transport
    method = "node_details" if isinstance(transport, LocalTransport) else "node"
    try:
        transport.read(method, ref)
    except NotFound:
        return False
    except ThreadlineError:
        return None
    return True
