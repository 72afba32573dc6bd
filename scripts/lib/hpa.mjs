// The HorizontalPodAutoscaler's replica calculation (Kubernetes'
// pkg/controller/podautoscaler, autoscaling/v2 with `behavior`), for
// scripts/scale-rehearsal. One reconcile, desired(current, metric, now):
//   1. the metric's proposal: ceil(current × metric / target), where metric is
//      the per-replica value (an AverageValue target); no change while
//      |metric / target - 1| <= tolerance (0.1, the controller's default);
//   2. stabilisation: never above the lowest proposal of the scale-up window,
//      never below the highest of the scale-down window (each window counts
//      the proposals made within it, this one included);
//   3. rate: within each policy's period, the replica count may grow (or
//      shrink) only as far as the policy allows from where it stood at the
//      period's start (Pods: by `value` replicas; Percent: by `value` % of it,
//      rounded up when growing, down when shrinking); selectPolicy Max takes
//      the policy allowing the largest change, Min the smallest, Disabled none;
//   4. clamped to [min, max].
// The result is taken as applied: a change is recorded as a scale event, which
// the rate policies of later reconciles count.
//
// `behavior` is the HPA's spec.behavior; what it leaves out gets Kubernetes'
// defaults (defaultBehavior), per direction and field, as the API server fills
// them in. eventbed's manifests (k8s/base/process.yaml, k8s/components/keda)
// set only scaleDown.stabilizationWindowSeconds (300); a rehearsal shortens it
// and says so.
export const defaultBehavior = Object.freeze({
  scaleUp: Object.freeze({
    stabilizationWindowSeconds: 0,
    selectPolicy: "Max",
    policies: Object.freeze([
      Object.freeze({ type: "Percent", value: 100, periodSeconds: 15 }),
      Object.freeze({ type: "Pods", value: 4, periodSeconds: 15 }),
    ]),
  }),
  scaleDown: Object.freeze({
    stabilizationWindowSeconds: 300,
    selectPolicy: "Max",
    policies: Object.freeze([Object.freeze({ type: "Percent", value: 100, periodSeconds: 15 })]),
  }),
});

export class Hpa {
  constructor({ target, min = 1, max = 10, tolerance = 0.1, behavior = {} }) {
    if (!(target > 0)) throw new Error(`HPA target must be > 0, not ${target}`);
    if (!(min >= 1 && max >= min)) throw new Error(`HPA bounds must be 1 <= min <= max, not ${min}..${max}`);
    Object.assign(this, { target, min, max, tolerance });
    this.behavior = {
      scaleUp: { ...defaultBehavior.scaleUp, ...behavior.scaleUp },
      scaleDown: { ...defaultBehavior.scaleDown, ...behavior.scaleDown },
    };
    this.recommendations = []; // [{at, replicas}]: the metric's proposals, unstabilised
    this.scaleEvents = { up: [], down: [] }; // [{at, change}], change > 0
  }

  // The replica count to run now, given `current` replicas and the metric's
  // per-replica value, at time `now` (ms).
  desired(current, metric, now) {
    let desired;
    if (current > this.max) desired = this.max;
    else if (current < this.min) desired = this.min;
    else desired = this.#rateLimited(current, this.#stabilised(current, this.#proposal(current, metric), now), now);
    if (desired !== current) {
      const direction = desired > current ? "up" : "down";
      this.scaleEvents[direction].push({ at: now, change: Math.abs(desired - current) });
    }
    return desired;
  }

  #proposal(current, metric) {
    const ratio = metric / this.target;
    return Math.abs(ratio - 1) <= this.tolerance ? current : Math.ceil(current * ratio);
  }

  #stabilised(current, proposal, now) {
    const { scaleUp, scaleDown } = this.behavior;
    const upCutoff = now - scaleUp.stabilizationWindowSeconds * 1000;
    const downCutoff = now - scaleDown.stabilizationWindowSeconds * 1000;
    let up = proposal;
    let down = proposal;
    for (const r of this.recommendations) {
      if (r.at > upCutoff) up = Math.min(up, r.replicas);
      if (r.at > downCutoff) down = Math.max(down, r.replicas);
    }
    this.recommendations = this.recommendations.filter((r) => r.at >= Math.min(upCutoff, downCutoff));
    this.recommendations.push({ at: now, replicas: proposal });
    return Math.min(Math.max(current, up), down);
  }

  #rateLimited(current, desired, now) {
    if (desired > current) {
      const limit = Math.max(current, this.#limit(this.behavior.scaleUp, current, now, +1));
      return Math.min(desired, this.max, limit);
    }
    if (desired < current) {
      const limit = Math.min(current, this.#limit(this.behavior.scaleDown, current, now, -1));
      return Math.max(desired, this.min, limit);
    }
    return desired;
  }

  // How far the policies let the count go from `current` in `sign`'s direction.
  #limit(rules, current, now, sign) {
    if (rules.selectPolicy === "Disabled") return current;
    const changedSince = (events, periodSeconds) =>
      events.filter((e) => e.at > now - periodSeconds * 1000).reduce((sum, e) => sum + e.change, 0);
    const proposals = rules.policies.map((p) => {
      const start = current - changedSince(this.scaleEvents.up, p.periodSeconds) +
                    changedSince(this.scaleEvents.down, p.periodSeconds);
      if (p.type === "Pods") return start + sign * p.value;
      if (p.type === "Percent")
        return sign > 0 ? Math.ceil(start * (1 + p.value / 100)) : Math.floor(start * (1 - p.value / 100));
      throw new Error(`HPA policy type ${p.type}: expected Pods or Percent`);
    });
    // Max: the policy allowing the largest change; Min: the smallest.
    const largest = rules.selectPolicy !== "Min";
    return sign > 0 === largest ? Math.max(...proposals) : Math.min(...proposals);
  }
}
