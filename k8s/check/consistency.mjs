// Do the manifests ask the binary only for what it has? Compares rendered
// manifests with `eventbed <subcommand> --help`, so a renamed flag, a moved port
// or a wrong probe path fails the build instead of the rollout.
//   node consistency.mjs --bin PATH --subcommand serve|simulate FILE...
// The FILEs are one deployment (an overlay's render, plus the Jobs run against
// it). Exit 0: consistent; 1: problems (listed); 77: the binary has no such
// subcommand (ctest reports the test as skipped).
//
// For each container running the eventbed image with that subcommand:
//  - every EVENTBED_* variable (env, envFrom ConfigMaps) and every --flag in args
//    is one the subcommand reads;
//  - serve: container ports are exactly the ports it serves for its roles (the
//    public port only with ingest or query), probes are /startupz, /readyz and
//    /livez on the admin port, terminationGracePeriodSeconds exceeds drain delay
//    + shutdown timeout (+ any preStop sleep), the projection directory is
//    writable under a read-only root, the bind address is reachable;
//  - simulate: its metrics port and bind, writable report paths, and every
//    target URL names a Service port that leads to the right role and port.
// With serve, also the wiring around the pods: Service target ports, the
// ServiceMonitor's ports, Ingress backends, HPA/ScaledObject targets, PDBs.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { podTemplate } from "./pod_template.mjs";

const args = process.argv.slice(2);
const take = (flag) => {
  const i = args.indexOf(flag);
  if (i < 0 || i + 1 >= args.length) throw new Error(`usage: consistency.mjs --bin PATH --subcommand serve|simulate FILE...`);
  return args.splice(i, 2)[1];
};
const bin = take("--bin");
const subcommand = take("--subcommand");
const files = args;

