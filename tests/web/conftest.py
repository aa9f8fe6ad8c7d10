"""Browser tests of the web UI: a real server over real lineage, driven in Debian's Chromium.

Chromium is installed by the project (``make browser``, ``.ci/run``), never downloaded by
Playwright. Without it, or without a built UI (``make ui``), these tests skip with the reason;
with ``CI`` set they fail instead, so a CI run cannot pass without them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import run_server
from threadline.settings import Settings
from threadline.web.ui import ui_index

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
BATCH = "/api/v1/lineage/batch"


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, for the whole session."""
    if not CHROMIUM.is_file():
        _missing("Chromium is not installed: run `make browser` (apt-get install chromium)")
    if ui_index() is None:
        _missing("the web UI is not built: run `make ui`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def post_events(base: str, events: list[dict[str, Any]]) -> None:
    """Send events to a live server as one batch; every one must be accepted."""
    response = httpx.post(f"{base}{BATCH}", content=orjson.dumps(events), timeout=120)
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["failed"] == 0, response.text


def serve(database: Path) -> Iterator[str]:
    """Run a real uvicorn server on 127.0.0.1 over a fresh SQLite store; yield its base URL."""
    settings = Settings(database_url=f"sqlite:///{database}", sqlite_synchronous="NORMAL")
    yield from run_server(settings)


class Console:
    """Every console error and uncaught page error of one page."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console.error: {message.text}")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser page; the test fails if anything is logged as an error on it."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    console = Console(opened)
    yield opened
    context.close()
    assert console.problems == []


def screenshot(page: Any, name: str) -> None:
    """Save a screenshot of the current view (for the README and for looking at failures)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


XSS_DATASET = '<img src=x onerror="window.__xss=1">'
XSS_JOB = "<script>window.__xss=2</script>"


def hostile_events() -> list[dict[str, Any]]:
    """A job and a dataset whose names are HTML that would run if it were not escaped."""
    from tests.api.test_native import complete
    from tests.events import inp, out, schema

    return [
        complete(
            70,
            XSS_JOB,
            [inp("warehouse", "features")],
            [out("xss", XSS_DATASET, schema=schema('<b onmouseover="window.__xss=3">col</b>'))],
            namespace="xss",
        )
    ]


def schema_change_events() -> list[dict[str, Any]]:
    """At 03:00 the cleaned orders gain a ``currency`` column (a schema change to diff)."""
    from tests.events import dataset_event, schema
    from tests.sample_refs import W

    fields = ("order_id", "customer_id", "amount", "order_date", "currency")
    return [dataset_event(180, W, "shop.analytics.orders_clean", schema=schema(*fields))]


def registry_events() -> list[dict[str, Any]]:
    """At 00:35 the ML pipeline's model version 3 gets the ``prod`` alias in its registry."""
    from tests.events import dataset_event, version
    from threadline.facets import facet

    changes = [{"type": "alias_set", "alias": "prod", "version": "3", "at": "2024-03-01T00:35Z"}]
    registry = facet("threadline_registry", changes=changes)
    return [
        dataset_event(
            35, "mlflow", "churn_model", version=version("3"), threadline_registry=registry
        )
    ]


def tag_raw_orders(base: str) -> None:
    """Tag the raw orders ``raw`` and their ``email`` column ``PII``, through the Marquez API."""
    dataset = f"{base}/api/v1/namespaces/postgres%3A%2F%2Fwarehouse%3A5432/datasets/shop.raw.orders"
    for tag in ("PII", "raw"):
        assert httpx.put(f"{base}/api/v1/tags/{tag}", json={}).status_code in (200, 201)
    assert httpx.post(f"{dataset}/fields/email/tags/PII").status_code in (200, 201)
    assert httpx.post(f"{dataset}/tags/raw").status_code in (200, 201)


def moved_input_events() -> list[dict[str, Any]]:
    """Job ``m:move`` reads ``w:old_src`` at 01:40, then only ``w:new_src`` at 03:20."""
    from openlineage.client.event_v2 import RunState

    from tests.events import inp, out, run_event

    def move(minutes: int, run: str, source: str) -> dict[str, Any]:
        return run_event(
            RunState.COMPLETE,
            minutes,
            run=run,
            job=("m", "move"),
            inputs=[inp("w", source)],
            outputs=[out("w", "moved")],
        )

    return [move(100, "move-1", "old_src"), move(200, "move-2", "new_src")]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server: the sample pipeline, an ML pipeline with a registry, names made of HTML,
    a new column."""
    from tests.api.test_native import ingest_ml_pipeline
    from threadline.demo.sample import sample_events

    database = tmp_path_factory.mktemp("web") / "threadline.db"
    for base in serve(database):
        post_events(base, sample_events())
        with httpx.Client(base_url=base, timeout=60) as client:
            ingest_ml_pipeline(client)  # type: ignore[arg-type]  # the same calls as TestClient
        post_events(base, registry_events())
        post_events(base, hostile_events())
        post_events(base, schema_change_events())
        for event in moved_input_events():
            post_events(base, [event])
        tag_raw_orders(base)
        yield base
