import { describe, expect, it } from 'vitest';
import { serviceHealth } from '../../../lib/health/service-health.js';

const observed = (desired: number, ready: number, waiting: (string | undefined)[] = []) => ({
  desiredReplicas: desired,
  readyReplicas: ready,
  pods: waiting.map((waitingReason) => ({ waitingReason })),
});

describe('serviceHealth', () => {
  it.each([
    ['a failed change', 'failed', observed(3, 3), 'failed'],
    ['not observed', 'active', undefined, 'unknown'],
    ['none ready of three', 'active', observed(3, 0), 'unavailable'],
    ['two ready of three', 'active', observed(3, 2), 'degraded'],
    ['all ready but one crash-looping', 'active', observed(3, 3, [undefined, 'CrashLoopBackOff']), 'degraded'],
    ['a pod still creating', 'active', observed(3, 3, ['ContainerCreating']), 'healthy'],
    ['all ready', 'active', observed(3, 3, [undefined, undefined, undefined]), 'healthy'],
    ['scaled to zero', 'active', observed(0, 0), 'healthy'],
  ] as const)('%s → %s', (_, phase, status, expected) => {
    expect(serviceHealth(phase, status)).toBe(expected);
  });
});
