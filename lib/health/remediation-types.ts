import type { HealthSignal } from './health-signal.js';
import type { ActionKind } from './remediation-policy.js';

/** A pod of the service as the remediation policy sees it. */
export interface PodHealth {
  name: string;
  node?: string;
  zone?: string;
  ready: boolean;
  /** Restarts within the recent observation window (not the lifetime counter). */
  recentCrashes: number;
  /** e.g. CrashLoopBackOff, ImagePullBackOff, Unschedulable */
  waitingReason?: string;
  revision?: string;
}

/** What meshplane knows about one service when a signal about it arrives. */
export interface ServiceHealthContext {
  name: string;
  namespace: string;
  /** Revision serving stable traffic. */
  currentRevision: string;
  /** Last revision known to be healthy before the current one, if any. */
  previousGoodRevision?: string;
  /** ISO time the current revision was promoted to stable. */
  promotedAt?: string;
  /** The rollout in progress, if any (its canary is what `track: 'canary'` signals are about). */
  activeRollout?: { id: string; canaryRevision: string };
  replicas: number;
  readyReplicas: number;
  /** Upper bound for scale-out set by the service; the policy's bound applies when absent. */
  maxReplicas?: number;
  pods: PodHealth[];
  /**
   * Why the pods are not known, when they are not: the service has not been observed yet, its cluster
   * could not be read, or the last observation is too old. A confirmed alarm then waits (`notObserved`).
   */
  podsUnknown?: string;
  /** Mean CPU utilisation of the stable pods as a fraction of their request (1 = at request). */
  cpuUtilization?: number;
  /** Recent signals about this service (any order; may or may not include the one being decided). */
  recentSignals: HealthSignal[];
}

/** One remediation, with what it acts on. */
export type RemediationAction =
  | { kind: 'abortRollout'; rolloutId: string }
  | { kind: 'scaleOut'; fromReplicas: number; toReplicas: number }
  | { kind: 'evacuateNode'; node: string; pods: string[] }
  | { kind: 'restart'; pods: string[] }
  | { kind: 'evacuateZone'; zone: string; pods: string[] }
  | { kind: 'rollback'; fromRevision: string; toRevision: string };

/**
 * Why nothing is done. Deferrable reasons (`awaitingConfirmation`, `notObserved`, `cooldown`, `rateLimited`) carry
 * `retryAfter`: the caller may re-deliver the same signal then; the others are final.
 */
export type NoneReason =
  | 'duplicate'
  | 'unknownService'
  | 'recovered'
  | 'flapping'
  | 'awaitingConfirmation'
  | 'notObserved'
  | 'staleSignal'
  | 'noSafeAction'
  | 'exhausted'
  | 'cooldown'
  | 'rateLimited'
  | 'dryRun'
  /** An escalation to a person is open for the condition (see escalation.ts): nothing is said or done. */
  | 'escalated';

export const DEFERRABLE_NONE_REASONS: ReadonlySet<NoneReason> = new Set(['awaitingConfirmation', 'notObserved', 'cooldown', 'rateLimited']);

/** Facts behind a decision, for the audit trail. */
export type Evidence = Record<string, string | number | boolean | string[]>;

interface DecisionCommon {
  signalId: string;
  service: string;
  decidedAt: string;
  /** One sentence a person reads in the audit trail. */
  reason: string;
  evidence: Evidence;
}

export type ActDecision = DecisionCommon & { kind: ActionKind; action: RemediationAction };
export type NoneDecision = DecisionCommon & {
  kind: 'none';
  noneReason: NoneReason;
  /** In dry run: the action that would have been taken. */
  wouldDo?: RemediationAction;
  /** For deferrable reasons: when deciding again could give a different answer. */
  retryAfter?: string;
};

/** The outcome of {@link decideRemediation}: an action, or `none` with a reason. */
export type Decision = ActDecision | NoneDecision;
