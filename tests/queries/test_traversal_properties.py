"""Traversals against networkx and time travel against replay, on random lineage histories.

Hypothesis builds random histories — DAGs and graphs with cycles — as real OpenLineage
events. An independent oracle (a plain in-memory reading of the documented edge rule)
gives the edges valid at each time; networkx traverses that graph; Threadline must reach
the same nodes at the same depths. And a store that holds only the events up to T must
answer exactly what the full store answers ``as_of`` T, at every granularity.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.events import RunState, at, at_us, columns, inp, out, rid, run_event
from threadline.errors import NotFound
from threadline.index.graph import Graph
from threadline.index.traverse import Reach, bfs
from threadline.queries.options import QueryOptions
from threadline.service import LineageService
from threadline.settings import Settings
from threadline.store import Store


@dataclass(frozen=True)
class Run:
    """One generated run: a job reading and writing datasets, ending (or not)."""

    name: str
    job: int
    start: int
    length: int
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    end: str  # COMPLETE, FAIL or RUNNING

    def events(self) -> list[dict[str, Any]]:
        ins = [inp("db", f"d{d}") for d in self.inputs]
        outs = [
            out(
                "db",
                f"d{d}",
                columnLineage=columns({"v": [("db", f"d{d}", "v") for d in self.inputs]}),
            )
            for d in self.outputs
        ]
        job = ("tests", f"j{self.job}")
        first = run_event(RunState.START, self.start, run=self.name, job=job, inputs=ins)
        if self.end == "RUNNING":
            return [first]
        return [
            first,
            run_event(
                RunState(self.end),
                self.start + self.length,
                run=self.name,
                job=job,
                inputs=ins,
                outputs=outs,
            ),
        ]


def histories(datasets: int = 8, jobs: int = 5) -> st.SearchStrategy[list[Run]]:
    """Random histories; inputs and outputs range over all datasets, so cycles occur."""
    run = st.builds(
        lambda i, job, start, length, ins, outs, end: Run(
            f"r{i}", job, start, length, ins, outs, end
        ),
        st.integers(0, 10_000),
        st.integers(0, jobs - 1),
        st.integers(0, 60),
        st.integers(0, 5),
        st.lists(st.integers(0, datasets - 1), max_size=3, unique=True).map(tuple),
        st.lists(st.integers(0, datasets - 1), max_size=3, unique=True).map(tuple),
        st.sampled_from(["COMPLETE", "COMPLETE", "FAIL", "RUNNING"]),
    )
    return st.lists(run, min_size=1, max_size=14, unique_by=lambda r: r.name)


def oracle_edges(runs: list[Run], when: int) -> set[tuple[str, str]]:
    """The documented rule, read plainly: which entity edges hold at minute ``when``."""
    valid: set[tuple[str, str]] = set()
    for job in {r.job for r in runs}:
        j = f"job:tests:j{job}"
        timeline = []
        for r in (r for r in runs if r.job == job):
            ins = {(f"dataset:db:d{d}", j) for d in r.inputs}
            outs = {(j, f"dataset:db:d{d}") for d in r.outputs}
            timeline += [(r.start, 0, rid(r.name), {k}) for k in ins]
            if r.end != "RUNNING":
                timeline += [(r.start + r.length, 0, rid(r.name), {k}) for k in outs]
            if r.end == "COMPLETE":
                timeline.append((r.start + r.length, 1, rid(r.name), ins | outs))
        open_: set[tuple[str, str]] = set()
        for t, full, _uuid, keys in sorted(
            timeline, key=lambda x: (x[0], x[1], x[2], sorted(x[3]))
        ):
            if t > when:
                break
            open_ |= keys
            if full and keys:
                open_ &= keys
        valid |= open_
    return valid


def expected(edges: set[tuple[str, str]], root: str, direction: str, depth: int) -> dict[str, int]:
    graph = nx.DiGraph(list(edges))
    graph.add_node(root)
    found: dict[str, int] = {}
    for g in (
        [graph]
        if direction == "downstream"
        else [graph.reverse()]
        if direction == "upstream"
        else [graph, graph.reverse()]
    ):
        for node, d in nx.single_source_shortest_path_length(g, root, cutoff=depth).items():
            found[node] = min(d, found.get(node, d))
    return found


@contextmanager
def store_with(template: Path, events: list[dict[str, Any]]) -> Iterator[LineageService]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.db"
        shutil.copy(template, path)
        store = Store(Settings(database_url=f"sqlite:///{path}", sqlite_synchronous="OFF"))
        service = LineageService(store, store.settings)
        for event in events:
            assert not service.ingest_values([event]).failed
        try:
            yield service
        finally:
            store.close()


def answer(service: LineageService, ref: str, **params: Any) -> dict[str, int] | str:
    try:
        result = service.lineage(ref, QueryOptions.parse(**params))
    except NotFound:
        return "missing"
    assert not result.truncated
    return {n.id: n.depth for n in result.nodes}


def edges_of(service: LineageService, ref: str, **params: Any) -> set[tuple[str, str, str]] | str:
    try:
        result = service.lineage(ref, QueryOptions.parse(**params))
    except NotFound:
        return "missing"
    return {(e.source, e.target, e.kind) for e in result.edges}


@given(
    runs=histories(),
    root=st.integers(0, 7),
    depth=st.integers(1, 8),
    direction=st.sampled_from(["upstream", "downstream", "both"]),
    moment=st.integers(-1, 70),
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_entity_traversal_matches_networkx_and_replay(
    sqlite_template: Path, runs: list[Run], root: int, depth: int, direction: str, moment: int
) -> None:
    events = [e for r in runs for e in r.events()]
    ref = f"dataset:db:d{root}"
    params = {"direction": direction, "depth": depth}
    with store_with(sqlite_template, events) as full:
        now = answer(full, ref, **params)
        past = answer(full, ref, as_of=at(moment), **params)
        past_edges = edges_of(full, ref, as_of=at(moment), **params)
        past_columns = edges_of(full, ref, as_of=at(moment), granularity="column", **params)
    mentioned = {d for r in runs for d in r.inputs + (r.outputs if r.end != "RUNNING" else ())}
    if root in mentioned:
        assert now == expected(oracle_edges(runs, 10**6), ref, direction, depth)
    else:
        assert now == "missing"
    replayed = [e for e in events if at_us(0) + int(moment) * 60_000_000 >= _time(e)]
    with store_with(sqlite_template, replayed) as partial:
        assert answer(partial, ref, **params) == past
        assert edges_of(partial, ref, **params) == past_edges
        assert edges_of(partial, ref, granularity="column", **params) == past_columns
    if past != "missing":
        assert past == expected(oracle_edges(runs, moment), ref, direction, depth)


def _time(event: dict[str, Any]) -> int:
    from threadline.times import parse_iso_us

    return parse_iso_us(event["eventTime"])


@given(runs=histories(datasets=6, jobs=3), moment=st.integers(0, 70))
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_version_lineage_as_of_equals_replay(
    sqlite_template: Path, runs: list[Run], moment: int
) -> None:
    events = [e for r in runs for e in r.events()]
    refs = [f"job:tests:j{j}" for j in {r.job for r in runs}]
    with store_with(sqlite_template, events) as full:
        past = {ref: edges_of(full, ref, as_of=at(moment), granularity="version") for ref in refs}
    replayed = [e for e in events if _time(e) <= at_us(moment)]
    with store_with(sqlite_template, replayed) as partial:
        now = {ref: edges_of(partial, ref, granularity="version") for ref in refs}
    for ref in refs:
        if past[ref] == "missing" or now[ref] == "missing":
            assert past[ref] == now[ref]
        else:
            assert past[ref] == now[ref]


@pytest.mark.parametrize("hub", [3000])
def test_hub_with_thousands_of_neighbours_matches_networkx(
    service: LineageService, hub: int
) -> None:
    readers = [
        run_event(
            RunState.COMPLETE,
            1,
            run="fan-out",
            job=("tests", "fan"),
            inputs=[inp("db", "hub")],
            outputs=[out("db", f"o{i}") for i in range(hub)],
        )
    ]
    readers.append(
        run_event(
            RunState.COMPLETE,
            2,
            run="fan-in",
            job=("tests", "gather"),
            inputs=[inp("db", f"o{i}") for i in range(hub)],
            outputs=[out("db", "sink")],
        )
    )
    assert not service.ingest_values(readers).failed
    edges = {("dataset:db:hub", "job:tests:fan"), ("job:tests:gather", "dataset:db:sink")}
    edges |= {("job:tests:fan", f"dataset:db:o{i}") for i in range(hub)}
    edges |= {(f"dataset:db:o{i}", "job:tests:gather") for i in range(hub)}
    for ref, direction in (
        ("dataset:db:hub", "downstream"),
        ("dataset:db:sink", "upstream"),
        ("dataset:db:o7", "both"),
    ):
        got = answer(service, ref, direction=direction, depth=6)
        assert got == expected(edges, ref, direction, 6)
    limited = service.lineage(
        "dataset:db:hub", QueryOptions.parse(direction="downstream", limit=100)
    )
    assert limited.truncated and len(limited.nodes) == 100


def entity_graph(runs: list[Run]) -> nx.DiGraph:
    """Return the current entity graph the oracle gives, as networkx."""
    return nx.DiGraph(list(oracle_edges(runs, 10**6)))


@given(
    runs=histories(datasets=5, jobs=4),
    ends=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
    depth=st.integers(1, 10),
    direction=st.sampled_from(["upstream", "downstream"]),
)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_path_length_and_count_match_networkx(
    sqlite_template: Path, runs: list[Run], ends: tuple[int, int], depth: int, direction: str
) -> None:
    graph = entity_graph(runs)
    nodes = sorted(graph)
    if len(nodes) < 2:
        return
    source = nodes[ends[0] % len(nodes)]
    target = [n for n in nodes if n != source][ends[1] % (len(nodes) - 1)]
    with store_with(sqlite_template, [e for r in runs for e in r.events()]) as service:
        opts = QueryOptions.parse(direction=direction, depth=depth)
        found = service.path(source, target, opts)
    flow = graph if direction == "downstream" else graph.reverse()
    paths = list(itertools.islice(nx.all_simple_paths(flow, source, target, cutoff=depth), 10_001))
    assert (found.truncated, found.path_count, found.path_count_capped) == (
        False,
        min(len(paths), 10_000),
        len(paths) > 10_000,
    )
    if not paths:
        assert (found.nodes, found.edges, found.direction) == ((), (), None)
        return
    assert len(found.edges) == nx.shortest_path_length(flow, source, target)
    chain = [n.id for n in found.nodes]
    assert (chain[0], chain[-1], [n.depth for n in found.nodes]) == (
        source,
        target,
        list(range(len(chain))),
    )
    assert all(graph.has_edge(e.source, e.target) for e in found.edges)


@given(runs=histories(), root=st.integers(0, 10**6))
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_impact_reaches_exactly_the_networkx_descendants(
    sqlite_template: Path, runs: list[Run], root: int
) -> None:
    graph = entity_graph(runs)
    if not graph:
        return
    ref = sorted(graph)[root % len(graph)]
    with store_with(sqlite_template, [e for r in runs for e in r.events()]) as service:
        found = service.impact(ref, QueryOptions.parse(depth=1000))
    hits = {i.ref: i.distance for items in found.groups.values() for i in items}
    assert hits == {
        n: d for n, d in nx.single_source_shortest_path_length(graph, ref).items() if n != ref
    }
    assert set(hits) == nx.descendants(graph, ref)


def reached(found: Reach) -> list[tuple[int, int]]:
    """Return a traversal's (node, depth) pairs in order."""
    return sorted(zip(found.nodes.tolist(), found.depths.tolist(), strict=True))


