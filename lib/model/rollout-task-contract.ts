/**
 * The contract between the rollout state machine and its one task Lambda.
 *
 * The state machine invokes the task function with `Payload` = one {@link RolloutTaskRequest}
 * (discriminated by `action`) and keeps the function's return value, which must be the matching
 * {@link RolloutTaskResponse}. The same payloads reach the local dispatcher when the machine runs in
 * `aws-local-stepfunctions` (see `lib/local/local-rollout-runner.ts`).
 *
 * Every action must be idempotent: Step Functions retries a task after transient failures
 * (`TransientError`, `VersionConflictError`, Lambda service errors), so the same request may arrive
 * more than once. Converge to the requested state rather than applying a delta.
 *
 * Errors: throw `TransientError` (or `VersionConflictError`) from `lib/errors.ts` for failures that a
 * retry may fix; anything else makes the machine roll back.
 *
 * Actions, in the order a rollout uses them:
 *
 * - `start`: record the deployment as running; create the new version's Deployment: for `canary`
 *   the `<service>-canary` workload at 0 % weight, for `blueGreen` the `<service>-preview` workload
 *   behind the preview Service. Returns the workload it created.
 * - `setWeight`: route `weight` percent of traffic to the new version (VirtualService weights) and
 *   scale the canary to match; for blue/green, weight 100 is the switch. Record the current step.
 * - `analyze`: read metrics of the new version (`track`) and of stable for one interval
 *   (`analysis.intervalSeconds`), judge them, and decide what follows (`decision`, made by `decideStep`
 *   in `lib/rollout/decide-step.ts` from the metrics, the phase's timing and what a person asked for
 *   on the deployment record: abort, or promote past a manual gate).
 * - `promote`: the new image becomes stable (a new revision), traffic 100 % stable, the canary or
 *   preview workload is removed. Returns the new revision.
 * - `rollback`: all traffic to stable, the canary/preview workload removed, the deployment recorded
 *   as failed (`cause` `analysisFailed` / `taskFailed`) or aborted (`cause` `aborted`) with `details`.
 * - `finish`: the deployment is recorded as promoted; the last call of a successful rollout.
 *
 * A service in several clusters is released in waves (the deployment record's `waves`, planned when it
 * starts, see `lib/model/service-clusters.ts`): `start` creates the new version in the first wave's
 * clusters only; the analysis after a wave's last step decides `passWave` instead of `promote`;
 * `passWave` keeps the wave's clusters on the new version and decides what follows (bake, next wave,
 * promotion); `analyze` with phase `bake` judges every released cluster for `rollout.bakeSeconds`;
 * `beginWave` moves the new version on to the next wave's clusters (at no traffic), whose steps then
 * run as above. A rollback puts every cluster the new version reached back on stable and never touches
 * later waves.
 */
import * as z from 'zod';
import { AnalysisPolicy, RolloutStep, type RolloutPolicy } from './service-spec.js';
import { dns1123Label } from './names.js';

export const ROLLOUT_TASK_ACTIONS = ['start', 'setWeight', 'analyze', 'promote', 'rollback', 'finish', 'beginWave', 'passWave'] as const;
/** What the task Lambda is asked to do. */
export type RolloutTaskAction = (typeof ROLLOUT_TASK_ACTIONS)[number];

/** Which workload holds the new version: `canary` for canary rollouts, `preview` for blue/green. */
export const NewVersionTrack = z.enum(['canary', 'preview']);
export type NewVersionTrack = z.infer<typeof NewVersionTrack>;

/**
 * When an analysis runs: during a canary step (`step`), while a passed step waits at a manual gate
 * (`gate`), on the blue/green preview before the switch (`preview`), after the switch while the old
 * version is kept (`switched`), or on the clusters of the waves released so far before the next wave (`bake`).
 */
export const AnalysisPhase = z.enum(['step', 'gate', 'preview', 'switched', 'bake']);
export type AnalysisPhase = z.infer<typeof AnalysisPhase>;

export const Verdict = z.enum(['pass', 'fail', 'inconclusive']);
/** Outcome of one analysis. */
export type Verdict = z.infer<typeof Verdict>;

/**
 * What the state machine does after an analysis (decided by `decideStep` in `lib/rollout/decide-step.ts`;
 * the Choice states only dispatch on it): observe another interval (`continue`), wait at a manual gate for a
 * person (`hold`), go on to the next step or phase (`advance`), promote (`promote`), roll back because the
 * analysis failed (`rollback`) or because the rollout was aborted (`abort`).
 */
export const StepDecision = z.enum(['continue', 'hold', 'advance', 'promote', 'rollback', 'abort', 'passWave']);
export type StepDecision = z.infer<typeof StepDecision>;

