// The Threadline web UI: search, a lineage graph, node details and the modes, all from the URL.

import "highlight.js/styles/github.css";
import "./app.css";

import * as api from "./api";
import { renderDetails } from "./detail";
import { byId, download, h } from "./dom";
import { toDot, toMermaid, toPng, toSvg } from "./export";
import { GraphView } from "./graph";
import { auditPanel, diffPanel, impactPanel, modelPanel, pathPanel } from "./panels";
import { SearchBox } from "./search";
import { currentState, MODES, navigate, type Mode, type ViewState } from "./state";
import { TimeScale } from "./timescale";

const MODE_LABELS: Record<Mode, string> = {
  lineage: "Lineage",
  impact: "Impact",
  path: "Path",
  diff: "Diff",
  model: "Model",
  audit: "Audit",
};

const graphEl = byId("graph");
const view = new GraphView(graphEl);
const statusEl = byId("graph-status");
const modePanel = byId("mode-panel");
const detailEl = byId("detail");
const welcome = byId("welcome");
const time = new TimeScale();
let marks = new Map<string, string>();
let fade = false;
let selected: string | null = null;
let generation = 0;

function setStatus(message: string, isError = false): void {
  statusEl.textContent = message;
  statusEl.classList.toggle("error", isError);
}

view.onRendered = () => {
  view.mark(marks, fade);
  const drawn = view.cy.nodes().not(".more").not(":parent").length;
  const hidden = view.hidden;
  setStatus(`${drawn} nodes shown${hidden > 0 ? `, ${hidden} behind “more” expanders` : ""}.`);
  graphEl.dataset.rendered = String(++renders);
  if (selected) view.select(selected);
};
let renders = 0;

view.onSelect = (id) => void selectNode(id);

async function selectNode(id: string): Promise<void> {
  selected = id;
  view.select(id);
  const more = view.cy.getElementById(id);
  if (more.hasClass("more")) {
    const owner = String(more.data("owner"));
    const count = Number(more.data("count"));
    const button = h("button", { type: "button", onclick: () => view.expand(owner) }, `Show ${count} more`);
    const what = count === 1 ? "1 more node next to " : `${count} more nodes next to `;
    detailEl.replaceChildren(h("p", {}, what, h("code", {}, owner), " is not drawn yet (Enter draws it)."), button);
    return;
  }
  detailEl.replaceChildren(h("p", { class: "loading" }, "Loading details…"));
  try {
    const details = await withTags(await api.nodeDetails(id));
    if (selected !== id) return;
    detailEl.replaceChildren(renderDetails(details, actionsFor(id, details)));
  } catch (error) {
    detailEl.replaceChildren(h("p", { class: "error" }, `No details: ${(error as Error).message}`));
  }
}

/** Add the tags of a dataset and of its columns, which the Marquez API keeps, to its details. */
async function withTags(details: api.Details): Promise<api.Details> {
  if (details.type !== "dataset" || typeof details.namespace !== "string" || typeof details.name !== "string") {
    return details;
  }
  const marquez = await api.marquezDataset(details.namespace, details.name);
  const tagsOf = new Map<string, api.Json>();
  for (const field of Array.isArray(marquez.fields) ? marquez.fields : []) {
    if (field && typeof field === "object" && !Array.isArray(field)) tagsOf.set(String(field.name), field.tags ?? []);
  }
  const fields = (Array.isArray(details.fields) ? details.fields : []).map((field) =>
    field && typeof field === "object" && !Array.isArray(field) ? { ...field, tags: tagsOf.get(String(field.name)) ?? [] } : field,
  );
  return { ...details, fields, tags: marquez.tags ?? [] };
}