// ---- what the binary offers -------------------------------------------------
function readHelp(sub) {
  let text;
  try {
    text = execFileSync(bin, [sub, "--help"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch {
    return null;
  }
  // CLI11 answers `eventbed unknown --help` with the top-level help: require the subcommand's own.
  if (!new RegExp(`^Usage: \\S+ ${sub}\\b`, "m").test(text)) return null;
  const flags = new Set();
  const byEnv = new Map();  // EVENTBED_X -> { flag, def }
  const byFlag = new Map();  // flag -> { env, def }
  for (const line of text.split("\n")) {
    const m = line.match(/^\s+(?:-\w,)?--([\w-]+)(.*)$/);
    if (!m) continue;
    flags.add(m[1]);
    const env = m[2].match(/\(Env:(\w+)\)\s*$/);
    // "TEXT=[ingest,process,query] ..." or "INT:INT in [1 - 64]=2": the default follows the first '='.
    const eq = m[2].indexOf("=");
    let def = null;
    if (eq >= 0) {
      def = m[2].slice(eq + 1).replace(/\(Env:\w+\)\s*$/, "").replace(/\s*\.\.\.\s*$/, "").trim();
      def = def.replace(/^\[(.*)\]$/, "$1");
    }
    byFlag.set(m[1], { env: env?.[1] ?? null, def });
    if (env) byEnv.set(env[1], { flag: m[1], def });
  }
  return { flags, byEnv, byFlag };
}

const helps = { [subcommand]: readHelp(subcommand) };
if (!helps[subcommand]) {
  console.log(`SKIP: ${bin} has no \`${subcommand}\` subcommand; its containers are not checked`);
  process.exit(77);
}
// Simulator targets are checked against the serve pods, read with serve's --help.
if (subcommand === "simulate") helps.serve = readHelp("serve");

// ---- the manifests -----------------------------------------------------------
const objects = [];
for (const f of files)
  for (const doc of parseAllDocuments(readFileSync(f, "utf8"))) {
    const o = doc.toJS();
    if (o?.kind) objects.push(o);
  }
const ns = (o) => o.metadata?.namespace ?? "default";
const id = (o) => `${o.kind}/${o.metadata?.name}`;
const find = (kind, name, namespace) =>
  objects.find((o) => o.kind === kind && o.metadata?.name === name && ns(o) === namespace);

const workloads = objects.filter(podTemplate).map((o) => ({ obj: o, pod: podTemplate(o) }));

const problems = [];
const problem = (where, msg) => problems.push(`${where}: ${msg}`);

const isEventbed = (c) => /(^|\/)eventbed(:|@|$)/.test(c.image ?? "");
const selects = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

// A container's settings as the binary will see them: --flag args win over
// EVENTBED_* variables, which win over the defaults printed by --help.
function settings(c, namespace, where, sub) {
  const help = helps[sub];
  const env = new Map();  // name -> value, or null when not knowable offline (fieldRef, secret)
  for (const from of c.envFrom ?? []) {
    if (!from.configMapRef) {
      problem(where, `envFrom without configMapRef cannot be checked offline`);
      continue;
    }
    const cm = find("ConfigMap", from.configMapRef.name, namespace);
    if (!cm) {
      if (!from.configMapRef.optional) problem(where, `envFrom ConfigMap ${from.configMapRef.name} is not in the manifests`);
      continue;
    }
    for (const [k, v] of Object.entries(cm.data ?? {})) env.set((from.prefix ?? "") + k, String(v));
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.configMapKeyRef) {
      const cm = find("ConfigMap", e.valueFrom.configMapKeyRef.name, namespace);
      env.set(e.name, cm?.data?.[e.valueFrom.configMapKeyRef.key] ?? null);
    } else env.set(e.name, e.valueFrom ? null : String(e.value ?? ""));
  }
  const flagArgs = new Map();
  const rest = (c.args ?? []).slice(1);
  for (let i = 0; i < rest.length; i++) {
    const m = rest[i].match(/^--([\w-]+)(?:=(.*))?$/);
    if (!m) continue;
    if (!help.flags.has(m[1])) problem(where, `args: --${m[1]} is not a flag of \`eventbed ${sub}\``);
    flagArgs.set(m[1], m[2] ?? rest[i + 1]);
  }
  for (const name of env.keys())
    if (name.startsWith("EVENTBED_") && !help.byEnv.has(name))
      problem(where, `${name} is not read by \`eventbed ${sub}\` (not in its --help)`);
  return (flag) => {
    if (flagArgs.has(flag)) return flagArgs.get(flag);
    const envName = help.byFlag.get(flag)?.env;
    if (envName && env.has(envName)) return env.get(envName);
    return help.byFlag.get(flag)?.def ?? null;
  };
}

function resolvePort(c, port) {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(String(port))) return Number(port);
  return (c.ports ?? []).find((p) => p.name === port)?.containerPort ?? null;
}

const writable = (c, pod, path) =>
  !c.securityContext?.readOnlyRootFilesystem ||
  (c.volumeMounts ?? []).some(
    (m) => !m.readOnly && (path === m.mountPath || path.startsWith(m.mountPath.replace(/\/$/, "") + "/")),
  );
const loopback = (addr) => addr === "127.0.0.1" || addr === "localhost" || addr === "::1";
const toInt = (v) => (v !== null && /^\d+$/.test(String(v)) ? Number(v) : null);

// serve containers, by workload: their roles and ports (also used to check the Services)
const served = [];
const probePaths = { startupProbe: "/startupz", readinessProbe: "/readyz", livenessProbe: "/livez" };

function checkServe(w, c, where) {
  const get = settings(c, ns(w.obj), where, "serve");
  const roles = String(get("roles") ?? "").split(",").map((r) => r.trim()).filter(Boolean);
  const known = String(helps.serve.byFlag.get("roles")?.def ?? "").split(",");
  for (const r of roles) if (!known.includes(r)) problem(where, `role "${r}" is none of ${known.join(", ")}`);
  const admin = toInt(get("admin-port"));
  const pub = toInt(get("port"));
  if (admin === null || pub === null) return problem(where, "port or admin port is not a literal number");
  const servesPublic = roles.includes("ingest") || roles.includes("query");
  const declared = (c.ports ?? []).map((p) => p.containerPort);
  for (const p of c.ports ?? [])
    if (p.containerPort !== admin && !(servesPublic && p.containerPort === pub))
      problem(where, `containerPort ${p.containerPort} (${p.name ?? "unnamed"}) is not served with roles ${roles.join(",")} (public ${servesPublic ? pub : "none"}, admin ${admin})`);
  if (!declared.includes(admin)) problem(where, `admin port ${admin} is not declared`);
  if (servesPublic && !declared.includes(pub)) problem(where, `public port ${pub} is not declared`);
  if (loopback(get("bind"))) problem(where, `binds ${get("bind")}: unreachable from outside the pod`);

  for (const [kind, path] of Object.entries(probePaths)) {
    const probe = c[kind];
    if (!probe) {
      problem(where, `no ${kind}`);
      continue;
    }
    if (!probe.httpGet) {
      problem(where, `${kind} is not an httpGet probe of ${path}`);
      continue;
    }
    if (probe.httpGet.path !== path) problem(where, `${kind} path ${probe.httpGet.path}: the binary answers ${path} for it`);
    if (resolvePort(c, probe.httpGet.port) !== admin) problem(where, `${kind} port ${probe.httpGet.port} is not the admin port ${admin}`);
    if ((probe.httpGet.scheme ?? "HTTP") !== "HTTP") problem(where, `${kind} scheme ${probe.httpGet.scheme}: the admin port speaks HTTP`);
  }

  const drain = toInt(get("drain-delay-ms"));
  const shutdown = toInt(get("shutdown-timeout-ms"));
  const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
  const grace = w.pod.spec?.terminationGracePeriodSeconds ?? 30;
  if (drain === null || shutdown === null) problem(where, "drain delay or shutdown timeout is not a literal number");
  else if (grace * 1000 <= preStop * 1000 + drain + shutdown)
    problem(where, `terminationGracePeriodSeconds ${grace} s does not exceed preStop ${preStop} s + drain ${drain} ms + shutdown ${shutdown} ms`);

  if (roles.includes("query")) {
    const dir = String(get("data-dir"));
    if (!dir.startsWith("/")) problem(where, `data dir "${dir}" is relative: set EVENTBED_DATA_DIR to a mounted path`);
    else if (!writable(c, w.pod, dir)) problem(where, `data dir ${dir} is on the read-only root filesystem: mount a volume there`);
  }
  served.push({ w, c, roles, admin, pub: servesPublic ? pub : null });
}

// Service lookup for a URL host as seen from a pod in `namespace`.
function serviceFor(host, namespace) {
  const [name, svcNs = namespace] = host.split(".");
  return find("Service", name, svcNs);
}

function checkTarget(where, kind, url, namespace) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return problem(where, `${kind} target "${url}" is not a URL`);
  }
  const svc = serviceFor(u.hostname, namespace);
  if (!svc) return problem(where, `${kind} target ${url}: no Service ${u.hostname} in the manifests`);
  const port = Number(u.port || 80);
  const sp = (svc.spec?.ports ?? []).find((p) => p.port === port);
  if (!sp) return problem(where, `${kind} target ${url}: Service ${svc.metadata.name} has no port ${port}`);
  const behind = served.filter((s) => ns(s.w.obj) === ns(svc) && selects(svc.spec?.selector, s.w.pod.metadata?.labels));
  if (!behind.length) return problem(where, `${kind} target ${url}: Service ${svc.metadata.name} selects no eventbed serve pods`);
  for (const s of behind) {
    const target = resolvePort(s.c, sp.targetPort ?? sp.port);
    const at = `${kind} target ${url} -> ${id(s.w.obj)} port ${target}`;
    if (kind === "probe") {
      if (target !== s.admin) problem(where, `${at} is not its admin port ${s.admin}`);
      if (!Object.values(probePaths).includes(u.pathname)) problem(where, `${at}: ${u.pathname} is no probe path`);
    } else {
      if (!s.roles.includes(kind)) problem(where, `${at} does not run the ${kind} role`);
      if (target !== s.pub) problem(where, `${at} is not its public port ${s.pub}`);
    }
  }
}

