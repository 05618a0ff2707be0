import { describe, expect, it } from 'vitest';
import { afterReapply, decideReconcile, type ReconcileMemory, type ReconcileObservation } from '../../../lib/health/decide-reconcile.js';
import type { ObjectDrift } from '../../../lib/health/object-drift.js';

const NOW = new Date('2030-01-01T00:10:00.000Z');
const EARLIER = '2030-01-01T00:05:00.000Z';
const LATER = '2030-01-01T00:20:00.000Z';
const missing: ObjectDrift = { kind: 'Deployment', namespace: 'default', name: 'cart', drift: 'missing' };
const seen = (drift: ObjectDrift[] = [], unschedulablePods = 0): ReconcileObservation => ({ reachable: true, cluster: 'prod', drift, unschedulablePods });
const down: ReconcileObservation = { reachable: false, cluster: 'prod', error: 'Kubernetes API unavailable' };

describe('decideReconcile', () => {
  it.each<[string, ReconcileObservation, ReconcileMemory, boolean, string[], ReconcileMemory]>([
    ['in sync, nothing remembered', seen(), {}, false, [], {}],
    ['drift: re-apply (the event comes with the outcome)', seen([missing]), {}, true, [], {}],
    [
      'drift right after the record changed: the change is still converging itself',
      { ...seen([missing]), changedAt: '2030-01-01T00:09:55.000Z' } as ReconcileObservation,
      {},
      false,
      [],
      {},
    ],
    ['drift well after the record changed: re-apply', { ...seen([missing]), changedAt: EARLIER } as ReconcileObservation, {}, true, [], {}],
    ['drift while backing off: wait', seen([missing]), { attempts: 2, nextTryAt: LATER }, false, [], { attempts: 2, nextTryAt: LATER }],
    ['drift, backoff over: re-apply', seen([missing]), { attempts: 2, nextTryAt: EARLIER }, true, [], { attempts: 2, nextTryAt: EARLIER }],
    [
      'in sync after failures (somebody else converged): the failing episode ends',
      seen(),
      { attempts: 3, nextTryAt: LATER, lastError: 'x' },
      false,
      ['DriftRepaired'],
      {},
    ],
    ['cluster goes away: one event', down, {}, false, ['ClusterUnreachable'], { unreachableSince: NOW.toISOString() }],
    ['cluster still away: no event', down, { unreachableSince: EARLIER }, false, [], { unreachableSince: EARLIER }],
    ['cluster back with drift: one event, and re-apply', seen([missing]), { unreachableSince: EARLIER }, true, ['ClusterReachable'], {}],
    ['pods cannot be scheduled: one event', seen([], 2), {}, false, ['CannotSchedule'], { unschedulableSince: NOW.toISOString() }],
    ['still unschedulable: no event', seen([], 2), { unschedulableSince: EARLIER }, false, [], { unschedulableSince: EARLIER }],
    ['scheduled again: one event', seen([], 0), { unschedulableSince: EARLIER }, false, ['Scheduled'], {}],
  ])('%s', (_case, observation, memory, apply, events, next) => {
    const decision = decideReconcile(observation, memory, NOW);
    expect(decision.apply).toBe(apply);
    expect(decision.events.map((e) => e.type)).toEqual(events);
    expect(decision.memory).toEqual(next);
  });
});

describe('afterReapply', () => {
  it('a repair at once is one event naming what drifted', () => {
    const { memory, events } = afterReapply({}, [missing], { ok: true }, NOW);
    expect(memory).toEqual({});
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'DriftRepaired',
      message: 'the cluster differed from desired state (Deployment default/cart missing); re-applied',
    });
  });

  it('failures back off exponentially up to the ceiling, with one event for the episode', () => {
    const backoff = { baseMs: 1_000, maxMs: 5_000 };
    let memory: ReconcileMemory = {};
    const waits: number[] = [];
    const eventCounts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const after = afterReapply(memory, [missing], { ok: false, error: 'refused', retryable: true }, NOW, backoff);
      memory = after.memory;
      waits.push(Date.parse(memory.nextTryAt!) - NOW.getTime());
      eventCounts.push(after.events.length);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(eventCounts).toEqual([1, 0, 0, 0, 0]);
    expect(memory).toMatchObject({ attempts: 5, lastError: 'refused' });
    const repaired = afterReapply(memory, [missing], { ok: true }, NOW);
    expect(repaired.memory).toEqual({});
    expect(repaired.events[0].message).toMatch(/re-applied after 5 failed attempt\(s\)$/);
  });
});
