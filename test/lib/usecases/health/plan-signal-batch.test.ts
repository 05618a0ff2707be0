/**
 * planSignalBatch: a batch of signals decided against one read of the global ledger, each as if handled
 * alone after the ones before it in the batch.
 */
import { describe, expect, it } from 'vitest';
import type { HealthSignal } from '../../../../lib/health/health-signal.js';
import { emptyLedger, recordDecision, wasSeen, type RemediationLedger } from '../../../../lib/health/remediation-ledger.js';
import type { RemediationPolicy } from '../../../../lib/health/remediation-policy.js';
import type { ActDecision } from '../../../../lib/health/remediation-types.js';
import { emptyMemory, type ServiceHealthMemory } from '../../../../lib/usecases/health/health-deps.js';
import { ACTION_IN_FLIGHT_MS, planSignalBatch, type ServiceView } from '../../../../lib/usecases/health/plan-signal-batch.js';
import { NOW, ago, pod, policy, service, signal } from '../../health/remediation-builders.js';
import { serviceRecord } from './health-fakes.js';

/** A crash-loop ALARM: on pods crashing across nodes and zones of a revision three days old, a restart. */
const alarm = (id: string, secondsAgo: number, name = 'checkout'): HealthSignal =>
  signal({ id, service: name, kind: 'crashLoop', observedAt: ago(secondsAgo) });
const crashing = { ready: false, recentCrashes: 4, waitingReason: 'CrashLoopBackOff' };

function view(name: string, memory: Partial<ServiceHealthMemory> = {}): ServiceView {
  return {
    live: serviceRecord(name),
    memory: { ...emptyMemory(), ...memory },
    context: {
      ...service({ name, pods: [pod('p1', 'n1', 'a', crashing), pod('p2', 'n2', 'a'), pod('p3', 'n3', 'b', crashing), pod('p4', 'n4', 'b')] }),
      recentSignals: [],
      observedAt: ago(10),
    },
    shard: undefined,
  };
}

/** Each service's memory already holds a first ALARM of the condition: the batch's ALARM confirms it. */
const alarmed = (name: string) => view(name, { recentSignals: [alarm(`${name}-earlier`, 90, name)] });

function plan(signals: HealthSignal[], views: ServiceView[], p: RemediationPolicy = policy(), ledger: RemediationLedger = emptyLedger(), at = NOW) {
  const result = planSignalBatch(signals, new Map(views.map((v) => [v.live!.name, v])), ledger, p, new Date(at));
  const outcomes = result.plans.map((s) => `${s.signal.id}: ${s.decision.kind === 'none' ? s.decision.noneReason : 'act'} → ${s.followUp.kind}`);
  return { ...result, outcomes };
}

