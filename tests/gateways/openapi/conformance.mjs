// The live conformance test of gateways/openapi.json (scripts/openapi-check,
// ctest openapi_conformance): every answer a real eventbed gives is checked
// against the description, and every answer the description documents must be
// produced.
//
//   node conformance.mjs --eventbed PATH [--deadline 240] [--keep]
//
// Starts, on free 127.0.0.1 ports and in a temporary directory, a real
// redis-server and five `eventbed serve` processes: M (every role), B (query,
// --inject-error-rate 1), C (ingest, --inject-error-rate 1), D (query,
// --inject-latency-ms, to hold a request while it shuts down) and, while Redis
// is stopped, E (ingest, to catch /startupz before it has started). Then it
// requests every operation of the description: every valid body form, every
// invalid one the parser names, every bad-HTTP refusal over a raw socket, every
// other method on every path, unknown paths, 503s with Redis stopped (SIGSTOP),
// overloaded and shutting down, 408s from connections that stall. Requests go
// through Node's fetch (undici) as any client sends them, with no header a
// client would not send; bad HTTP goes through raw sockets, as only a broken
// or hostile client sends it.
//
// Fails when an answer does not match the description (description.mjs says
// how), when a documented answer was never produced (other than the few in
// `notProduced` below, each with its reason), when GET /openapi.json does not
// serve the repository's file byte for byte, or when the checker itself lets a
// planted mistake through (the canaries at the end). Every process is stopped
// and the directory removed on every exit path; children also get SIGKILL if
// this process dies (setpriv --pdeathsig). Every wait has a deadline.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { childProcesses, freePort, tail } from "../../../scripts/lib/child-processes.mjs";
import { Description, descriptionFile, loadDescription } from "./description.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const eventbedBin = opt("--eventbed");
const deadlineSeconds = Number(opt("--deadline", "240"));
const keep = args.includes("--keep");
if (!eventbedBin || !existsSync(eventbedBin)) {
  console.error("usage: node conformance.mjs --eventbed PATH-TO-BINARY [--deadline SECONDS] [--keep]");
  process.exit(2);
}

// Documented answers that no request here produces, each with why. A key that
// is produced after all, or no longer documented, fails the run, so the list
// cannot outlive its reasons.
const bug = "a 500 internal is a bug: no request produces one on purpose";
const notProduced = {
  "POST /ingest 500 application/json internal": bug,
  "POST /ingest 500 application/json storage_failure": "needs Redis to answer a pipelined append for fewer events than it was sent",
  "GET /events/{id} 500 application/json internal": bug,
  "GET /events/{id} 500 application/json storage_failure": "needs a projection whose SQLite file fails to read",
  "GET /stats 500 application/json internal": bug,
  "GET /stats 500 application/json storage_failure": "needs a projection whose SQLite file fails to read",
  "GET /startupz 500 application/json internal": bug,
  "GET /livez 500 application/json internal": bug,
  "GET /readyz 500 application/json internal": bug,
  "GET /events/{id} 503 application/json timeout": "needs a query actor stuck for --request-timeout-ms + 1 s",
  "GET /stats 503 application/json timeout": "needs a query actor stuck for --request-timeout-ms + 1 s",
  "GET /summary 500 application/json internal": bug,
  "GET /summary 500 application/json storage_failure": "needs a projection whose SQLite file fails to read",
  "GET /summary 503 application/json timeout": "needs a query actor stuck for --request-timeout-ms + 1 s",
  "GET /startupz 503 application/json health_unavailable": "needs a health actor that does not answer within 500 ms",
  "GET /livez 503 application/json health_unavailable": "needs a health actor that does not answer within 500 ms",
  "GET /readyz 503 application/json health_unavailable": "needs a health actor that does not answer within 500 ms",
  "GET /livez 503 application/json": "needs a component silent for 30 s",
};

