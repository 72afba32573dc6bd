// Live check (scripts/monitoring-check, step 4): the dashboard and the alerts
// against a real Prometheus scraping a real eventbed under simulator load.
//
//   node live.mjs --eventbed PATH [--dashboard FILE] [--alerts FILE] [--rate 300]
//                 [--deadline 75] [--keep]
//
// Starts on free 127.0.0.1 ports, in a temporary directory: redis-server
// (AOF on, as deployed) and Debian's prometheus-redis-exporter beside it, with
// the stream options of the k8s overlays;
// `eventbed serve --simulate-rate 300` (the embedded simulator publishes sim_*
// on the same /metrics); Debian's prometheus scraping that admin port every 1 s
// with the target labels the ServiceMonitor gives (job, namespace, pod, role)
// and alerts.yml as its rule file. Then, polling until a deadline:
//   - every template variable's label_values() query finds values;
//   - every panel query, once with every variable at "All" and once with each
//     variable at its first value (as Grafana would send them), the Redis row
//     included (scraped from the real exporter), answers
//     status=success with a non-empty result, and every {{label}} of its legend
//     is a label of every series it returns; an annotation's query the same,
//     except that it may be empty (it marks changes a steady stack need not have);
//   - every alert expression parses and evaluates (/api/v1/query), and every
//     rule Prometheus loaded from alerts.yml has been evaluated with health ok;
//   - every ```promql block of k8s/monitoring/README.md answers with data.
// All processes are stopped (SIGTERM, then SIGKILL) and the directory removed
// on every exit path; children also get SIGKILL if this process dies
// (setpriv --pdeathsig).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { childProcesses, freePort, tail } from "../../../scripts/lib/child-processes.mjs";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { serveScalingSeries } from "./scaling-series.mjs";
import {
  allTargets, defaultAlerts, defaultDashboard, escapeRegex, legendLabels, loadJson, monitoringDir, parseLabelValues,
  substitute,
} from "./lib.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const eventbedBin = opt("--eventbed");
const dashboardFile = path.resolve(opt("--dashboard", defaultDashboard));
const alertsFile = path.resolve(opt("--alerts", defaultAlerts));
const rate = opt("--rate", "300");
const deadlineSeconds = Number(opt("--deadline", "75"));
const keep = args.includes("--keep");
if (!eventbedBin || !existsSync(eventbedBin)) {
  console.error("usage: node live.mjs --eventbed PATH-TO-BINARY [--dashboard FILE] [--alerts FILE]");
  process.exit(2);
}

