// scripts/lib/hpa.mjs against the HorizontalPodAutoscaler's rules
// (Kubernetes pkg/controller/podautoscaler, autoscaling/v2 behavior): the
// proposal and its tolerance, the bounds, both stabilisation windows and the
// rate policies, with the defaults the API server fills in and the behavior
// eventbed's manifests set (k8s/base/process.yaml: scaleDown
// stabilizationWindowSeconds 300, nothing else). Times are in ms.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hpa, defaultBehavior } from "../../scripts/lib/hpa.mjs";

const s = (seconds) => seconds * 1000;
// No stabilisation and no rate limit: the proposal alone, clamped.
const unlimited = {
  scaleUp: { policies: [{ type: "Percent", value: 1000, periodSeconds: 1 }] },
  scaleDown: { stabilizationWindowSeconds: 0 },
};

test("the proposal is ceil(current × metric / target)", () => {
  const hpa = new Hpa({ target: 50, max: 100, behavior: unlimited });
  assert.equal(hpa.desired(3, 57.5, s(0)), 4, "3 × 1.15 = 3.45 rounds up, not to 3");
  assert.equal(hpa.desired(4, 60, s(1)), 5, "4 × 1.2 = 4.8");
  assert.equal(hpa.desired(10, 25, s(2)), 5, "10 × 0.5");
  assert.equal(hpa.desired(2, 1, s(3)), 1, "2 × 0.02 = 0.04 rounds up to 1");
});

test("within the tolerance of 0.1 nothing changes, either way", () => {
  const hpa = new Hpa({ target: 50, max: 100, behavior: unlimited });
  assert.equal(hpa.desired(10, 54, s(0)), 10, "ratio 1.08");
  assert.equal(hpa.desired(10, 46, s(1)), 10, "ratio 0.92");
  assert.equal(hpa.desired(10, 56, s(2)), 12, "ratio 1.12: outside");
  assert.equal(hpa.desired(10, 44, s(3)), 9, "ratio 0.88: outside");
  const strict = new Hpa({ target: 50, max: 100, tolerance: 0, behavior: unlimited });
  assert.equal(strict.desired(10, 54, s(0)), 11, "tolerance 0: ratio 1.08 scales");
});

test("the count stays within min and max, and a count outside them is brought back first", () => {
  const hpa = new Hpa({ target: 50, min: 2, max: 6, behavior: unlimited });
  assert.equal(hpa.desired(4, 500, s(0)), 6, "proposal 40, max 6");
  assert.equal(hpa.desired(4, 1, s(1)), 2, "proposal 1, min 2");
  assert.equal(hpa.desired(9, 50, s(2)), 6, "above max: to max, whatever the metric");
  assert.equal(hpa.desired(1, 50, s(3)), 2, "below min: to min");
  assert.throws(() => new Hpa({ target: 50, min: 0 }), /min/);
  assert.throws(() => new Hpa({ target: 0 }), /target/);
});

test("scale-down waits for the highest proposal of its window to leave it", () => {
  const hpa = new Hpa({ target: 50, max: 100, behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } });
  assert.equal(hpa.desired(4, 50, s(0)), 4, "proposal 4 at 0 s");
  assert.equal(hpa.desired(4, 5, s(5)), 4, "proposal 1, but 4 was proposed 5 s ago");
  assert.equal(hpa.desired(4, 5, s(9.999)), 4, "still within the window");
  assert.equal(hpa.desired(4, 5, s(10)), 1, "the proposal of 0 s is exactly 10 s old: out of the window");
});

test("scale-down goes only as far as the highest proposal still in the window", () => {
  const hpa = new Hpa({ target: 10, max: 100, behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } });
  assert.equal(hpa.desired(8, 10, s(0)), 8);
  assert.equal(hpa.desired(8, 6.25, s(4)), 8, "proposal 5");
  assert.equal(hpa.desired(8, 2.5, s(8)), 8, "proposal 2");
  assert.equal(hpa.desired(8, 2.5, s(11)), 5, "8 has left the window, 5 has not");
  assert.equal(hpa.desired(5, 4, s(13)), 5, "proposal 2; 5 (at 4 s) still in the window");
  assert.equal(hpa.desired(5, 4, s(14.5)), 2, "only proposals of 2 left");
});

test("scale-up is immediate by default: its window is 0 s, whatever was proposed before", () => {
  const hpa = new Hpa({ target: 50, max: 100 });
  assert.equal(hpa.desired(4, 50, s(0)), 4);
  assert.equal(hpa.desired(4, 10, s(1)), 4, "proposal 1, held by the 300 s scale-down window");
  assert.equal(hpa.desired(4, 75, s(2)), 6, "proposal 6 one second after a proposal of 1");
});

