// Export the drawn view: PNG and SVG pictures, and DOT and Mermaid text of the same graph.

import type { Drawn, GraphView } from "./graph";

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
const DOT_MARKS: Record<string, string> = {
  added: ' [color="#15803d", penwidth=3, class="added"]',
  retired: ' [color="#b91c1c", style=dashed, penwidth=3, class="retired"]',
  "on-path": ' [color="#7c3aed", penwidth=3, class="on-path"]',
};

const DOT_FILLS: Record<string, string> = {
  "sev-high": "#fca5a5",
  "sev-medium": "#fdba74",
  "sev-low": "#fde68a",
  "on-path": "#ddd6fe",
  "schema-changed": "#fed7aa",
};

function dotNode(node: Drawn["nodes"][number]): string {
  const shape = DOT_SHAPES[node.kind] ?? "folder";
  const mark = node.mark ? `, class="${node.mark}", style=filled, fillcolor="${DOT_FILLS[node.mark]}"` : "";
  return `${dotString(node.id)} [label=${dotString(node.label)}, shape=${shape}${mark}];`;
}

/** Graphviz DOT; a dataset drawn with its columns becomes a cluster holding them. */
export function toDot(drawn: Drawn): string {
  const lines = ["digraph lineage {", "  rankdir=LR;", '  node [fontname="sans-serif"];'];
  const children = new Map<string, Drawn["nodes"]>();
  for (const node of drawn.nodes) {
    if (node.parent) children.set(node.parent, [...(children.get(node.parent) ?? []), node]);
  }
  drawn.nodes.forEach((node, i) => {
    if (node.parent) return;
    if (!node.isParent) {
      lines.push(`  ${dotNode(node)}`);
      return;
    }
    lines.push(`  subgraph ${dotString(`cluster_${i}`)} {`, `    label=${dotString(node.label)};`);
    for (const child of children.get(node.id) ?? []) lines.push(`    ${dotNode(child)}`);
    lines.push("  }");
  });
  for (const edge of drawn.edges) {
    lines.push(`  ${dotString(edge.source)} -> ${dotString(edge.target)}${edge.mark ? DOT_MARKS[edge.mark] : ""};`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

function mermaidLabel(text: string): string {
  // Mermaid has no backslash escapes: quotes and markup characters become entity codes.
  return `"${text.replace(/[#"<>&]/g, (c) => `#${c.charCodeAt(0)};`)}"`;
}

const MERMAID_MARKS: Record<string, string> = {
  added: "stroke:#15803d,stroke-width:3px",
  retired: "stroke:#b91c1c,stroke-width:3px,stroke-dasharray:5",
  "on-path": "stroke:#7c3aed,stroke-width:3px",
};

/** A Mermaid flowchart; a dataset drawn with its columns becomes a subgraph holding them. */
export function toMermaid(drawn: Drawn): string {
  const ids = new Map(drawn.nodes.map((node, i) => [node.id, `n${i}`]));
  const lines = ["flowchart LR"];
  const shape = (node: Drawn["nodes"][number]) => {
    const id = ids.get(node.id) as string;
    const label = mermaidLabel(node.label);
    return node.kind === "job" || node.kind === "run" ? `${id}[${label}]` : `${id}([${label}])`;
  };
  for (const node of drawn.nodes) {
    if (node.parent) continue;
    if (!node.isParent) {
      lines.push(`  ${shape(node)}`);
      continue;
    }
    lines.push(`  subgraph ${ids.get(node.id)}[${mermaidLabel(node.label)}]`);
    for (const child of drawn.nodes.filter((n) => n.parent === node.id)) lines.push(`    ${shape(child)}`);
    lines.push("  end");
  }
  const styles: string[] = [];
  drawn.edges.forEach((edge, i) => {
    const a = ids.get(edge.source);
    const b = ids.get(edge.target);
    if (!a || !b) return;
    lines.push(`  ${a} --> ${b}`);
    if (edge.mark) styles.push(`  linkStyle ${i} ${MERMAID_MARKS[edge.mark]}`);
  });
  return `${[...lines, ...styles].join("\n")}\n`;
}

export function toPng(view: GraphView): Blob {
  return view.cy.png({ output: "blob", full: true, bg: "#ffffff", scale: 1 }) as unknown as Blob;
}

export function toSvg(view: GraphView): Blob {
  return new Blob([view.cy.svg({ full: true, bg: "#ffffff" })], { type: "image/svg+xml" });
}
