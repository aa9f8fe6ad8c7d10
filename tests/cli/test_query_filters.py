"""``threadline diff`` and ``orphans`` filters and granularity, local and through a server."""

from __future__ import annotations

import orjson
import pytest

from tests.cli.test_query import DASHBOARD, EXPORT, EXPORTING, REVENUE, fails, ingest, ok
from threadline.demo.sample import sample_events
from threadline.service import LineageService

SINCE = "2024-03-01T02:12:00Z"


@pytest.fixture
def db(service: LineageService, db_url: str) -> str:
    """The URL of a database holding the sample pipeline."""
    ingest(service, sample_events())
    return db_url


def test_diff_granularity_version_lists_only_versions(db: str) -> None:
    answer = orjson.loads(ok("diff", "--since", SINCE, "-g", "version", "--db", db, "--json"))
    assert (answer["edgesAdded"], [v["dataset"] for v in answer["versionsCreated"]]) == (
        [],
        [EXPORT, DASHBOARD],
    )


def test_diff_namespace_keeps_changes_touching_it(db: str) -> None:
    args = ["diff", "--since", SINCE, "--namespace", "s3://exports", "--json"]
    answer = orjson.loads(ok(*args, "--db", db))
    assert [(e["source"], e["target"]) for e in answer["edgesAdded"]] == [(EXPORTING, EXPORT)]
    assert [v["dataset"] for v in answer["versionsCreated"]] == [EXPORT]
    assert REVENUE not in {e["source"] for e in answer["edgesAdded"]}


def test_orphans_kind_keeps_datasets_of_that_kind(db: str) -> None:
    assert ok("orphans", "--kind", "model", "--db", db) == ""
    assert ok("orphans", "--kind", "dataset", "--db", db) == ok("orphans", "--db", db)


def test_diff_granularity_through_a_server_matches_the_database(db: str, live_server: str) -> None:
    column = ["diff", "--since", SINCE, "--until", "2024-03-01T03:00:00Z", "-g", "column"]
    assert ok(*column, "--url", live_server) == ok(*column, "--db", db)
    bad = ["diff", "--since", SINCE, "-g", "table"]
    local = fails(*bad, "--db", db).stderr
    assert local == "error: granularity must be one of entity, version, column; got 'table'\n"
    assert fails(*bad, "--url", live_server).stderr == local