function actionsFor(id: string, details: api.Details): HTMLElement {
  const state = currentState();
  const button = (label: string, action: () => void) => h("button", { type: "button", onclick: action }, label);
  const isModel = details.kind === "model";
  return h(
    "div",
    { class: "actions", role: "group", "aria-label": "Node actions" },
    button("Expand upstream", () => void expandFrom(id, "upstream")),
    button("Expand downstream", () => void expandFrom(id, "downstream")),
    button("Collapse upstream", () => view.collapse(id, "up")),
    button("Collapse downstream", () => view.collapse(id, "down")),
    button("Focus here", () => navigate({ node: id, mode: "lineage" })),
    button("Impact", () => navigate({ node: id, mode: "impact" })),
    state.node && state.node !== id ? button("Path to here", () => navigate({ mode: "path", to: id })) : null,
    isModel ? button("Model view", () => navigate({ node: id, mode: "model", model: id })) : null,
  );
}

async function expandFrom(id: string, direction: "upstream" | "downstream"): Promise<void> {
  const state = currentState();
  setStatus(`Expanding ${direction}…`);
  try {
    const answer = await api.lineage({ node: id, direction, depth: state.depth, granularity: state.granularity, asOf: state.asOf });
    view.merge(answer);
    view.expand(id);
  } catch (error) {
    setStatus(`Could not expand: ${(error as Error).message}`, true);
  }
}

function syncControls(state: ViewState): void {
  byId<HTMLInputElement>("depth").value = String(state.depth);
  for (const radio of document.querySelectorAll<HTMLInputElement>("input[name=granularity]")) {
    radio.checked = radio.value === state.granularity;
  }
  byId<HTMLSelectElement>("direction").value = state.direction;
  for (const button of document.querySelectorAll<HTMLButtonElement>("#modes button")) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === state.mode));
  }
  time.showAsOf(state.asOf);
  document.title = state.node ? `${state.node} · ${MODE_LABELS[state.mode]} · Threadline` : "Threadline";
}

async function drawLineage(state: ViewState, node: string, direction = state.direction): Promise<api.Lineage> {
  const answer = await api.lineage({ node, direction, depth: state.depth, granularity: state.granularity, asOf: state.asOf });
  view.show(answer, node);
  return answer;
}

const pathPicker = (): HTMLElement => {
  const input = h("input", { id: "path-to", type: "search", autocomplete: "off", placeholder: "Search the end node…" });
  const results = h("ul", { id: "path-results", class: "results", hidden: true });
  new SearchBox(input, results, (hit) => navigate({ mode: "path", to: hit.ref }));
  const state = currentState();
  return h(
    "div",
    { class: "path-picker search" },
    h("p", {}, "From ", h("code", {}, state.node ?? "")),
    h("label", { for: "path-to" }, "To"),
    input,
    results,
    state.to ? h("p", {}, "Ending at ", h("code", {}, state.to)) : null,
  );
};

