"""``threadline search`` on the sample pipeline, from a database (``--db``) and a server.

Search matches names, column names and SQL text (``revenue.daily`` matches ``orders`` through
its SQL), datasets and jobs alike, as Marquez's search does.
"""

from __future__ import annotations

import orjson
import pytest

from tests.cli.test_query import CLEAN, CLEANING, DAILY, INGEST, LANDING, RAW, fails, ingest, ok
from threadline.demo.sample import sample_events
from threadline.service import LineageService

ORDERS = [
    f"job      {CLEANING}",
    f"job      {INGEST}",
    f"dataset  {LANDING}",
    f"job      {DAILY}",
    f"dataset  {CLEAN}",
    f"dataset  {RAW}",
    "6 found",
]


@pytest.fixture
def db(service: LineageService, db_url: str) -> str:
    """The URL of a database holding the sample pipeline."""
    ingest(service, sample_events())
    return db_url


@pytest.fixture
def served(db: str, live_server: str) -> str:
    """The URL of a server started on the sample's database."""
    return live_server


def test_search_prints_one_hit_a_line_and_the_count(db: str) -> None:
    assert ok("search", "orders", "--db", db).splitlines() == ORDERS


def test_search_type_keeps_jobs_or_datasets(db: str) -> None:
    jobs = ok("search", "orders", "--type", "job", "--db", db).splitlines()
    assert jobs == [*(line for line in ORDERS if line.startswith("job ")), "3 found"]
    datasets = ok("search", "orders", "--type", "dataset", "--db", db).splitlines()
    assert datasets == [*(line for line in ORDERS if line.startswith("dataset ")), "3 found"]


def test_search_matches_column_names(db: str) -> None:
    assert ok("search", "amount", "--db", db).splitlines() == [
        f"job      {DAILY}",
        f"dataset  {CLEAN}",
        f"dataset  {RAW}",
        "3 found",
    ]


def test_search_json_limit_and_no_hits(db: str) -> None:
    answer = orjson.loads(ok("search", "orders", "--limit", "2", "--json", "--db", db))
    assert [(hit["type"], hit["nodeId"]) for hit in answer["results"]] == [
        ("JOB", CLEANING),
        ("JOB", INGEST),
    ]
    assert set(answer["results"][0]) == {"type", "name", "updatedAt", "namespace", "nodeId"}
    assert ok("search", "no-such-thing", "--db", db).splitlines() == ["0 found"]


def test_search_unknown_type_fails_naming_the_choices(db: str) -> None:
    result = fails("search", "orders", "--type", "table", "--db", db)
    assert result.stderr == "error: filter must be one of DATASET, JOB; got 'TABLE'\n"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["search", "orders"], id="table"),
        pytest.param(["search", "orders", "--type", "job", "--limit", "2", "--json"], id="json"),
        pytest.param(["search", "amount"], id="columns"),
    ],
)
def test_search_via_url_prints_what_the_database_prints(
    db: str, served: str, args: list[str]
) -> None:
    assert ok(*args, "--url", served) == ok(*args, "--db", db)
