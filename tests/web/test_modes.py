"""The modes in the browser: impact, path, time travel, diff, model and audit, against the API."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.api.test_native import MODEL
from tests.sample_refs import CLEAN, DAILY, EXPORT, EXPORTING, RAW, REVENUE
from tests.web.conftest import screenshot
from tests.web.helpers import exported, open_view, rendered, wait_drawn

NATIVE = "/api/threadline/v1"


def api(site: str, route: str, **params: Any) -> Any:
    """Ask the native API the question the UI asks, to compare what it shows."""
    response = httpx.get(f"{site}{NATIVE}/{route}", params=params, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def marked(dot: str, mark: str) -> set[str]:
    """Return the nodes of a DOT export that carry a mode's mark."""
    return set(re.findall(rf'^\s*"([^"]+)" \[[^\]]*class="{mark}"', dot, flags=re.M))


def test_impact_highlights_downstream_by_severity_and_lists_owners(page: Any, site: str) -> None:
    open_view(page, site, node=RAW, mode="impact", depth=6)
    answer = api(site, "impact", node=RAW, depth=6)
    expected = {
        s: {i["id"] for g in answer["groups"].values() for i in g if i["severity"] == s}
        for s in ("high", "medium", "low")
    }
    expect(page.locator("#impact-title")).to_contain_text(
        f"{sum(len(g) for g in answer['groups'].values())} affected downstream"
    )
    dot = exported(page, "dot")
    for severity, ids in expected.items():
        assert marked(dot, f"sev-{severity}") == ids
    assert EXPORT in expected["high"] | expected["medium"] | expected["low"]
    panel = page.inner_text("#mode-panel")
    for notify in answer["notify"]:
        assert notify["owner"] in panel
    screenshot(page, "10-impact")


def test_path_between_two_nodes_is_chosen_by_search_and_drawn(page: Any, site: str) -> None:
    open_view(page, site, node=RAW, mode="path")
    before = rendered(page)
    page.fill("#path-to", "daily_revenue")
    page.wait_for_selector("#path-results li[role=option]")
    page.keyboard.press("Enter")
    wait_drawn(page, before)
    answer = api(site, "path", **{"from": RAW, "to": REVENUE, "depth": 10})
    expect(page.locator("#mode-panel")).to_contain_text(f"{answer['pathCount']} path(s)")
    steps = page.locator("#mode-panel ol.path-steps li").all_inner_texts()
    assert steps == [n["id"] for n in answer["nodes"]]
    dot = exported(page, "dot")
    assert marked(dot, "on-path") == {n["id"] for n in answer["nodes"]}
    assert dot.count('class="on-path"]') >= len(answer["edges"])
    screenshot(page, "11-path")


def set_slider(page: Any, selector: str, step: int) -> None:
    """Move a range input to a step as a drag would: input events, then change on release."""
    page.evaluate(
        """([selector, step]) => {
            const slider = document.querySelector(selector);
            slider.value = String(step);
            slider.dispatchEvent(new Event('input', {bubbles: true}));
            slider.dispatchEvent(new Event('change', {bubbles: true}));
        }""",
        [selector, step],
    )


def step_of(site: str, iso: str) -> int:
    """Return the slider step (0..1000 over the log's range) of a time."""
    from datetime import datetime

    span = api(site, "log/range")
    first, last, at = (
        datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
        for t in (span["firstEventTime"], span["lastEventTime"], iso)
    )
    return round((at - first) / (last - first) * 1000)


def test_time_travel_shows_lineage_as_it_was(page: Any, site: str) -> None:
    open_view(page, site, node=CLEAN, depth=4, direction="downstream")
    assert f'"{EXPORT}"' in exported(page, "dot")
    before = rendered(page)
    set_slider(page, "#asof", step_of(site, "2024-03-01T02:14:30Z"))
    wait_drawn(page, before)
    assert "asOf=2024-03-01T02%3A14" in page.url
    expect(page.locator("#asof-label")).to_contain_text("2024-03-01 02:14")
    dot = exported(page, "dot")
    assert f'"{DAILY}"' in dot and f'"{EXPORT}"' not in dot and f'"{EXPORTING}"' not in dot
    screenshot(page, "12-as-of")
    # The link alone reproduces the view, time included.
    link = page.url
    page.goto("about:blank")
    page.goto(link)
    wait_drawn(page, 0)
    assert exported(page, "dot") == dot
    expect(page.locator("#asof-label")).to_contain_text("2024-03-01 02:14")
    before = rendered(page)
    page.click("#asof-now")
    wait_drawn(page, before)
    assert "asOf" not in page.url and f'"{EXPORT}"' in exported(page, "dot")


