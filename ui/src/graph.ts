// The graph view: a left-to-right layered layout of what is visible, "N more" expanders for the rest.

import cytoscape from "cytoscape";
import type { Core, ElementDefinition, NodeSingular } from "cytoscape";
import dagre from "cytoscape-dagre";
import svg from "cytoscape-svg";

import type { Lineage, LineageEdge, LineageNode } from "./api";
import { datasetOfField, kindOf, labelOf, parseRef } from "./kinds";
import { STYLE } from "./style";

cytoscape.use(dagre);
cytoscape.use(svg);

/** Most nodes drawn at once; the rest wait behind "N more" expanders. */
export const MAX_VISIBLE = 1000;
/** Most new neighbours one node reveals in one direction until it is expanded. */
export const FANOUT = 25;
/** Past this many nodes the first view is centred on the root instead of fitting everything. */
const LARGE = 150;
const MAX_FIT_ZOOM = 1.4;

type Dir = "up" | "down";
type Hidden = { up: number; down: number };

/** The classes modes put on nodes, as the text exports name them. */
const NODE_MARKS = ["sev-high", "sev-medium", "sev-low", "on-path", "schema-changed"];

export class GraphView {
  readonly cy: Core;
  private nodes = new Map<string, LineageNode>();
  private edges = new Map<string, LineageEdge>();
  private root: string | null = null;
  private expanded = new Set<string>();
  private collapsed = new Set<string>();
  private hiddenCount = 0;
  onSelect: (id: string) => void = () => {};
  onRendered: () => void = () => {};

  constructor(container: HTMLElement) {
    this.cy = cytoscape({
      container,
      style: STYLE,
      minZoom: 0.02,
      maxZoom: 4,
      textureOnViewport: true,
      hideEdgesOnViewport: true,
      motionBlur: false,
      pixelRatio: 1,
      selectionType: "single",
      boxSelectionEnabled: false,
    });
    this.cy.on("tap", "node", (event) => {
      const node = event.target as NodeSingular;
      if (node.hasClass("more")) this.expand(String(node.data("owner")));
      else this.onSelect(node.id());
    });
  }

  /** Replace what is drawn with a new answer, centred on its root. */
  show(answer: Pick<Lineage, "nodes" | "edges">, root: string | null): void {
    this.nodes.clear();
    this.edges.clear();
    this.expanded.clear();
    this.collapsed.clear();
    this.root = root;
    this.merge(answer);
  }

  /** Add nodes and edges to what is known (e.g. an expansion fetched from the server). */
  merge(answer: Pick<Lineage, "nodes" | "edges">): void {
    for (const node of answer.nodes) if (!this.nodes.has(node.id)) this.nodes.set(node.id, node);
    for (const edge of answer.edges) this.addEdge(edge);
  }

  addEdge(edge: LineageEdge): void {
    for (const end of [edge.source, edge.target]) {
      if (!this.nodes.has(end)) this.nodes.set(end, parseRef(end));
    }
    this.edges.set(`${edge.source}->${edge.target}`, edge);
  }

  /** Give jobs their latest run state (drawn as a colour and, unless complete, in the label). */
  setStates(states: Map<string, string>): void {
    for (const [id, state] of states) {
      const node = this.nodes.get(id);
      if (node && node.type === "job") this.nodes.set(id, { ...node, state });
    }
  }

  knows(id: string): boolean {
    return this.nodes.has(id);
  }

  node(id: string): LineageNode | undefined {
    return this.nodes.get(id);
  }

  get rootId(): string | null {
    return this.root;
  }

  /** Whether a node has an expander drawn beside it. */
  hasExpander(id: string): boolean {
    return this.cy.getElementById(`more:${id}`).nonempty() || this.cy.getElementById(`more-up:${id}`).nonempty();
  }

  get hidden(): number {
    return this.hiddenCount;
  }

