// The detail panel of the selected node: schema, facets, versions, runs, SQL, owners, errors.

import hljs from "highlight.js/lib/core";
import sql from "highlight.js/lib/languages/sql";

import type { Details, Json } from "./api";
import { h, when } from "./dom";

hljs.registerLanguage("sql", sql);

type Obj = { [key: string]: Json };

function obj(value: Json | undefined): Obj {
  return value && typeof value === "object" && !Array.isArray(value) ? value : {};
}

function list(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

function text(value: Json | undefined): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export function duration(ms: Json | undefined): string {
  if (typeof ms !== "number") return "";
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 120 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function section(title: string, ...body: (Node | string)[]): HTMLElement {
  return h("section", { class: "detail-section" }, h("h3", {}, title), ...body);
}

function simpleTable(headers: string[], rows: (Node | string)[][], label: string): HTMLTableElement {
  return h(
    "table",
    { "aria-label": label },
    h("thead", {}, h("tr", {}, ...headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, ...rows.map((row) => h("tr", {}, ...row.map((cell) => h("td", {}, cell))))),
  );
}

function tagsOf(field: Obj, facets: Obj): string[] {
  const own = list(field.tags).map((t) => (typeof t === "object" ? text(obj(t).key ?? obj(t).name) : text(t)));
  const name = text(field.name);
  const tagged = list(obj(facets.tags).tags)
    .map(obj)
    .filter((t) => text(t.field) === name)
    .map((t) => `${text(t.key)}${t.value ? `=${text(t.value)}` : ""}`);
  return [...own, ...tagged];
}

function schema(details: Details, facets: Obj): HTMLElement | null {
  const fields = list(details.fields).map(obj);
  if (!fields.length) return null;
  const rows = fields.map((f) => [
    h("code", {}, text(f.name)),
    text(f.type),
    h("span", { class: "tags" }, ...tagsOf(f, facets).map((t) => h("span", { class: "tag" }, t))),
    text(f.description),
  ]);
  return section("Schema", simpleTable(["column", "type", "tags", "description"], rows, "Schema"));
}

function owners(facets: Obj): HTMLElement | null {
  const names = list(obj(facets.ownership).owners).map((o) => text(obj(o).name) + (obj(o).type ? ` (${text(obj(o).type)})` : ""));
  return names.length ? section("Owners", h("ul", {}, ...names.map((n) => h("li", {}, n)))) : null;
}

function sqlBlock(facets: Obj): HTMLElement | null {
  const query = obj(facets.sql).query;
  if (typeof query !== "string") return null;
  const code = h("code", { class: "hljs language-sql" });
  // highlight.js escapes the text it is given: its output holds only its own <span> markup.
  code.innerHTML = hljs.highlight(query, { language: "sql" }).value;
  return section("SQL", h("pre", { class: "sql" }, code));
}

function runs(details: Details): HTMLElement | null {
  const items = list(details.runs).map(obj);
  if (!items.length) return null;
  const rows = items.map((r) => [
    h("code", {}, text(r.id).replace(/^run:/, "").slice(0, 8)),
    h("span", { class: `state state-${text(r.state)}` }, text(r.state)),
    when(r.startedAt),
    duration(r.durationMs),
  ]);
  const failures = items
    .filter((r) => r.error)
    .map((r) => h("div", { class: "run-error", role: "note" }, h("strong", {}, `Run ${text(r.id).slice(4, 12)} failed: `), h("pre", {}, errorText(r.error))));
  return section("Runs", simpleTable(["run", "state", "started", "duration"], rows, "Runs"), ...failures);
}

function errorText(error: Json | undefined): string {
  const e = obj(error);
  if (!Object.keys(e).length) return text(error);
  return [text(e.message), text(e.programmingLanguage), text(e.stackTrace)].filter(Boolean).join("\n");
}

function versions(details: Details): HTMLElement | null {
  const items = list(details.versions).map(obj);
  if (!items.length) return null;
  const rows = items.map((v) => [h("code", {}, text(v.version)), when(v.createdAt), text(v.createdByRun ?? v.sourceVersion)]);
  return section(`Versions (${items.length})`, simpleTable(["version", "created", "by run / source"], rows, "Versions"));
}

function facetsBlock(facets: Obj): HTMLElement | null {
  const names = Object.keys(facets).sort();
  if (!names.length) return null;
  return section(
    `Facets (${names.length})`,
    ...names.map((name) =>
      h("details", { class: "facet" }, h("summary", {}, name), h("pre", { class: "json" }, JSON.stringify(facets[name], null, 2))),
    ),
  );
}

export function renderDetails(details: Details, actions: HTMLElement): HTMLElement {
  const facets = obj(details.facets);
  const heading = h(
    "header",
    {},
    h("p", { class: "kind-label" }, `${text(details.type)} · ${text(details.kind)}`),
    h("h2", { id: "detail-title" }, text(details.name)),
    h("p", { class: "namespace" }, text(details.namespace)),
    h("p", {}, h("code", { class: "ref" }, text(details.id))),
    list(details.tags).length
      ? h("p", { class: "tags", "aria-label": "Tags" }, ...list(details.tags).map((t) => h("span", { class: "tag" }, text(t))))
      : null,
  );
  const parts = [schema(details, facets), owners(facets), sqlBlock(facets), runs(details), versions(details), facetsBlock(facets)];
  const raw = h("details", { class: "raw" }, h("summary", {}, "Raw JSON"), h("pre", { class: "json" }, JSON.stringify(details, null, 2)));
  return h("div", {}, heading, actions, ...parts.filter((p): p is HTMLElement => p !== null), raw);
}
