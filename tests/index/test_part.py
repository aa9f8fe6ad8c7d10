"""Compact edge parts hold the edges they were built from, and compare times as the times do."""

from __future__ import annotations

import random

import numpy as np
import pytest

from threadline.index.graph import OPEN, Base, Edge, Graph
from threadline.index.part import Times, distinct_order, stable_order


@pytest.mark.parametrize("distinct", [1, 40, 300, 70_000])
def test_time_codes_compare_with_a_time_as_the_times_do(distinct: int) -> None:
    rng = np.random.default_rng(distinct)
    since = rng.integers(0, distinct, 100_000) * 1_000 + 1_709_251_200_000_000
    until = since + rng.integers(1, 5_000, since.size)
    start, end = Times.encode(since, until)
    assert start.values is end.values  # one dictionary for both ends
    assert start.decode().tolist() == since.tolist()
    assert end.decode().tolist() == until.tolist()
    for when in [int(since.min()) - 1, *rng.choice(since, 5).tolist(), int(until.max()) + 1]:
        for probe in (when - 1, when, when + 1):
            inside = (start.codes <= start.rank(probe)) & (end.codes > end.rank(probe))
            assert inside.tolist() == ((since <= probe) & (probe < until)).tolist()


def test_time_codes_are_small_when_times_repeat_and_raw_when_they_do_not() -> None:
    repeated = np.full(10_000, 1_709_251_200_000_000)
    (few,) = Times.encode(repeated)
    assert few.codes.dtype == np.uint8 and few.nbytes < repeated.nbytes // 7
    distinct = np.arange(10_000) + 1_709_251_200_000_000
    (raw,) = Times.encode(distinct)
    assert raw.values is None and raw.codes.dtype == np.int64
    assert raw.decode().tolist() == distinct.tolist()
    assert raw.rank(1_709_251_200_000_005) == 1_709_251_200_000_005


@pytest.mark.parametrize("high", [2, 300, 70_000, 2**31 - 1])
def test_stable_order_equals_a_stable_argsort(high: int) -> None:
    keys = np.random.default_rng(high).integers(0, high, 50_000).astype(np.int32)
    order = stable_order(keys)
    assert order is not None
    assert np.array_equal(order, np.argsort(keys, kind="stable"))
    assert stable_order(np.sort(keys)) is None  # in order already: nothing to do
    assert stable_order(keys[:0]) is None


@pytest.mark.parametrize("high", [50_000, 10**9, 2**62])
def test_distinct_order_equals_argsort_of_distinct_keys(high: int) -> None:
    # The last size's keys are too wide to pack with their positions: argsort orders them.
    keys = np.random.default_rng(high).choice(high, 20_000, replace=False).astype(np.int64)
    assert np.array_equal(distinct_order(keys), np.argsort(keys))
    assert distinct_order(keys[:0]).tolist() == []


def _edges(seed: int, n: int = 50, count: int = 400) -> list[Edge]:
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        start = rng.randint(0, 20) * 10
        end = OPEN if rng.random() < 0.6 else start + rng.randint(1, 50)
        found.append(
            Edge(
                rng.randrange(n), rng.randrange(n), rng.randint(1, 9), start, end, rng.randrange(30)
            )
        )
    return found


@pytest.mark.parametrize("seed", range(4))
def test_a_base_holds_exactly_the_edges_it_was_built_from(seed: int) -> None:
    edges = _edges(seed)
    base = Base.build(edges, 60)
    columns = base.columns()
    names = ("src", "dst", "kind", "vfrom", "vto", "group")
    rows = sorted(zip(*(columns[name].tolist() for name in names), strict=True))
    assert rows == sorted(edges)
    assert base.open.size == sum(e.valid_to == OPEN for e in edges)
    assert base.n == 60
    # The whole-graph columns are by base position, as ``alive`` is.
    assert base.src.tolist() == columns["src"].tolist()
    assert base.vto.tolist() == columns["vto"].tolist()
    assert base.vfrom.tolist() == columns["vfrom"].tolist()
    wanted = {3, 7, 11}
    positions = base.positions_of(wanted)
    assert sorted(positions.tolist()) == [
        p for p, g in enumerate(columns["group"].tolist()) if g in wanted
    ]
    src, dst = base.endpoints(positions)
    assert src.tolist() == columns["src"][positions].tolist()
    assert dst.tolist() == columns["dst"][positions].tolist()


@pytest.mark.parametrize("seed", range(4))
def test_a_compacted_graph_has_the_edges_of_the_snapshot_it_folds(seed: int) -> None:
    graph = Graph.from_base(Base.build(_edges(seed), 50))
    replaced = {g: [e._replace(group=g) for e in _edges(seed + 10, 70, 20)] for g in (2, 5, 31)}
    snapshot = graph.replace_groups(replaced, 70)
    folded = snapshot.compacted()

    def valid(g: Graph, when: int | None) -> list[tuple[int, int, int]]:
        b = g.base
        ok = np.asarray(g.alive) & (
            (b.vto == OPEN) if when is None else (b.vfrom <= when) & (when < b.vto)
        )
        rows = list(zip(b.src[ok].tolist(), b.dst[ok].tolist(), b.kind[ok].tolist(), strict=True))
        rows += [
            (e.src, e.dst, e.kind)
            for edges in g.delta_groups.values()
            for e in edges
            if (e.valid_to == OPEN if when is None else e.valid_from <= when < e.valid_to)
        ]
        return sorted(rows)

    for when in (None, 0, 35, 120, 500):
        assert valid(folded, when) == valid(snapshot, when)
    assert folded.delta_size == 0 and folded.n == 70
    assert folded.edge_count == snapshot.edge_count


def test_a_graph_holds_no_per_node_arrays_for_nodes_its_edges_do_not_touch() -> None:
    graph = Graph.from_base(Base.build([Edge(3, 4, 6, 0, OPEN, 1)], 0), 1_000_000)
    assert graph.n == 1_000_000
    assert graph.base.nbytes < 200
    assert np.asarray(graph.alive).tolist() == [True]
    assert graph.alive.base is not None  # a broadcast: no byte per edge until one is replaced