test("a scale-up window holds scale-up to the lowest proposal within it", () => {
  const hpa = new Hpa({ target: 50, max: 100, behavior: { scaleUp: { stabilizationWindowSeconds: 10 } } });
  assert.equal(hpa.desired(4, 50, s(0)), 4);
  assert.equal(hpa.desired(4, 100, s(1)), 4, "proposal 8, but 4 was proposed within 10 s");
  assert.equal(hpa.desired(4, 100, s(10.5)), 8, "only proposals of 8 within the window");
});

test("the default scale-up policies: +4 replicas or +100 % per 15 s, whichever allows more", () => {
  const hpa = new Hpa({ target: 10, max: 30 });
  assert.equal(hpa.desired(1, 200, s(0)), 5, "from 1: 1 + 4 beats 1 × 2");
  assert.equal(hpa.desired(5, 40, s(5)), 5, "proposal 20, but 4 were added in the last 15 s");
  assert.equal(hpa.desired(5, 40, s(15)), 10, "the event of 0 s is 15 s old: from 5, 5 × 2 beats 5 + 4");
  assert.equal(hpa.desired(10, 30, s(30)), 20, "from 10: 10 × 2");
  assert.equal(hpa.desired(20, 30, s(45)), 30, "up to max");
});

test("scale-up policies count what was added within each policy's own period", () => {
  const behavior = {
    scaleUp: { policies: [{ type: "Pods", value: 2, periodSeconds: 60 }] },
    scaleDown: { stabilizationWindowSeconds: 0 },
  };
  const hpa = new Hpa({ target: 10, max: 30, behavior });
  assert.equal(hpa.desired(2, 100, s(0)), 4);
  assert.equal(hpa.desired(4, 100, s(30)), 4, "2 added within the last 60 s");
  assert.equal(hpa.desired(4, 5, s(40)), 2, "scale-down: the default policy allows 100 %");
  assert.equal(hpa.desired(2, 100, s(50)), 4, "2 added and 2 removed within 60 s: the period started at 2");
  assert.equal(hpa.desired(4, 100, s(61)), 6, "the period started at 4 (at 1 s), so 4 + 2");
});

test("selectPolicy Min takes the policy allowing the smallest change; Disabled allows none", () => {
  const min = new Hpa({ target: 10, max: 30, behavior: { scaleUp: { selectPolicy: "Min" } } });
  assert.equal(min.desired(6, 100, s(0)), 10, "6 + 4 rather than 6 × 2");
  const frozen = new Hpa({ target: 10, max: 30, behavior: { scaleDown: { selectPolicy: "Disabled", stabilizationWindowSeconds: 0 } } });
  assert.equal(frozen.desired(6, 1, s(0)), 6, "scale-down disabled");
  assert.equal(frozen.desired(6, 20, s(1)), 12, "scale-up still allowed");
});

test("scale-down policies: Pods removes at most `value` per period, Percent rounds down", () => {
  const pods = new Hpa({
    target: 10, max: 30,
    behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] } },
  });
  assert.equal(pods.desired(6, 1, s(0)), 5);
  assert.equal(pods.desired(5, 1, s(30)), 5, "1 removed within the last 60 s");
  assert.equal(pods.desired(5, 1, s(61)), 4);
  const percent = new Hpa({
    target: 10, max: 30,
    behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: "Percent", value: 50, periodSeconds: 60 }] } },
  });
  assert.equal(percent.desired(5, 1, s(0)), 2, "5 × 0.5 = 2.5 rounds down to 2: 3 may go");
});

test("the manifests' behavior: immediate bounded scale-up, then 300 s before any scale-down", () => {
  assert.equal(defaultBehavior.scaleDown.stabilizationWindowSeconds, 300);
  const hpa = new Hpa({ target: 1000, min: 2, max: 10, behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } });
  let replicas = 2;
  replicas = hpa.desired(replicas, 5000, s(0)); // a spike: proposal 10
  assert.equal(replicas, 6, "2 + 4 in the first 15 s");
  replicas = hpa.desired(replicas, 5000 * 2 / 6, s(15));
  assert.equal(replicas, 10, "then the rest");
  for (let t = 30; t < 315; t += 15) {
    replicas = hpa.desired(replicas, 0, s(t)); // the spike is over
    assert.equal(replicas, 10, `still 10 at ${t} s: the proposal of 10 at 15 s is within 300 s`);
  }
  assert.equal(hpa.desired(replicas, 0, s(315)), 2, "at 315 s: down to min at once (100 % per 15 s)");
});
