// The HorizontalPodAutoscaler's replica calculation (Kubernetes'
// pkg/controller/podautoscaler), for scripts/scale-rehearsal:
//   desired = ceil(current × metric / target)   (metric: the per-replica value)
//   no change while |metric / target - 1| <= tolerance (0.1 by default);
//   clamped to [min, max];
//   scale-down stabilisation: the replica count never drops below the highest
//   recommendation of the last `stabilizationMs` (the HPA's default window is
//   300 s; a rehearsal shortens it and says so). Scale-up is immediate, as with
//   the HPA's default scaleUp policy's 0 s window.
export class Hpa {
  constructor({ target, min = 1, max = 10, tolerance = 0.1, stabilizationMs = 300000 }) {
    Object.assign(this, { target, min, max, tolerance, stabilizationMs });
    this.recommendations = []; // [{at, replicas}], newest last
  }

  // The replica count to run now, given `current` replicas and the metric's
  // per-replica value, at time `now` (ms).
  desired(current, metric, now) {
    const ratio = metric / this.target;
    let raw = Math.abs(ratio - 1) <= this.tolerance ? current : Math.ceil(current * ratio);
    raw = Math.min(this.max, Math.max(this.min, raw));
    this.recommendations.push({ at: now, replicas: raw });
    this.recommendations = this.recommendations.filter((r) => now - r.at <= this.stabilizationMs);
    if (raw >= current) return raw;
    return Math.min(current, Math.max(...this.recommendations.map((r) => r.replicas)));
  }
}
