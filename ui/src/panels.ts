// The side panels of the modes: impact, path, diff, model and audit answers as readable text.

import type { DiffAnswer, Details, ImpactAnswer, Json, PathAnswer } from "./api";
import { h, table, when } from "./dom";

type Obj = { [key: string]: Json };
const obj = (v: Json | undefined): Obj => (v && typeof v === "object" && !Array.isArray(v) ? v : {});
const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);
const text = (v: Json | undefined): string =>
  v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);

const SEVERITIES = ["high", "medium", "low"];

export function impactPanel(answer: ImpactAnswer): HTMLElement {
  const groups = Object.entries(answer.groups).filter(([, items]) => items.length);
  const total = groups.reduce((n, [, items]) => n + items.length, 0);
  const rows = answer.notify.map((n) => [
    h("strong", {}, n.owner),
    h("span", { class: `sev sev-${n.severity}` }, n.severity),
    String(n.nodes.length),
  ]);
  return h(
    "section",
    { class: "mode-panel", "aria-labelledby": "impact-title" },
    h("h2", { id: "impact-title" }, `Impact: ${total} affected downstream`),
    h("h3", {}, "Owners to notify"),
    rows.length ? table(["owner", "severity", "nodes"], rows) : h("p", {}, "No owners recorded downstream."),
    ...groups.map(([group, items]) =>
      h(
        "details",
        { open: true, class: "impact-group" },
        h("summary", {}, `${group} (${items.length})`),
        h(
          "ul",
          {},
          ...[...items]
            .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity))
            .map((item) =>
              h("li", {}, h("span", { class: `sev sev-${item.severity}` }, item.severity), " ", h("code", {}, item.id), ` · ${item.distance} away`),
            ),
        ),
      ),
    ),
    answer.truncated ? h("p", { class: "warning" }, "The answer was truncated.") : null,
  );
}

export function pathPanel(answer: PathAnswer | null, picker: HTMLElement): HTMLElement {
  let result: HTMLElement;
  if (!answer) result = h("p", {}, "Choose where the path should end.");
  else if (!answer.found) result = h("p", { class: "warning", role: "status" }, "No path between these nodes within the depth.");
  else
    result = h(
      "div",
      { role: "status" },
      h("p", {}, `${answer.pathCount}${answer.pathCountCapped ? "+" : ""} path(s); the shortest has ${answer.edges.length} step(s):`),
      h("ol", { class: "path-steps" }, ...answer.nodes.map((n) => h("li", {}, h("code", {}, n.id)))),
    );
  return h("section", { class: "mode-panel", "aria-labelledby": "path-title" }, h("h2", { id: "path-title" }, "Path"), picker, result);
}

function edgeList(title: string, cls: string, edges: { source: string; target: string }[]): HTMLElement {
  return h(
    "details",
    { open: edges.length > 0, class: `diff-list ${cls}` },
    h("summary", {}, `${title} (${edges.length})`),
    h("ul", {}, ...edges.map((e) => h("li", {}, h("code", {}, e.source), " → ", h("code", {}, e.target)))),
  );
}

export function diffPanel(answer: DiffAnswer, controls: HTMLElement): HTMLElement {
  const fields = (title: string, cls: string, items: DiffAnswer["fieldsAdded"]) =>
    h(
      "details",
      { open: items.length > 0, class: `diff-list ${cls}` },
      h("summary", {}, `${title} (${items.length})`),
      h("ul", {}, ...items.map((f) => h("li", {}, h("code", {}, f.dataset), ` . ${f.field}${f.type ? ` (${f.type})` : ""}`))),
    );
  return h(
    "section",
    { class: "mode-panel", "aria-labelledby": "diff-title" },
    h("h2", { id: "diff-title" }, "What changed"),
    controls,
    h("p", {}, `From ${answer.since} to ${answer.until}`),
    edgeList("Edges added", "added", answer.edgesAdded),
    edgeList("Edges retired", "retired", answer.edgesRetired),
    fields("Schema fields added", "added", answer.fieldsAdded),
    fields("Schema fields removed", "retired", answer.fieldsRemoved),
    h(
      "details",
      { class: "diff-list" },
      h("summary", {}, `Versions created (${answer.versionsCreated.length})`),
      h("ul", {}, ...answer.versionsCreated.map((v) => h("li", {}, h("code", {}, v.dataset), ` #${v.version} at ${v.createdAt}`))),
    ),
  );
}