  expand(id: string): void {
    this.expanded.add(id);
    this.collapsed.delete(`${id}:up`);
    this.collapsed.delete(`${id}:down`);
    this.render();
  }

  collapse(id: string, dir: Dir): void {
    this.collapsed.add(`${id}:${dir}`);
    this.render();
  }

  private adjacency(): Map<string, { up: string[]; down: string[]; child: string[] }> {
    const adj = new Map<string, { up: string[]; down: string[]; child: string[] }>();
    const entry = (id: string) => {
      let value = adj.get(id);
      if (!value) adj.set(id, (value = { up: [], down: [], child: [] }));
      return value;
    };
    for (const edge of this.edges.values()) {
      entry(edge.source).down.push(edge.target);
      entry(edge.target).up.push(edge.source);
    }
    for (const node of this.nodes.values()) {
      if (node.type !== "datasetField") continue;
      const parent = datasetOfField(node);
      if (!this.nodes.has(parent)) this.nodes.set(parent, { ...node, id: parent, type: "dataset", kind: "dataset", field: undefined });
      entry(parent).child.push(node.id);
      entry(node.id).child.push(parent);
    }
    return adj;
  }

  /** Decide what is drawn: breadth-first from the root, capped per node and overall. */
  private visible(): { shown: Set<string>; more: Map<string, Hidden> } {
    const adj = this.adjacency();
    const start = this.root && this.nodes.has(this.root) ? [this.root] : [...this.nodes.keys()].slice(0, 1);
    const shown = new Set<string>(start);
    const more = new Map<string, Hidden>();
    const queue = [...start];
    while (queue.length) {
      const id = queue.shift() as string;
      const links = adj.get(id);
      if (!links) continue;
      const hidden: Hidden = { up: 0, down: 0 };
      for (const dir of ["child", "down", "up"] as const) {
        const fresh = links[dir].filter((n) => !shown.has(n));
        const side = dir === "up" ? "up" : "down";
        if (dir !== "child" && this.collapsed.has(`${id}:${dir}`)) {
          hidden[side] += fresh.length;
          continue;
        }
        const allow = this.expanded.has(id) || dir === "child" ? Infinity : FANOUT;
        const room = MAX_VISIBLE - shown.size;
        const take = fresh.slice(0, Math.max(0, Math.min(allow, room)));
        for (const n of take) {
          shown.add(n);
          queue.push(n);
        }
        hidden[side] += fresh.length - take.length;
      }
      if (hidden.up + hidden.down > 0) more.set(id, hidden);
    }
    for (const id of [...more.keys()]) if (!shown.has(id)) more.delete(id);
    return { shown, more };
  }

  private elements(shown: Set<string>, more: Map<string, Hidden>): ElementDefinition[] {
    const elements: ElementDefinition[] = [];
    for (const id of shown) {
      const node = this.nodes.get(id) as LineageNode;
      const kind = kindOf(node);
      const classes = [kind, node.state ? `state-${node.state}` : "", id === this.root ? "root" : ""];
      const parent = kind === "field" ? datasetOfField(node) : undefined;
      elements.push({
        group: "nodes",
        data: { id, label: labelOf(node), kind, parent: parent && shown.has(parent) ? parent : undefined },
        classes: classes.filter(Boolean).join(" "),
      });
    }
    // An expander sits on the side its hidden nodes are: left of the node for upstream ones.
    for (const [owner, hidden] of more) {
      for (const side of ["up", "down"] as const) {
        const count = hidden[side];
        if (!count) continue;
        const id = `${side === "up" ? "more-up" : "more"}:${owner}`;
        const [source, target] = side === "up" ? [id, owner] : [owner, id];
        elements.push({ group: "nodes", data: { id, owner, label: `${count} more`, count }, classes: "more" });
        elements.push({ group: "edges", data: { id: `${id}:edge`, source, target }, classes: "more-edge" });
      }
    }
    for (const [key, edge] of this.edges) {
      if (shown.has(edge.source) && shown.has(edge.target)) {
        elements.push({ group: "edges", data: { id: key, source: edge.source, target: edge.target, kind: edge.kind } });
      }
    }
    return elements;
  }

