// Search across datasets, jobs, models, columns and runs: a combobox driven by the keyboard.

import * as api from "./api";
import { h } from "./dom";
import { ICONS, type Kind } from "./kinds";

export interface Hit {
  ref: string;
  kind: Kind;
  title: string;
  subtitle: string;
}

const RUN_ID = /^(run:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMN_LOOKUPS = 5;

let modelList: Promise<string[]> | null = null;

function models(): Promise<string[]> {
  modelList ??= api
    .modelChecks()
    .then((answer) => [...new Set(answer.models.map((m) => m.model.replace(/#[^#]*$/, "")))])
    .catch(() => []);
  return modelList;
}

async function columnHits(hits: api.SearchHit[], q: string): Promise<Hit[]> {
  const datasets = hits.filter((hit) => hit.type === "DATASET").slice(0, COLUMN_LOOKUPS);
  const found = await Promise.all(
    datasets.map(async (hit) => {
      const details = await api.nodeDetails(hit.nodeId).catch(() => ({}) as api.Details);
      const fields = Array.isArray(details.fields) ? details.fields : [];
      return fields
        .map((f) => (f && typeof f === "object" && !Array.isArray(f) ? String(f.name) : ""))
        .filter((name) => name.toLowerCase().includes(q))
        .map((name) => ({
          ref: `datasetField:${hit.namespace}:${hit.name}:${name}`,
          kind: "field" as Kind,
          title: `${hit.name}.${name}`,
          subtitle: `column · ${hit.namespace}`,
        }));
    }),
  );
  return found.flat();
}

async function runHit(q: string): Promise<Hit[]> {
  if (!RUN_ID.test(q)) return [];
  const id = q.replace(/^run:/i, "");
  try {
    const run = await api.marquezRun(id);
    const job = run.jobVersion && typeof run.jobVersion === "object" && !Array.isArray(run.jobVersion) ? run.jobVersion : {};
    return [{ ref: `run:${id}`, kind: "run", title: `run ${id.slice(0, 8)}`, subtitle: `${String(run.state ?? "")} · ${String(job.name ?? "")}` }];
  } catch {
    return [];
  }
}

export async function findAll(text: string): Promise<Hit[]> {
  const q = text.trim().toLowerCase();
  if (!q) return [];
  const [found, modelRefs, runs] = await Promise.all([api.search(q).catch(() => ({ results: [] })), models(), runHit(q)]);
  const modelSet = new Set(modelRefs);
  const entities: Hit[] = found.results.map((hit) => ({
    ref: hit.nodeId,
    kind: modelSet.has(hit.nodeId) ? "model" : hit.type === "JOB" ? "job" : "dataset",
    title: hit.name,
    subtitle: `${hit.type === "JOB" ? "job" : modelSet.has(hit.nodeId) ? "model" : "dataset"} · ${hit.namespace}`,
  }));
  const extraModels: Hit[] = modelRefs
    .filter((ref) => ref.toLowerCase().includes(q) && !entities.some((e) => e.ref === ref))
    .map((ref) => ({ ref, kind: "model", title: ref.split(":").pop() ?? ref, subtitle: "model" }));
  const columns = await columnHits(found.results, q);
  // Names that match come before hits found only by a column or by SQL text.
  const rank = (hit: Hit) => {
    const name = hit.title.toLowerCase();
    return name === q ? 0 : name.startsWith(q) ? 1 : name.includes(q) ? 2 : 3;
  };
  const order: Kind[] = ["run", "model", "dataset", "job"];
  const named = [...runs, ...extraModels, ...entities].sort(
    (a, b) => rank(a) - rank(b) || order.indexOf(a.kind) - order.indexOf(b.kind),
  );
  return [...named, ...columns];
}

/** A search box with a listbox of results; arrows move, Enter chooses, Escape closes. */
export class SearchBox {
  private hits: Hit[] = [];
  private active = -1;
  private timer: number | undefined;
  private generation = 0;

  constructor(
    private readonly input: HTMLInputElement,
    private readonly listbox: HTMLElement,
    private readonly choose: (hit: Hit) => void,
  ) {
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    listbox.setAttribute("role", "listbox");
    input.addEventListener("input", () => this.schedule());
    input.addEventListener("keydown", (event) => this.key(event));
    input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
  }

  private schedule(): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.run(), 180);
  }

  private async run(): Promise<void> {
    const generation = ++this.generation;
    const hits = await findAll(this.input.value);
    if (generation !== this.generation) return;
    this.hits = hits;
    this.active = hits.length ? 0 : -1;
    this.draw();
  }

  private draw(): void {
    const id = this.listbox.id;
    this.listbox.replaceChildren(
      ...this.hits.map((hit, i) =>
        h(
          "li",
          {
            id: `${id}-${i}`,
            role: "option",
            class: `hit kind-${hit.kind}`,
            "aria-selected": i === this.active ? "true" : "false",
            onmousedown: (event: Event) => {
              event.preventDefault();
              this.pick(i);
            },
          },
          h("span", { class: "icon", "aria-hidden": "true" }, ICONS[hit.kind]),
          h("span", { class: "hit-title" }, hit.title),
          h("span", { class: "hit-sub" }, hit.subtitle),
        ),
      ),
    );
    if (!this.hits.length && this.input.value.trim()) {
      this.listbox.append(h("li", { class: "no-hit", role: "option", "aria-disabled": "true" }, "Nothing found"));
    }
    const open = this.listbox.childElementCount > 0;
    this.listbox.hidden = !open;
    this.input.setAttribute("aria-expanded", String(open));
    if (this.active >= 0) this.input.setAttribute("aria-activedescendant", `${id}-${this.active}`);
    else this.input.removeAttribute("aria-activedescendant");
  }

  private key(event: KeyboardEvent): void {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!this.hits.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.hits.length) % this.hits.length;
      this.draw();
      document.getElementById(`${this.listbox.id}-${this.active}`)?.scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (this.active >= 0) this.pick(this.active);
      else void this.run();
    } else if (event.key === "Escape") {
      this.close();
    }
  }

  private pick(index: number): void {
    const hit = this.hits[index];
    if (!hit) return;
    this.close();
    this.input.value = hit.title;
    this.choose(hit);
  }

  close(): void {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
  }
}
