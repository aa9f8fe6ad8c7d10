// The view's state lives in the URL's hash, so a link reproduces exactly what is shown.

import type { Direction, Granularity } from "./api";

export type Mode = "lineage" | "impact" | "path" | "diff" | "model" | "audit";
export const MODES: Mode[] = ["lineage", "impact", "path", "diff", "model", "audit"];
const GRANULARITIES: Granularity[] = ["entity", "version", "column"];
const DIRECTIONS: Direction[] = ["both", "upstream", "downstream"];
export const DEFAULT_DEPTH = 3;
export const MAX_DEPTH = 20;

export interface ViewState {
  node: string | null;
  mode: Mode;
  depth: number;
  granularity: Granularity;
  direction: Direction;
  asOf: string | null;
  to: string | null;
  since: string | null;
  until: string | null;
  model: string | null;
}

function pick<T extends string>(value: string | null, allowed: T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

export function parseHash(hash: string): ViewState {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const depth = Number.parseInt(params.get("depth") ?? "", 10);
  return {
    node: params.get("node"),
    mode: pick(params.get("mode"), MODES, "lineage"),
    depth: Number.isFinite(depth) ? Math.min(Math.max(depth, 1), MAX_DEPTH) : DEFAULT_DEPTH,
    granularity: pick(params.get("granularity"), GRANULARITIES, "entity"),
    direction: pick(params.get("direction"), DIRECTIONS, "both"),
    asOf: params.get("asOf"),
    to: params.get("to"),
    since: params.get("since"),
    until: params.get("until"),
    model: params.get("model"),
  };
}

export function formatHash(state: ViewState): string {
  const params = new URLSearchParams();
  const entries: [string, string | null][] = [
    ["node", state.node],
    ["mode", state.mode],
    ["depth", String(state.depth)],
    ["granularity", state.granularity],
    ["direction", state.direction === "both" ? null : state.direction],
    ["asOf", state.asOf],
    ["to", state.to],
    ["since", state.since],
    ["until", state.until],
    ["model", state.model],
  ];
  for (const [key, value] of entries) if (value) params.set(key, value);
  return `#${params}`;
}

export function currentState(): ViewState {
  return parseHash(window.location.hash);
}

export function navigate(change: Partial<ViewState>): void {
  const next = formatHash({ ...currentState(), ...change });
  if (next !== window.location.hash) window.location.hash = next;
}