  /** Draw the visible part and lay it out left to right. */
  render(): void {
    const { shown, more } = this.visible();
    this.hiddenCount = this.nodes.size - shown.size;
    const selected = this.cy.$("node:selected").id();
    this.cy.batch(() => {
      this.cy.elements().remove();
      this.cy.add(this.elements(shown, more));
    });
    const layout = this.cy.layout({
      name: "dagre",
      rankDir: "LR",
      nodeSep: 14,
      rankSep: 70,
      animate: false,
      fit: true,
      padding: 24,
    } as cytoscape.LayoutOptions);
    layout.one("layoutstop", () => {
      // A big graph fitted whole is unreadable: start readable, around the root.
      const root = this.root ? this.cy.getElementById(this.root) : this.cy.collection();
      if (shown.size > LARGE && root.nonempty()) {
        this.cy.zoom(0.8);
        this.cy.center(root);
      } else if (this.cy.zoom() > MAX_FIT_ZOOM) {
        // A few nodes fitted to the window would be drawn huge.
        this.cy.zoom(MAX_FIT_ZOOM);
        this.cy.center();
      }
      if (selected) this.cy.getElementById(selected).select();
      this.onRendered();
    });
    layout.run();
  }

  /** Put classes on nodes and edges (the marks of a mode); everything else is faded if asked. */
  mark(classes: Map<string, string>, fadeOthers: boolean): void {
    this.cy.batch(() => {
      for (const [id, cls] of classes) this.cy.getElementById(id).addClass(cls);
      if (fadeOthers) {
        this.cy.elements().forEach((el) => {
          if (!classes.has(el.id()) && !el.hasClass("root")) el.addClass("faded");
        });
      }
    });
  }

  select(id: string): void {
    this.cy.$("node:selected").unselect();
    const node = this.cy.getElementById(id);
    if (node.nonempty()) {
      node.select();
      if (!node.renderedBoundingBox() || this.cy.extent().x2 < node.position().x) this.cy.center(node);
    }
  }

  /** The visible neighbour to move to with the arrow keys. */
  neighbour(id: string, key: string): string | null {
    const node = this.cy.getElementById(id);
    if (node.empty()) return null;
    if (key === "ArrowRight") return node.outgoers("node").first().id() || null;
    if (key === "ArrowLeft") return node.incomers("node").first().id() || null;
    const x = node.position().x;
    const column = this.cy
      .nodes()
      .filter((n) => !n.isParent() && Math.abs(n.position().x - x) < 20)
      .toArray()
      .sort((a, b) => (a as NodeSingular).position().y - (b as NodeSingular).position().y);
    const index = column.findIndex((n) => n.id() === id);
    const next = column[index + (key === "ArrowDown" ? 1 : -1)];
    return next ? next.id() : null;
  }

  /** What is drawn, for the text exports: nodes with their compound parent, edges with marks. */
  drawn(): Drawn {
    return {
      nodes: this.cy.nodes().map((n) => ({
        id: n.id(),
        label: String(n.data("label")),
        kind: String(n.data("kind") ?? "more"),
        parent: n.isChild() ? n.parent().first().id() : null,
        isParent: n.isParent(),
        mark: NODE_MARKS.find((mark) => n.hasClass(mark)) ?? null,
      })),
      edges: this.cy.edges().map((e) => ({
        source: e.source().id(),
        target: e.target().id(),
        mark: e.hasClass("added") ? "added" : e.hasClass("retired") ? "retired" : e.hasClass("on-path") ? "on-path" : null,
      })),
    };
  }
}

export interface Drawn {
  nodes: { id: string; label: string; kind: string; parent: string | null; isParent: boolean; mark: string | null }[];
  edges: { source: string; target: string; mark: string | null }[];
}