describe('planSignalBatch', () => {
  it.each([
    {
      what: 'a first ALARM and its confirming ALARM in one batch: the second sees the first and acts',
      signals: [alarm('a-1', 60), alarm('a-2', 30)],
      views: [view('checkout')],
      p: policy(),
      expected: ['a-1: awaitingConfirmation → record', 'a-2: act → act'],
    },
    {
      what: 'two copies of one signal in one batch (duplicated delivery): one action, the copy is a duplicate',
      signals: [alarm('a-2', 30), alarm('a-2', 30)],
      views: [alarmed('checkout')],
      p: policy(),
      expected: ['a-2: act → act', 'a-2: duplicate → record'],
    },
    {
      what: 'the global budget holds within a batch: one token, two services, one action',
      signals: [alarm('a-2', 30, 'checkout'), alarm('b-2', 30, 'payments')],
      views: [alarmed('checkout'), alarmed('payments')],
      p: policy({ globalRateLimit: { capacity: 1, refillPerHour: 1 } }),
      expected: ['a-2: act → act', 'b-2: rateLimited → record'],
    },
    {
      what: 'a later signal of the batch sees the action an earlier one took (restart already tried: exhausted, escalated)',
      signals: [alarm('a-2', 30), alarm('a-3', 20)],
      views: [alarmed('checkout')],
      p: policy(),
      expected: ['a-2: act → act', 'a-3: exhausted → record'],
    },
  ])('$what', ({ signals, views, p, expected }) => {
    const { outcomes, ledger, shards } = plan(signals, views, p);
    expect(outcomes).toEqual(expected);
    // One action: one token from the global bucket, recorded in the service's shard (the global item holds no actions).
    expect(ledger?.globalBucket?.tokens).toBe(p.globalRateLimit.capacity - 1);
    expect(ledger?.actions).toEqual([]);
    expect([...shards.values()].flatMap((s) => s.actions ?? [])).toHaveLength(1);
  });

  it('a batch without an action leaves the global ledger unwritten', () => {
    const result = plan([alarm('a-1', 60, 'checkout'), alarm('b-1', 60, 'payments'), signal({ id: 'ok', state: 'OK' })], [view('checkout'), view('payments')]);
    expect(result.outcomes).toEqual(['a-1: awaitingConfirmation → record', 'b-1: awaitingConfirmation → record', 'ok: recovered → record']);
    expect(result.ledger).toBeUndefined();
    // The final decision (recovered) is remembered in the service's shard, not in the global ledger.
    expect(result.shards.get('checkout')).toEqual({ seenSignals: [{ id: 'ok', at: NOW }] });
    expect(result.shards.has('payments')).toBe(false);
  });

  it('an action is pending in the shard it is charged to; the memory changes, re-applied to a fresher memory, keep what another writer added', () => {
    const result = plan([alarm('a-2', 30)], [alarmed('checkout')]);
    expect(Object.keys(result.shards.get('checkout')!.pendingActions ?? {})).toEqual(['a-2']);
    expect(result.shards.get('checkout')!.bucket?.tokens).toBe(policy().serviceRateLimit.capacity - 1);
    const changes = result.memoryChanges.get('checkout')!;
    const fresher: ServiceHealthMemory = { ...alarmed('checkout').memory, alarming: { 'crashLoop/stable': 'probe-sig' } };
    const after = changes.reduce((m, change) => change(m) ?? m, fresher);
    expect(after.pendingActions).toEqual({});
    expect(after.alarming).toEqual({ 'crashLoop/stable': 'probe-sig' });
    expect(after.recentSignals.map((s) => s.id)).toEqual(['checkout-earlier', 'a-2']);
  });

  it.each([
    ['moments after it was charged (its delivery may be running it): fails, to come back later', 1_000, ['a-2: duplicate → retry', 'a-2: duplicate → retry']],
    ['just before the in-flight window ends', ACTION_IN_FLIGHT_MS - 1, ['a-2: duplicate → retry', 'a-2: duplicate → retry']],
    [
      'after the in-flight window (a redelivery after a failure or a crash): carried out once',
      ACTION_IN_FLIGHT_MS,
      ['a-2: duplicate → act', 'a-2: duplicate → record'],
    ],
    ['an hour later', 3_600_000, ['a-2: duplicate → act', 'a-2: duplicate → record']],
  ])('a copy of a signal whose action is still pending, %s', (_what, laterMs, expected) => {
    const first = plan([alarm('a-2', 30)], [alarmed('checkout')]);
    const memory = first.memoryChanges.get('checkout')!.reduce((m, change) => change(m) ?? m, alarmed('checkout').memory);
    const shard = first.shards.get('checkout')!;
    const later = new Date(Date.parse(NOW) + laterMs).toISOString();
    const again = plan([alarm('a-2', 30), alarm('a-2', 30)], [{ ...alarmed('checkout'), memory, shard }], policy(), first.ledger, later);
    expect(again.outcomes).toEqual(expected);
    expect(again.ledger).toBeUndefined();
    expect(again.shards.size).toBe(0);
  });

  it('a redelivered signal whose action is still pending is carried out again once, not charged again', () => {
    const first = plan([alarm('a-2', 30)], [alarmed('checkout')]);
    const act = first.plans[0].followUp as { decision: ActDecision };
    const memory = first.memoryChanges.get('checkout')!.reduce((m, change) => change(m) ?? m, alarmed('checkout').memory);
    const shard = first.shards.get('checkout')!;

    const later = new Date(Date.parse(NOW) + 60_000).toISOString();
    const again = plan([alarm('a-2', 30), alarm('a-2', 30)], [{ ...alarmed('checkout'), memory, shard }], policy(), first.ledger, later);
    expect(again.outcomes).toEqual(['a-2: duplicate → act', 'a-2: duplicate → record']);
    expect(again.plans[0].followUp).toMatchObject({ kind: 'act', redelivered: true, decision: act.decision });
    expect(again.ledger).toBeUndefined();
    expect(again.shards.size).toBe(0);
  });

  it('a pending action in a memory written before pending actions moved to the shard is still carried out', () => {
    const first = plan([alarm('a-2', 30)], [alarmed('checkout')]);
    const act = first.plans[0].followUp as { decision: ActDecision };
    const ledger = recordDecision(emptyLedger(), act.decision, policy(), NOW);
    const memory: ServiceHealthMemory = { ...alarmed('checkout').memory, pendingActions: { 'a-2': { decision: act.decision, at: ago(60) } } };

    const again = plan([alarm('a-2', 30)], [{ ...alarmed('checkout'), memory }], policy(), ledger);
    expect(again.outcomes).toEqual(['a-2: duplicate → act']);
    expect(again.plans[0].followUp).toMatchObject({ kind: 'act', redelivered: true, decision: act.decision });
    expect(wasSeen(ledger, 'a-2')).toBe(true);
  });
});
