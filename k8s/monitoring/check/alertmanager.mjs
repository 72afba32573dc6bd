// The Alertmanager example (k8s/monitoring/alertmanager.yml) against the
// alerts it is for (scripts/monitoring-check, step 5):
//
//   node alertmanager.mjs [--config FILE] [--alerts FILE]
//
//   1. every alert of alerts.yml, with its labels, is routed to the receiver
//      its severity asks for (critical pages, warning makes a ticket):
//      `amtool config routes test --verify.receivers`;
//   2. a real Alertmanager (Debian's prometheus-alertmanager, on a free
//      127.0.0.1 port, in a temporary directory) given a critical and two
//      warnings through its API suppresses the warning of the critical's
//      namespace and role, and only that one.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { childProcesses, freePort, tail } from "../../../scripts/lib/child-processes.mjs";
import { defaultAlerts, monitoringDir } from "./lib.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const configFile = path.resolve(opt("--config", monitoringDir + "alertmanager.yml"));
const alertsFile = path.resolve(opt("--alerts", defaultAlerts));
const receiverFor = { critical: "eventbed-page", warning: "eventbed-ticket" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const problems = [];

// 1. routes
const rules = (parseYaml(readFileSync(alertsFile, "utf8")).groups ?? []).flatMap((g) => g.rules ?? []);
for (const rule of rules) {
  const severity = rule.labels?.severity;
  const expected = receiverFor[severity];
  if (!expected) {
    problems.push(`alert ${rule.alert}: severity "${severity}" has no receiver in this check`);
    continue;
  }
  const labels = Object.entries({ ...rule.labels, alertname: rule.alert }).map(([k, v]) => `${k}=${v}`);
  const r = spawnSync("amtool", ["config", "routes", "test", `--config.file=${configFile}`,
    `--verify.receivers=${expected}`, ...labels], { encoding: "utf8" });
  if (r.status !== 0)
    problems.push(`alert ${rule.alert} (${severity}): routed to ${r.stdout.trim() || "?"}, expected ${expected}` +
      `${r.stderr.includes("WARNING") ? "" : `\n    ${r.stderr.trim()}`}`);
}
console.log(`routes: ${rules.length} alerts checked with amtool config routes test`);

// 2. inhibition, live
const work = mkdtempSync(path.join(os.tmpdir(), "eventbed-alertmanager-check-"));
const { children, start } = childProcesses(work);
process.on("exit", () => {
  for (const c of children) if (!c.exited) try { c.proc.kill("SIGKILL"); } catch {}
  rmSync(work, { recursive: true, force: true });
});

async function api(url, init) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10000) });
  return { status: res.status, body: await res.text() };
}

async function inhibition() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const am = start("alertmanager", "prometheus-alertmanager", [
    `--config.file=${configFile}`, `--storage.path=${work}`, `--web.listen-address=127.0.0.1:${port}`,
    "--cluster.listen-address=", "--log.level=warn",
  ]);
  const until = Date.now() + 60000;
  const waitFor = async (what, check) => {
    while (Date.now() < until) {
      if (am.exited) throw new Error(`alertmanager exited while waiting for ${what}\n${tail(am)}`);
      try {
        const v = await check();
        if (v) return v;
      } catch {}
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}\n${tail(am)}`);
  };
  await waitFor("/-/ready", async () => (await api(`${base}/-/ready`)).status === 200);
  const alert = (alertname, severity, role) => ({
    labels: { alertname, severity, role, namespace: "eventbed", job: "eventbed" },
    annotations: { summary: "monitoring-check" },
    startsAt: new Date().toISOString(),
  });
  const posted = await api(`${base}/api/v2/alerts`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify([
      alert("EventbedRoleDown", "critical", "ingest"),
      alert("EventbedTargetDown", "warning", "ingest"),
      alert("EventbedTargetDown", "warning", "query"),
    ]),
  });
  if (posted.status !== 200) throw new Error(`POST /api/v2/alerts answered ${posted.status}: ${posted.body}`);
  // Inhibition is computed when alerts are listed; poll until all three are there.
  const alerts = await waitFor("the three alerts", async () => {
    const list = JSON.parse((await api(`${base}/api/v2/alerts`)).body);
    return list.length === 3 ? list : null;
  });
  const find = (name, role) => alerts.find((a) => a.labels.alertname === name && a.labels.role === role);
  const critical = find("EventbedRoleDown", "ingest");
  const inhibited = find("EventbedTargetDown", "ingest");
  const other = find("EventbedTargetDown", "query");
  if (critical.status.state !== "active") problems.push(`the critical alert is ${critical.status.state}, not active`);
  if (inhibited.status.state !== "suppressed" || inhibited.status.inhibitedBy.length !== 1)
    problems.push(`the warning of the critical's role is ${inhibited.status.state} ` +
      `(inhibited by ${inhibited.status.inhibitedBy.length}), not suppressed by the critical`);
  if (other.status.state !== "active") problems.push(`the warning of another role is ${other.status.state}, not active`);
  console.log(`inhibition: ${alerts.map((a) => `${a.labels.alertname}/${a.labels.role} ${a.status.state}`).join(", ")}`);
}

try {
  await inhibition();
} catch (e) {
  problems.push(`inhibition: ${e.message}`);
}
for (const c of children) c.proc.kill("SIGTERM");

if (problems.length) {
  console.error(`alertmanager check FAILED (${problems.length}):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log("alertmanager check passed");
