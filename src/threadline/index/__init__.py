"""The lineage index: the graph in compact arrays, per process, following the log.

It loads the projections at start, then applies the change feed of every new log entry
by sequence number. Each query reads the log head in its own read transaction first and
catches up when the log moved on (this process's writes or another's), so a query never
sees an id its snapshot lacks. Traversals read an immutable ``IndexState`` snapshot.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection

from threadline.index import bulk, loader
from threadline.index.graph import I64, Base, Edge, Graph, edge_columns
from threadline.store import Store


@dataclass(frozen=True, slots=True)
class Nodes:
    """Per node id: type (dataset/job/field), semantic kind code, namespace, flags."""

    type: npt.NDArray[np.uint8]
    kind: npt.NDArray[np.uint16]
    namespace: npt.NDArray[np.int32]
    hidden: npt.NDArray[np.bool_]
    deleted: npt.NDArray[np.bool_]
    field_dataset: npt.NDArray[np.int32]
    kind_names: tuple[str, ...]
    hidden_ids: frozenset[int] = frozenset()

    @classmethod
    def empty(cls) -> Nodes:
        """Return a table without nodes."""
        return cls(
            np.zeros(0, np.uint8),
            np.zeros(0, np.uint16),
            np.zeros(0, np.int32),
            np.zeros(0, np.bool_),
            np.zeros(0, np.bool_),
            np.zeros(0, np.int32),
            ("",),
        )

    @classmethod
    def from_columns(cls, columns: dict[str, I64], kind_names: tuple[str, ...]) -> Nodes:
        """Return the table of every node, from ``bulk.node_columns``: no Python per node."""
        ids = columns["id"]
        size = int(ids.max()) + 1 if ids.size else 0

        def scatter(name: str, dtype: type[np.generic], fill: int) -> np.ndarray:
            array = np.full(size, fill, dtype=dtype)
            array[ids] = columns[name]
            return array

        hidden = scatter("hidden", np.bool_, 0)
        return cls(
            scatter("type", np.uint8, 0),
            scatter("kind", np.uint16, 0),
            scatter("namespace", np.int32, -1),
            hidden,
            scatter("deleted", np.bool_, 0),
            scatter("dataset", np.int32, -1),
            kind_names,
            frozenset(np.flatnonzero(hidden).tolist()),
        )

    def with_rows(self, rows: Sequence[tuple[int, int, str, int, bool, bool, int]]) -> Nodes:
        """Return a copy with these node rows set."""
        if not rows:
            return self
        size = max(r[0] for r in rows) + 1
        names = list(self.kind_names)
        codes = {name: i for i, name in enumerate(names)}
        arrays = {
            "type": loader.grow(self.type.copy(), size, 0),
            "kind": loader.grow(self.kind.copy(), size, 0),
            "namespace": loader.grow(self.namespace.copy(), size, -1),
            "hidden": loader.grow(self.hidden.copy(), size, 0),
            "deleted": loader.grow(self.deleted.copy(), size, 0),
            "field_dataset": loader.grow(self.field_dataset.copy(), size, -1),
        }
        for node, kind_type, kind, namespace, hidden, deleted, dataset in rows:
            if kind not in codes:
                codes[kind] = len(names)
                names.append(kind)
            arrays["type"][node] = kind_type
            arrays["kind"][node] = codes[kind]
            arrays["namespace"][node] = namespace
            arrays["hidden"][node] = hidden
            arrays["deleted"][node] = deleted
            arrays["field_dataset"][node] = dataset
        hidden_ids = frozenset(np.nonzero(arrays["hidden"])[0].tolist())
        return Nodes(**arrays, kind_names=tuple(names), hidden_ids=hidden_ids)

    @property
    def blocked(self) -> frozenset[int]:
        """Return the node ids traversals may not enter (soft-deleted datasets and jobs)."""
        return self.hidden_ids


@dataclass(frozen=True, slots=True)
class Versions:
    """Per dataset version id and per run id: what version-level results need."""

    dataset: npt.NDArray[np.int32]
    created: npt.NDArray[np.int64]
    run_job: npt.NDArray[np.int32]
    run_start: npt.NDArray[np.int64]
    run_state: npt.NDArray[np.uint8]

    @classmethod
    def empty(cls) -> Versions:
        """Return a table without versions or runs."""
        return cls(
            np.zeros(0, np.int32),
            np.zeros(0, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, np.int64),
            np.zeros(0, np.uint8),
        )

    @classmethod
    def from_columns(cls, versions: dict[str, I64], runs: dict[str, I64]) -> Versions:
        """Return the table of every version and run, from the loader's columns."""

        def scatter(ids: I64, values: I64, dtype: type[np.generic], fill: int) -> np.ndarray:
            array = np.full(int(ids.max()) + 1 if ids.size else 0, fill, dtype=dtype)
            array[ids] = values
            return array

        vid, rid = versions["id"], runs["id"]
        return cls(
            scatter(vid, versions["dataset"], np.int32, -1),
            scatter(vid, versions["created"], np.int64, 0),
            scatter(rid, runs["job"], np.int32, -1),
            scatter(rid, runs["start"], np.int64, 0),
            scatter(rid, runs["state"], np.uint8, 0),
        )

    def with_rows(
        self,
        versions: Sequence[tuple[int, int, int, bool]],
        runs: Sequence[tuple[int, int, int, int]],
    ) -> Versions:
        """Return a copy with these version and run rows set."""
        dataset, created = self.dataset, self.created
        if versions:
            size = max(v[0] for v in versions) + 1
            dataset, created = (
                loader.grow(dataset.copy(), size, -1),
                loader.grow(created.copy(), size, 0),
            )
            for vid, ds, when, _implicit in versions:
                dataset[vid], created[vid] = ds, when
        run_job, run_start, run_state = self.run_job, self.run_start, self.run_state
        if runs:
            size = max(r[0] for r in runs) + 1
            run_job = loader.grow(run_job.copy(), size, -1)
            run_start = loader.grow(run_start.copy(), size, 0)
            run_state = loader.grow(run_state.copy(), size, 0)
            for rid, job, start, state in runs:
                run_job[rid], run_start[rid], run_state[rid] = job, start, state
        return Versions(dataset, created, run_job, run_start, run_state)


