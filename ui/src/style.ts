// The graph's stylesheet: a colour and shape per kind, run states, and the marks of each mode.

import type { StylesheetJson } from "cytoscape";

const KINDS: [string, string, string, string][] = [
  // kind, fill, border, shape
  ["dataset", "#dbeafe", "#1d4ed8", "round-rectangle"],
  ["job", "#fef3c7", "#92400e", "rectangle"],
  ["run", "#fef3c7", "#92400e", "rectangle"],
  ["model", "#ede9fe", "#5b21b6", "diamond"],
  ["endpoint", "#dcfce7", "#166534", "round-tag"],
  ["predictions", "#fce7f3", "#9d174d", "ellipse"],
  ["field", "#ffffff", "#475569", "round-rectangle"],
];

export const STYLE: StylesheetJson = [
  {
    selector: "node",
    style: {
      label: "data(label)",
      "font-size": 12,
      "font-family": "system-ui, sans-serif",
      color: "#111827",
      "text-valign": "center",
      "text-halign": "center",
      "text-wrap": "ellipsis",
      "text-max-width": "170px",
      width: 190,
      height: 34,
      "border-width": 2,
    },
  },
  ...KINDS.map(([kind, fill, border, shape]) => ({
    selector: `node.${kind}`,
    style: { "background-color": fill, "border-color": border, shape: shape as "rectangle" },
  })),
  { selector: "node.model, node.endpoint", style: { width: 200, height: 46 } },
  { selector: "node.field", style: { height: 24, width: 170, "font-size": 11 } },
  {
    selector: ":parent",
    style: {
      "text-valign": "top",
      "text-halign": "center",
      "font-weight": "bold",
      padding: "8px",
      "background-opacity": 0.6,
    },
  },
  { selector: "node.state-COMPLETE", style: { "border-color": "#15803d", "border-width": 3 } },
  { selector: "node.state-FAIL", style: { "background-color": "#fee2e2", "border-color": "#b91c1c", "border-width": 3 } },
  { selector: "node.state-RUNNING, node.state-START", style: { "border-color": "#1d4ed8", "border-style": "dashed" } },
  { selector: "node.state-ABORT", style: { "background-color": "#e5e7eb", "border-color": "#374151" } },
  {
    selector: "node.more",
    style: {
      "background-color": "#f1f5f9",
      "border-color": "#334155",
      "border-style": "dashed",
      shape: "round-rectangle",
      width: 110,
      height: 28,
    },
  },
  { selector: "node.root", style: { "border-width": 5, "border-color": "#0f172a" } },
  { selector: "node:selected", style: { "overlay-color": "#2563eb", "overlay-opacity": 0.25, "overlay-padding": 6 } },
  { selector: "node.sev-high", style: { "background-color": "#fca5a5", "border-color": "#7f1d1d", "border-width": 4 } },
  { selector: "node.sev-medium", style: { "background-color": "#fdba74", "border-color": "#7c2d12", "border-width": 4 } },
  { selector: "node.sev-low", style: { "background-color": "#fde68a", "border-color": "#713f12", "border-width": 4 } },
  { selector: "node.on-path", style: { "border-color": "#7c3aed", "border-width": 5 } },
  { selector: "node.schema-changed", style: { "background-color": "#fed7aa", "border-color": "#9a3412", "border-width": 4 } },
  { selector: ".faded", style: { opacity: 0.25 } },
  {
    selector: "edge",
    style: {
      width: 1.5,
      "line-color": "#64748b",
      "target-arrow-color": "#64748b",
      "target-arrow-shape": "triangle",
      "curve-style": "bezier",
      "arrow-scale": 0.9,
    },
  },
  { selector: "edge.on-path", style: { width: 4, "line-color": "#7c3aed", "target-arrow-color": "#7c3aed" } },
  { selector: "edge.added", style: { width: 4, "line-color": "#15803d", "target-arrow-color": "#15803d" } },
  {
    selector: "edge.retired",
    style: { width: 4, "line-color": "#b91c1c", "target-arrow-color": "#b91c1c", "line-style": "dashed" },
  },
  { selector: "edge.impact", style: { width: 3, "line-color": "#b91c1c", "target-arrow-color": "#b91c1c" } },
];