async function showMode(state: ViewState, node: string): Promise<void> {
  switch (state.mode) {
    case "lineage":
      await drawLineage(state, node);
      return;
    case "impact": {
      const [answer] = await Promise.all([api.impact(node, state.depth, state.asOf), drawLineage(state, node, "downstream")]);
      for (const items of Object.values(answer.groups)) for (const item of items) marks.set(item.id, `sev-${item.severity}`);
      fade = true;
      modePanel.replaceChildren(impactPanel(answer));
      return;
    }
    case "path": {
      if (!state.to) {
        await drawLineage(state, node);
        modePanel.replaceChildren(pathPanel(null, pathPicker()));
        return;
      }
      const answer = await api.path(node, state.to, Math.max(state.depth, 10), state.asOf);
      if (answer.found) {
        view.show(answer, node);
        for (const n of answer.nodes) marks.set(n.id, "on-path");
        for (const e of answer.edges) marks.set(`${e.source}->${e.target}`, "on-path");
      } else {
        await drawLineage(state, node);
      }
      modePanel.replaceChildren(pathPanel(answer, pathPicker()));
      return;
    }
    case "diff": {
      const range = await time.range();
      const since = state.since ?? range.firstEventTime ?? new Date(0).toISOString();
      const until = state.until ?? range.lastEventTime;
      const [answer] = await Promise.all([api.diff(node, since, until, state.depth), drawLineage({ ...state, asOf: until }, node)]);
      for (const edge of [...answer.edgesAdded, ...answer.edgesRetired]) view.addEdge(edge);
      for (const e of answer.edgesAdded) marks.set(`${e.source}->${e.target}`, "added");
      for (const e of answer.edgesRetired) marks.set(`${e.source}->${e.target}`, "retired");
      for (const f of [...answer.fieldsAdded, ...answer.fieldsRemoved]) marks.set(f.dataset, "schema-changed");
      modePanel.replaceChildren(diffPanel(answer, time.diffControls(since, until)));
      return;
    }
    case "model": {
      const model = state.model ?? node;
      // A model named in the URL is asked about as given; a node is checked to be a model first.
      const isModel = state.model !== null || (await api.nodeDetails(node)).kind === "model";
      if (!isModel) {
        await drawLineage(state, node);
        modePanel.replaceChildren(
          h("p", { class: "warning", role: "status" }, "This node is not a model: search for a model to see its story."),
        );
        return;
      }
      const [lineage, registry] = await Promise.all([
        api.modelLineage(model, state.asOf),
        api.modelRegistry(model).catch(() => null),
        drawLineage(state, node),
      ]);
      modePanel.replaceChildren(modelPanel(lineage, registry));
      return;
    }
    case "audit":
      return;
  }
}

async function apply(): Promise<void> {
  const state = currentState();
  const mine = ++generation;
  syncControls(state);
  marks = new Map();
  fade = false;
  modePanel.replaceChildren();
  if (state.mode === "audit") {
    modePanel.replaceChildren(h("p", { class: "loading" }, "Verifying the hash chain…"));
    try {
      const chain = await api.auditChain();
      if (mine === generation) modePanel.replaceChildren(auditPanel(chain));
    } catch (error) {
      modePanel.replaceChildren(h("p", { class: "error" }, (error as Error).message));
    }
  }
  const node = state.node;
  welcome.hidden = node !== null;
  if (!node) {
    view.show({ nodes: [], edges: [] }, null);
    view.cy.elements().remove();
    detailEl.replaceChildren();
    setStatus("");
    if (state.mode !== "audit") void listModels(mine);
    return;
  }
  setStatus("Loading…");
  // At entity level jobs carry no run; the Marquez graph has each job's latest run state.
  const states = state.granularity === "entity" ? api.jobStates(node, state.depth).catch(() => null) : null;
  try {
    await showMode(state, node);
    if (mine !== generation) return;
    const known = await states;
    if (known) view.setStates(known);
    selected = selected && view.knows(selected) ? selected : node;
    view.render();
    void selectNode(selected);
  } catch (error) {
    if (mine !== generation) return;
    setStatus(`Could not load: ${(error as Error).message}`, true);
  }
}

