"""Exploring lineage in the browser: load, search, graph, expand, granularity, details, export."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
from playwright.sync_api import expect

from tests.sample_refs import CLEAN, CLEANING, DAILY, EXPORT, EXPORTING, RAW, REVENUE
from tests.web.conftest import XSS_DATASET, XSS_JOB, screenshot
from tests.web.helpers import exported, open_view, rendered, status, wait_drawn

CLEAN_AMOUNT = f"datasetField:{CLEAN.removeprefix('dataset:')}:amount"


def test_ui_loads_and_invites_a_search(page: Any, site: str) -> None:
    page.goto(site + "/")
    assert page.title() == "Threadline"
    assert page.is_visible("#welcome")
    assert page.is_visible("text=Explore your lineage")
    models = page.locator("#detail ul.models li")
    expect(models.first).to_be_visible()
    assert "churn_model version 3 · not reproducible" in models.all_inner_texts()
    screenshot(page, "01-start")
    page.click("#detail ul.models a:text-is('churn_model version 3')")
    expect(page.locator("#mode-panel")).to_contain_text("Model dataset:mlflow:churn_model version")


def test_search_by_keyboard_opens_the_graph_of_the_choice(page: Any, site: str) -> None:
    page.goto(site + "/")
    page.keyboard.press("/")
    page.keyboard.type("orders_clean")
    options = page.locator("#search-results li[role=option]")
    # A pause while typing on a busy machine may show a prefix's results first ("orders");
    # the list then follows the whole text.
    expect(options.first).to_contain_text("shop.analytics.orders_clean")
    assert page.get_attribute("#search", "aria-expanded") == "true"
    page.keyboard.press("Enter")
    wait_drawn(page, 0)
    assert f"node={CLEAN}" in httpx.URL(page.url).fragment.replace("%3A", ":").replace("%2F", "/")
    expect(page.locator("#detail-title")).to_have_text("shop.analytics.orders_clean")
    assert re.match(r"\d+ nodes shown", status(page))
    dot = exported(page, "dot")
    for ref in (RAW, CLEANING, CLEAN, DAILY, REVENUE):
        assert f'"{ref}"' in dot
    screenshot(page, "02-search-graph")


def test_search_finds_columns_models_and_runs(page: Any, site: str) -> None:
    page.goto(site + "/")
    page.fill("#search", "amount")
    page.wait_for_selector("#search-results li.kind-field")
    assert "shop.analytics.orders_clean.amount" in page.inner_text("#search-results")
    page.fill("#search", "churn_model")
    page.wait_for_selector("#search-results li.kind-model")
    run = httpx.get(f"{site}/api/threadline/v1/nodes/{DAILY}").json()["runs"][0]["id"]
    page.fill("#search", run)
    page.wait_for_selector("#search-results li.kind-run")
    page.keyboard.press("Enter")
    wait_drawn(page, 0)
    assert "granularity=version" in page.url
    expect(page.locator("#detail")).to_contain_text("revenue.daily")


def test_deep_link_reproduces_node_depth_granularity_and_mode(page: Any, site: str) -> None:
    open_view(page, site, node=CLEAN, mode="lineage", depth=1, granularity="column")
    assert page.input_value("#depth") == "1"
    assert page.is_checked("input[name=granularity][value=column]")
    assert page.get_attribute("#modes button[data-mode=lineage]", "aria-pressed") == "true"
    dot = exported(page, "dot")
    # Columns are drawn inside their dataset: a cluster labelled by the dataset holds them.
    cluster = dot[dot.index("subgraph") : dot.index("}", dot.index("subgraph"))]
    assert "shop.analytics.orders_clean" in cluster and "amount" in cluster
    assert f'"{CLEAN_AMOUNT}"' in cluster
    screenshot(page, "03-columns")


def test_granularity_toggle_switches_to_versions_with_run_states(page: Any, site: str) -> None:
    open_view(page, site, node=EXPORT, depth=2)
    before = rendered(page)
    page.check("input[name=granularity][value=version]")
    wait_drawn(page, before)
    assert "granularity=version" in page.url
    dot = exported(page, "dot")
    assert "revenue.export (FAIL)" in dot
    screenshot(page, "04-versions")


def test_expand_and_collapse_per_node(page: Any, site: str) -> None:
    open_view(page, site, node=CLEAN, depth=1, direction="downstream")
    assert f'"{REVENUE}"' not in exported(page, "dot")
    page.wait_for_selector("#detail .actions")
    before = rendered(page)
    page.click("#detail .actions >> text=Expand downstream")
    wait_drawn(page, before)
    assert f'"{DAILY}"' in exported(page, "dot")
    before = rendered(page)
    page.click("#detail .actions >> text=Collapse downstream")
    wait_drawn(page, before)
    dot = exported(page, "dot")
    assert f'"{DAILY}"' not in dot and "1 more" in dot
    screenshot(page, "05-collapsed")
    # The keyboard opens the expander: the arrow moves onto it, Enter draws what it holds.
    page.focus("#graph")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#detail")).to_contain_text("1 more node next to")
    before = rendered(page)
    page.keyboard.press("Enter")
    wait_drawn(page, before)
    assert f'"{DAILY}"' in exported(page, "dot")


def test_depth_control_changes_how_far_the_graph_reaches(page: Any, site: str) -> None:
    open_view(page, site, node=RAW, depth=1, direction="downstream")
    assert f'"{CLEAN}"' not in exported(page, "dot")
    before = rendered(page)
    page.fill("#depth", "4")
    page.press("#depth", "Enter")
    page.dispatch_event("#depth", "change")
    wait_drawn(page, before)
    assert "depth=4" in page.url
    assert f'"{REVENUE}"' in exported(page, "dot")


def test_detail_panel_shows_schema_sql_runs_owners_errors_and_raw_facets(
    page: Any, site: str
) -> None:
    open_view(page, site, node=RAW, depth=1)
    page.wait_for_selector("#detail table[aria-label=Schema]")
    detail = page.inner_text("#detail")
    assert "customer_id" in detail and "team:ingestion" in detail
    schema = page.locator("#detail table[aria-label=Schema] tbody tr")
    assert [row.split("\t")[:3] for row in schema.all_inner_texts()] == [
        ["amount", "numeric", ""],
        ["customer_id", "bigint", ""],
        ["email", "text", "PII"],
        ["order_id", "bigint", ""],
        ["ordered_at", "timestamp", ""],
    ]
    assert page.inner_text("#detail [aria-label=Tags]") == "raw"
    page.click("#detail summary:text-is('Raw JSON')")
    assert '"ownership"' in page.inner_text("#detail details.raw pre")
    open_view(page, site, node=DAILY, depth=1)
    page.wait_for_selector("#detail pre.sql")
    assert page.locator("#detail pre.sql .hljs-keyword").count() >= 3
    assert "GROUP BY" in page.inner_text("#detail pre.sql")
    assert "COMPLETE" in page.inner_text("#detail table[aria-label=Runs]")
    open_view(page, site, node=EXPORTING, depth=1)
    page.wait_for_selector("#detail .run-error")
    assert "permission denied for bucket s3://exports" in page.inner_text("#detail .run-error")
    assert "FAIL" in page.inner_text("#detail table[aria-label=Runs]")
    assert "4 min" in page.inner_text("#detail table[aria-label=Runs]")
    screenshot(page, "06-failed-run")


def test_names_made_of_html_are_shown_as_text(page: Any, site: str) -> None:
    page.goto(site + "/")
    page.fill("#search", "onerror")
    page.wait_for_selector("#search-results li[role=option]")
    assert XSS_DATASET in page.inner_text("#search-results")
    page.keyboard.press("Enter")
    wait_drawn(page, 0)
    expect(page.locator("#detail-title")).to_have_text(XSS_DATASET)
    page.wait_for_selector("#detail table[aria-label=Schema]")
    assert '<b onmouseover="window.__xss=3">col</b>' in page.inner_text("#detail")
    dot = exported(page, "dot")
    assert '\\"window.__xss=1\\"' in dot and XSS_JOB in dot
    mermaid = exported(page, "mermaid")
    assert "<img" not in mermaid and "#60;img src=x onerror=#34;" in mermaid
    assert page.evaluate("window.__xss") is None
    assert page.locator("#detail img, #search-results img, #detail script").count() == 0
    with page.expect_download() as svg:
        page.click("[data-export=svg]")
    picture = ElementTree.fromstring(Path(svg.value.path()).read_bytes())
    tags = {element.tag.rsplit("}", 1)[-1] for element in picture.iter()}
    assert not tags & {"img", "script", "b", "foreignObject"}
    texts = [element.text for element in picture.iter() if element.text]
    assert '▤ <img src=x onerror="…' in texts  # the label as drawn, cut to the node's width


def test_export_png_svg_dot_and_mermaid(page: Any, site: str) -> None:
    open_view(page, site, node=CLEAN, depth=2)
    with page.expect_download() as png:
        page.click("[data-export=png]")
    assert png.value.suggested_filename == "lineage.png"
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        page.click("[data-export=svg]")
    picture = Path(svg.value.path()).read_text(encoding="utf-8")
    assert picture.startswith("<svg") and "▤ shop.raw.orders</text>" in picture
    dot = exported(page, "dot")
    assert dot.startswith("digraph lineage {") and f'"{CLEANING}" -> "{CLEAN}"' in dot
    mermaid = exported(page, "mermaid")
    assert mermaid.startswith("flowchart LR") and "-->" in mermaid
    assert mermaid.count("-->") == dot.count("->")


def test_controls_are_labelled_and_the_graph_takes_the_keyboard(page: Any, site: str) -> None:
    open_view(page, site, node=CLEANING, depth=2)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, button, textarea')]
            .filter(e => !e.closest('dialog'))
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.textContent.trim())
            .map(e => e.outerHTML)"""
    )
    assert unlabelled == []
    page.focus("#graph")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "document.getElementById('detail-title')?.textContent === 'shop.analytics.orders_clean'"
    )
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "document.getElementById('detail-title')?.textContent === 'orders.clean'"
    )


def test_entity_view_colours_jobs_by_their_latest_run(page: Any, site: str) -> None:
    open_view(page, site, node=EXPORT, depth=3)
    dot = exported(page, "dot")
    assert f'"{EXPORTING}" [label="⚙ revenue.export (FAIL)", shape=box]' in dot
    assert f'"{DAILY}" [label="⚙ revenue.daily", shape=box]' in dot
    screenshot(page, "07-failed-job")


def test_collapsed_upstream_waits_in_an_expander_on_the_left(page: Any, site: str) -> None:
    open_view(page, site, node=CLEAN, depth=1)
    page.wait_for_selector("#detail .actions")
    before = rendered(page)
    page.click("#detail .actions >> text=Collapse upstream")
    wait_drawn(page, before)
    dot = exported(page, "dot")
    assert f'"{CLEANING}"' not in dot
    assert f'"more-up:{CLEAN}" -> "{CLEAN}";' in dot and f'"{CLEAN}" -> "{DAILY}";' in dot
