// Offline checks of the Grafana dashboard (scripts/monitoring-check, steps 1-2).
//
//   node dashboard.mjs [--dashboard FILE] [--rules-out FILE]
//       JSON Schema (dashboard.schema.json, a strict subset of Grafana's model,
//       additionalProperties false everywhere) + custom checks; with --rules-out,
//       writes every panel query as a recording rule for `promtool check rules`.
//   node dashboard.mjs --dashboard BAD.json --expect FILE
//       canary: BAD.json must fail with every message fragment listed in FILE
//       (one per line), so a check that silently stopped working is noticed.
import { readFileSync, writeFileSync } from "node:fs";
import Ajv from "ajv";
import {
  allPanels, allTargets, builtins, defaultDashboard, legendLabels, loadJson, offlineValues,
  parseLabelValues, referencedVariables, substitute,
} from "./lib.mjs";

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const file = opt("--dashboard") ?? defaultDashboard;
const rulesOut = opt("--rules-out");
const expectFile = opt("--expect");

function schemaErrors(dashboard) {
  const schema = loadJson(new URL("./dashboard.schema.json", import.meta.url));
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  const validate = ajv.compile(schema);
  if (validate(dashboard)) return [];
  return validate.errors
    // if/then/else and allOf repeat their branches' errors: keep the concrete ones.
    .filter((e) => !["if", "allOf"].includes(e.keyword))
    .map((e) => {
      const extra = e.keyword === "additionalProperties" ? ` ${e.params.additionalProperty}` : "";
      return `schema: ${e.instancePath || "/"} ${e.message}${extra}`;
    });
}

function customErrors(dashboard) {
  const errors = [];
  const err = (msg) => errors.push(msg);
  const panels = allPanels(dashboard);
  const name = (p) => `panel ${p.id} "${p.title}"`;

  // Unique ids and titles.
  const ids = new Map();
  const titles = new Map();
  for (const p of panels) {
    if (ids.has(p.id)) err(`duplicate panel id ${p.id}: "${ids.get(p.id)}" and "${p.title}"`);
    ids.set(p.id, p.title);
    if (p.type !== "row") {
      if (titles.has(p.title)) err(`duplicate panel title "${p.title}" (ids ${titles.get(p.title)} and ${p.id})`);
      titles.set(p.title, p.id);
    }
  }

  // Layout: inside the 24-column grid, no two panels on the same cells.
  const boxes = [];
  for (const p of panels) {
    const g = p.gridPos;
    if (!g || typeof g.w !== "number" || typeof g.x !== "number") continue;
    if (g.w > 24) err(`${name(p)}: gridPos.w ${g.w} > 24`);
    if (g.x + g.w > 24) err(`${name(p)}: gridPos.x + w = ${g.x + g.w} > 24`);
    boxes.push(p);
  }
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].gridPos, b = boxes[j].gridPos;
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h)
        err(`${name(boxes[i])} and ${name(boxes[j])} overlap`);
    }

  // Queries: every target has a refId (unique in its panel) and an expr;
  // every {{label}} of its legend is a label the expr mentions.
  for (const p of panels) {
    if (p.type === "row") {
      if (!p.collapsed && (p.panels ?? []).length) err(`${name(p)}: an expanded row must list its panels after it, not inside`);
      continue;
    }
    if (!Array.isArray(p.targets) || p.targets.length === 0) {
      err(`${name(p)}: no targets`);
      continue;
    }
    const refIds = new Set();
    for (const t of p.targets) {
      if (!t.refId) err(`${name(p)}: a target has no refId`);
      else if (refIds.has(t.refId)) err(`${name(p)}: duplicate refId ${t.refId}`);
      refIds.add(t.refId);
      if (typeof t.expr !== "string" || !t.expr.trim()) err(`${name(p)}: target ${t.refId ?? "?"} has no expr`);
      else if (t.expr.includes("[[")) err(`${name(p)}: target ${t.refId}: [[var]] syntax is deprecated, use $var`);
      for (const label of legendLabels(t.legendFormat))
        if (typeof t.expr === "string" && !new RegExp(`\\b${label}\\b`).test(t.expr))
          err(`${name(p)}: target ${t.refId}: legend {{${label}}} but the expr never mentions ${label}`);
    }
    if (!p.description?.trim()) err(`${name(p)}: no description`);
  }

  // Variables: referenced ones exist (and are defined before any variable that
  // uses them, as Grafana resolves them in order); defined ones are used.
  const vars = dashboard.templating?.list ?? [];
  const defined = new Set();
  const used = new Set();
  for (const v of vars) {
    if (defined.has(v.name)) err(`variable $${v.name} defined twice`);
    if (v.type === "query") {
      if (!parseLabelValues(v.query ?? "")) err(`variable $${v.name}: query must be label_values(SELECTOR, LABEL)`);
      if (v.definition !== undefined && v.definition !== v.query) err(`variable $${v.name}: definition differs from query`);
      for (const r of referencedVariables(v.query ?? "")) {
        used.add(r);
        if (!defined.has(r) && !(r in builtins)) err(`variable $${v.name} uses $${r}, which is not defined before it`);
      }
    }
    defined.add(v.name);
  }
  for (const { panel, target } of allTargets(dashboard))
    for (const r of referencedVariables(target.expr ?? "")) {
      used.add(r);
      if (!defined.has(r) && !(r in builtins)) err(`${name(panel)}: target ${target.refId}: unknown variable $${r}`);
    }
  for (const p of panels) if (p.datasource?.uid) referencedVariables(p.datasource.uid).forEach((r) => used.add(r));
  for (const v of vars) if (!used.has(v.name)) err(`variable $${v.name} is never used`);
  return errors;
}

const dashboard = (() => {
  try {
    return loadJson(file);
  } catch (e) {
    console.error(`${file}: not JSON: ${e.message}`);
    process.exit(1);
  }
})();
const errors = [...schemaErrors(dashboard), ...customErrors(dashboard)];

if (expectFile) {
  const expected = readFileSync(expectFile, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const missing = expected.filter((frag) => !errors.some((e) => e.includes(frag)));
  if (missing.length) {
    console.error(`canary ${file}: these expected errors were NOT reported (a check stopped working):`);
    for (const m of missing) console.error(`  - ${m}`);
    console.error("reported:");
    for (const e of errors) console.error(`  ${e}`);
    process.exit(1);
  }
  console.log(`canary ${file}: all ${expected.length} planted mistakes reported (${errors.length} errors)`);
  process.exit(0);
}

if (errors.length) {
  for (const e of errors) console.error(`${file}: ${e}`);
  console.error(`${file}: ${errors.length} problem(s)`);
  process.exit(1);
}
const targets = allTargets(dashboard);
console.log(`${file}: schema and custom checks OK (${allPanels(dashboard).length} panels, ${targets.length} queries)`);

if (rulesOut) {
  // JSON is YAML: promtool reads this as a rules file.
  const values = offlineValues(dashboard);
  const rules = targets.map(({ panel, target }) => ({
    record: `dashboard:panel_${panel.id}:${target.refId}`,
    expr: substitute(target.expr, values),
  }));
  writeFileSync(rulesOut, JSON.stringify({ groups: [{ name: "dashboard-queries", rules }] }, null, 1));
  console.log(`${rulesOut}: ${rules.length} panel queries as recording rules`);
}
