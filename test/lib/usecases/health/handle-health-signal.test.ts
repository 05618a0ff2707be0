import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, TerminalError, TransientError, VersionConflictError } from '../../../../lib/errors.js';
import type { HealthSignal } from '../../../../lib/health/health-signal.js';
import { ledgerView, type RemediationLedger, type SeenShard } from '../../../../lib/health/remediation-ledger.js';
import { handleHealthSignal } from '../../../../lib/usecases/health/handle-health-signal.js';
import { HEALTH_DOCS } from '../../../../lib/usecases/health/health-deps.js';
import { envelope } from '../../../support/envelopes.js';
import { FakeHealthWorld, serviceRecord } from './health-fakes.js';

/** A day after checkout was registered: its revision is not new, so crash loops call for a restart. */
const DECIDED_AT = '2030-01-02T00:00:00.000Z';
const secondsBefore = (seconds: number) => new Date(Date.parse(DECIDED_AT) - seconds * 1_000).toISOString();

function crashLoop(id: string, observedAt: string): HealthSignal {
  return { id, source: 'api', service: 'checkout', kind: 'crashLoop', state: 'ALARM', observedAt, reason: 'pods crashing' };
}

describe('handleHealthSignal: an action is carried out at least once', () => {
  let world: FakeHealthWorld;
  const signal = crashLoop('sig-crash-2', secondsBefore(30));
  const message = () => envelope('health.alarm', 'checkout', { id: 'msg-1', payload: { signal } });
  const shard = () => world.document<SeenShard>(...HEALTH_DOCS.shard('checkout'))!.value;
  /** The ledger as the policy sees it for checkout: the global document joined with its shard. */
  const ledger = () => ledgerView(world.document<RemediationLedger>(...HEALTH_DOCS.ledger)!.value, shard(), 'checkout');

  beforeEach(() => {
    world = new FakeHealthWorld();
    world.addService(serviceRecord('checkout'));
    world.clock.set(DECIDED_AT);
    // An earlier alarm of the same condition: this one confirms it.
    world.documents.set('health/checkout', {
      value: { recentSignals: [crashLoop('sig-crash-1', secondsBefore(90))], alarming: {}, detectors: {} },
      version: 1,
    });
  });

  it('a first attempt failing with a TransientError stays pending and throws; the redelivery carries it out once, without charging the ledger again', async () => {
    const deps = world.deps();
    world.convergeFailures.push(new TransientError('the Kubernetes API answered 503'));

    await expect(handleHealthSignal(deps, message())).rejects.toBeInstanceOf(TransientError);
    expect(Object.keys(shard().pendingActions ?? {})).toEqual([signal.id]);
    expect(shard().pendingActions?.[signal.id].decision).toMatchObject({ kind: 'restart', decidedAt: DECIDED_AT });
    const [failed, ...moreFailures] = world.eventsOfType('RemediationFailed');
    expect(moreFailures).toEqual([]);
    expect(failed.data).toMatchObject({ decision: 'restart', retrying: true, error: 'the Kubernetes API answered 503' });
    expect(failed.message).toMatch(/failed \(will retry\): the Kubernetes API answered 503$/);
    expect(world.eventsOfType('RemediationApplied')).toEqual([]);
    expect(world.converged).toEqual([]);
    const charged = ledger();
    expect(charged.actions.map((a) => [a.kind, a.signalId])).toEqual([['restart', signal.id]]);

    // SQS redelivers the same message after the visibility timeout.
    world.clock.advance(30_000);
    const outcome = await handleHealthSignal(deps, message());

    expect(outcome).toMatchObject({
      outcome: 'decided',
      decision: { kind: 'restart', signalId: signal.id, decidedAt: DECIDED_AT },
      result: 'restarted the pods',
    });
    expect(world.converged.map((r) => r.restartedAt)).toEqual([DECIDED_AT]);
    // The restart was stamped once, with the decision's time: the retry did not restart the pods a second time.
    expect(world.eventsOfType('Restarted')).toHaveLength(1);
    expect(world.services.get('checkout')!.restartedAt).toBe(DECIDED_AT);
    const [applied, ...moreApplied] = world.eventsOfType('RemediationApplied');
    expect(moreApplied).toEqual([]);
    expect(applied.data).toMatchObject({ decision: 'restart', redelivered: true, signal: { id: signal.id } });
    expect(shard().pendingActions ?? {}).toEqual({});
    const after = ledger();
    expect(after.actions).toEqual(charged.actions);
    expect(after.serviceBuckets).toEqual(charged.serviceBuckets);
    expect(after.globalBucket).toEqual(charged.globalBucket);

    // A further copy is a plain duplicate: nothing runs again.
    const copy = await handleHealthSignal(deps, message());
    expect(copy).toMatchObject({ decision: { kind: 'none', noneReason: 'duplicate' } });
    expect(world.converged).toHaveLength(1);
    expect(world.eventsOfType('RemediationApplied')).toHaveLength(1);
  });

  it('retries as often as the failure lasts, and acts once it passes', async () => {
    const deps = world.deps();
    world.convergeFailures.push(new TransientError('throttled'), new VersionConflictError('busy'), new Error('socket hang up'));
    // SQS redelivers each failed receive after the visibility timeout.
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(handleHealthSignal(deps, message())).rejects.toThrow();
      world.clock.advance(30_000);
    }
    expect(world.eventsOfType('RemediationFailed').map((e) => e.data?.retrying)).toEqual([true, true, true]);
    await handleHealthSignal(deps, message());
    expect(world.converged).toHaveLength(1);
    expect(world.eventsOfType('Restarted')).toHaveLength(1);
    expect(ledger().actions).toHaveLength(1);
  });

  it.each([
    ['a TerminalError', new TerminalError('the Deployment is invalid')],
    ['a NotFoundError', new NotFoundError('the namespace is gone')],
  ])('a failure that retrying cannot fix (%s) is recorded, not retried, and no longer pending', async (_what, error) => {
    const deps = world.deps();
    world.convergeFailures.push(error);

    const outcome = await handleHealthSignal(deps, message());
    expect(outcome).toMatchObject({ outcome: 'decided', decision: { kind: 'restart' }, result: `the action failed: ${error.message}` });
    expect(world.eventsOfType('RemediationFailed').map((e) => e.data)).toEqual([expect.objectContaining({ retrying: false, error: error.message })]);
    expect(shard().pendingActions ?? {}).toEqual({});

    const copy = await handleHealthSignal(deps, message());
    expect(copy).toMatchObject({ decision: { kind: 'none', noneReason: 'duplicate' } });
    expect(world.converged).toEqual([]);
  });

  it('an action that succeeds at once leaves nothing pending', async () => {
    const outcome = await handleHealthSignal(world.deps(), message());
    expect(outcome).toMatchObject({ decision: { kind: 'restart' }, result: 'restarted the pods' });
    expect(shard().pendingActions ?? {}).toEqual({});
    expect(world.eventsOfType('RemediationApplied').map((e) => e.data?.redelivered)).toEqual([undefined]);
  });
});
