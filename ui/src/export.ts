// Export the drawn view: PNG and SVG pictures, and DOT and Mermaid text of the same graph.

import type { GraphView } from "./graph";

type Drawn = ReturnType<GraphView["drawn"]>;

function dotString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

const DOT_SHAPES: Record<string, string> = {
  job: "box",
  run: "box",
  model: "diamond",
  endpoint: "cds",
  predictions: "ellipse",
  field: "note",
  more: "plaintext",
};

export function toDot(drawn: Drawn): string {
  const lines = ["digraph lineage {", "  rankdir=LR;", '  node [fontname="sans-serif"];'];
  for (const node of drawn.nodes) {
    const shape = DOT_SHAPES[node.kind] ?? "folder";
    lines.push(`  ${dotString(node.id)} [label=${dotString(node.label)}, shape=${shape}];`);
  }
  for (const [source, target] of drawn.edges) lines.push(`  ${dotString(source)} -> ${dotString(target)};`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

function mermaidLabel(text: string): string {
  // Mermaid has no backslash escapes: quotes and markup characters become entity codes.
  return text.replace(/[#"<>&]/g, (c) => `#${c.charCodeAt(0)};`);
}

export function toMermaid(drawn: Drawn): string {
  const ids = new Map(drawn.nodes.map((node, i) => [node.id, `n${i}`]));
  const lines = ["flowchart LR"];
  for (const node of drawn.nodes) {
    const label = `"${mermaidLabel(node.label)}"`;
    const id = ids.get(node.id) as string;
    const shaped = node.kind === "job" || node.kind === "run" ? `${id}[${label}]` : `${id}([${label}])`;
    lines.push(`  ${shaped}`);
  }
  for (const [source, target] of drawn.edges) {
    const a = ids.get(source);
    const b = ids.get(target);
    if (a && b) lines.push(`  ${a} --> ${b}`);
  }
  return `${lines.join("\n")}\n`;
}

export function toPng(view: GraphView): Blob {
  return view.cy.png({ output: "blob", full: true, bg: "#ffffff", scale: 1 }) as unknown as Blob;
}

export function toSvg(view: GraphView): Blob {
  return new Blob([view.cy.svg({ full: true, bg: "#ffffff" })], { type: "image/svg+xml" });
}
