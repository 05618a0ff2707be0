import { decideRemediation } from '../../health/decide-remediation.js';
import { escalationMessage, gateSignal, type Escalation } from '../../health/escalation.js';
import { signalKey, type HealthSignal } from '../../health/health-signal.js';
import { ledgerView, ledgerWrite, type RemediationLedger, type SeenShard } from '../../health/remediation-ledger.js';
import type { RemediationPolicy } from '../../health/remediation-policy.js';
import { DEFERRABLE_NONE_REASONS, type ActDecision, type Decision } from '../../health/remediation-types.js';
import type { ServiceRecord } from '../../model/records.js';
import type { ObservedHealthContext } from './build-health-context.js';
import type { ServiceHealthMemory } from './health-deps.js';

const RECENT_SIGNALS = 50;
/**
 * A pending action younger than this may still be running in the delivery that charged it (the alarm
 * intake's timeout is 20 s): a copy of its signal arriving meanwhile fails and comes back later, instead
 * of running the action a second time beside it. A redelivery after a failure or a crash comes after the
 * queue's visibility timeout (120 s; locally at least the 20 s timeout), so it finds the action older.
 */
export const ACTION_IN_FLIGHT_MS = 25_000;
/** Deferred signals and pending actions older than this are dropped (the ledger forgets signal ids after a day). */
const MAX_DEFERRED_AGE_MS = 24 * 3_600_000;
/**
 * Outcomes that repeat at every probe while the condition lasts and that only a person changes (finding
 * 7: 96 identical "exhausted" events for one unschedulable service): written once per episode.
 */
const ONCE_PER_EPISODE = new Set<string>(['exhausted', 'noSafeAction', 'flapping', 'staleSignal']);
/** Outcomes that mean remediation has nothing left to try: a person is told once (lib/health/escalation.ts). */
const ESCALATING = new Set<string>(['exhausted', 'noSafeAction']);
export const conditionKey = (signal: HealthSignal) => `${signalKey(signal)}${signal.node ? `/${signal.node}` : ''}`;

/** What the batch knows about one service, read before deciding. */
export interface ServiceView {
  /** The service's record, unless it is not registered or deleted. */
  live: ServiceRecord | undefined;
  /** Its health memory as read (an empty one when none is stored). */
  memory: ServiceHealthMemory;
  /** The policy's view of the service; its recent signals are taken from the memory as the batch goes. */
  context: ObservedHealthContext | undefined;
  /** Its part of the ledger: seen ids, actions, bucket, pending actions (see SeenShard). */
  shard: SeenShard | undefined;
}

/** A change to a service's health memory, applicable to a fresher memory after a lost race; undefined: nothing to write. */
export type MemoryChange = (memory: ServiceHealthMemory) => ServiceHealthMemory | undefined;

/** What is left to do about a decided signal once the batch is committed. */
export type FollowUp =
  /** Record the decision in the audit trail. */
  | { kind: 'record'; type: 'RemediationSkipped' | 'HealthAlarmDropped' | 'RemediationEscalated'; message: string; data: Record<string, unknown> }
  /** Carry out the action (pending in the service's shard, committed with the charge) and record its outcome. */
  | { kind: 'act'; decision: ActDecision; redelivered: boolean; observedAt?: string }
  /** Nothing (a repeated condition, a probe signal silenced by an open escalation). */
  | { kind: 'quiet' }
  /**
   * Fail the delivery so the queue brings it back later: a copy of a signal whose action another
   * delivery charged moments ago and may be carrying out right now (see ACTION_IN_FLIGHT_MS).
   */
  | { kind: 'retry'; reason: string };

export interface SignalPlan {
  signal: HealthSignal;
  decision: Decision;
  followUp: FollowUp;
}

/**
 * A batch of signals decided against one read of the ledger: the decisions in batch order, and the
 * writes that make them durable. `ledger` and `shards` are committed together, conditionally (one
 * transaction); the global document only when some decision acts (or would, in a dry run).
 */
export interface BatchPlan {
  plans: SignalPlan[];
  /** The global ledger after the batch's actions (its bucket charged); absent when no decision acted. */
  ledger?: RemediationLedger;
  /** By service: its shard after the batch, for the services whose shard changed. */
  shards: Map<string, SeenShard>;
  /** By service: its memory changes, in batch order. */
  memoryChanges: Map<string, MemoryChange[]>;
}

