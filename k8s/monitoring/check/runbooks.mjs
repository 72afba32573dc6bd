// Every alert of alerts.yml carries exactly the annotations summary, description
// and runbook_url, and its runbook_url names the alert's runbook in
// k8s/monitoring/README.md: the explicit anchor <a id="runbook-<alert in lower
// case>"></a>. Every runbook there belongs to an alert. The link's base may be
// rewritten (README.md, "Runbook links"); only its end is checked.
//   node runbooks.mjs [--alerts FILE] [--readme FILE]
//   node runbooks.mjs --alerts BAD.yml --readme BAD.md --expect FILE
// Exit 1 with one line per problem. With --expect (a canary), exit 0 only if
// every fragment listed in FILE is part of a reported problem.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const dir = fileURLToPath(new URL("../", import.meta.url));
const opt = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
};
const alertsFile = opt("--alerts", dir + "alerts.yml");
const readmeFile = opt("--readme", dir + "README.md");
const expectFile = opt("--expect");

const annotationKeys = ["summary", "description", "runbook_url"];
const problems = [];

const readme = readFileSync(readmeFile, "utf8");
const anchorCount = new Map();
// An anchor on a line of its own; one quoted in prose (`<a id=...>`) is not one.
for (const m of readme.matchAll(/^<a id="(runbook-[^"]*)"><\/a>/gm)) {
  anchorCount.set(m[1], (anchorCount.get(m[1]) ?? 0) + 1);
}
for (const [anchor, n] of anchorCount) {
  if (n > 1) problems.push(`${readmeFile}: anchor ${anchor} appears ${n} times`);
}

const rules = (parse(readFileSync(alertsFile, "utf8")).groups ?? []).flatMap((g) => g.rules ?? []);
const alerts = rules.filter((r) => r.alert);
if (alerts.length === 0) problems.push(`${alertsFile}: no alerts`);
const expected = new Set();
for (const r of alerts) {
  const where = `${alertsFile}: ${r.alert}`;
  const annotations = r.annotations ?? {};
  for (const key of annotationKeys) {
    if (typeof annotations[key] !== "string" || !annotations[key].trim()) problems.push(`${where}: no ${key} annotation`);
  }
  for (const key of Object.keys(annotations)) {
    if (!annotationKeys.includes(key)) problems.push(`${where}: unexpected annotation ${key} (known: ${annotationKeys.join(", ")})`);
  }
  const anchor = `runbook-${r.alert.toLowerCase()}`;
  expected.add(anchor);
  if (!anchorCount.has(anchor)) problems.push(`${where}: no <a id="${anchor}"></a> in ${readmeFile}`);
  const url = annotations.runbook_url;
  if (typeof url !== "string") continue;
  if (!url.endsWith(`k8s/monitoring/README.md#${anchor}`)) {
    problems.push(`${where}: runbook_url ${url} does not end in k8s/monitoring/README.md#${anchor}`);
  } else if (/\{\{|\s/.test(url)) {
    problems.push(`${where}: runbook_url ${url} must be a plain link`);
  }
}
for (const anchor of anchorCount.keys()) {
  if (!expected.has(anchor)) problems.push(`${readmeFile}: runbook ${anchor} belongs to no alert of ${alertsFile}`);
}

if (expectFile) {
  const expected = readFileSync(expectFile, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const missing = expected.filter((frag) => !problems.some((p) => p.includes(frag)));
  if (missing.length) {
    console.error(`canary ${alertsFile}: these expected problems were NOT reported (a check stopped working):`);
    for (const m of missing) console.error(`  - ${m}`);
    console.error("reported:");
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log(`canary ${alertsFile}: all ${expected.length} planted mistakes reported (${problems.length} problems)`);
  process.exit(0);
}

if (problems.length) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`${alerts.length} alerts, each with summary, description and a runbook in README.md`);
