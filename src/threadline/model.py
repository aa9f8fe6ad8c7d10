"""Domain values shared by every layer: parsed events, identities and results."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]


class EventKind(str, enum.Enum):
    """The three OpenLineage event kinds, and Threadline's own record of API changes."""

    RUN = "RunEvent"
    DATASET = "DatasetEvent"
    JOB = "JobEvent"
    ADMIN = "AdminEvent"


class RunState(str, enum.Enum):
    """OpenLineage run event types; the last three are terminal."""

    START = "START"
    RUNNING = "RUNNING"
    OTHER = "OTHER"
    COMPLETE = "COMPLETE"
    FAIL = "FAIL"
    ABORT = "ABORT"

    @property
    def terminal(self) -> bool:
        """Tell whether a run in this state has ended."""
        return self in (RunState.COMPLETE, RunState.FAIL, RunState.ABORT)


@dataclass(frozen=True, slots=True)
class DatasetId:
    """A dataset's OpenLineage identity: where it lives and its name there."""

    namespace: str
    name: str


@dataclass(frozen=True, slots=True)
class JobId:
    """A job's OpenLineage identity."""

    namespace: str
    name: str


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    """A dataset as mentioned by one event, with its facets."""

    namespace: str
    name: str
    facets: JsonObject
    io_facets: JsonObject = field(default_factory=dict)

    @property
    def id(self) -> DatasetId:
        """Return the dataset's identity."""
        return DatasetId(self.namespace, self.name)


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """A validated OpenLineage event, ready to be logged and projected.

    ``payload`` is the event exactly as received; ``event_key`` is the SHA-256 of its
    canonical JSON form and identifies re-sends of the same event.
    """

    kind: EventKind
    event_time_us: int
    producer: str
    schema_url: str
    payload: bytes
    event_key: str
    event_type: RunState | None = None
    run_uuid: str | None = None
    run_external_id: str | None = None
    job: JobId | None = None
    run_facets: JsonObject = field(default_factory=dict)
    job_facets: JsonObject = field(default_factory=dict)
    inputs: tuple[DatasetRecord, ...] = ()
    outputs: tuple[DatasetRecord, ...] = ()
    dataset: DatasetRecord | None = None
    admin: JsonObject | None = None


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event as stored in the log."""

    seq: int
    received_us: int
    event: ParsedEvent


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What happened to one submitted event."""

    seq: int
    duplicate: bool


@dataclass(frozen=True, slots=True)
class FailedEvent:
    """One rejected element of a batch."""

    index: int
    reason: str
    retriable: bool


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """The result of a batch submission, in the OpenLineage batch response shape."""

    received: int
    accepted: tuple[IngestOutcome, ...]
    failed: tuple[FailedEvent, ...]

    @property
    def status(self) -> str:
        """Return ``success``, ``partial_success`` or ``failure``."""
        if not self.failed:
            return "success"
        return "partial_success" if self.accepted else "failure"


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first place where the hash chain does not verify."""

    seq: int
    reason: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The result of recomputing the log's hash chain."""

    checked: int
    head_seq: int
    redacted: int
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        """Tell whether the whole chain verified."""
        return self.broken is None


@dataclass(frozen=True, slots=True)
class Resolved:
    """A node reference resolved to what the store holds.

    ``type`` is ``dataset``, ``job``, ``datasetField``, ``datasetVersion`` or ``run``;
    ``id`` is the node id (dataset, job, field), the version id or the run id.
    """

    ref: str
    type: str
    id: int
    dataset: int | None = None
    job: int | None = None


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What a lineage answer says about one node."""

    ref: str
    type: str
    kind: str
    namespace: str
    name: str
    field: str | None = None
    version: str | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class LineageNode:
    """A node reached by a traversal, at its distance from the root."""

    id: str
    type: str
    kind: str
    depth: int
    namespace: str
    name: str
    field: str | None = None
    version: str | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class LineageEdge:
    """An edge between two reached nodes, in the data-flow direction."""

    source: str
    target: str
    kind: str


@dataclass(frozen=True, slots=True)
class LineageResult:
    """The answer to a traversal."""

    root: str
    direction: str
    granularity: str
    as_of: int | None
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]
    truncated: bool
    truncated_reason: str | None = None