/**
 * Decides a batch of signals one after another, as if each were handled alone after the previous one:
 * each sees the ledger, shards and memory the earlier ones left (so two copies of one signal in a batch
 * act once, and a batch cannot spend more tokens than the buckets hold), with one read before and one
 * conditional write of the global ledger after. A redelivered signal whose action is still pending
 * (see SeenShard.pendingActions) is carried out again, unless this batch acts on it. Pure.
 */
export function planSignalBatch(
  signals: HealthSignal[],
  views: ReadonlyMap<string, ServiceView>,
  ledger: RemediationLedger,
  policy: RemediationPolicy,
  now: Date,
): BatchPlan {
  const at = now.toISOString();
  const nowMs = now.getTime();
  let global = ledger;
  let globalChanged = false;
  const memories = new Map([...views].map(([name, view]) => [name, view.memory]));
  const shards = new Map([...views].map(([name, view]) => [name, view.shard]));
  const changedShards = new Set<string>();
  const memoryChanges = new Map<string, MemoryChange[]>();
  const actingNow = new Set<string>();
  const plans: SignalPlan[] = [];
  const change = (service: string, f: MemoryChange) => {
    memoryChanges.set(service, [...(memoryChanges.get(service) ?? []), f]);
    memories.set(service, f(memories.get(service)!) ?? memories.get(service)!);
  };

  for (const signal of signals) {
    const view = views.get(signal.service);
    if (!view) throw new Error(`no view of service ${signal.service} was read`);
    const memory = memories.get(signal.service)!;
    const { live } = view;
    // An open escalation to a person silences its conditions until something changes (lib/health/escalation.ts).
    const quietSeconds = policy.flapping.windowSeconds;
    const gate = gateSignal(signal, conditionKey(signal), memory.escalation, live?.version, at, quietSeconds);
    if (gate.silent) {
      change(signal.service, (fresh) => ({ ...fresh, escalation: gate.escalation }));
      const reason = `an escalation to a person is open for ${signal.kind} since ${memory.escalation!.openedAt}; nothing is done until the service changes`;
      const decision: Decision = { signalId: signal.id, service: signal.service, decidedAt: at, kind: 'none', noneReason: 'escalated', reason, evidence: {} };
      // The probe repeats a lasting condition every run: that stays quiet. An alarm someone sent is answered in the trail.
      const followUp: FollowUp =
        signal.source === 'probe' ? { kind: 'quiet' } : { kind: 'record', type: 'RemediationSkipped', message: reason, data: decisionData(signal, decision) };
      plans.push({ signal, decision, followUp });
      continue;
    }

    const context = view.context ? { ...view.context, recentSignals: memory.recentSignals } : undefined;
    const shard = shards.get(signal.service);
    const decision = decideRemediation(signal, { service: context, ledger: ledgerView(global, shard, signal.service) }, policy, at);
    const write = ledgerWrite(global, shard, decision, policy, at);
    if (write?.global) [global, globalChanged] = [write.global, true];
    if (write) {
      shards.set(signal.service, write.shard);
      changedShards.add(signal.service);
    }

    // A condition nothing will change without a person is reported once per episode, not at every probe.
    // Only the probe repeats a signal while a condition lasts; a decision on an alarm from elsewhere is always recorded.
    const repeated =
      signal.source === 'probe' &&
      decision.kind === 'none' &&
      ONCE_PER_EPISODE.has(decision.noneReason) &&
      memory.skipped?.[conditionKey(signal)] === decision.noneReason;
    // Nothing left to try: escalate to a person once; a condition joining an open escalation says nothing more.
    const escalates = live !== undefined && signal.state === 'ALARM' && decision.kind === 'none' && ESCALATING.has(decision.noneReason);
    const escalation: Escalation | undefined = escalates
      ? {
          openedAt: gate.escalation?.openedAt ?? at,
          serviceVersion: live.version,
          conditions: { ...gate.escalation?.conditions, [conditionKey(signal)]: at },
        }
      : gate.escalation;
    change(signal.service, rememberSignal(signal, decision, escalation, nowMs));

    const observedAt = context?.observedAt;
    let followUp: FollowUp;
    if (escalates && decision.kind === 'none') {
      const tried = Array.isArray(decision.evidence.recentlyTried) ? decision.evidence.recentlyTried : [];
      followUp = gate.escalation
        ? { kind: 'quiet' }
        : {
            kind: 'record',
            type: 'RemediationEscalated',
            message: escalationMessage(signal, live.spec, tried, quietSeconds),
            data: decisionData(signal, decision),
          };
    } else if (decision.kind !== 'none') {
      actingNow.add(signal.id);
      followUp = { kind: 'act', decision, redelivered: false, observedAt };
    } else {
      // A redelivery of a signal whose action did not complete: the ledger has it, the action is still owed.
      // Owed actions are in the shard; memories written before held them there.
      const owed =
        decision.noneReason === 'duplicate' && !actingNow.has(signal.id)
          ? (shard?.pendingActions?.[signal.id] ?? memory.pendingActions?.[signal.id])
          : undefined;
      if (owed && nowMs - Date.parse(owed.at) < ACTION_IN_FLIGHT_MS) {
        followUp = { kind: 'retry', reason: `the action on signal ${signal.id} was charged at ${owed.at} and may still be running; will retry` };
      } else if (owed) {
        actingNow.add(signal.id);
        followUp = { kind: 'act', decision: owed.decision, redelivered: true };
      } else if (repeated) followUp = { kind: 'quiet' };
      else {
        const type = decision.noneReason === 'unknownService' ? 'HealthAlarmDropped' : 'RemediationSkipped';
        followUp = { kind: 'record', type, message: decision.reason, data: decisionData(signal, decision, observedAt) };
      }
    }
    plans.push({ signal, decision, followUp });
  }
  const changed = new Map([...changedShards].map((name) => [name, shards.get(name)!]));
  return { plans, ...(globalChanged ? { ledger: global } : {}), shards: changed, memoryChanges };
}

