// Do an overlay's NetworkPolicies let through exactly who should connect?
//   node network.mjs OVERLAY.yaml...
// Each file is one rendered overlay. The policies are evaluated as Kubernetes
// does for ingress (a pod selected by no policy accepts everything; a selected
// pod accepts what any policy selecting it allows) over the pods the overlay
// runs, its own namespace, and stand-ins for the peers outside it: the ingress
// controller (namespace ingress-nginx) and Prometheus (namespace monitoring,
// app.kubernetes.io/name=prometheus). Checked, per overlay:
//   - every pod is selected by some policy (nothing accepts everything);
//   - Redis (servers and Sentinels, if the overlay runs them) is reached by the
//     serve pods and by each other, and not by the simulator or the ingress;
//     an exporter beside Redis (any other port of a Redis pod) by Prometheus only;
//   - the public port of ingest and query is reached by the simulator and the
//     ingress controller, and not by the process role or Redis;
//   - every admin port (serve pods, simulator) is reached by Prometheus, and
//     the serve pods' by the simulator (its --probe), not by the ingress.
// Exit 0: as intended; 1: problems (listed).
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const workloadKinds = new Set(["Deployment", "StatefulSet", "Job", "DaemonSet"]);
let problems = 0;

function matches(selector, labels) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

// A peer: { namespace, nsLabels, labels }. A port: a number.
function peerAllowed(rule, peer, policyNs) {
  if (!rule.from || rule.from.length === 0) return true;
  return rule.from.some((f) => {
    if (f.ipBlock) return false;
    const nsOk = f.namespaceSelector ? matches(f.namespaceSelector, peer.nsLabels) : peer.namespace === policyNs;
    const podOk = f.podSelector ? matches(f.podSelector, peer.labels) : true;
    return nsOk && podOk;
  });
}
function portAllowed(rule, port) {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => p.port === port || (p.endPort && port >= p.port && port <= p.endPort));
}

function check(file) {
  const objects = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter((o) => o?.kind);
  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  const pods = objects
    .filter((o) => workloadKinds.has(o.kind))
    .map((o) => ({
      name: `${o.kind}/${o.metadata.name}`,
      namespace: o.metadata.namespace,
      nsLabels: { "kubernetes.io/metadata.name": o.metadata.namespace },
      labels: o.spec.template?.metadata?.labels ?? {},
      ports: (o.spec.template?.spec?.containers ?? []).flatMap((c) => c.ports ?? []).map((p) => p.containerPort),
    }));
  const say = (msg) => {
    console.log(`${file}: ${msg}`);
    problems++;
  };
  if (pods.length === 0) return;
  const ns = pods[0].namespace;
  const reaches = (from, to, port) => {
    const selecting = policies.filter((p) => p.metadata.namespace === to.namespace &&
      (p.spec.policyTypes ?? ["Ingress"]).includes("Ingress") && matches(p.spec.podSelector, to.labels));
    if (selecting.length === 0) return true;
    return selecting.some((p) => (p.spec.ingress ?? []).some((r) => peerAllowed(r, from, ns) && portAllowed(r, port)));
  };
  const expect = (from, to, port, want) => {
    const got = reaches(from, to, port);
    if (got !== want) say(`${from.name} ${got ? "reaches" : "cannot reach"} ${to.name}:${port}${want ? "" : " (it must not)"}`);
  };

  for (const pod of pods) {
    const selected = policies.some((p) => p.metadata.namespace === pod.namespace && matches(p.spec.podSelector, pod.labels));
    if (!selected) say(`${pod.name} is selected by no NetworkPolicy: it accepts every connection`);
  }

  const component = (p) => p.labels["app.kubernetes.io/component"];
  const isServe = (p) => p.labels["app.kubernetes.io/name"] === "eventbed" && ["ingest", "process", "query"].includes(component(p));
  const isSimulator = (p) => p.labels["app.kubernetes.io/name"] === "eventbed" && ["simulator", "simulate-once"].includes(component(p));
  const isRedis = (p) => p.labels["app.kubernetes.io/name"] === "redis";
  const ingress = { name: "ingress-nginx", namespace: "ingress-nginx", nsLabels: { "kubernetes.io/metadata.name": "ingress-nginx" }, labels: {} };
  const prometheus = { name: "prometheus", namespace: "monitoring", nsLabels: { "kubernetes.io/metadata.name": "monitoring" }, labels: { "app.kubernetes.io/name": "prometheus" } };
  const serve = pods.filter(isServe), simulators = pods.filter(isSimulator), redis = pods.filter(isRedis);
  const processRole = serve.filter((p) => component(p) === "process");
  const publicPods = serve.filter((p) => ["ingest", "query"].includes(component(p)));

  const redisPorts = new Set([6379, 26379]);  // any other port of a Redis pod is an exporter's metrics
  for (const r of redis)
    for (const port of r.ports) {
      const data = redisPorts.has(port);
      for (const s of serve) expect(s, r, port, data);
      for (const other of redis) expect(other, r, port, data);
      for (const s of simulators) expect(s, r, port, false);
      expect(ingress, r, port, false);
      if (!data) expect(prometheus, r, port, true);
    }
  for (const p of publicPods) {
    for (const s of simulators) expect(s, p, 8080, true);
    expect(ingress, p, 8080, true);
    for (const q of processRole) expect(q, p, 8080, false);
    for (const r of redis) expect(r, p, 8080, false);
  }
  for (const p of [...serve, ...simulators])
    for (const port of p.ports.filter((x) => x !== 8080)) {
      expect(prometheus, p, port, true);
      expect(ingress, p, port, false);
    }
  for (const p of serve) for (const s of simulators) expect(s, p, 8079, true);
  console.log(`${file}: ${policies.length} NetworkPolicies over ${pods.length} workloads checked`);
}

for (const f of process.argv.slice(2)) check(f);
process.exit(problems ? 1 : 0);
