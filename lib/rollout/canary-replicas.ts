/**
 * Canary pods for a traffic weight: enough that each serves about what a stable pod does, and at least
 * one so the canary is warm before it gets traffic. E.g. 3 replicas: 0% → 1, 10% → 1, 50% → 2, 100% → 3.
 */
export function canaryReplicasFor(weight: number, replicas: number): number {
  return Math.max(1, Math.ceil((replicas * weight) / 100));
}