/**
 * Keeps the signal in the service's recent history; for a one-shot source whose decision was
 * deferred, in `deferred` so the probe re-sends it at `retryAfter` (the probe's own signals repeat
 * anyway). Pending actions are kept in the service's shard, charged with the action; memories written
 * before hold some here until they are carried out.
 */
function rememberSignal(signal: HealthSignal, decision: Decision, escalation: Escalation | undefined, nowMs: number): MemoryChange {
  const defer = signal.source !== 'probe' && decision.kind === 'none' && DEFERRABLE_NONE_REASONS.has(decision.noneReason) && decision.retryAfter !== undefined;
  const duplicate = decision.kind === 'none' && decision.noneReason === 'duplicate';
  const fresh = (observedAt: string) => nowMs - Date.parse(observedAt) <= MAX_DEFERRED_AGE_MS;
  return (memory) => {
    // A duplicate changes nothing, unless it was waiting to be re-sent.
    if (duplicate && !memory.deferred?.[signal.id]) return undefined;
    const deferred = Object.fromEntries(Object.entries(memory.deferred ?? {}).filter(([id, d]) => id !== signal.id && fresh(d.signal.observedAt)));
    if (defer) deferred[signal.id] = { signal, retryAfter: decision.retryAfter! };
    // A pending action is only reached through a duplicate, and after a day the ledger no longer knows the signal.
    const pendingActions = Object.fromEntries(Object.entries(memory.pendingActions ?? {}).filter(([, p]) => fresh(p.at)));
    const recentSignals = duplicate ? memory.recentSignals : [...memory.recentSignals.filter((s) => s.id !== signal.id), signal].slice(-RECENT_SIGNALS);
    const skipped = { ...memory.skipped };
    if (decision.kind === 'none' && !duplicate) skipped[conditionKey(signal)] = decision.noneReason;
    else if (decision.kind !== 'none') delete skipped[conditionKey(signal)];
    const { escalation: _previous, ...rest } = memory;
    return { ...rest, recentSignals, deferred, pendingActions, skipped, ...(escalation ? { escalation } : {}) };
  };
}

/**
 * What the audit trail keeps about a decision: the signal, the decision and its evidence, and when the
 * pods it was decided on were observed (the probe's last observation; see build-health-context.ts).
 */
export function decisionData(signal: HealthSignal, decision: Decision, observedAt?: string): Record<string, unknown> {
  return {
    ...(observedAt ? { podsObservedAt: observedAt } : {}),
    signal: {
      id: signal.id,
      kind: signal.kind,
      state: signal.state,
      source: signal.source,
      track: signal.track,
      node: signal.node,
      zone: signal.zone,
      reason: signal.reason,
    },
    decision: decision.kind,
    ...(decision.kind === 'none'
      ? { noneReason: decision.noneReason, wouldDo: decision.wouldDo, retryAfter: decision.retryAfter }
      : { action: decision.action }),
    evidence: decision.evidence,
  };
}
