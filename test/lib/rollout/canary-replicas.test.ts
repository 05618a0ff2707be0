import { describe, expect, it } from 'vitest';
import { canaryReplicasFor } from '../../../lib/rollout/canary-replicas.js';

describe('canaryReplicasFor', () => {
  it.each([
    // weight, stable replicas, canary pods
    [0, 3, 1],
    [10, 3, 1],
    [34, 3, 2],
    [50, 3, 2],
    [100, 3, 3],
    [25, 10, 3],
    [100, 1, 1],
    [50, 0, 1],
  ])('%i%% of %i replicas → %i canary pods', (weight, replicas, expected) => {
    expect(canaryReplicasFor(weight, replicas)).toBe(expected);
  });
});
