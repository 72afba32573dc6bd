// Validates rendered Kubernetes manifests against the API schemas, offline.
//   node schema.mjs [--expect-invalid FILE]... FILE...
// Two checks per object, because neither is enough alone:
//  1. runtime: kubernetes-models' validators (types, required fields, patterns);
//     they accept unknown fields, so a typo like `periodSecond` would pass;
//  2. unknown fields: every object becomes a typed constant in a generated
//     TypeScript file, and tsc's excess-property check rejects any field the
//     type does not have, at any depth.
// Documents in an --expect-invalid file must fail at least one check: that is
// the canary proving both checks still see typos (e.g. after a package update).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

const here = fileURLToPath(new URL(".", import.meta.url));

// Which npm package models an API group. A group missing here fails loudly, so a
// new CRD kind cannot slip through unchecked.
const packages = {
  "": "kubernetes-models",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "keda.sh": "@kubernetes-models/keda",
  "argoproj.io": "@kubernetes-models/argo-rollouts",
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
};

function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const pkg = packages[group] ?? (group.includes(".") && !group.endsWith(".k8s.io") ? null : "kubernetes-models");
  if (!pkg) return null;
  return `${pkg}/${group ? group + "/" : ""}${version}/${kind}`;
}

const docs = [];
let expectInvalid = false;
for (const arg of process.argv.slice(2)) {
  if (arg === "--expect-invalid") {
    expectInvalid = true;
    continue;
  }
  const all = parseAllDocuments(readFileSync(arg, "utf8"));
  all.forEach((doc, i) => {
    const where = `${arg} #${i}`;
    if (doc.errors.length) {
      docs.push({ where, error: `YAML: ${doc.errors[0].message}`, expectInvalid });
      return;
    }
    const obj = doc.toJS();
    if (obj) docs.push({ where, obj, expectInvalid, problems: [] });
  });
  expectInvalid = false;
}

const label = (d) => (d.obj ? `${d.obj.kind}/${d.obj.metadata?.name} (${d.where})` : d.where);

// 1. Runtime validation.
for (const d of docs) {
  if (d.error) {
    d.problems = [d.error];
    continue;
  }
  const { apiVersion, kind } = d.obj;
  d.module = apiVersion && kind ? modulePath(apiVersion, kind) : null;
  if (!d.module) {
    d.problems.push(`no schema for ${apiVersion} ${kind}: add its package to k8s/check`);
    continue;
  }
  try {
    const Model = (await import(d.module))[kind];
    new Model(d.obj).validate();
  } catch (e) {
    d.problems.push(e.code === "ERR_MODULE_NOT_FOUND" ? `no schema for ${apiVersion} ${kind}` : e.message);
  }
}

// 2. Unknown fields: one typed constant per line, so tsc's line numbers name the object.
const typed = docs.filter((d) => d.module && !d.problems.some((p) => p.startsWith("no schema")));
const gen = mkdtempSync(join(here, ".gen-"));
try {
  const lines = [];
  const docAtLine = new Map();
  typed.forEach((d, n) => {
    lines.push(`import type { I${d.obj.kind} as T${n} } from "${d.module}";`);
  });
  typed.forEach((d, n) => {
    lines.push(`export const d${n}: T${n} = ${JSON.stringify(d.obj)};`);
    docAtLine.set(lines.length, d);
  });
  writeFileSync(join(gen, "check.ts"), lines.join("\n") + "\n");
  writeFileSync(
    join(gen, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: "nodenext",
        moduleResolution: "nodenext",
        skipLibCheck: true,
        types: [],
      },
      files: ["check.ts"],
    }),
  );
  let out = "";
  try {
    execFileSync(join(here, "node_modules/.bin/tsc"), ["-p", join(gen, "tsconfig.json"), "--pretty", "false"], {
      encoding: "utf8",
    });
  } catch (e) {
    out = (e.stdout ?? "") + (e.stderr ?? "");
    if (!out.trim()) throw e;
  }
  for (const line of out.split("\n").filter(Boolean)) {
    const m = line.match(/check\.ts\((\d+),\d+\): error (TS\d+: .*)/);
    const d = m && docAtLine.get(Number(m[1]));
    if (d) d.problems.push(m[2]);
    else throw new Error(`tsc: ${line}`);  // an error outside the objects: the check itself is broken
  }
} finally {
  rmSync(gen, { recursive: true, force: true });
}

let failures = 0;
let valid = 0;
for (const d of docs) {
  if (d.expectInvalid) {
    if (d.problems.length) console.log(`rejected as expected: ${label(d)}: ${d.problems[0]}`);
    else {
      failures++;
      console.log(`BLIND: ${label(d)} is invalid on purpose but passed every check`);
    }
  } else if (d.problems.length) {
    failures++;
    for (const p of d.problems) console.log(`INVALID ${label(d)}: ${p}`);
  } else valid++;
}
console.log(`schema: ${valid} objects valid, ${failures} problem(s)`);
process.exit(failures ? 1 : 0);