def test_diff_colours_added_edges_and_schema_changes(page: Any, site: str) -> None:
    since, until = "2024-03-01T02:12:00Z", "2024-03-01T03:30:00Z"
    open_view(page, site, node=CLEAN, mode="diff", since=since, until=until, depth=4)
    answer = api(site, "diff", node=CLEAN, since=since, until=until, depth=4)
    assert answer["edgesAdded"]
    expect(page.locator("#mode-panel")).to_contain_text(
        f"Edges added ({len(answer['edgesAdded'])})"
    )
    expect(page.locator("#mode-panel")).to_contain_text(
        f"Edges retired ({len(answer['edgesRetired'])})"
    )
    dot = exported(page, "dot")
    added = set(re.findall(r'"([^"]+)" -> "([^"]+)" \[[^\]]*class="added"', dot))
    assert added == {(e["source"], e["target"]) for e in answer["edgesAdded"]}
    changed = {f["dataset"] for f in answer["fieldsAdded"] + answer["fieldsRemoved"]}
    assert changed == {CLEAN}
    expect(page.locator("#mode-panel")).to_contain_text("Schema fields added (1)")
    assert marked(dot, "schema-changed") == changed
    screenshot(page, "13-diff")
    # The sliders choose other ends; Compare puts them in the URL.
    set_slider(page, "#diff-since", 0)
    before = rendered(page)
    page.click("#diff-compare")
    wait_drawn(page, before)
    assert "since=2024-03-01T00%3A10" in page.url


def test_diff_draws_retired_edges_beside_added_ones(page: Any, site: str) -> None:
    since, until, moved = "2024-03-01T02:30:00Z", "2024-03-01T03:30:00Z", "dataset:w:moved"
    open_view(page, site, node=moved, mode="diff", since=since, until=until)
    expect(page.locator("#mode-panel")).to_contain_text("Edges retired (1)")
    dot = exported(page, "dot")
    assert '"dataset:w:old_src" -> "job:m:move" [color="#b91c1c", style=dashed' in dot
    assert '"dataset:w:new_src" -> "job:m:move" [color="#15803d"' in dot
    assert '"dataset:w:old_src" [label="▤ old_src"' in dot
    mermaid = exported(page, "mermaid")
    assert "stroke-dasharray" in mermaid
    screenshot(page, "13-diff-retired")


def test_model_view_shows_training_registry_deployments_and_predictions(
    page: Any, site: str
) -> None:
    open_view(page, site, node=MODEL, mode="model", depth=4)
    answer = api(site, "models/lineage", model=MODEL)
    panel = page.locator("#mode-panel")
    expect(panel).to_contain_text(f"Model {MODEL} version {answer['version']}")
    expect(panel).to_contain_text(answer["training"]["job"])
    text = panel.inner_text()
    assert answer["training"]["id"] in text
    for item in answer["trainingData"] + answer["predictions"] + answer["deployments"]:
        assert item["id"] in text
    assert answer["deployments"] and answer["predictions"]
    for deployment in answer["deployments"]:
        assert deployment["deployedBy"] in text
    registry = api(site, "models/registry", model=MODEL)
    assert registry["aliases"] == {"prod": "3"}
    assert page.locator(
        "#mode-panel table[aria-label='Registry aliases']"
    ).inner_text().split() == ["alias", "version", "prod", "3"]
    history = page.locator("#mode-panel table[aria-label='Alias and stage history'] tbody tr")
    assert history.all_inner_texts() == [
        f"{shown(e['at'])}\t{e['type']}\t{e['label']}\t{e['version']}\t"
        for e in registry["history"]
    ]
    exact = history.locator("time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert exact == [e["at"] for e in registry["history"]]
    dot = exported(page, "dot")
    # Icons and shapes by kind: the model a diamond, its endpoint a tag, predictions an ellipse.
    assert f'"{MODEL}" [label="◆ churn_model", shape=diamond]' in dot
    assert '"dataset:serving:churn-endpoint" [label="⇥ churn-endpoint", shape=cds]' in dot
    assert (
        '"dataset:warehouse:churn_predictions" [label="◎ churn_predictions", shape=ellipse]' in dot
    )
    screenshot(page, "14-model")


def test_model_view_opens_from_search(page: Any, site: str) -> None:
    page.goto(site + "/#mode=model")
    page.fill("#search", "churn_model")
    page.wait_for_selector("#search-results li.kind-model")
    page.keyboard.press("Enter")
    expect(page.locator("#mode-panel")).to_contain_text(f"Model {MODEL} version 3")


def test_audit_view_reports_the_verified_chain(page: Any, site: str) -> None:
    page.goto(site + "/#mode=audit")
    chain = api(site, "audit/chain")
    expect(page.locator("#mode-panel")).to_contain_text(
        f"Chain verified: {chain['checked']} entries, head {chain['headSeq']}"
    )
    expect(page.locator("#mode-panel")).to_contain_text(chain["headHash"])
    expect(page.locator("#mode-panel")).to_contain_text("No entry has been redacted.")
    screenshot(page, "15-audit")


def test_model_view_of_a_node_that_is_no_model_says_so(page: Any, site: str) -> None:
    open_view(page, site, node=RAW, mode="model")
    expect(page.locator("#mode-panel")).to_contain_text("This node is not a model")


def shown(at: str) -> str:
    """A time as the UI shows it: a space for the T, whole seconds without zero fractions."""
    return at.replace("T", " ").replace(".000000Z", "Z")
