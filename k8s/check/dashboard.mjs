// Turns every panel query of k8s/monitoring/dashboard.json into a recording rule,
// so `promtool check rules` parses the PromQL of the dashboard offline.
//   node dashboard.mjs OUT.yml
// Grafana variables are replaced by values that parse ($__rate_interval -> 1m).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

const file = fileURLToPath(new URL("../monitoring/dashboard.json", import.meta.url));
const dashboard = JSON.parse(readFileSync(file, "utf8"));
const variables = { __rate_interval: "1m", __interval: "1m", __range: "1h" };
const exprs = [];
const walk = (panels) => {
  for (const p of panels ?? []) {
    for (const t of p.targets ?? []) if (t.expr) exprs.push(t.expr);
    walk(p.panels);  // rows hold their panels
  }
};
walk(dashboard.panels);
if (!exprs.length) {
  console.error(`${file}: no panel has a PromQL expr`);
  process.exit(1);
}
const substitute = (e) => e.replace(/\$\{?(\w+)\}?/g, (m, name) => variables[name] ?? m);
const rules = exprs.map((e, i) => ({ record: `dashboard_query_${i}`, expr: substitute(e) }));
writeFileSync(process.argv[2], stringify({ groups: [{ name: "dashboard-queries", rules }] }));
console.log(`${exprs.length} dashboard queries extracted`);