/** On the start page, the recorded models, each a link to its model view. */
async function listModels(mine: number): Promise<void> {
  const answer = await api.modelChecks().catch(() => ({ models: [] }));
  if (mine !== generation || !answer.models.length) return;
  const items = answer.models.map((m) => {
    const ref = m.model.replace(/#[^#]*$/, "");
    const version = m.model.slice(ref.length + 1);
    const hash = `#${new URLSearchParams({ node: ref, mode: "model", model: `${ref}@${version}` })}`;
    return h("li", {}, h("a", { href: hash }, `${ref.split(":").pop() ?? ref} version ${version}`), ` · ${m.reproducible ? "reproducible" : "not reproducible"}`);
  });
  detailEl.replaceChildren(h("section", { "aria-labelledby": "models-title" }, h("h2", { id: "models-title" }, "Models"), h("ul", { class: "models" }, ...items)));
}

function exportView(format: string): void {
  const drawn = view.drawn();
  if (format === "png") return download("lineage.png", toPng(view));
  if (format === "svg") return download("lineage.svg", toSvg(view));
  const body = format === "dot" ? toDot(drawn) : toMermaid(drawn);
  const dialog = byId<HTMLDialogElement>("export-dialog");
  byId("export-title").textContent = format === "dot" ? "Export as DOT" : "Export as Mermaid";
  byId<HTMLTextAreaElement>("export-text").value = body;
  byId("export-download").onclick = () =>
    download(format === "dot" ? "lineage.dot" : "lineage.mmd", new Blob([body], { type: "text/plain" }));
  dialog.showModal();
}

function keyboard(event: KeyboardEvent): void {
  const id = selected;
  if (event.key === "+" || event.key === "=") view.cy.zoom({ level: view.cy.zoom() * 1.25, renderedPosition: center() });
  else if (event.key === "-") view.cy.zoom({ level: view.cy.zoom() / 1.25, renderedPosition: center() });
  else if (event.key === "0") view.cy.fit(undefined, 24);
  else if (id && event.key.startsWith("Arrow")) {
    const next = view.neighbour(id, event.key);
    if (next) void selectNode(next);
  } else if (id && event.key === "Enter") {
    // Enter on an expander, or on a node that has one, draws what it holds.
    const node = view.cy.getElementById(id);
    const owner = node.hasClass("more") ? String(node.data("owner")) : id;
    if (view.hasExpander(owner)) {
      selected = owner;
      view.expand(owner);
    }
  } else return;
  event.preventDefault();
}

function center(): { x: number; y: number } {
  return { x: view.cy.width() / 2, y: view.cy.height() / 2 };
}

function wire(): void {
  const modes = byId("modes");
  for (const mode of MODES) {
    modes.append(h("button", { type: "button", "data-mode": mode, "aria-pressed": "false", onclick: () => navigate({ mode }) }, MODE_LABELS[mode]));
  }
  new SearchBox(byId<HTMLInputElement>("search"), byId("search-results"), (hit) =>
    navigate({
      node: hit.ref,
      mode: currentState().mode === "audit" ? "lineage" : currentState().mode,
      granularity: hit.kind === "field" ? "column" : hit.kind === "run" ? "version" : currentState().granularity,
      model: hit.kind === "model" ? hit.ref : null,
      to: null,
    }),
  );
  byId<HTMLInputElement>("depth").addEventListener("change", (e) => {
    const depth = Number.parseInt((e.target as HTMLInputElement).value, 10);
    if (depth >= 1) navigate({ depth });
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>("input[name=granularity]")) {
    radio.addEventListener("change", () => navigate({ granularity: radio.value as api.Granularity }));
  }
  byId<HTMLSelectElement>("direction").addEventListener("change", (e) =>
    navigate({ direction: (e.target as HTMLSelectElement).value as api.Direction }),
  );
  time.wire((asOf) => navigate({ asOf }));
  byId("fit").addEventListener("click", () => view.cy.fit(undefined, 24));
  byId("zoom-in").addEventListener("click", () => view.cy.zoom({ level: view.cy.zoom() * 1.25, renderedPosition: center() }));
  byId("zoom-out").addEventListener("click", () => view.cy.zoom({ level: view.cy.zoom() / 1.25, renderedPosition: center() }));
  for (const button of document.querySelectorAll<HTMLButtonElement>("[data-export]")) {
    button.addEventListener("click", () => exportView(button.dataset.export ?? "png"));
  }
  byId("export-close").addEventListener("click", () => byId<HTMLDialogElement>("export-dialog").close());
  graphEl.addEventListener("keydown", keyboard);
  document.addEventListener("keydown", (event) => {
    if (event.key === "/" && document.activeElement?.tagName !== "INPUT") {
      event.preventDefault();
      byId("search").focus();
    }
  });
  window.addEventListener("hashchange", () => void apply());
}

wire();
void time.range().then(() => syncControls(currentState()));
void apply();
