// The processes a Node check script starts (redis-server, eventbed, ...):
// each one's output goes to <work>/<name>.log, and where setpriv can, each is
// killed with the script (PR_SET_PDEATHSIG), so nothing outlives a crashed
// check. Used by tests/gateways/openapi/conformance.mjs and
// k8s/monitoring/check/live.mjs; stopping stays with each script, whose
// children need different patience.
import { spawn, spawnSync } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";

const pdeathsig = spawnSync("setpriv", ["--help"]).stdout?.toString().includes("--pdeathsig");

// The registry of one script's children under `work`: start() adds to
// `children` a { name, proc, logFile, exited, code, error } kept up to date.
export function childProcesses(work) {
  const children = [];
  function start(name, cmd, argv) {
    const logFile = path.join(work, `${name}.log`);
    const fd = openSync(logFile, "a");
    const [file, fullArgs] = pdeathsig ? ["setpriv", ["--pdeathsig", "KILL", "--", cmd, ...argv]] : [cmd, argv];
    const proc = spawn(file, fullArgs, { stdio: ["ignore", fd, fd] });
    const child = { name, proc, logFile, exited: false, code: null };
    proc.on("exit", (code, signal) => {
      child.exited = true;
      child.code = code ?? signal;
    });
    proc.on("error", (e) => {
      child.exited = true;
      child.error = e.message;
    });
    children.push(child);
    return child;
  }
  return { children, start };
}

// The last `lines` of a child's log, indented for a failure message.
export function tail(child, lines = 15) {
  try {
    return readFileSync(child.logFile, "utf8").trimEnd().split("\n").slice(-lines).map((l) => `    | ${l}`).join("\n");
  } catch {
    return "    | (no log)";
  }
}

// A TCP port free on 127.0.0.1 at the moment of asking.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