def same_over_delta_and_compacted(graph: Graph, root: int, down: bool, depth: int) -> None:
    """Check a traversal over a snapshot's delta equals one over the same edges compacted.

    Both the general traversal (edges collected) and the ids-only one are checked.
    """
    compact = graph.compacted()
    for collect in (True, False):
        params = {"down": down, "max_depth": depth, "collect_edges": collect, "parents": False}
        over_delta, over_base = bfs(graph, [root], **params), bfs(compact, [root], **params)
        assert reached(over_delta) == reached(over_base)
        assert over_delta.edges.tolist() == over_base.edges.tolist()
    whole = len(reached(over_delta))
    for snapshot in (graph, compact):
        limited = bfs(snapshot, [root], **params, limit=2)
        assert (limited.nodes.size, limited.truncated) == (min(2, whole), whole > 2)


def ingested_so_far(runs: list[Run], events: int) -> list[Run]:
    """Return the runs as the first ``events`` events (in ``runs`` order) describe them."""
    seen: list[Run] = []
    for run in runs:
        count = len(run.events())
        if events <= 0:
            break
        seen.append(run if events >= count else replace(run, end="RUNNING"))
        events -= count
    return seen


@given(runs=histories(), root=st.integers(0, 7), depth=st.integers(1, 8))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_traversals_between_ingests_run_over_the_delta_and_match_networkx(
    sqlite_template: Path, runs: list[Run], root: int, depth: int
) -> None:
    events = [e for r in runs for e in r.events()]
    ref = f"dataset:db:d{root}"
    with store_with(sqlite_template, []) as service:
        assert service.index.state().entity.edge_count == 0  # the base is empty: all is delta
        for count, event in enumerate(events, start=1):
            assert not service.ingest_values([event]).failed
            state = service.index.state()
            assert state.seq == count
            oracle = oracle_edges(ingested_so_far(runs, count), 10**6)
            known = {n for edge in oracle for n in edge}
            got = answer(service, ref, direction="both", depth=depth)
            if ref in known:
                assert got == expected(oracle, ref, "both", depth)
            entity = state.entity
            assert entity.delta_size == sum(len(g) for g in entity.delta_groups.values())
            if ref in known:
                root_id = service.resolve(ref).id
                for down in (True, False):
                    same_over_delta_and_compacted(entity, root_id, down, depth)
        reloaded = LineageService(service.store, service.settings)
        assert answer(reloaded, ref, direction="both", depth=depth) == answer(
            service, ref, direction="both", depth=depth
        )
