// Turns every Prometheus query of the rendered AnalysisTemplates into a
// recording rule, so promtool parses them offline (`promtool check rules`) and
// a unit test (k8s/strategies/argo-rollouts/analysis_test.yml, `promtool test
// rules`) proves what they compute from known series.
//   node analysis.mjs OUT.yml RENDERED.yaml...
// Arguments become fixed values: role "ingest", canary-hash "canary",
// stable-hash "stable"; each rule is named analysis:<metric name, _ for ->.
import { readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments, stringify } from "yaml";

const args = { role: "ingest", "canary-hash": "canary", "stable-hash": "stable" };
const rules = new Map();
for (const file of process.argv.slice(3)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const obj = doc.toJS();
    if (obj?.kind !== "AnalysisTemplate") continue;
    for (const m of obj.spec.metrics ?? []) {
      const query = m.provider?.prometheus?.query;
      if (!query) continue;
      const expr = query.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (all, name) => {
        if (!(name in args)) throw new Error(`${obj.metadata.name}/${m.name}: no value for argument ${name}`);
        return args[name];
      });
      rules.set(`analysis:${m.name.replace(/-/g, "_")}`, expr.trim());
    }
  }
}
if (!rules.size) {
  console.error("no AnalysisTemplate query found in the rendered manifests");
  process.exit(1);
}
const group = { name: "analysis-queries", rules: [...rules].map(([record, expr]) => ({ record, expr })) };
writeFileSync(process.argv[2], stringify({ groups: [group] }));
console.log(`${rules.size} analysis queries extracted`);