/** Why a rollout was rolled back. */
export const RollbackCause = z.enum(['analysisFailed', 'aborted', 'taskFailed']);
export type RollbackCause = z.infer<typeof RollbackCause>;

/** Step Functions execution names: 1–80 characters; this subset is safe everywhere. */
export const executionName = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be 1–80 letters, digits, "-" or "_" (it names the Step Functions execution)');

/** What the rollout state machine is started with. The deployment id also names the execution. */
export const RolloutExecutionInput = z.object({
  deploymentId: executionName,
  service: dns1123Label,
  namespace: dns1123Label,
  strategy: z.enum(['canary', 'blueGreen']),
  steps: z.array(RolloutStep).min(1).max(20),
  analysis: AnalysisPolicy,
  blueGreen: z.object({ previewSeconds: z.number().int().min(0), keepOldSeconds: z.number().int().min(0) }),
});
export type RolloutExecutionInput = z.output<typeof RolloutExecutionInput>;

/** Metrics as they travel through the state machine (JSON: no `undefined`, so an unknown p99 is null). */
export const MetricsSnapshot = z.object({
  requests: z.number().min(0),
  errors: z.number().min(0),
  errorRate: z.number().min(0).max(1),
  p99LatencyMs: z.number().min(0).nullable(),
});
export type MetricsSnapshot = z.infer<typeof MetricsSnapshot>;

const target = {
  deploymentId: executionName,
  service: dns1123Label,
  namespace: dns1123Label,
};

/** With waves (on the deployment record), the new version starts in the first wave's clusters only. */
export const StartRequest = z.object({ action: z.literal('start'), ...target, strategy: z.enum(['canary', 'blueGreen']) });
/** The next wave of the deployment's plan (its record's `waves`) begins: the new version moves on to its clusters, at no traffic. */
export const BeginWaveRequest = z.object({ action: z.literal('beginWave'), ...target, strategy: z.enum(['canary', 'blueGreen']) });
/** The wave under way passed its steps: its clusters keep the new version (and bake, with `rollout.bakeSeconds`). */
export const PassWaveRequest = z.object({ action: z.literal('passWave'), ...target });
export const SetWeightRequest = z.object({
  action: z.literal('setWeight'),
  ...target,
  track: NewVersionTrack,
  stepIndex: z.number().int().min(0),
  weight: z.number().int().min(0).max(100),
});
export const AnalyzeRequest = z.object({
  action: z.literal('analyze'),
  ...target,
  track: NewVersionTrack,
  phase: AnalysisPhase,
  stepIndex: z.number().int().min(0),
  /** Percent of traffic the new version receives now. */
  weight: z.number().int().min(0).max(100),
  /** Steps of the canary (1 for blue/green): after the last one a pass promotes. */
  stepCount: z.number().int().min(1),
  /** Seconds this step (or phase) has been observed, counting the interval just waited. */
  observedSeconds: z.number().int().min(0),
  /** The phase's minimum observation time: the step's `pauseSeconds`, `previewSeconds` or `keepOldSeconds`. */
  minObservedSeconds: z.number().int().min(0),
  /** The step's gate (`auto` for blue/green) and how long a manual gate waits for a promote request. */
  gate: z.enum(['auto', 'manual']),
  gateTimeoutSeconds: z.number().int().min(0),
  analysis: AnalysisPolicy,
});
export const PromoteRequest = z.object({ action: z.literal('promote'), ...target, strategy: z.enum(['canary', 'blueGreen']) });
export const RollbackRequest = z.object({
  action: z.literal('rollback'),
  ...target,
  /** Which workload to remove: `<service>-canary` (canary) or `<service>-preview` (blueGreen). */
  strategy: z.enum(['canary', 'blueGreen']),
  cause: RollbackCause,
  /** Analysis reasons, or the error name and message of the task that failed. */
  details: z.array(z.string()),
});
export const FinishRequest = z.object({ action: z.literal('finish'), ...target });

/** The `Payload` the state machine sends to the task function. */
export const RolloutTaskRequest = z.discriminatedUnion('action', [
  StartRequest,
  SetWeightRequest,
  AnalyzeRequest,
  PromoteRequest,
  RollbackRequest,
  FinishRequest,
  BeginWaveRequest,
  PassWaveRequest,
]);
export type RolloutTaskRequest = z.infer<typeof RolloutTaskRequest>;
export type StartRequest = z.infer<typeof StartRequest>;
export type SetWeightRequest = z.infer<typeof SetWeightRequest>;
export type AnalyzeRequest = z.infer<typeof AnalyzeRequest>;
export type PromoteRequest = z.infer<typeof PromoteRequest>;
export type RollbackRequest = z.infer<typeof RollbackRequest>;
export type FinishRequest = z.infer<typeof FinishRequest>;
export type BeginWaveRequest = z.infer<typeof BeginWaveRequest>;
export type PassWaveRequest = z.infer<typeof PassWaveRequest>;

