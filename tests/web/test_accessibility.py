"""Accessibility beyond labels: readable contrast of every text shown, a keyboard path to search."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.sample_refs import EXPORTING, RAW
from tests.web.helpers import open_view

# WCAG 2 contrast of every element's own text against the background it is drawn on.
LOW_CONTRAST = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      const parts = rgb(c);
      if (parts.length < 4 || parts[3] > 0) return parts.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const a = lum(rgb(style.color).slice(0, 3)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const text = el.textContent.trim().slice(0, 30);
    if (ratio < need) bad.push(`${el.tagName} "${text}" ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


def test_text_has_readable_contrast_in_every_panel(page: Any, site: str) -> None:
    open_view(page, site, node=RAW, mode="impact", depth=6)
    expect(page.locator("#impact-title")).to_be_visible()
    expect(page.locator("#detail table[aria-label=Schema]")).to_be_visible()
    page.click(".legend summary")
    expect(page.locator(".legend li").first).to_be_visible()
    assert page.evaluate(LOW_CONTRAST) == []
    open_view(page, site, node=EXPORTING, depth=1)
    expect(page.locator("#detail .run-error")).to_be_visible()
    assert page.evaluate(LOW_CONTRAST) == []
    page.goto(site + "/#mode=audit")
    expect(page.locator("#mode-panel .ok")).to_be_visible()
    assert page.evaluate(LOW_CONTRAST) == []


def test_tab_reaches_the_skip_link_then_search(page: Any, site: str) -> None:
    page.goto(site + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the graph"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "search"


def test_the_contrast_check_catches_pale_text(page: Any, site: str) -> None:
    page.goto(site + "/")
    page.evaluate(
        """() => document.body.insertAdjacentHTML('beforeend',
            '<p style="color:#aaaaaa;background:#ffffff">pale</p>')"""
    )
    assert page.evaluate(LOW_CONTRAST) == ['P "pale" 2.32']
