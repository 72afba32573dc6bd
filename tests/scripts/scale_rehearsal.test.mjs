// A short scripts/scale-rehearsal run against this build's eventbed
// (EVENTBED_BIN): a spike on one processor must make the HPA scale out and,
// once the backlog is gone and a 3 s stabilisation window has passed, back in
// with SIGTERM, while the simulator finds nothing lost and nothing
// duplicated. Everything runs on free 127.0.0.1 ports; about 40 s.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.EVENTBED_BIN || path.join(root, "build/eventbed");

test("a spike scales processors out and back in, losing and duplicating nothing", { timeout: 240000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "eventbed-scale-test-"));
  const reportFile = path.join(dir, "report.json");
  try {
    const run = spawnSync(
      process.execPath,
      [path.join(root, "scripts/scale-rehearsal"), "--bin", bin, "--shape", "spike", "--rate", "60",
       "--duration", "24", "--max", "4", "--stabilization", "3", "--report", reportFile, "--dir", path.join(dir, "work")],
      { encoding: "utf8", timeout: 200000 },
    );
    const output = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 0, `scale-rehearsal exited ${run.status ?? run.signal}\n${output}`);
    const report = JSON.parse(readFileSync(reportFile, "utf8"));

    assert.ok(report.accepted > 1000, `accepted ${report.accepted}\n${output}`);
    assert.equal(report.lost, 0, output);
    assert.equal(report.duplicated, 0, output);

    const ups = report.scale_event_log.filter((e) => e.to > e.from);
    const downs = report.scale_event_log.filter((e) => e.to < e.from);
    assert.ok(ups.length >= 1, `no scale-up\n${output}`);
    assert.ok(downs.length >= 1, `no scale-down\n${output}`);
    assert.ok(report.max_replicas_reached > 1 && report.max_replicas_reached <= 4, output);
    assert.equal(report.scale_events, report.scale_event_log.length);
    assert.ok(report.drain_seconds_after_spike !== null, `the backlog never drained\n${output}`);

    // Each replica removed was drained with SIGTERM, exited 0, and what its
    // log says about a stop mid-batch is in the report, consistent.
    const removed = downs.reduce((n, e) => n + e.from - e.to, 0);
    assert.equal(report.drains.length, removed, output);
    for (const d of report.drains) {
      assert.equal(d.exit_code, 0, `${d.replica} did not drain cleanly\n${output}`);
      if (!d.mid_batch) continue;
      assert.ok(d.to_run <= d.batch && d.batch >= 1, JSON.stringify(d));
      assert.equal(d.acknowledged + d.left_pending, d.batch, JSON.stringify(d));
    }
    assert.equal(report.drains_mid_batch, report.drains.filter((d) => d.mid_batch).length);
    assert.match(output, /scale-down stabilisation 3 s \(shortened from the manifests' 300 s\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