function checkSimulate(w, c, where) {
  const get = settings(c, ns(w.obj), where, "simulate");
  const admin = toInt(get("admin-port"));
  const declared = (c.ports ?? []).map((p) => p.containerPort);
  if (admin === null) problem(where, "admin port is not a literal number");
  else if (admin === 0) {
    if (declared.length) problem(where, `declares ports ${declared.join(",")} but the metrics port is off (0)`);
  } else {
    for (const p of declared) if (p !== admin) problem(where, `containerPort ${p} is not its metrics port ${admin}`);
    if (declared.length && loopback(get("admin-bind"))) problem(where, `metrics bind ${get("admin-bind")}: Prometheus cannot scrape it`);
  }
  for (const flag of ["report", "plot"]) {
    const path = get(flag);
    if (path && path !== "-" && !writable(c, w.pod, path)) problem(where, `--${flag} ${path} is on the read-only root filesystem`);
  }
  const list = (flag) => String(get(flag) ?? "").split(",").filter(Boolean).map((t) => t.replace(/^[\w.-]+=(?=\w+:\/\/)/, ""));
  const ingest = list("ingest");
  if (!ingest.length) problem(where, "no ingest target");
  for (const url of ingest) checkTarget(where, "ingest", url, ns(w.obj));
  for (const url of list("query")) checkTarget(where, "query", url, ns(w.obj));
  for (const url of list("probe")) checkTarget(where, "probe", url, ns(w.obj));
}