const started = Date.now();
const deadline = started + deadlineSeconds * 1000;
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const log = (msg) => console.log(`[openapi ${elapsed()}] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ processes
const work = mkdtempSync(path.join(os.tmpdir(), "eventbed-openapi-"));
const { children, start } = childProcesses(work);

async function waitExit(child, ms) {
  const until = Date.now() + ms;
  while (!child.exited && Date.now() < until) await sleep(20);
  return child.exited;
}

// SIGCONT (Redis may be stopped), SIGTERM, then SIGKILL after `graceMs`.
async function stop(child, graceMs = 10000) {
  if (child.exited) return;
  child.proc.kill("SIGCONT");
  child.proc.kill("SIGTERM");
  if (!(await waitExit(child, graceMs))) {
    log(`${child.name} still running ${graceMs / 1000} s after SIGTERM: SIGKILL`);
    child.proc.kill("SIGKILL");
    await waitExit(child, 2000);
  }
}

let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    for (const c of [...children].reverse()) await stop(c);
    if (keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  })();
  return cleaning;
}
process.on("exit", () => {
  // Last resort (an exception, process.exit): nothing may outlive the test.
  for (const c of children) if (!c.exited) try { c.proc.kill("SIGKILL"); } catch {}
  if (!keep) rmSync(work, { recursive: true, force: true });
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(sig, async () => {
    console.error(`openapi: ${sig}, stopping everything`);
    await cleanup();
    process.exit(130);
  });
setTimeout(async () => {
  console.error(`openapi: FAILED: the test did not finish within its ${deadlineSeconds} s deadline`);
  await cleanup();
  process.exit(1);
}, deadlineSeconds * 1000).unref();

// Polls check() until it returns a truthy value; fails when `child` exits or
// the time is up.
async function waitFor(what, check, { child, timeoutMs = 30000, everyMs = 50 } = {}) {
  const until = Math.min(Date.now() + timeoutMs, deadline);
  let last;
  while (Date.now() < until) {
    if (child?.exited) throw new Error(`${child.name} exited (${child.code}) while waiting for ${what}${child.error ? `: ${child.error}` : ""}\n${tail(child)}`);
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

// ------------------------------------------------------------------ requests
// Every answer, for description.mjs to check.
const exchanges = [];

// One request through fetch, as a client sends it. `port`: "public" | "admin".
async function call(proc, port, method, target, { headers, body } = {}) {
  const url = new URL(target, port === "admin" ? proc.adminUrl : proc.url);
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(15000) });
  const x = {
    via: proc.name,
    port,
    method,
    path: url.pathname,
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body: await res.text(),
    request: {
      contentType: headers?.["Content-Type"],
      body: typeof body === "string" ? body : undefined,
      binaryMode: Object.keys(headers ?? {}).some((h) => h.toLowerCase().startsWith("ce-")),
    },
  };
  exchanges.push(x);
  return x;
}

const json = (x) => JSON.parse(x.body);
const post = (proc, body, contentType = "application/json", headers = {}) =>
  call(proc, "public", "POST", "/ingest", { headers: { "Content-Type": contentType, ...headers }, body });

// Bytes written to a raw socket, and the one answer read back (the server
// closes these connections). Resolves to the exchange, or to {error}.
function raw(proc, port, method, target, bytes, timeoutMs = 20000) {
  return new Promise((resolve) => {
    const socket = net.connect(port === "admin" ? proc.adminPort : proc.port, "127.0.0.1");
    const chunks = [];
    let done = false;
    const finish = (why) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
      const status = /^HTTP\/1\.[01] ([0-9]{3}) /.exec(statusLine)?.[1];
      if (end < 0 || !status) return resolve({ error: `${method} ${target} on ${proc.name}: ${why}, no HTTP answer: ${JSON.stringify(text.slice(0, 120))}` });
      const headers = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const x = { via: proc.name, port, method, path: target, status: Number(status), headers, body: text.slice(end + 4), raw: true };
      exchanges.push(x);
      resolve(x);
    };
    const timer = setTimeout(() => finish(`nothing within ${timeoutMs / 1000} s`), timeoutMs);
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (d) => chunks.push(d));
    socket.on("error", () => {}); // a reset once the answer is in: finish() reads what came
    socket.on("close", () => finish("closed"));
  });
}

// Bad HTTP for `method target`, by the refusal it must get, on a port whose
// whole-request limit is `limit` bytes.
function badHttp(method, target, limit) {
  const head = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
  return {
    bad_request: head + "this line has no colon\r\n\r\n",
    invalid_content_length: head + "Content-Length: -1\r\n\r\n",
    body_too_large: head + `Content-Length: ${limit + 1}\r\n\r\n`,
    // A chunked body past the limit (a header flood gets the same answer, but
    // Pistache takes seconds to parse one).
    request_too_large: head + "Transfer-Encoding: chunked\r\n\r\n" + (limit + 16).toString(16) + "\r\n" + "a".repeat(limit + 16) + "\r\n0\r\n\r\n",
    not_implemented: head + "Transfer-Encoding: gzip\r\n\r\n",
  };
}

// A concrete target for a documented path: "/events/{id}" -> "/events/openapi-x".
const concrete = (p) => p.replace(/\{[^}]+\}/g, "openapi-x");

// ------------------------------------------------------------------ the stack
let redis;
async function startRedis() {
  const port = await freePort();
  mkdirSync(path.join(work, "redis"));
  redis = start("redis", "redis-server", [
    "--port", String(port), "--bind", "127.0.0.1", "--dir", path.join(work, "redis"),
    "--save", "", "--appendonly", "no", "--daemonize", "no",
  ]);
  redis.port = port;
  await waitFor("redis-server", () => new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => s.write("PING\r\n"));
    s.setTimeout(500, () => s.destroy());
    s.on("data", (d) => { s.destroy(); resolve(d.toString().startsWith("+PONG")); });
    s.on("error", () => resolve(false));
  }), { child: redis, timeoutMs: 10000 });
}

// `eventbed serve` on fresh ports, again with new ones if it dies at once
// (another process took a port in between). Resolves once `probe` answers 200.
async function startEventbed(name, extra, probe = "/readyz") {
  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const adminPort = await freePort();
    const child = start(`${name}${attempt > 1 ? `-${attempt}` : ""}`, eventbedBin, [
      "serve", "--redis", `127.0.0.1:${redis.port}`, "--bind", "127.0.0.1", "--port", String(port),
      "--admin-port", String(adminPort), "--data-dir", path.join(work, `${name}-data`), "--instance", name,
      "--log-level", "warn", "--drain-delay-ms", "0", ...extra,
    ]);
    Object.assign(child, { port, adminPort, url: `http://127.0.0.1:${port}`, adminUrl: `http://127.0.0.1:${adminPort}` });
    if (!probe) return child;
    try {
      await waitFor(`${name} ${probe} 200`, async () => (await call(child, "admin", "GET", probe)).status === 200,
        { child, timeoutMs: 60000 });
      return child;
    } catch (e) {
      lastError = e;
      log(`${name}: attempt ${attempt} failed: ${e.message.split("\n")[0]}`);
      await stop(child);
    }
  }
  throw lastError;
}

