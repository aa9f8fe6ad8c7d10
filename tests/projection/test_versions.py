"""Dataset versions: explicit, per producing run, per DatasetEvent; inputs bound by time."""

from __future__ import annotations

from tests.events import RunState, at_us, dataset_event, inp, out, run_event, version
from tests.projection.helpers import bound_version, dataset_row, ingest, versions
from threadline.service import LineageService
from threadline.store import Store


def _write(minutes: float, run: str, **facets: object) -> dict[str, object]:
    return run_event(
        RunState.COMPLETE,
        minutes,
        run=run,
        job=("tests", "writer"),
        outputs=[out("db", "t", **facets)],
    )


def _read(minutes: float, run: str, **facets: object) -> dict[str, object]:
    return run_event(
        RunState.COMPLETE,
        minutes,
        run=run,
        job=("tests", "reader"),
        inputs=[inp("db", "t", **facets)],
    )


def test_each_producing_run_makes_a_version(service: LineageService, store: Store) -> None:
    ingest(service, _write(1, "w1"), _write(5, "w2"))
    found = versions(store, "db", "t")
    assert [v["created_us"] for v in found] == [at_us(1), at_us(5)]
    assert dataset_row(store, "db", "t")["current_version_id"] == found[1]["id"]


def test_explicit_version_facet_names_the_version(service: LineageService, store: Store) -> None:
    ingest(
        service,
        _write(1, "w1", version=version("snap-1")),
        _write(5, "w2", version=version("snap-1")),
        _write(7, "w3", version=version("snap-2")),
    )
    assert [v["version"] for v in versions(store, "db", "t")] == ["snap-1", "snap-2"]


def test_input_binds_to_version_current_at_run_time(service: LineageService, store: Store) -> None:
    ingest(service, _write(1, "w1"), _read(3, "r1"), _write(5, "w2"), _read(6, "r2"))
    v1, v2 = (v["version"] for v in versions(store, "db", "t"))
    assert bound_version(store, "r1", "db", "t") == v1
    assert bound_version(store, "r2", "db", "t") == v2


def test_late_version_rebinds_inputs_read_after_it(service: LineageService, store: Store) -> None:
    # The write at minute 5 arrives last; the read at minute 6 must move to it.
    ingest(service, _write(1, "w1"), _read(3, "r1"), _read(6, "r2"), _write(5, "w2"))
    v1, v2 = (v["version"] for v in versions(store, "db", "t"))
    assert (bound_version(store, "r1", "db", "t"), bound_version(store, "r2", "db", "t")) == (
        v1,
        v2,
    )


def test_read_before_any_write_binds_to_implicit_initial_version(
    service: LineageService, store: Store
) -> None:
    ingest(service, _read(1, "r0"), _write(5, "w1"))
    found = versions(store, "db", "t")
    assert [v["implicit"] for v in found] == [True, False]
    assert bound_version(store, "r0", "db", "t") == found[0]["version"]
    # The implicit version is never "current".
    assert dataset_row(store, "db", "t")["current_version_id"] == found[1]["id"]


def test_explicit_input_version_binds_exactly(service: LineageService, store: Store) -> None:
    ingest(
        service,
        _write(1, "w1", version=version("a")),
        _write(5, "w2", version=version("b")),
        _read(9, "r1", version=version("a")),
    )
    assert bound_version(store, "r1", "db", "t") == "a"


def test_run_reading_and_writing_a_dataset_reads_the_previous_version(
    service: LineageService, store: Store
) -> None:
    ingest(
        service,
        _write(1, "w1"),
        run_event(
            RunState.COMPLETE,
            5,
            run="merge",
            job=("tests", "merge"),
            inputs=[inp("db", "t")],
            outputs=[out("db", "t")],
        ),
    )
    v1, v2 = (v["version"] for v in versions(store, "db", "t"))
    assert bound_version(store, "merge", "db", "t", "in") == v1
    assert bound_version(store, "merge", "db", "t", "out") == v2


def test_dataset_event_records_a_version(service: LineageService, store: Store) -> None:
    ingest(
        service,
        dataset_event(1, "db", "t"),
        dataset_event(2, "db", "t", version=version("x")),
        _read(3, "r1"),
    )
    found = versions(store, "db", "t")
    assert len(found) == 2 and found[1]["version"] == "x" and found[1]["run_id"] is None
    assert bound_version(store, "r1", "db", "t") == "x"