@dataclass(frozen=True, slots=True)
class IndexState:
    """One consistent snapshot of the index."""

    seq: int
    epoch: str
    nodes: Nodes
    entity: Graph
    column: Graph
    version: Graph
    versions: Versions

    @property
    def edge_count(self) -> int:
        """Return the number of edges held (entity, column and version level)."""
        return self.entity.edge_count + self.column.edge_count + self.version.edge_count


def _split(edges: list[Edge]) -> tuple[list[Edge], list[Edge]]:
    entity = [e for e in edges if e.kind not in loader.COLUMN_CODES]
    column = [e for e in edges if e.kind in loader.COLUMN_CODES]
    return entity, column


class LineageIndex:
    """Keeps an ``IndexState`` current with the store's log."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._state: IndexState | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> IndexState | None:
        """Return the snapshot held now, without refreshing (None before the first load)."""
        return self._state

    def state(self) -> IndexState:
        """Return a snapshot holding every entry committed to the log by now."""
        with self.store.read() as conn:
            return self.state_for(conn)

    def state_for(self, conn: Connection) -> IndexState:
        """Return a snapshot holding at least what ``conn``'s read transaction sees.

        A query reads ids from the database and then traverses the snapshot, so the snapshot
        must not be older than the transaction; another process may have written since the
        last poll. It costs one statement (log head and epoch) when the snapshot is current.
        """
        head, current_epoch = loader.head_and_epoch(conn)
        current = self._state
        if current is not None and current.epoch == current_epoch and current.seq >= head:
            return current
        return self.refresh()

    def refresh(self) -> IndexState:
        """Load or catch up with the log; return the new snapshot."""
        with self._lock:
            with self.store.read() as conn:
                head, current_epoch = loader.head(conn), loader.epoch(conn)
                state = self._state
                if state is None or state.epoch != current_epoch or head < state.seq:
                    state = _full_load(conn, head, current_epoch)
                elif head > state.seq:
                    state = _apply_changes(conn, state, head)
            self._state = state
            return state


def _full_load(conn: Connection, head: int, current_epoch: str) -> IndexState:
    every = bulk.edge_columns(conn)
    node_columns, kind_names = bulk.node_columns(conn)
    nodes = Nodes.from_columns(node_columns, kind_names)
    n = nodes.type.size
    renamed = node_columns["id"][node_columns["renamed"] == 1].tolist()
    renames = [e for edges in loader.load_renames(conn, renamed).values() for e in edges]
    column = np.isin(every["kind"], list(loader.COLUMN_CODES))
    entity_edges = every
    if column.any() or renames:
        extra = edge_columns(renames)
        entity_edges = {k: np.concatenate([v[~column], extra[k]]) for k, v in every.items()}
    versions = Versions.from_columns(bulk.version_columns(conn), bulk.run_columns(conn))
    vn = 2 * max(versions.dataset.size, versions.run_job.size) + 2
    # The column graph's arrays cover only the node ids its edges touch (field nodes), not
    # every node: most stores have far fewer column edges than nodes.
    column_edges = {k: v[column] for k, v in every.items()}
    return IndexState(
        seq=head,
        epoch=current_epoch,
        nodes=nodes,
        entity=Graph.from_base(Base.build(None, n, arrays=entity_edges), n),
        column=Graph.from_base(Base.build(None, 0, arrays=column_edges), n),
        version=Graph.from_base(Base.build(None, vn, arrays=bulk.version_edge_columns(conn)), vn),
        versions=versions,
    )


def _apply_changes(conn: Connection, state: IndexState, head: int) -> IndexState:
    found = loader.load_changes(conn, state.seq, head)
    node_ids = sorted({ref for ref, _ in found.get("node", [])})
    nodes = state.nodes.with_rows(loader.node_rows(conn, node_ids)) if node_ids else state.nodes
    n = nodes.type.size
    asserters = sorted({ref for ref, _ in found.get("asserter", [])})
    entity, column = state.entity, state.column
    if asserters:
        entity_edges, column_edges = _split(loader.load_edges(conn, asserters))
        entity = entity.replace_groups(loader.group(entity_edges, asserters), n)
        column = column.replace_groups(loader.group(column_edges, asserters), n)
    renamed = [ref for ref in node_ids if nodes.type[ref] == loader.NODE_DATASET]
    if renamed:
        entity = entity.replace_groups(loader.load_renames(conn, renamed), n)
    run_ids = {ref for ref, _ in found.get("run", [])}
    inputs = found.get("inputs", [])
    for dataset_id, since in inputs:
        run_ids.update(loader.runs_reading(conn, dataset_id, since or 0))
    versions, version = state.versions, state.version
    if run_ids or inputs:
        ordered = sorted(run_ids)
        versions = versions.with_rows(
            loader.version_rows(conn, dataset_ids=sorted({d for d, _ in inputs})) if inputs else [],
            loader.run_rows(conn, ordered),
        )
        written = loader.load_version_edges(conn, ordered)
        # The versions these runs wrote or read may be new to the index.
        new_versions = sorted({(e.dst if e.dst % 2 == 0 else e.src) // 2 for e in written})
        if new_versions:
            versions = versions.with_rows(loader.version_rows(conn, version_ids=new_versions), [])
        vn = 2 * max(versions.dataset.size, versions.run_job.size) + 2
        version = version.replace_groups(loader.group(written, ordered), vn)
    return replace(
        state,
        seq=head,
        nodes=nodes,
        entity=entity,
        column=column,
        version=version,
        versions=versions,
    )


__all__ = ["IndexState", "LineageIndex", "Nodes", "Versions"]
