// Does every $(NAME) in a container expand? Kubernetes expands $(NAME) in an
// env value only from the variables listed before it (envFrom's, then env's
// earlier entries), and in command and args from all of them. A reference to
// anything else stays in the value as the literal text "$(NAME)", silently: an
// OTEL_RESOURCE_ATTRIBUTES of "k8s.pod.name=$(POD)" would name every pod
// "$(POD)". Patches make that easy to get wrong: a strategic merge puts a
// patch's new env entries ahead of the base's, so a patch cannot refer to a
// variable of the base. "$$" is Kubernetes' escape for a literal "$".
//   node env.mjs [--expect-invalid FILE]... FILE...
// Exit 0: every reference expands; 1: problems (listed). Every document of an
// --expect-invalid file must have a problem: the canary that proves the check
// still sees one.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { podTemplate } from "./pod_template.mjs";

const args = process.argv.slice(2);
const canaries = [];
for (let i = args.indexOf("--expect-invalid"); i >= 0; i = args.indexOf("--expect-invalid"))
  canaries.push(args.splice(i, 2)[1]);

const load = (file) =>
  parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter((o) => o?.kind);

// The names a string refers to, as Kubernetes reads it: "$$" is a literal "$",
// "$(NAME)" a reference, any other "$" itself.
function references(text) {
  const names = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "$") continue;
    if (text[i + 1] === "$") {
      i++;
    } else if (text[i + 1] === "(") {
      const end = text.indexOf(")", i + 2);
      if (end < 0) break;
      names.push(text.slice(i + 2, end));
      i = end;
    }
  }
  return names;
}

// The problems of one file's containers, each "Kind/name container: ...".
function check(objects) {
  const problems = [];
  const configMap = (name, namespace) =>
    objects.find((o) => o.kind === "ConfigMap" && o.metadata?.name === name &&
                        (o.metadata?.namespace ?? "default") === namespace);
  for (const o of objects) {
    const spec = podTemplate(o)?.spec;
    if (!spec) continue;
    const namespace = o.metadata?.namespace ?? "default";
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const where = `${o.kind}/${o.metadata?.name} container ${c.name}`;
      const known = new Set();
      // A Secret's keys, or a ConfigMap not in the manifests, cannot be known
      // offline: references nothing else defines are then not judged.
      let unknowable = false;
      for (const from of c.envFrom ?? []) {
        const cm = from.configMapRef && configMap(from.configMapRef.name, namespace);
        if (!cm) unknowable = true;
        else for (const k of Object.keys(cm.data ?? {})) known.add((from.prefix ?? "") + k);
      }
      const defined = new Set((c.env ?? []).map((e) => e.name));
      for (const e of c.env ?? []) {
        for (const name of references(String(e.value ?? "")))
          if (!known.has(name) && !unknowable)
            problems.push(`${where}: env ${e.name} refers to $(${name}), ` +
                          (defined.has(name) ? "which is listed after it" : "which the container does not define") +
                          ": it would stay literal text");
        known.add(e.name);
      }
      for (const [field, list] of [["command", c.command], ["args", c.args]])
        for (const text of list ?? [])
          for (const name of references(String(text)))
            if (!known.has(name) && !unknowable)
              problems.push(`${where}: ${field} refers to $(${name}), which the container does not define`);
    }
  }
  return problems;
}

let failed = false;
for (const file of args) {
  for (const p of check(load(file))) {
    console.log(`FAIL ${file}: ${p}`);
    failed = true;
  }
}
for (const file of canaries) {
  for (const o of load(file)) {
    if (check([o]).length === 0) {
      console.log(`FAIL canary ${file}: ${o.kind}/${o.metadata?.name} passed; the check no longer sees its mistake`);
      failed = true;
    }
  }
}
console.log(`env: ${args.length} file(s), ${canaries.length} canary file(s): ${failed ? "problems" : "every $(NAME) expands"}`);
process.exit(failed ? 1 : 0);
