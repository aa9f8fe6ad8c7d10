// Time travel: sliders over the time range the log covers, for "as of" and for a diff's two ends.

import * as api from "./api";
import { byId, h } from "./dom";
import { navigate } from "./state";

const STEPS = 1000;

export class TimeScale {
  private loaded: Promise<api.LogRange> | null = null;
  private first = 0;
  private last = 0;

  range(): Promise<api.LogRange> {
    this.loaded ??= api.logRange().then((range) => {
      this.first = range.firstEventTime ? Date.parse(range.firstEventTime) : 0;
      this.last = range.lastEventTime ? Date.parse(range.lastEventTime) : 0;
      return range;
    });
    return this.loaded;
  }

  private toStep(iso: string | null): number {
    if (!iso || this.last <= this.first) return STEPS;
    const t = Date.parse(iso);
    return Math.round(((t - this.first) / (this.last - this.first)) * STEPS);
  }

  private toTime(step: number): string {
    const t = this.first + ((this.last - this.first) * step) / STEPS;
    return new Date(Math.round(t)).toISOString();
  }

  private label(step: number): string {
    return this.toTime(step).replace("T", " ").replace(/\.\d+Z$/, " UTC");
  }

  showAsOf(asOf: string | null): void {
    const slider = byId<HTMLInputElement>("asof");
    const output = byId("asof-label");
    slider.disabled = this.last <= this.first;
    slider.value = String(Math.min(Math.max(this.toStep(asOf), 0), STEPS));
    output.textContent = asOf ? this.label(Number(slider.value)) : "now";
    slider.setAttribute("aria-valuetext", output.textContent);
  }

  /** Call back with the chosen time when the slider is let go (null at its right end: now). */
  wire(onChange: (asOf: string | null) => void): void {
    const slider = byId<HTMLInputElement>("asof");
    slider.addEventListener("input", () => {
      byId("asof-label").textContent = this.label(Number(slider.value));
    });
    slider.addEventListener("change", () => {
      const step = Number(slider.value);
      onChange(step >= STEPS ? null : this.toTime(step));
    });
    byId("asof-now").addEventListener("click", () => onChange(null));
  }

  /** Two sliders choosing the diff's ends, and a button to compare them. */
  diffControls(since: string, until: string | null): HTMLElement {
    const make = (id: string, label: string, iso: string | null) => {
      const input = h("input", { id, type: "range", min: 0, max: STEPS, step: 1, value: Math.min(Math.max(this.toStep(iso), 0), STEPS) });
      const output = h("output", { for: id }, this.label(Number(input.value)));
      input.addEventListener("input", () => (output.textContent = this.label(Number(input.value))));
      return { input, row: h("div", { class: "diff-end" }, h("label", { for: id }, label), input, output) };
    };
    const from = make("diff-since", "Since", since);
    const to = make("diff-until", "Until", until);
    const compare = h("button", { type: "button", id: "diff-compare" }, "Compare");
    compare.addEventListener("click", () => {
      const a = Number(from.input.value);
      const b = Number(to.input.value);
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      // The later end is made inclusive of the last event by reaching one second past it.
      const until = hi >= STEPS ? new Date(this.last + 1000).toISOString() : this.toTime(hi);
      navigate({ since: this.toTime(lo), until });
    });
    return h("div", { class: "diff-controls" }, from.row, to.row, compare);
  }
}
