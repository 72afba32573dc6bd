// The pod template of a workload object (its metadata and spec), or the Pod
// itself; null for an object that runs no pods of its own. An Argo Rollout
// here points at its Deployment (workloadRef), whose template is the one.
export function podTemplate(o) {
  switch (o.kind) {
    case "Deployment": case "StatefulSet": case "DaemonSet": case "ReplicaSet": case "Job":
      return o.spec?.template;
    case "CronJob":
      return o.spec?.jobTemplate?.spec?.template;
    case "Pod":
      return o;
    default:
      return null;
  }
}