// ------------------------------------------------------------------ the plan
const limitPublic = 1024 * 1024 + 64 * 1024; // --max-body-bytes (default) + 64 KiB
const limitAdmin = 64 * 1024;
const failures = [];
const fail = (msg) => failures.push(msg);

async function main() {
  const description = new Description(loadDescription());
  const operations = description.operations;
  log(`${operations.length} operations in ${path.relative(process.cwd(), descriptionFile)}`);

  await startRedis();
  const [M, B, C, D] = await Promise.all([
    // Batches over 50 events are more than the ingest queue holds: 503 overloaded.
    startEventbed("m", ["--request-timeout-ms", "1000", "--ingest-queue-limit", "50", "--ingest-batch-events", "50"]),
    startEventbed("b", ["--roles", "query", "--inject-error-rate", "1"]),
    startEventbed("c", ["--roles", "ingest", "--inject-error-rate", "1"]),
    startEventbed("d", ["--roles", "query", "--inject-latency-ms", "5000"]),
  ]);
  log("redis-server and four eventbed processes ready");

  // Connections that stall before their header block ends: 408 after 10 s.
  // They wait in the background while the rest runs.
  const stalled = operations.map((o) =>
    raw(M, o.port, o.method, concrete(o.path), `${o.method} ${concrete(o.path)} HTTP/1.1\r\nHost: 127.0.0.1\r\n`));

  // ---- POST /ingest on M: every body form, every way a body is refused.
  const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const first = await post(M, JSON.stringify({ type: "order.created", data: { sku: "A-1", qty: 3 } }), "application/json",
    { traceparent });
  const mine = JSON.stringify({ id: "openapi-1", type: "order.created", source: "/conformance", data: [1, "two", null],
    traceparent: "not a traceparent" });
  await post(M, mine);
  await post(M, mine); // duplicate: true
  await post(M, JSON.stringify([{ type: "a" }, { id: "openapi-2", type: "b/c", source: null, data: { nested: { deep: true } } }]));
  await post(M, JSON.stringify({ specversion: "1.0", id: "openapi-ce-1", source: "/conformance", type: "order.created",
    datacontenttype: "application/json", subject: "s", time: "2026-01-01T00:00:00Z", data: { x: 1 }, ext1: "v", ext2: 2 }),
  "application/cloudevents+json");
  await post(M, JSON.stringify({ specversion: "1.0", id: "openapi-ce-2", source: "/conformance", type: "blob",
    data_base64: "aGVsbG8=" }), "application/cloudevents+json; charset=utf-8");
  await post(M, JSON.stringify([
    { specversion: "1.0", id: "openapi-ce-3", source: "/conformance", type: "a" },
    { specversion: "1.0", id: "openapi-ce-4", source: "/conformance", type: "b", traceparent },
  ]), "application/cloudevents-batch+json");
  await post(M, "[]", "application/cloudevents-batch+json");
  await post(M, JSON.stringify({ id: "openapi-reject", type: "eventbed.reject" }));
  await post(M, JSON.stringify({ id: "openapi-poison", type: "eventbed.poison" }));
  // CloudEvents binary mode: the attributes in ce-* headers, the data as the body.
  await post(M, "hello", "text/plain", { "ce-specversion": "1.0", "ce-id": "openapi-binary-1", "ce-source": "/conformance",
    "ce-type": "note.written" });

  // Versioned types with a schema (GET /schemas): one of the oldest and one of the newest version.
  const widget = { sku: "A", manufactured_qty: 60, year: 2001, month: 1, day: 2, hour: 9 };
  await post(M, JSON.stringify({ id: "openapi-widget-1", type: "widget.produced.v1", data: widget }));
  await post(M, JSON.stringify({ id: "openapi-widget-3", type: "widget.produced.v3",
    data: { ...widget, defect_qty: 4, sku_manufacturing_cost: 150 } }));

  const refused = [
    ["schema_violation", JSON.stringify({ type: "widget.produced.v2", data: { ...widget, defect_qty: 61 } })],
    ["unknown_schema_version", JSON.stringify({ type: "widget.produced.v9", data: widget })],
    ["invalid_json", '{"type": "a",'],
    ["nesting_too_deep", `{"type": "a", "data": ${"[".repeat(70)}${"]".repeat(70)}}`],
    ["duplicate_key", '{"type": "a", "type": "b"}'],
    ["invalid_event", "[1]"],
    ["empty_batch", "[]"],
    ["unknown_field", '{"type": "a", "tpye": "b"}'],
    ["missing_field", '{"data": 1}'],
    ["invalid_field", '{"type": "not a type!"}'],
    ["invalid_id", '{"type": "a", "id": "not an id"}'],
    ["body_too_large", JSON.stringify({ type: "a", data: "x".repeat(1024 * 1024) })],
    ["too_many_events", JSON.stringify(Array.from({ length: 1001 }, () => ({ type: "a" })))],
    ["overloaded", JSON.stringify(Array.from({ length: 51 }, () => ({ type: "a" })))],
  ];
  for (const [, body] of refused) await post(M, body);
  await post(M, '{"type": "a"}', "text/plain"); // 415
  await call(M, "public", "POST", "/ingest", { body: new TextEncoder().encode('{"type": "a"}') }); // no Content-Type: 415

  // ---- GET /events/{id}, /stats, /openapi.json on M.
  const id = json(first).id;
  const record = (eventId, status) => waitFor(`${eventId} ${status}`, async () => {
    const x = await call(M, "public", "GET", `/events/${eventId}`);
    return x.status === 200 && json(x).status === status;
  });
  await record(id, "processed");
  await record("openapi-reject", "failed");
  await record("openapi-poison", "accepted");
  await record("openapi-binary-1", "processed"); // data that is not JSON: data_base64
  const asCloudEvent = { headers: { Accept: "application/cloudevents+json" } };
  await call(M, "public", "GET", `/events/${id}`, asCloudEvent);
  await call(M, "public", "GET", "/events/openapi-ce-1", asCloudEvent);
  await call(M, "public", "GET", "/events/openapi-binary-1", asCloudEvent);
  await call(M, "public", "GET", "/events/no-such-event"); // 404
  await call(M, "public", "GET", "/events/not an id"); // 400 invalid_id
  await call(M, "public", "GET", `/events/${"a".repeat(129)}`); // 400 invalid_id
  await call(M, "public", "GET", "/stats");
  await record("openapi-widget-3", "processed");
  await call(M, "public", "GET", "/summary?year=2001&month=1");
  await call(M, "public", "GET", "/summary?sku=A");
  await call(M, "public", "GET", "/summary?month=13"); // 400 invalid_parameter
  await call(M, "public", "GET", "/schemas");
  await call(M, "public", "GET", "/schemas/widget.produced.v2");
  await call(M, "public", "GET", "/schemas/widget.produced.v9"); // 404
  const served = await call(M, "public", "GET", "/openapi.json");
  if (served.body !== readFileSync(descriptionFile, "utf8"))
    fail("GET /openapi.json does not serve gateways/openapi.json byte for byte: rebuild, or the embedding is broken");

  // ---- The admin port, unknown paths, other methods.
  for (const o of operations.filter((o) => o.port === "admin")) await call(M, "admin", o.method, o.path);
  await call(M, "public", "GET", "/no-such-route");
  await call(M, "admin", "GET", "/no-such-route");
  for (const p of new Set(operations.map((o) => o.path))) {
    const served = operations.filter((o) => o.path === p);
    for (const method of ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
      if (!served.some((o) => o.method === method)) await call(M, served[0].port, method, concrete(p));
  }

  // ---- Bad HTTP on every operation.
  for (const o of operations) {
    const cases = badHttp(o.method, concrete(o.path), o.port === "admin" ? limitAdmin : limitPublic);
    for (const [name, bytes] of Object.entries(cases)) {
      const x = await raw(M, o.port, o.method, concrete(o.path), bytes);
      if (x.error) fail(`${name}: ${x.error}`);
    }
  }
  log(`M: ${exchanges.length} answers so far`);

  // ---- B and C: roles not run (404) and injected faults (503).
  await call(B, "public", "GET", "/events/openapi-1");
  await call(B, "public", "GET", "/stats");
  await call(B, "public", "GET", "/summary");
  await post(B, '{"type": "a"}');
  await call(B, "public", "GET", "/openapi.json");
  await post(C, '{"type": "a"}');
  await call(C, "public", "GET", "/stats");
  await call(C, "public", "GET", "/summary");
  await call(C, "public", "GET", "/events/openapi-1");
  await Promise.all([stop(B), stop(C)]);

  // ---- D: a request held by --inject-latency-ms keeps D shutting down while
  // new requests are refused.
  const held = call(D, "public", "GET", "/stats").catch((e) => ({ status: e.message }));
  await waitFor("D to hold a request", async () =>
    /http_server_active_requests\{server="public"\} 1\b/.test((await call(D, "admin", "GET", "/metrics")).body), { child: D });
  D.proc.kill("SIGTERM");
  // Polled on the one route --inject-latency-ms does not delay: a request that
  // came in just before the refusals began would be held too.
  await waitFor("D to refuse new requests", async () => (await call(D, "public", "GET", "/openapi.json")).status === 503,
    { child: D });
  await call(D, "public", "GET", "/stats");
  await call(D, "public", "GET", "/summary");
  await call(D, "public", "GET", "/schemas");
  await call(D, "public", "GET", "/schemas/widget.produced.v1");
  await call(D, "public", "GET", "/events/openapi-1");
  await post(D, '{"type": "a"}');
  await call(D, "admin", "GET", "/readyz"); // 503 draining
  if ((await held).status !== 200) fail(`D answered the request it held ${(await held).status}, not 200`);
  if (!(await waitExit(D, 30000)) || D.code !== 0) fail(`D did not exit 0 after SIGTERM (${D.code})\n${tail(D)}`);
  log("B, C, D done");

  // ---- The stalled connections.
  for (const x of await Promise.all(stalled)) if (x.error) fail(`stalled request: ${x.error}`);

  // ---- Redis stopped: M answers 503 and stops being ready; E cannot start.
  redis.proc.kill("SIGSTOP");
  await post(M, '{"type": "a"}'); // 503 redis_unavailable
  await waitFor("M /readyz 503", async () => (await call(M, "admin", "GET", "/readyz")).status === 503, { child: M });
  for (let attempt = 1; attempt <= 3; attempt++) {
    // Its log writers' first PING waits out their 2 s Redis timeout: until
    // then /startupz is 503 starting. Seen only if the first answer comes soon.
    const E = await startEventbed(`e${attempt}`, ["--roles", "ingest"], null);
    const first = await waitFor("E /startupz", () => call(E, "admin", "GET", "/startupz").catch(() => null), { child: E, everyMs: 10 });
    await stop(E);
    if (first.status === 503) break;
    log(`E answered /startupz ${first.status} at once (attempt ${attempt})`);
  }
  redis.proc.kill("SIGCONT");
  await waitFor("M /readyz 200 again", async () => (await call(M, "admin", "GET", "/readyz")).status === 200, { child: M });
  await stop(M);
  if (M.code !== 0) fail(`M exited ${M.code} after SIGTERM\n${tail(M)}`);
  log(`${exchanges.length} answers`);

  // ---- The verdict.
  const produced = new Set();
  let bad = 0;
  for (const x of exchanges) {
    const { key, problems } = description.check(x);
    produced.add(key);
    if (problems.length === 0) continue;
    bad++;
    fail(`${x.method} ${x.path} on ${x.via} (${x.port} port) answered ${x.status}, which the description does not allow:\n` +
      problems.map((p) => `    - ${p}`).join("\n") + `\n    body: ${x.body.slice(0, 300)}`);
  }
  const documented = description.answers();
  for (const key of documented)
    if (!produced.has(key) && !notProduced[key]) fail(`documented but never produced: ${key}`);
  for (const key of Object.keys(notProduced)) {
    if (!documented.includes(key)) fail(`notProduced names an answer the description does not document: ${key}`);
    else if (produced.has(key)) fail(`produced after all, remove it from notProduced: ${key}`);
  }
  canaries(description, produced);

  console.log(`${exchanges.length} answers checked, ${bad} not as described; ` +
    `${documented.length - Object.keys(notProduced).length} of ${documented.length} documented answers produced ` +
    `(${Object.keys(notProduced).length} cannot be, each with its reason in conformance.mjs)`);
}

// The checker must catch planted mistakes: answers the description does not
// allow, and a documented answer no request produced.
function canaries(description, produced) {
  const stats = JSON.stringify({ total: 0, by_status: { accepted: 0, processed: 0, failed: 0 }, by_type: {} });
  const jsonHeaders = { "content-type": "application/json" };
  const planted = [
    ["an undocumented status", { port: "public", method: "GET", path: "/stats", status: 418, headers: jsonHeaders, body: stats }],
    ["an undocumented error code", { port: "public", method: "POST", path: "/ingest", status: 400, headers: jsonHeaders,
      body: '{"error":"made_up","detail":"x"}' }],
    ["a 503 without Retry-After", { port: "public", method: "POST", path: "/ingest", status: 503, headers: jsonHeaders,
      body: '{"error":"overloaded","detail":"x"}' }],
    ["Retry-After where none is documented", { port: "public", method: "POST", path: "/ingest", status: 400,
      headers: { ...jsonHeaders, "retry-after": "1" }, body: '{"error":"invalid_json","detail":"x"}' }],
    ["a member the schema does not have", { port: "public", method: "GET", path: "/stats", status: 200, headers: jsonHeaders,
      body: stats.replace("{", '{"extra":1,') }],
    ["an undocumented media type", { port: "public", method: "GET", path: "/stats", status: 200,
      headers: { "content-type": "text/plain" }, body: stats }],
    ["an unknown path answered 200", { port: "public", method: "GET", path: "/nope", status: 200, headers: jsonHeaders, body: stats }],
    ["an admin path on the public port", { port: "public", method: "GET", path: "/metrics", status: 200,
      headers: { "content-type": "text/plain" }, body: "x 1\n" }],
    ["a wrong Allow", { port: "public", method: "PUT", path: "/stats", status: 405, headers: { ...jsonHeaders, allow: "GET, PUT" },
      body: '{"error":"method_not_allowed","detail":"x"}' }],
    ["a body where none is documented", { port: "public", method: "GET", path: "/stats", status: 408, headers: {}, body: "x" }],
    ["a 202 to a request the description forbids", { port: "public", method: "POST", path: "/ingest", status: 202,
      headers: jsonHeaders, body: '{"duplicate":false,"id":"a"}',
      request: { contentType: "application/json", body: '{"type":"a","tpye":"b"}' } }],
  ];
  for (const [name, x] of planted)
    if (description.check(x).problems.length === 0) fail(`canary: the checker lets ${name} through`);
  const doc = structuredClone(description.doc);
  doc.paths["/stats"].get.responses["418"] = { description: "planted" };
  if (!new Description(doc).answers().some((key) => key === "GET /stats 418" && !produced.has(key)))
    fail("canary: a documented answer that was never produced goes unnoticed");
}

try {
  await main();
} catch (e) {
  fail(e.stack ?? String(e));
}
await cleanup();
if (failures.length) {
  console.error(`openapi conformance: FAILED\n${failures.map((f) => `- ${f}`).join("\n")}`);
  process.exit(1);
}
console.log("openapi conformance: passed");
