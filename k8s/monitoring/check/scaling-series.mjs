// Recorded samples of the series the dashboard's Scaling row reads from other
// exporters than eventbed: kube-state-metrics (Deployments, HPAs) and the KEDA
// operator. live.mjs serves them on a loopback /metrics that its Prometheus
// scrapes next to eventbed (honor_labels, as a ServiceMonitor for those
// exporters keeps their namespace labels), so every Scaling query is proven
// against real samples with the names and labels those exporters use
// (kube-state-metrics v2, KEDA 2.x). The process Deployment scales between
// 2 and 3 replicas every few seconds, so the scale-event annotation finds
// changes.
import http from "node:http";

export function scalingSeriesText(namespace, nowMs = Date.now()) {
  const scaled = Math.floor(nowMs / 4000) % 2 === 0 ? 2 : 3;
  const ns = `namespace="${namespace}"`;
  const lines = [];
  for (const [deployment, replicas] of [["ingest", 2], ["process", scaled], ["query", 2]]) {
    lines.push(`kube_deployment_spec_replicas{${ns},deployment="${deployment}"} ${replicas}`);
    lines.push(`kube_deployment_status_replicas_available{${ns},deployment="${deployment}"} ${Math.min(replicas, 2)}`);
  }
  lines.push(`kube_horizontalpodautoscaler_status_desired_replicas{${ns},horizontalpodautoscaler="keda-hpa-process"} ${scaled}`);
  lines.push(`kube_horizontalpodautoscaler_spec_target_metric{${ns},horizontalpodautoscaler="keda-hpa-process",` +
             `metric_name="s0-redis-streams-eventbed-events",metric_target_type="average"} 1000`);
  lines.push(`keda_scaler_metrics_value{${ns},scaledObject="process",scaler="redisStreamsScaler",` +
             `metric="s0-redis-streams-eventbed-events",triggerIndex="0",type="scaledobject"} ${scaled * 700}`);
  lines.push(`keda_scaler_active{${ns},scaledObject="process",scaler="redisStreamsScaler",` +
             `metric="s0-redis-streams-eventbed-events",triggerIndex="0",type="scaledobject"} 1`);
  return lines.join("\n") + "\n";
}

// Serves scalingSeriesText on 127.0.0.1:port/metrics; resolves to the server.
export function serveScalingSeries(port, namespace) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
    res.end(scalingSeriesText(namespace));
  });
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