function refs(items: Json | undefined): HTMLElement {
  const values = list(items).map((i) => text(obj(i).id ?? i));
  return values.length ? h("ul", {}, ...values.map((v) => h("li", {}, h("code", {}, v)))) : h("p", {}, "None recorded.");
}

export function modelPanel(lineage: Details, registry: Details | null): HTMLElement {
  const training = obj(lineage.training);
  const reg = registry ?? obj(lineage.registry);
  const aliases = Object.entries(obj(reg.aliases)).map(([alias, version]) => [h("strong", {}, alias), text(version)]);
  const history = list(reg.history).map((e) => {
    const x = obj(e);
    return [when(x.at), text(x.type), text(x.label ?? x.alias ?? x.stage), text(x.version ?? x.to), text(x.actor)];
  });
  const versions = list(registry?.versions).map((v) => [text(obj(v).version), when(obj(v).createdAt)]);
  const deployments = list(lineage.deployments).map((d) => {
    const x = obj(d);
    return [h("code", {}, text(x.id)), when(x.createdAt), text(x.environment), h("code", {}, text(x.deployedBy))];
  });
  const code = obj(training.code);
  const numbers = (title: string, values: Json | undefined) => {
    const rows = Object.entries(obj(values)).map(([k, v]) => [k, text(v)]);
    return rows.length ? h("div", {}, h("h4", {}, title), table(["name", "value"], rows)) : null;
  };
  return h(
    "section",
    { class: "mode-panel", "aria-labelledby": "model-title" },
    h("h2", { id: "model-title" }, `Model ${text(lineage.model)} version ${text(lineage.version)}`),
    lineage.alias ? h("p", {}, `Alias: ${text(lineage.alias)}`) : null,
    h("h3", {}, "Training"),
    h("p", {}, "Job ", h("code", {}, text(training.job)), " run ", h("code", {}, text(training.id ?? training.runId)), ` ${text(training.state)}`),
    code.commit || code.location ? h("p", {}, "Code ", h("code", {}, text(code.commit)), " ", text(code.location)) : null,
    numbers("Parameters", training.params),
    numbers("Metrics", training.metrics),
    h("h3", {}, "Training data"),
    refs(lineage.trainingData),
    h("h3", {}, "Raw sources"),
    refs(lineage.rawSources),
    h("h3", {}, "Registry aliases"),
    aliases.length ? table(["alias", "version"], aliases, "Registry aliases") : h("p", {}, "No aliases."),
    h("h3", {}, "Alias and stage history"),
    history.length ? table(["at", "change", "alias / stage", "version", "by"], history, "Alias and stage history") : h("p", {}, "No history."),
    versions.length ? h("h3", {}, "Versions") : null,
    versions.length ? table(["version", "created"], versions) : null,
    h("h3", {}, "Deployments"),
    deployments.length ? table(["endpoint version", "at", "environment", "deployed by"], deployments) : h("p", {}, "No deployments."),
    h("h3", {}, "Validations"),
    refs(lineage.validations),
    h("h3", {}, "Prediction sets"),
    refs(lineage.predictions),
  );
}

export function auditPanel(chain: Details): HTMLElement {
  const broken = obj(chain.broken);
  const status = chain.verified
    ? h("p", { class: "ok", role: "status" }, `✔ Chain verified: ${text(chain.checked)} entries, head ${text(chain.headSeq)}`)
    : h("p", { class: "bad", role: "status" }, `✘ Chain BROKEN at entry ${text(broken.seq)}: ${text(broken.reason)}`);
  const redactions = list(chain.redactions).map((r) => {
    const x = obj(r);
    return [text(x.seq), text(x.eventTime), text(x.redactedAt), text(x.redactedBy), text(x.reason)];
  });
  return h(
    "section",
    { class: "mode-panel", "aria-labelledby": "audit-title" },
    h("h2", { id: "audit-title" }, "Audit"),
    status,
    h("p", {}, "Head hash ", h("code", { class: "hash" }, text(chain.headHash))),
    h("p", {}, `Redacted entries: ${text(chain.redacted)}`),
    redactions.length ? table(["entry", "event time", "redacted at", "by", "reason"], redactions, "Redactions") : h("p", {}, "No entry has been redacted."),
  );
}
