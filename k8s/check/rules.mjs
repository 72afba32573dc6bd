// Keeps k8s/monitoring/prometheusrule.yaml equal to k8s/monitoring/alerts.yml.
//   node rules.mjs          check: exit 1 (and say how to fix) when they differ
//   node rules.mjs --write  regenerate prometheusrule.yaml from alerts.yml
// alerts.yml is the file people edit and promtool checks; the PrometheusRule is
// the same groups wrapped for the Prometheus Operator.
import { readFileSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

const dir = fileURLToPath(new URL("../monitoring/", import.meta.url));
const rulesFile = dir + "alerts.yml";
const crdFile = dir + "prometheusrule.yaml";
const rules = parse(readFileSync(rulesFile, "utf8"));

if (process.argv[2] === "--write") {
  const crd = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "eventbed", namespace: "eventbed" },
    spec: rules,
  };
  const header = "# Generated from alerts.yml by `node k8s/check/rules.mjs --write`; edit alerts.yml instead.\n";
  writeFileSync(crdFile, header + stringify(crd, { lineWidth: 120 }));
  console.log(`wrote ${crdFile}`);
} else {
  const crd = parse(readFileSync(crdFile, "utf8"));
  if (!isDeepStrictEqual(crd?.spec, rules)) {
    console.error(`${crdFile}: spec differs from ${rulesFile}; run: node k8s/check/rules.mjs --write`);
    process.exit(1);
  }
  console.log("prometheusrule.yaml mirrors alerts.yml");
}
