// Does every Redis an overlay runs have its exporter beside it, as the Redis
// row of the dashboard and the ServiceMonitor expect?
//   node exporter.mjs OVERLAY.yaml...
// Each file is one rendered overlay. Checked, per Redis server workload
// (app.kubernetes.io/name=redis, component=log; Sentinels are not servers):
//   - a container `redis-exporter` whose --redis.addr is this pod's own Redis
//     (redis://127.0.0.1:<the port named redis>) and that serves a port named
//     `metrics`, which a Service selecting the pod exposes as `metrics`;
//   - where Redis has a password (a Secret volume in its pod), the exporter
//     logs in with the same Secret and the same key that eventbed reads
//     (the file EVENTBED_REDIS_PASSWORD_FILE names, mounted from that Secret);
//   - every exporter, in every file, runs the same image with the same
//     arguments but --redis.addr: one exporter, as k8s/overlays/local has it.
// Exit 0: as intended; 1: problems (listed).
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";

const workloadKinds = new Set(["Deployment", "StatefulSet"]);
let problems = 0;
const seen = new Map();  // "image args" -> first place seen

function selects(selector, labels) {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

function check(file) {
  const objects = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter((o) => o?.kind);
  const say = (msg) => {
    console.log(`${file}: ${msg}`);
    problems++;
  };
  const servers = objects.filter((o) => workloadKinds.has(o.kind) &&
    o.spec.template?.metadata?.labels?.["app.kubernetes.io/name"] === "redis" &&
    o.spec.template.metadata.labels["app.kubernetes.io/component"] === "log");
  const services = objects.filter((o) => o.kind === "Service");
  const secrets = new Map(objects.filter((o) => o.kind === "Secret").map((s) => [s.metadata.name, s]));
  // Where eventbed's serve pods read the password: the Secret and key behind EVENTBED_REDIS_PASSWORD_FILE.
  const passwordFile = objects.filter((o) => o.kind === "ConfigMap")
    .map((c) => c.data?.EVENTBED_REDIS_PASSWORD_FILE).find((v) => v);
  let eventbedSecret = null;
  if (passwordFile) {
    for (const d of objects.filter((o) => o.kind === "Deployment" && o.spec.template.metadata.labels?.["app.kubernetes.io/name"] === "eventbed")) {
      const pod = d.spec.template.spec;
      for (const c of pod.containers)
        for (const m of c.volumeMounts ?? []) {
          const v = (pod.volumes ?? []).find((x) => x.name === m.name);
          if (v?.secret && path.dirname(passwordFile) === m.mountPath)
            eventbedSecret = { name: v.secret.secretName, key: path.basename(passwordFile) };
        }
    }
  }

  for (const w of servers) {
    const name = `${w.kind}/${w.metadata.name}`;
    const pod = w.spec.template.spec;
    const redis = pod.containers.find((c) => (c.ports ?? []).some((p) => p.name === "redis"));
    const exporter = pod.containers.find((c) => c.name === "redis-exporter");
    if (!redis || !exporter) {
      say(`${name} has no ${redis ? "container redis-exporter beside Redis" : "container serving a port named redis"}`);
      continue;
    }
    const redisPort = redis.ports.find((p) => p.name === "redis").containerPort;
    const args = exporter.args ?? [];
    const addr = args.find((a) => a.startsWith("--redis.addr="));
    if (addr !== `--redis.addr=redis://127.0.0.1:${redisPort}`)
      say(`${name}: the exporter's ${addr ?? "--redis.addr (missing)"} is not its own Redis, redis://127.0.0.1:${redisPort}`);
    const metrics = (exporter.ports ?? []).find((p) => p.name === "metrics");
    if (!metrics) say(`${name}: the exporter serves no port named metrics`);
    const labels = w.spec.template.metadata.labels;
    const exposed = services.some((s) => s.metadata.namespace === w.metadata.namespace && selects(s.spec.selector, labels) &&
      (s.spec.ports ?? []).some((p) => p.name === "metrics" && (p.targetPort === "metrics" || p.targetPort === metrics?.containerPort)));
    if (!exposed) say(`${name}: no Service selecting it exposes the exporter as port metrics`);

    // The password: the Secret mounted into the Redis container, if any.
    const secretVolumes = (redis.volumeMounts ?? []).map((m) => (pod.volumes ?? []).find((v) => v.name === m.name))
      .filter((v) => v?.secret);
    const ref = (exporter.env ?? []).find((e) => e.name === "REDIS_PASSWORD")?.valueFrom?.secretKeyRef;
    if (secretVolumes.length === 0) {
      if (ref) say(`${name}: the exporter sends a password to a Redis that mounts none`);
    } else if (!ref) {
      say(`${name}: Redis has a password (Secret ${secretVolumes[0].secret.secretName}) and the exporter none (REDIS_PASSWORD from it)`);
    } else {
      if (!secretVolumes.some((v) => v.secret.secretName === ref.name))
        say(`${name}: the exporter's password comes from Secret ${ref.name}, Redis's from ${secretVolumes.map((v) => v.secret.secretName).join(", ")}`);
      const secret = secrets.get(ref.name);
      if (secret && !Object.hasOwn({ ...secret.data, ...secret.stringData }, ref.key))
        say(`${name}: Secret ${ref.name} has no key ${ref.key}`);
      if (eventbedSecret && (eventbedSecret.name !== ref.name || eventbedSecret.key !== ref.key))
        say(`${name}: the exporter reads ${ref.name}/${ref.key}, eventbed ${eventbedSecret.name}/${eventbedSecret.key}`);
    }

    // One exporter everywhere: the same image and arguments but the address.
    const shape = `${exporter.image} ${args.filter((a) => a !== addr).join(" ")}`;
    if (!seen.has(shape)) seen.set(shape, `${file} ${name}`);
  }
  console.log(`${file}: the exporters of ${servers.length} Redis server workload(s) checked`);
}

for (const f of process.argv.slice(2)) check(f);
if (seen.size > 1) {
  console.log("the Redis exporters differ (image and arguments but --redis.addr):");
  for (const [shape, where] of seen) console.log(`  ${shape}   (${where})`);
  problems++;
}
process.exit(problems ? 1 : 0);
