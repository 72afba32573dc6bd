// Shared by dashboard.mjs (offline) and live.mjs (against a real Prometheus):
// walking the dashboard's panels and substituting Grafana variables in PromQL.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const monitoringDir = fileURLToPath(new URL("../", import.meta.url));
export const defaultDashboard = monitoringDir + "dashboard.json";
export const defaultAlerts = monitoringDir + "alerts.yml";

export function loadJson(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

// Every panel, rows' nested panels included (a collapsed row holds its panels).
export function allPanels(dashboard) {
  const out = [];
  const walk = (panels) => {
    for (const p of panels ?? []) {
      out.push(p);
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

// [{panel, target}] for every query of the dashboard; an annotation's query
// comes as a target of a pseudo-panel (id 0), its titleFormat as the legend,
// so that every check of a panel's query runs on it too.
export function allTargets(dashboard) {
  const annotations = (dashboard.annotations?.list ?? []).map((a, i) => ({
    panel: { id: 0, title: `annotation ${a.name}`, annotation: true },
    target: { refId: `annotation${i}`, expr: a.expr, legendFormat: a.titleFormat },
  }));
  return allPanels(dashboard).flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })))
    .concat(annotations);
}

// Grafana's built-in variables, replaced by values that parse and make sense
// for a Prometheus scraping every 1-15 s.
export const builtins = { __rate_interval: "1m", __interval: "15s", __range: "1h" };

// $name, ${name} and ${name:format} (Grafana also knows [[name]], which is
// deprecated: the custom checks reject it).
const variableRef = /\$\{(\w+)(?::\w+)?\}|\$(\w+)/g;

export function referencedVariables(text) {
  return [...text.matchAll(variableRef)].map((m) => m[1] ?? m[2]);
}

// Replaces variables by values[name] (builtins first); unknown names stay.
export function substitute(text, values) {
  return text.replace(variableRef, (whole, braced, bare) => {
    const name = braced ?? bare;
    return builtins[name] ?? values[name] ?? whole;
  });
}

// label_values(SELECTOR, LABEL) -> {selector, label}
export function parseLabelValues(query) {
  const m = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(query.trim());
  return m ? { selector: m[1].trim(), label: m[2] } : null;
}

// Offline values: what the variables hold when "All" is selected, with the
// job named like the ServiceMonitor names it.
export function offlineValues(dashboard) {
  const values = {};
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type === "datasource") continue;
    values[v.name] = v.allValue ?? (v.name === "job" ? "eventbed" : ".*");
  }
  return values;
}

export function escapeRegex(s) {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

// {{label}} references of a legend format.
export function legendLabels(legendFormat) {
  return [...(legendFormat ?? "").matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]);
}