export const StartResponse = z.object({ workload: z.string().min(1) });
export const SetWeightResponse = z.object({
  weight: z.number().int().min(0).max(100),
  /**
   * `decide`: the new version was stopped while its pods were awaited (they crash-loop or cannot start,
   * or an abort was requested), so the state machine analyses at once, whose decision rolls back or aborts,
   * instead of waiting an interval first. `observe` (the default): wait an interval, then analyse.
   */
  then: z.enum(['observe', 'decide']).default('observe'),
});
export const AnalyzeResponse = z.object({
  /** What the state machine does next: its Choice states dispatch on this field only. */
  decision: StepDecision,
  /** The verdict recorded on the step (`fail` whenever the decision is `rollback`). */
  verdict: Verdict,
  reasons: z.array(z.string()).default([]),
  canary: MetricsSnapshot.optional(),
  stable: MetricsSnapshot.optional(),
  /** The user asked to promote (informational: `decision` already accounts for it). */
  promoteRequested: z.boolean().default(false),
});
export const PromoteResponse = z.object({ revision: z.number().int().min(1) });
export const RollbackResponse = z.object({ rolledBack: z.literal(true) });
export const FinishResponse = z.object({ status: z.literal('promoted') });
/** `beginWave`: the clusters of the wave that began. */
export const WaveResponse = z.object({ clusters: z.array(z.string()) });
/**
 * `passWave`: the clusters of the wave that passed, and what follows (decided by `afterWavePassed` in
 * `lib/rollout/decide-wave.ts`): its bake of `bakeSeconds` (`bake`), the next wave (`advance`), the promotion (`promote`).
 */
export const PassWaveResponse = z.object({
  clusters: z.array(z.string()),
  decision: z.enum(['bake', 'advance', 'promote']),
  bakeSeconds: z.number().int().min(0),
});

export type StartResponse = z.infer<typeof StartResponse>;
export type SetWeightResponse = z.infer<typeof SetWeightResponse>;
/** What `analyze` returns. Parse with the schema so the defaults (`reasons`, `promoteRequested`) are present. */
export type AnalyzeResponse = z.output<typeof AnalyzeResponse>;
export type PromoteResponse = z.infer<typeof PromoteResponse>;
export type RollbackResponse = z.infer<typeof RollbackResponse>;
export type FinishResponse = z.infer<typeof FinishResponse>;
export type WaveResponse = z.infer<typeof WaveResponse>;
export type PassWaveResponse = z.infer<typeof PassWaveResponse>;

/** The response schema of each action. */
export const RESPONSE_SCHEMAS = {
  start: StartResponse,
  setWeight: SetWeightResponse,
  analyze: AnalyzeResponse,
  promote: PromoteResponse,
  rollback: RollbackResponse,
  finish: FinishResponse,
  beginWave: WaveResponse,
  passWave: PassWaveResponse,
} as const satisfies Record<RolloutTaskAction, z.ZodType>;

/** Maps each action to its response type. */
export interface RolloutTaskResponses {
  start: StartResponse;
  setWeight: SetWeightResponse;
  analyze: AnalyzeResponse;
  promote: PromoteResponse;
  rollback: RollbackResponse;
  finish: FinishResponse;
  beginWave: WaveResponse;
  passWave: PassWaveResponse;
}
/** Any task response. */
export type RolloutTaskResponse = RolloutTaskResponses[RolloutTaskAction];

/**
 * The task function as the local runner calls it (and as the Lambda handler wraps it): one request in,
 * the matching response out. Throw `TransientError` for retryable failures.
 */
export type RolloutTaskFunction = (request: RolloutTaskRequest) => Promise<RolloutTaskResponse>;

/**
 * Parses what a task function returned for `action`, filling defaults. Throws a ZodError when the
 * response breaks the contract.
 */
export function parseTaskResponse<A extends RolloutTaskAction>(action: A, value: unknown): RolloutTaskResponses[A] {
  return RESPONSE_SCHEMAS[action].parse(value) as RolloutTaskResponses[A];
}

/**
 * Builds the execution input from a deployment id, a service and its (effective) rollout policy.
 */
export function rolloutExecutionInput(deploymentId: string, service: { name: string; namespace: string }, policy: RolloutPolicy): RolloutExecutionInput {
  return RolloutExecutionInput.parse({
    deploymentId,
    service: service.name,
    namespace: service.namespace,
    strategy: policy.strategy,
    steps: policy.steps,
    analysis: policy.analysis,
    blueGreen: policy.blueGreen,
  });
}
