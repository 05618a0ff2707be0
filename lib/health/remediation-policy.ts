import * as z from 'zod';

/** Remediation actions, from least to most disruptive (the order the policy tries them in). */
export const ACTION_KINDS = ['abortRollout', 'scaleOut', 'evacuateNode', 'restart', 'evacuateZone', 'rollback'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

const seconds = z
  .number()
  .int()
  .min(0)
  .max(7 * 86_400);
const TokenBucketConfig = z.strictObject({
  capacity: z.number().int().min(0).max(10_000).describe('Actions allowed at once'),
  refillPerHour: z.number().min(0).max(100_000).describe('Actions regained per hour'),
});

const DEFAULT_COOLDOWNS: Record<ActionKind, number> = {
  abortRollout: 0,
  scaleOut: 600,
  evacuateNode: 1_800,
  restart: 900,
  evacuateZone: 3_600,
  rollback: 1_800,
};

/**
 * How cautious automatic remediation is. Every field has a default; `RemediationPolicy.parse({})`
 * is the platform default.
 */
export const RemediationPolicy = z.strictObject({
  dryRun: z.boolean().default(false).describe('Decide and record, but only report what would be done'),
  hysteresis: z
    .strictObject({
      minConsecutiveAlarms: z.number().int().min(1).max(100).default(2).describe('ALARM signals in a row (since the last OK) that confirm a problem'),
      persistSeconds: seconds.default(180).describe('Or: time an alarm must have stayed in ALARM'),
    })
    .default({ minConsecutiveAlarms: 2, persistSeconds: 180 }),
  flapping: z
    .strictObject({
      windowSeconds: seconds.default(1_800),
      maxTransitions: z.number().int().min(2).max(1_000).default(4).describe('ALARM↔OK changes within the window that mark a signal as flapping'),
    })
    .default({ windowSeconds: 1_800, maxTransitions: 4 }),
  cooldownSeconds: z
    .strictObject({
      abortRollout: seconds.default(DEFAULT_COOLDOWNS.abortRollout),
      scaleOut: seconds.default(DEFAULT_COOLDOWNS.scaleOut),
      evacuateNode: seconds.default(DEFAULT_COOLDOWNS.evacuateNode),
      restart: seconds.default(DEFAULT_COOLDOWNS.restart),
      evacuateZone: seconds.default(DEFAULT_COOLDOWNS.evacuateZone),
      rollback: seconds.default(DEFAULT_COOLDOWNS.rollback),
    })
    .default(DEFAULT_COOLDOWNS)
    .describe('After an action of this kind, no other action on the same service (aborting a canary is exempt)'),
  escalationWindowSeconds: seconds
    .default(3_600)
    .describe('An action kind already taken for the service in this window is not repeated; the next one is tried'),
  rollbackWindowSeconds: seconds.default(1_800).describe('An alarm this soon after a promotion blames the new revision'),
  scaleOut: z
    .strictObject({
      cpuUtilization: z.number().min(0).max(10).default(0.8).describe('Mean CPU utilisation (of requests) that counts as saturated'),
      factor: z.number().min(1).max(10).default(1.5),
      maxStep: z.number().int().min(1).max(1_000).default(10).describe('Most replicas added by one action'),
      maxReplicas: z.number().int().min(1).max(1_000).default(20).describe('Upper bound unless the service sets its own'),
    })
    .default({ cpuUtilization: 0.8, factor: 1.5, maxStep: 10, maxReplicas: 20 }),
  concentration: z
    .strictObject({
      minFailingPods: z.number().int().min(1).default(2).describe('Failing pods needed before blaming a node or zone'),
      minShare: z.number().min(0.5).max(1).default(0.8).describe('Share of the failing pods on one node/zone that blames it'),
    })
    .default({ minFailingPods: 2, minShare: 0.8 }),
  serviceRateLimit: TokenBucketConfig.default({ capacity: 3, refillPerHour: 2 }),
  globalRateLimit: TokenBucketConfig.default({ capacity: 10, refillPerHour: 20 }),
  dedupWindowSeconds: seconds.default(86_400).describe('How long processed signal ids are remembered'),
});
export type RemediationPolicy = z.output<typeof RemediationPolicy>;
export type RemediationPolicyInput = z.input<typeof RemediationPolicy>;

/** The platform default policy. */
export const DEFAULT_REMEDIATION_POLICY: RemediationPolicy = RemediationPolicy.parse({});
