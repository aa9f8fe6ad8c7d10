"""Ingestion: events/s through Threadline's HTTP endpoints against plain inserts, same run.

The events (``ol_events``: layered jobs, hubs, column lineage, several runs and versions per
job) are sent as OpenLineage JSON to a real ``threadline`` server in its own process (one
keep-alive client): one event per ``POST /api/v1/lineage``, and ``--batch`` events per
``POST /api/v1/lineage/batch``. The baseline (``plain_ingest``) parses the same events and
writes them with plain inserts into the same kind of database (a fresh one, like
Threadline's), in the same commit mode (SQLite WAL, ``synchronous=FULL`` as a default store;
PostgreSQL's default) and with the same transaction per request. Each figure is the median
of ``--reps`` runs, each on fresh databases. Targets: batch >= 1x, single POST >= 0.5x.
INFO lines per database split a single POST's time into the log append alone, the
projection and the request over HTTP (``ingest_breakdown``), and compare it with the
baseline served over HTTP on the same stack (``bench_server.plain_app``); one more gives
the single-POST rate of several clients sending at once.

    python benchmarks/bench_ingest.py            # 1,800 events (600 for single POST)
    python benchmarks/bench_ingest.py --small    # a smoke size (CI)
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from rich.console import Console

import bench_pg
from bench_report import Verdict, print_verdicts, write_json
from bench_server import Served
from ingest_breakdown import describe, store_rate
from ol_events import events
from plain_ingest import PlainWriter, postgres_writer, sqlite_writer, target_of

TARGETS = {"single": 0.5, "batch": 1.0}
CLIENTS = 8
"""Clients sending at once for the concurrent single-POST figure (an INFO line)."""
JSON = {"Content-Type": "application/json"}
Pair = Callable[[Path, int], AbstractContextManager[tuple[str, PlainWriter]]]
"""Opens a fresh Threadline database URL and a fresh baseline writer beside it."""


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chunks(payloads: Sequence[bytes], size: int) -> list[list[bytes]]:
    """Split the events into transactions of ``size`` events."""
    return [list(payloads[i : i + size]) for i in range(0, len(payloads), size)]


def served_rate(kind: str, target: str, groups: list[list[bytes]], *, batch: bool) -> float:
    """Start a server (``bench_server``'s ``kind``) on a fresh database, send every group,
    return events per second."""
    served = Served(kind, target, free_port())
    try:
        start = time.perf_counter()
        for group in groups:
            if batch:
                status, body = served.request("POST", "/api/v1/lineage/batch", _array(group))
            else:
                status, body = served.request("POST", "/api/v1/lineage", group[0])
            assert status in (200, 201), (status, body[:300])
        elapsed = time.perf_counter() - start
    finally:
        served.close()
    return sum(map(len, groups)) / elapsed


def concurrent_rate(url: str, payloads: Sequence[bytes], clients: int) -> float:
    """Send one event per POST from ``clients`` keep-alive clients at once; return events/s.

    Each client sends its share in order and waits for each answer, as an OpenLineage
    client does; the events of the stream are dealt out round robin.
    """
    served = Served("threadline", url, free_port())
    shares = [payloads[at::clients] for at in range(clients)]
    failures: list[str] = []

    def send(share: Sequence[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=600)
        try:
            for payload in share:
                conn.request("POST", "/api/v1/lineage", body=payload, headers=JSON)
                response = conn.getresponse()
                answer = response.read()
                if response.status not in (200, 201):
                    failures.append(f"{response.status}: {answer[:300]!r}")
        finally:
            conn.close()

    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    try:
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
    finally:
        served.close()
    assert not failures, failures[:3]
    return len(payloads) / elapsed


def over_fresh(pair: Pair, reps: int, rate: Callable[[str, PlainWriter], float]) -> float:
    """Return the median of ``rate(url, baseline writer)`` over ``reps`` fresh database pairs."""
    rates = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(reps):
            with pair(Path(tmp), n) as (url, writer):
                try:
                    rates.append(rate(url, writer))
                finally:
                    writer.conn.close()  # unused by most rates; closing twice is harmless
    return statistics.median(rates)


def _served_baseline(groups: list[list[bytes]]) -> Callable[[str, PlainWriter], float]:
    """The baseline served over HTTP, writing into the pair's baseline database."""

    def rate(_url: str, writer: PlainWriter) -> float:
        target = target_of(writer)
        writer.conn.close()
        return served_rate("plain", target, groups, batch=False)

    return rate


def _array(group: list[bytes]) -> bytes:
    return b"[" + b",".join(group) + b"]"


def plain_rate(writer: PlainWriter, groups: list[list[bytes]]) -> float:
    """Write every group in its own transaction with the baseline; return events per second."""
    start = time.perf_counter()
    for group in groups:
        writer.write(group)
    elapsed = time.perf_counter() - start
    writer.conn.close()
    return sum(map(len, groups)) / elapsed


@contextmanager
def sqlite_pair(tmp: Path, n: int) -> Iterator[tuple[str, PlainWriter]]:
    """Yield a fresh Threadline SQLite URL and a fresh baseline database beside it."""
    yield (
        f"sqlite:///{tmp}/threadline{n}.db",
        sqlite_writer(str(tmp / f"plain{n}.db"), synchronous="FULL"),
    )


@contextmanager
def postgres_pair(_tmp: Path, _n: int) -> Iterator[tuple[str, PlainWriter]]:
    """Yield a fresh Threadline PostgreSQL database and a fresh baseline database."""
    with bench_pg.database() as mine, bench_pg.database() as plain:
        yield mine, postgres_writer(bench_pg.libpq_dsn(plain))


def measure(
    pair: Pair,
    groups: list[list[bytes]],
    *,
    batch: bool,
    reps: int,
) -> tuple[float, float]:
    """Return the median events/s of Threadline and of the baseline over fresh databases."""
    mine, plain = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(reps):
            with pair(Path(tmp), n) as (url, writer):
                plain.append(plain_rate(writer, groups))
                mine.append(served_rate("threadline", url, groups, batch=batch))
    return statistics.median(mine), statistics.median(plain)


def single_post_notes(
    label: str, pair: Pair, groups: list[list[bytes]], mine: float, plain: float, reps: int
) -> list[str]:
    """Return the INFO lines about one event per POST (its split, served baseline, clients)."""
    payloads = [group[0] for group in groups]

    def logged(projected: bool) -> float:
        return over_fresh(
            pair, reps, lambda url, _w: store_rate(url, payloads, projected=projected)
        )

    served = over_fresh(pair, reps, _served_baseline(groups))
    many = over_fresh(pair, reps, lambda url, _w: concurrent_rate(url, payloads, CLIENTS))
    return [
        describe(label, mine, plain, logged(False), logged(True)),
        f"INFO  {label}, one event per POST against the baseline served on the same stack (a "
        f"bare ASGI app parsing and inserting on its event loop): {served:,.0f} ev/s, "
        f"Threadline {mine / served:.2f}x",
        f"INFO  {label}, one event per POST from {CLIENTS} clients at once: {many:,.0f} ev/s, "
        f"{many / mine:.2f}x one client's rate (events that wait behind a write share the next "
        "transaction: store/groupcommit.py)",
    ]


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a small stream (smoke run)")
    parser.add_argument("--jobs", type=int, default=300, help="jobs (6 events each)")
    parser.add_argument("--single", type=int, default=600, help="events sent one by one")
    parser.add_argument("--batch", type=int, default=200, help="events per batch request")
    parser.add_argument("--reps", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--json-out", help="write the verdicts to this file")
    return parser.parse_args()


def main() -> int:
    """Run the benchmark; print the verdicts; return 0 (targets are reported, not enforced)."""
    args = parse_args()
    console = Console(width=200)
    jobs, single = (20, 40) if args.small else (args.jobs, args.single)
    payloads = events(jobs)
    console.print(f"events: {len(payloads):,} ({sum(map(len, payloads)) // len(payloads)} B avg)")
    pairs: dict[str, Pair] = {"SQLite": sqlite_pair}
    if not args.no_postgres and bench_pg.reachable():
        pairs["PostgreSQL"] = postgres_pair
    else:
        console.print("PostgreSQL: not reachable or skipped; its rows are left out")
    verdicts: list[Verdict] = []
    notes: list[str] = []
    for label, pair in pairs.items():
        for mode, groups in (
            ("single", chunks(payloads[:single], 1)),
            ("batch", chunks(payloads, args.batch)),
        ):
            mine, plain = measure(pair, groups, batch=mode == "batch", reps=args.reps)
            ratio, target = mine / plain, TARGETS[mode]
            if mode == "single":
                notes += single_post_notes(label, pair, groups, mine, plain, args.reps)
            how = "one event per POST" if mode == "single" else f"batches of {args.batch}"
            what = f"ingestion, {label}, {how}"
            verdicts.append(
                Verdict(
                    "6",
                    what,
                    f"{mine:,.0f} ev/s",
                    f"{plain:,.0f} ev/s",
                    ratio,
                    f">= {target:g}x",
                    ratio >= target,
                )
            )
    for note in notes:
        console.print(note, soft_wrap=True)
    print_verdicts(console, f"ingestion, median of {args.reps} runs", verdicts)
    write_json(args.json_out, verdicts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