const started = Date.now();
const deadline = started + deadlineSeconds * 1000;
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const log = (msg) => console.log(`[live ${elapsed()}] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const remaining = () => deadline - Date.now();

// ------------------------------------------------------------------ processes
const work = mkdtempSync(path.join(os.tmpdir(), "eventbed-monitoring-check-"));
const { children, start } = childProcesses(work);

// SIGTERM, then SIGKILL after `graceMs`. eventbed gets 2 s: with the embedded
// simulator it stays up about 6 s after SIGTERM (its end-of-run wait of
// --deadline + 1 s) although it logs "stopped cleanly" at once; nothing here
// needs that wait.
async function stop(child, graceMs = child.graceMs ?? 5000) {
  if (child.exited) return;
  const t0 = Date.now();
  child.proc.kill("SIGTERM");
  const until = t0 + graceMs;
  while (!child.exited && Date.now() < until) await sleep(20);
  let how = "SIGTERM";
  if (!child.exited) {
    how = `SIGKILL after ${graceMs / 1000} s`;
    child.proc.kill("SIGKILL");
    const hard = Date.now() + 2000;
    while (!child.exited && Date.now() < hard) await sleep(20);
  }
  log(`stopped ${child.name} (${how}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

// One cleanup, whoever asks first (the end of main, or a signal).
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    for (const c of [...children].reverse()) await stop(c);
    if (keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  })();
  return cleaning;
}
let interrupted = null;
process.on("exit", () => {
  // Last resort (an exception, process.exit): nothing may outlive the check.
  for (const c of children) if (!c.exited) try { c.proc.kill("SIGKILL"); } catch {}
  if (!keep) rmSync(work, { recursive: true, force: true });
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(sig, async () => {
    if (interrupted) return;
    interrupted = sig;
    console.error(`live: ${sig}, stopping everything`);
    await cleanup();
    process.exit(130);
  });

async function fetchText(url, timeoutMs = 2000) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

// Polls check() until it returns a truthy value; fails when `child` exits or
// the time is up.
async function waitFor(what, check, { child, timeoutMs = 20000, everyMs = 100 } = {}) {
  const until = Math.min(Date.now() + timeoutMs, deadline);
  let last;
  while (Date.now() < until) {
    if (child?.exited) throw new Error(`${child.name} exited while waiting for ${what}${child.error ? `: ${child.error}` : ""}\n${tail(child)}`);
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e.message;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ""}${child ? `\n${tail(child)}` : ""}`);
}

function redisPing(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let buf = "";
    s.setTimeout(500, () => s.destroy());
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      buf += d;
      if (buf.includes("\r\n")) {
        s.destroy();
        resolve(buf.startsWith("+PONG"));
      }
    });
    s.on("error", () => resolve(false));
    s.on("close", () => resolve(false));
  });
}

// Starts something on fresh ports, again with new ones if it dies at once
// (another process took a port in between).
async function startWithRetry(name, attempt) {
  let lastError;
  for (let i = 1; i <= 3; i++) {
    try {
      return await attempt();
    } catch (e) {
      lastError = e;
      log(`${name}: attempt ${i} failed: ${e.message.split("\n")[0]}`);
      const dead = children.filter((c) => c.name === name);
      for (const c of dead) await stop(c);
    }
  }
  throw lastError;
}

// ------------------------------------------------------------------ Prometheus API
let promUrl;
async function promQuery(expr) {
  const url = `${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const { status, body } = await fetchText(url, 10000);
  let json;
  try {
    json = JSON.parse(body);
  } catch {
    return { status: "error", error: `HTTP ${status}: ${body.slice(0, 200)}` };
  }
  return json;
}

async function labelValues(selector, label) {
  const url = `${promUrl}/api/v1/series?match[]=${encodeURIComponent(selector)}`;
  const json = JSON.parse((await fetchText(url, 10000)).body);
  if (json.status !== "success") throw new Error(`series ${selector}: ${json.error}`);
  return [...new Set(json.data.map((m) => m[label]).filter((v) => v !== undefined && v !== ""))].sort();
}

// ------------------------------------------------------------------ checks
const dashboard = loadJson(dashboardFile);
const alertRules = (parseYaml(readFileSync(alertsFile, "utf8")).groups ?? []).flatMap((g) => g.rules ?? []);
// The exporter's stream option as the local overlay runs it beside Redis.
const redisExporterStreams = parseAllDocuments(readFileSync(path.join(monitoringDir, "../overlays/local/redis.yaml"), "utf8"))
  .map((d) => d.toJS()).find((o) => o?.kind === "StatefulSet")
  .spec.template.spec.containers.find((c) => c.name === "redis-exporter")
  .args.find((a) => a.startsWith("--check-streams=")).slice("--check-streams=".length);
const readmeQueries = [...readFileSync(path.join(monitoringDir, "README.md"), "utf8").matchAll(/```promql\n([\s\S]*?)```/g)]
  .map((m) => m[1].trim());

// Variable values per mode, resolving label_values() in order as Grafana does.
async function resolveVariables(mode) {
  const values = {};
  const problems = [];
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== "query") continue;
    const lv = parseLabelValues(v.query);
    const selector = substitute(lv.selector, values);
    const found = await labelValues(selector, lv.label);
    if (!found.length) {
      problems.push(`variable $${v.name}: ${v.query} found no values (selector ${selector})`);
      values[v.name] = "__none__";
      continue;
    }
    values[v.name] =
      mode === "first" ? escapeRegex(found[0])
        : v.allValue ?? `(${found.map(escapeRegex).join("|")})`;
  }
  return { values, problems };
}

async function checkDashboard() {
  const problems = [];
  let queries = 0;
  for (const mode of ["all", "first"]) {
    const { values, problems: varProblems } = await resolveVariables(mode);
    problems.push(...varProblems.map((p) => `[${mode}] ${p}`));
    for (const { panel, target } of allTargets(dashboard)) {
      const expr = substitute(target.expr, values);
      const where = `[${mode}] panel ${panel.id} "${panel.title}" ${target.refId}`;
      queries++;
      const r = await promQuery(expr);
      if (r.status !== "success") {
        problems.push({ fatal: true, msg: `${where}: ${r.errorType ?? "error"}: ${r.error}\n      ${expr}` });
        continue;
      }
      const result = r.data.result;
      // An annotation marks a change (a release starting or stopping, a
      // scale event), which this steady stack need not have had: it must
      // evaluate, and may be empty.
      if (panel.annotation && Array.isArray(result) && result.length === 0) continue;
      if (!Array.isArray(result) || result.length === 0) {
        problems.push(`${where}: empty result\n      ${expr}`);
        continue;
      }
      for (const label of legendLabels(target.legendFormat)) {
        const without = result.filter((s) => !(label in s.metric));
        if (without.length) problems.push(`${where}: legend {{${label}}} but ${without.length} series have no ${label} label`);
      }
    }
  }
  return { problems, queries };
}

async function checkReadmeQueries() {
  const problems = readmeQueries.length ? [] : [{ fatal: true, msg: "README.md has no ```promql block" }];
  for (const expr of readmeQueries) {
    const r = await promQuery(expr);
    if (r.status !== "success") problems.push({ fatal: true, msg: `README query: ${r.errorType ?? "error"}: ${r.error}\n      ${expr}` });
    else if (!r.data.result.length) problems.push(`README query: empty result\n      ${expr}`);
  }
  return problems;
}

async function checkAlerts() {
  const problems = [];
  const active = [];
  for (const rule of alertRules) {
    const r = await promQuery(rule.expr);
    if (r.status !== "success") problems.push({ fatal: true, msg: `alert ${rule.alert}: ${r.errorType}: ${r.error}` });
    else if (r.data.result.length) active.push(rule.alert);
  }
  // The same rules as Prometheus itself loaded and evaluates them.
  const json = JSON.parse((await fetchText(`${promUrl}/api/v1/rules?type=alert`, 10000)).body);
  const loaded = (json.data?.groups ?? []).flatMap((g) => g.rules);
  if (loaded.length !== alertRules.length)
    problems.push({ fatal: true, msg: `Prometheus loaded ${loaded.length} alerting rules, alerts.yml has ${alertRules.length}` });
  for (const r of loaded) {
    if (r.health === "err") problems.push({ fatal: true, msg: `alert ${r.name}: evaluation error: ${r.lastError}` });
    else if (r.health !== "ok") problems.push(`alert ${r.name}: not evaluated yet (health ${r.health})`);
  }
  const firingOrPending = loaded.filter((r) => r.state !== "inactive").map((r) => `${r.name} (${r.state})`);
  return { problems, active, firingOrPending, loaded: loaded.length };
}

// ------------------------------------------------------------------ main
async function main() {
  // redis
  let redisPort;
  await startWithRetry("redis", async () => {
    redisPort = await freePort();
    const c = start("redis", "redis-server", [
      "--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir", work,
    ]);
    await waitFor("redis PONG", () => redisPing(redisPort), { child: c, timeoutMs: 10000 });
  });
  log(`redis-server on 127.0.0.1:${redisPort}`);

  // the Redis exporter, with the stream patterns of k8s/overlays/local/redis.yaml
  let exporterPort;
  await startWithRetry("redis-exporter", async () => {
    exporterPort = await freePort();
    const c = start("redis-exporter", "prometheus-redis-exporter", [
      `--redis.addr=redis://127.0.0.1:${redisPort}`, `--web.listen-address=127.0.0.1:${exporterPort}`,
      `--check-streams=${redisExporterStreams}`,
    ]);
    await waitFor("redis exporter redis_up 1", async () =>
      /^redis_up 1$/m.test((await fetchText(`http://127.0.0.1:${exporterPort}/metrics`, 1000)).body),
    { child: c, timeoutMs: 20000 });
  });
  log(`prometheus-redis-exporter on 127.0.0.1:${exporterPort}`);

  // eventbed
  let adminPort;
  await startWithRetry("eventbed", async () => {
    const port = await freePort();
    adminPort = await freePort();
    while (adminPort === port) adminPort = await freePort();
    const c = start("eventbed", path.resolve(eventbedBin), [
      "serve", "--redis", `127.0.0.1:${redisPort}`, "--bind", "127.0.0.1", "--port", String(port),
      "--admin-port", String(adminPort), "--data-dir", path.join(work, "data"), "--instance", "monitoring-check",
      "--simulate-rate", rate, "--drain-delay-ms", "100",
    ]);
    c.graceMs = 2000;
    await waitFor("eventbed /readyz", async () => (await fetchText(`http://127.0.0.1:${adminPort}/readyz`, 1000)).status === 200,
      { child: c, timeoutMs: 30000 });
  });
  log(`eventbed serve --simulate-rate ${rate}, admin port 127.0.0.1:${adminPort}`);

  // recorded kube-state-metrics and KEDA samples (scaling-series.mjs)
  const scalingPort = await freePort();
  (await serveScalingSeries(scalingPort, "eventbed-check")).unref();

  // prometheus
  const config = {
    global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
    rule_files: [alertsFile],
    scrape_configs: [{
      job_name: "eventbed",
      static_configs: [{
        targets: [`127.0.0.1:${adminPort}`],
        // What the ServiceMonitor's discovery and relabeling give a pod.
        labels: { namespace: "eventbed-check", pod: "eventbed-check-0", role: "serve" },
      }],
    }, {
      job_name: "redis",
      static_configs: [{ targets: [`127.0.0.1:${exporterPort}`], labels: { namespace: "eventbed-check", pod: "redis-0" } }],
    }, {
      job_name: "kube-state-metrics",
      honor_labels: true,
      static_configs: [{ targets: [`127.0.0.1:${scalingPort}`] }],
    }],
  };
  writeFileSync(path.join(work, "prometheus.yml"), JSON.stringify(config, null, 1));
  await startWithRetry("prometheus", async () => {
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const c = start("prometheus", "prometheus", [
      `--config.file=${path.join(work, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(work, "prometheus")}`,
      `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn",
    ]);
    await waitFor("prometheus /-/ready", async () => (await fetchText(`${promUrl}/-/ready`, 1000)).status === 200,
      { child: c, timeoutMs: 20000 });
  });
  log(`prometheus on ${promUrl}`);
  const prom = children.find((c) => c.name === "prometheus");
  const eventbed = children.find((c) => c.name === "eventbed");

  // Data: a first scrape (the scrape manager starts on a 5 s tick), then enough
  // samples for rate() and events the simulator has seen processed.
  await waitFor("a first scrape (up == 1)", async () => (await promQuery('up{job="eventbed"} == 1')).data?.result?.length > 0,
    { child: prom, timeoutMs: 30000, everyMs: 250 });
  log("first scrape in");
  await waitFor("processed events in rate()", async () => {
    if (eventbed.exited) throw new Error(`eventbed exited\n${tail(eventbed)}`);
    const r = await promQuery('sum(rate(sim_events_outcome_total{outcome="processed"}[1m])) > 0 and sum(rate(eventbed_events_processed_total[1m])) > 0');
    return r.data?.result?.length > 0;
  }, { child: prom, timeoutMs: 30000, everyMs: 250 });
  log("simulator events are being processed");

  // Poll the whole check until it passes: some series need a few more scrapes.
  // A query Prometheus rejects fails at once: it will not heal.
  let attempt = 0;
  let dash, alerts;
  for (;;) {
    attempt++;
    dash = await checkDashboard();
    dash.problems.push(...(await checkReadmeQueries()));
    alerts = await checkAlerts();
    const fatal = [...dash.problems, ...alerts.problems].filter((p) => p.fatal);
    const pending = dash.problems.length + alerts.problems.length;
    if (fatal.length || pending === 0 || remaining() < 2000) break;
    await sleep(500);
  }
  const show = (p) => (typeof p === "string" ? p : p.msg);
  const problems = [...dash.problems, ...alerts.problems];
  log(`${dash.queries} panel queries (every variable at All, then at its first value), ` +
    `${readmeQueries.length} README queries, ${alertRules.length} alert expressions, ` +
    `${alerts.loaded} rules loaded by Prometheus; attempt ${attempt}`);
  if (alerts.active.length) log(`alert expressions true right now (expected only for for:-guarded noise): ${alerts.active.join(", ")}`);
  if (alerts.firingOrPending.length) log(`alert states: ${alerts.firingOrPending.join(", ")}`);
  if (eventbed.exited) problems.push(`eventbed exited during the check\n${tail(eventbed)}`);
  if (problems.length) {
    console.error(`live check FAILED (${problems.length}):`);
    for (const p of problems) console.error(`  - ${show(p)}`);
    return 1;
  }
  log("every dashboard query returned data and every alert expression evaluated");
  return 0;
}

let rc = 1;
try {
  rc = await main();
} catch (e) {
  if (!interrupted) console.error(`live check FAILED: ${e.message}`);
  rc = 1;
}
await cleanup();
if (interrupted) process.exit(130);
log(rc === 0 ? "live check passed" : "live check failed");
process.exit(rc);
