// What a node is, for drawing and for text: its kind, label, icon and where its parent is.

import type { LineageNode } from "./api";

export type Kind = "dataset" | "job" | "model" | "endpoint" | "predictions" | "field" | "run";

export const ICONS: Record<Kind, string> = {
  dataset: "▤",
  job: "⚙",
  model: "◆",
  endpoint: "⇥",
  predictions: "◎",
  field: "▸",
  run: "▶",
};

export function kindOf(node: Pick<LineageNode, "type" | "kind">): Kind {
  if (node.type === "datasetField") return "field";
  if (node.type === "run") return "run";
  if (node.type === "job") return "job";
  if (node.kind === "model" || node.kind === "endpoint" || node.kind === "predictions") return node.kind;
  return "dataset";
}

export function shortVersion(version: string): string {
  return version.length > 12 ? `${version.slice(0, 8)}…` : version;
}

export function labelOf(node: LineageNode): string {
  const kind = kindOf(node);
  if (kind === "field") return `${ICONS.field} ${node.field ?? node.name}`;
  if (kind === "run") return `${ICONS.run} ${node.name} (${node.state ?? "?"})`;
  if (kind === "job" && node.state && node.state !== "COMPLETE") return `${ICONS.job} ${node.name} (${node.state})`;
  const version = node.version ? ` #${shortVersion(node.version)}` : "";
  return `${ICONS[kind]} ${node.name}${version}`;
}

/** Split a node reference (`type:namespace:name`) back into its parts, as well as it can. */
export function parseRef(ref: string): LineageNode {
  const [type, ...rest] = ref.split(":");
  const body = rest.join(":");
  if (type === "run") return { id: ref, type: "run", kind: "job", depth: 0, namespace: "", name: body };
  const hash = body.indexOf("#");
  const main = hash >= 0 ? body.slice(0, hash) : body;
  const version = hash >= 0 ? body.slice(hash + 1) : undefined;
  const cut = main.lastIndexOf(":");
  const namespace = cut >= 0 ? main.slice(0, cut) : "";
  const name = cut >= 0 ? main.slice(cut + 1) : main;
  return { id: ref, type: type ?? "dataset", kind: type === "job" ? "job" : "dataset", depth: 0, namespace, name, version };
}

export function datasetOfField(node: LineageNode): string {
  return `dataset:${node.namespace}:${node.name}`;
}
