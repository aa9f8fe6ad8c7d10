// Typed calls to Threadline's native API and its Marquez-compatible API (nothing else).

const NATIVE = "/api/threadline/v1";
const MARQUEZ = "/api/v1";

export type Granularity = "entity" | "version" | "column";
export type Direction = "upstream" | "downstream" | "both";

export interface LineageNode {
  id: string;
  type: string;
  kind: string;
  depth: number;
  namespace: string;
  name: string;
  field?: string;
  version?: string;
  state?: string;
}

export interface LineageEdge {
  source: string;
  target: string;
  kind: string;
}

export interface Lineage {
  root: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
  truncated: boolean;
  truncatedReason: string | null;
}

export interface PathAnswer extends Lineage {
  found: boolean;
  pathCount: number;
  pathCountCapped: boolean;
}

export interface ImpactEntry {
  id: string;
  kind: string;
  distance: number;
  severity: string;
  path: string[];
  owners: string[];
}

export interface ImpactAnswer {
  root: string;
  groups: Record<string, ImpactEntry[]>;
  notify: { owner: string; severity: string; nodes: string[] }[];
  truncated: boolean;
}

export interface DiffAnswer {
  since: string;
  until: string;
  edgesAdded: LineageEdge[];
  edgesRetired: LineageEdge[];
  versionsCreated: { dataset: string; version: string; createdAt: string }[];
  fieldsAdded: { dataset: string; field: string; type: string | null }[];
  fieldsRemoved: { dataset: string; field: string; type: string | null }[];
  truncated: boolean;
}

export interface SearchHit {
  type: string;
  name: string;
  namespace: string;
  nodeId: string;
  updatedAt: string;
}

export interface LogRange {
  firstEventTime: string | null;
  lastEventTime: string | null;
  events: number;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Details = { [key: string]: Json };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(path: string, params: Record<string, string | number | null> = {}): Promise<T> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== "") query.set(key, String(value));
  }
  const url = query.toString() ? `${path}?${query}` : path;
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { message?: string };
      if (body.message) message = body.message;
    } catch {
      // The body was not JSON: the status line says enough.
    }
    throw new ApiError(response.status, message);
  }
  return (await response.json()) as T;
}

export interface LineageQuery {
  node: string;
  direction: Direction;
  depth: number;
  granularity: Granularity;
  asOf: string | null;
  limit?: number;
}

export function lineage(q: LineageQuery): Promise<Lineage> {
  return getJson<Lineage>(`${NATIVE}/lineage`, {
    node: q.node,
    direction: q.direction,
    depth: q.depth,
    granularity: q.granularity,
    as_of: q.asOf,
    limit: q.limit ?? 5000,
  });
}

export function path(from: string, to: string, depth: number, asOf: string | null): Promise<PathAnswer> {
  return getJson<PathAnswer>(`${NATIVE}/path`, { from, to, depth, as_of: asOf, direction: "both" });
}

export function impact(node: string, depth: number, asOf: string | null): Promise<ImpactAnswer> {
  return getJson<ImpactAnswer>(`${NATIVE}/impact`, { node, depth, as_of: asOf });
}

export function diff(node: string, since: string, until: string | null, depth: number): Promise<DiffAnswer> {
  return getJson<DiffAnswer>(`${NATIVE}/diff`, { node, since, until, depth });
}

export function nodeDetails(ref: string): Promise<Details> {
  return getJson<Details>(`${NATIVE}/nodes/${encodeURIComponent(ref)}`);
}

export function logRange(): Promise<LogRange> {
  return getJson<LogRange>(`${NATIVE}/log/range`);
}

export function auditChain(): Promise<Details> {
  return getJson<Details>(`${NATIVE}/audit/chain`);
}

export function modelLineage(model: string, asOf: string | null): Promise<Details> {
  return getJson<Details>(`${NATIVE}/models/lineage`, { model, as_of: asOf });
}

export function modelRegistry(model: string): Promise<Details> {
  return getJson<Details>(`${NATIVE}/models/registry`, { model });
}

export function modelChecks(): Promise<{ models: { model: string; reproducible: boolean }[] }> {
  return getJson(`${NATIVE}/models/check`);
}

export function search(q: string): Promise<{ results: SearchHit[] }> {
  return getJson(`${MARQUEZ}/search`, { q, limit: 20 });
}

export function marquezRun(id: string): Promise<Details> {
  return getJson<Details>(`${MARQUEZ}/jobs/runs/${encodeURIComponent(id)}`);
}

export function marquezDataset(namespace: string, name: string): Promise<Details> {
  return getJson<Details>(`${MARQUEZ}/namespaces/${encodeURIComponent(namespace)}/datasets/${encodeURIComponent(name)}`);
}

const MARQUEZ_STATES: Record<string, string> = { COMPLETED: "COMPLETE", FAILED: "FAIL", ABORTED: "ABORT" };

/** The latest run state of each job around a node, from the Marquez lineage graph. */
export async function jobStates(nodeId: string, depth: number): Promise<Map<string, string>> {
  type Graph = { graph: { id: string; type: string; data?: { latestRun?: { state?: string } | null } | null }[] };
  const answer = await getJson<Graph>(`${MARQUEZ}/lineage`, { nodeId, depth });
  const states = new Map<string, string>();
  for (const node of answer.graph) {
    const state = node.type === "JOB" ? node.data?.latestRun?.state : undefined;
    if (state) states.set(node.id, MARQUEZ_STATES[state] ?? state);
  }
  return states;
}