// serve first: simulator targets are checked against the serve pods.
let checked = 0;
for (const wanted of ["serve", "simulate"])
  for (const w of workloads)
    for (const c of w.pod.spec?.containers ?? []) {
      if (!isEventbed(c) || (c.args ?? [])[0] !== wanted) continue;
      const where = `${id(w.obj)} container ${c.name}`;
      if (wanted === "serve") {
        if (subcommand === "serve") {
          checkServe(w, c, where);
          checked++;
        } else {
          // Only to know the roles and ports behind Services; its problems are the serve check's.
          const before = problems.length;
          checkServe(w, c, where);
          problems.length = before;
        }
      } else if (subcommand === "simulate") {
        checkSimulate(w, c, where);
        checked++;
      }
    }
if (!checked) problem(files.join(" "), `no container runs \`eventbed ${subcommand}\``);

// ---- the wiring around the pods (once, with serve) ---------------------------
if (subcommand === "serve") {
  const podsOf = (namespace, selector) =>
    workloads.filter((w) => ns(w.obj) === namespace && selects(selector, w.pod.metadata?.labels));
  for (const svc of objects.filter((o) => o.kind === "Service" && o.spec?.selector)) {
    const pods = podsOf(ns(svc), svc.spec.selector);
    if (!pods.length) problem(id(svc), "selects no pods");
    for (const p of svc.spec.ports ?? [])
      for (const w of pods)
        if (!w.pod.spec.containers.some((c) => resolvePort(c, p.targetPort ?? p.port)))
          problem(id(svc), `port ${p.name ?? p.port}: target ${p.targetPort ?? p.port} is no container port of ${id(w.obj)}`);
  }
  for (const sm of objects.filter((o) => o.kind === "ServiceMonitor")) {
    const svcs = objects.filter((o) => o.kind === "Service" && ns(o) === ns(sm) && selects(sm.spec?.selector?.matchLabels, o.metadata?.labels));
    if (!svcs.length) problem(id(sm), "selects no Service");
    for (const e of sm.spec?.endpoints ?? [])
      for (const s of svcs)
        if (!(s.spec?.ports ?? []).some((p) => p.name === e.port)) problem(id(sm), `${id(s)} has no port named ${e.port}`);
  }
  for (const ing of objects.filter((o) => o.kind === "Ingress"))
    for (const rule of ing.spec?.rules ?? [])
      for (const path of rule.http?.paths ?? []) {
        const b = path.backend?.service;
        const svc = b && find("Service", b.name, ns(ing));
        if (!svc) problem(id(ing), `${path.path}: no Service ${b?.name}`);
        else if (!(svc.spec?.ports ?? []).some((p) => p.name === b.port?.name || p.port === b.port?.number))
          problem(id(ing), `${path.path}: Service ${b.name} has no port ${b.port?.name ?? b.port?.number}`);
      }
  for (const o of objects.filter((o) => o.kind === "HorizontalPodAutoscaler" || o.kind === "ScaledObject")) {
    const ref = o.spec?.scaleTargetRef ?? {};
    if (!find(ref.kind ?? "Deployment", ref.name, ns(o))) problem(id(o), `scale target ${ref.kind ?? "Deployment"}/${ref.name} is not in the manifests`);
  }
  for (const pdb of objects.filter((o) => o.kind === "PodDisruptionBudget"))
    if (!podsOf(ns(pdb), pdb.spec?.selector?.matchLabels).length) problem(id(pdb), "selects no pods");
}

for (const p of problems) console.log(`MISMATCH ${p}`);
console.log(`match ${subcommand}: ${checked} container(s) checked against \`${bin} ${subcommand} --help\`, ${problems.length} problem(s)`);
process.exit(problems.length ? 1 : 0);
