import { describe, expect, it } from 'vitest';
import type { PodInfo } from '../../../lib/ports/cluster-client.js';
import { stuckPodsReason } from '../../../lib/rollout/crash-loop.js';

const pod = (ready: boolean, restarts: number, waitingReason?: string): PodInfo => ({
  name: `p-${Math.random()}`,
  namespace: 'shop',
  labels: {},
  image: 'cart:2',
  phase: 'Running',
  ready,
  restarts,
  ...(waitingReason ? { waitingReason } : {}),
});

describe('stuckPodsReason', () => {
  it.each([
    { name: 'no pods yet', pods: [], reason: undefined },
    { name: 'pods still starting', pods: [pod(false, 0, 'ContainerCreating'), pod(true, 0)], reason: undefined },
    { name: 'a ready pod that restarted once', pods: [pod(true, 1)], reason: undefined },
    {
      name: 'one pod crash-looping',
      pods: [pod(false, 3, 'CrashLoopBackOff')],
      reason: 'canary pods crash-looping: 1 of 1 pod, 3 restarts (CrashLoopBackOff)',
    },
    {
      name: 'two of three crash-looping',
      pods: [pod(false, 2, 'CrashLoopBackOff'), pod(false, 1, 'CrashLoopBackOff'), pod(false, 0, 'ContainerCreating')],
      reason: 'canary pods crash-looping: 2 of 3 pods, 3 restarts (CrashLoopBackOff)',
    },
    {
      name: 'an image that cannot be pulled',
      pods: [pod(false, 0, 'ImagePullBackOff')],
      reason: 'canary pods cannot start: 1 of 1 pod, 0 restarts (ImagePullBackOff)',
    },
  ])('$name', ({ pods, reason }) => expect(stuckPodsReason(pods)).toBe(reason));
});
