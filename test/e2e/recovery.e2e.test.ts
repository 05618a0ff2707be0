/**
 * Health alarms and automatic recovery, end to end: the local runtime (the Lambda handlers, DynamoDB and
 * SQS emulators, the health probe on a schedule) against the simulated cluster. Faults are injected in
 * the cluster or alarms are sent the way their sources send them (POST /v1/alarms, raw EventBridge
 * events on the health queue); what the tests look at is what an operator sees: the service over the
 * API, its audit trail, the pods in the cluster and the queues.
 *
 * The main runtime uses the platform's default remediation policy, so the global rate limit (10 actions)
 * is shared by every test in it: the alarm storm runs last and counts what the earlier tests spent.
 */
import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeshplaneLocal, type MeshplaneLocalOptions } from '../../cli/local-runtime.js';
import { awsClientConfig } from '../../lib/composition/create-app.js';
import { DEFAULT_REMEDIATION_POLICY, RemediationPolicy } from '../../lib/health/remediation-policy.js';
import type { LocalRuntime } from '../../lib/local/runtime.js';
import { ANNOTATIONS } from '../../lib/mesh/labels.js';
import { SCHEMA_VERSION, type EventEnvelope } from '../../lib/model/events.js';
import type { AuditEvent } from '../../lib/model/records.js';
import { UNMAPPED_ALARMS } from '../../lib/usecases/health/ingest-cloudwatch-alarm.js';
import { envelopeIdFor } from '../../lib/usecases/health/submit-signal.js';
import { loadFixture } from '../lib/health/fixtures.js';
import { waitFor } from '../support/wait-for.js';
import { ClusterView } from './support/cluster-view.js';
import { MeshplaneApi } from './support/meshplane-api.js';

/** Rollout waits and simulated time run 50× faster than the wall clock; the probe runs every 1.2 s. */
const TIME_FACTOR = 0.02;
const PROBE_PERIOD_SECONDS = 60;
/**
 * Longer than a batch of 10 decisions takes on a busy machine (a shorter one redelivers messages still
 * being processed), and longer than {@link DRAIN_TIMEOUT_MS}: a message that failed stays in the queue
 * at least this long, so a queue that drains sooner proves the message was deleted, not retried.
 */
const VISIBILITY_TIMEOUT_SECONDS = 10;
const DRAIN_TIMEOUT_MS = 5_000;
/** A quick rollout for the deploys the scenarios start from: judged once at 50%, then promoted. */
const QUICK_ROLLOUT = {
  steps: [
    { weight: 50, pauseSeconds: 30 },
    { weight: 100, pauseSeconds: 0 },
  ],
};

/** A decision of the remediation policy as the health handler records it in the audit trail. */
interface DecisionData {
  signal: { id: string; kind: string; state: string; source: string; track?: string; node?: string };
  decision: string;
  noneReason?: string;
  wouldDo?: { kind: string; [k: string]: unknown };
  retryAfter?: string;
  action?: { kind: string; [k: string]: unknown };
  evidence: Record<string, unknown>;
}

type DecisionEvent = AuditEvent & { data: DecisionData };

const DECISION_TYPES = new Set(['RemediationApplied', 'RemediationSkipped', 'RemediationEscalated', 'HealthAlarmDropped']);

/** A health signal as `POST /v1/alarms` takes it. */
interface AlarmBody {
  id?: string;
  service: string;
  kind: string;
  state: 'ALARM' | 'OK';
  observedAt?: string;
  reason?: string;
  track?: string;
}

/** `seconds` before now, ISO: signals must be observed no later than when they are decided. */
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1_000).toISOString();

/** The same instant as CloudWatch writes it in alarm state timestamps. */
const cloudWatchTimestamp = (iso: string) => iso.replace('Z', '+0000');

/** Everything one runtime's tests need: the API, the cluster as kubectl sees it, raw SQS access. */
/** Starts the local runtime with this file's timing and wraps it in a harness. */
async function startHarness(options: Partial<MeshplaneLocalOptions>): Promise<RecoveryHarness> {
  process.env.LOG_LEVEL = 'SILENT';
  const runtime = await startMeshplaneLocal({
    port: 0,
    timeFactor: TIME_FACTOR,
    probePeriodSeconds: PROBE_PERIOD_SECONDS,
    visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
    ...options,
  });
  return new RecoveryHarness(runtime);
}

class RecoveryHarness {
  readonly api: MeshplaneApi;
  readonly cluster: ClusterView;
  private readonly sqs: SQSClient;

  constructor(readonly runtime: LocalRuntime) {
    this.api = new MeshplaneApi(runtime.url, runtime);
    this.cluster = new ClusterView(runtime.kubeconfigPath!);
    this.sqs = new SQSClient(awsClientConfig(runtime.app.config, 'sqs'));
  }

  async stop(): Promise<void> {
    this.sqs.destroy();
    await this.runtime.stop();
  }

  get healthQueue() {
    return this.runtime.queues.find((q) => q.definition.id === 'healthAlarms')!;
  }

  /** Registers a service and waits for its replicas to be Ready. */
  /**
   * Registered, Ready in the cluster, and observed so by the health probe: remediation decides on the
   * probe's observation (an alarm before it is decided `notObserved` and re-sent, see lib/health/README.md).
   */
  async registerReady(name: string, image: string, replicas: number): Promise<void> {
    await this.api.register({ name, image, port: 8080, replicas });
    await this.api.waitForReadyReplicas(name, replicas);
    await waitFor(
      `${name} to be observed with ${replicas} Ready replicas`,
      async () => {
        const status = (await this.api.service(name)).status as { readyReplicas?: number } | undefined;
        return status?.readyReplicas === replicas ? true : undefined;
      },
      { intervalMs: 100 },
    );
  }

  postAlarm(body: AlarmBody): Promise<{ signalId: string }> {
    return this.api.expect(202, 'POST', '/v1/alarms', body);
  }

  /** Sends `body` as one SQS message on the health queue, as EventBridge or a retried sender would. */
  async sendRaw(body: unknown, groupId: string, deduplicationId: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.healthQueue.url,
        MessageBody: JSON.stringify(body),
        MessageGroupId: groupId,
        MessageDeduplicationId: deduplicationId,
      }),
    );
  }

  /** Messages in a queue: waiting, in flight and delayed. */
  async depth(queueUrl: string): Promise<number> {
    const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;
    const { Attributes = {} } = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...names] }));
    return names.reduce((sum, n) => sum + Number(Attributes[n] ?? 0), 0);
  }

  /**
   * Waits until the health queue is empty (nothing waiting or in flight) and checks that its DLQ is
   * empty: every message sent so far was handled and deleted, none is waiting for a retry.
   */
  async drained(): Promise<void> {
    await waitFor('the health queue to drain', async () => ((await this.depth(this.healthQueue.url)) === 0 ? true : undefined), {
      timeoutMs: DRAIN_TIMEOUT_MS,
      intervalMs: 50,
    });
    expect(await this.depth(this.healthQueue.dlqUrl)).toBe(0);
  }

  /** The remediation policy's decisions recorded for `service`, oldest first. */
  async decisions(service: string): Promise<DecisionEvent[]> {
    const answer = await this.api.request<{ items: AuditEvent[] }>('GET', `/v1/services/${service}/events?limit=100`);
    if (answer.status === 404) return [];
    expect(answer.status).toBe(200);
    return answer.body.items.filter((e): e is DecisionEvent => DECISION_TYPES.has(e.type)).sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  }

  /** Waits until the decision about signal `signalId` is in `service`'s audit trail. */
  decisionAbout(service: string, signalId: string): Promise<DecisionEvent> {
    return waitFor(`the decision on ${signalId}`, async () => (await this.decisions(service)).find((d) => d.data.signal?.id === signalId), { intervalMs: 50 });
  }
}

const applied = (events: DecisionEvent[]) => events.filter((e) => e.type === 'RemediationApplied');

describe('automatic recovery with the default remediation policy', () => {
  let h: RecoveryHarness;

  beforeAll(async () => {
    h = await startHarness({
      // A down node's pods are evicted only after 10 simulated minutes (12 s here): long enough that
      // meshplane's evacuation, not Kubernetes' eviction, is what moves them.
      sim: { readyDelayMs: 0, nodeEvictionGraceMs: 600_000 },
    });
  });

  afterAll(() => h?.stop());

  it('rolls a crash-looping image back to the previous revision, with the evidence in the audit trail', async () => {
    await h.registerReady('cart', 'shop/cart:1', 3);
    const deploy = await h.api.deploy('cart', { image: 'shop/cart:2', rollout: QUICK_ROLLOUT });
    expect((await h.api.waitForDeploymentEnd('cart', deploy.deploymentId)).status).toBe('promoted');
    expect(await h.api.service('cart')).toMatchObject({ revision: 2, spec: { image: 'shop/cart:2' } });

    h.runtime.sim!.faults.crashLoop('shop/cart:2');

    const rolledBack = await waitFor(
      'cart to run shop/cart:1 again',
      async () => {
        const svc = await h.api.service('cart');
        return svc.spec.image === 'shop/cart:1' && svc.traffic === undefined ? svc : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // The rollback is a new revision with the old spec, reached through the normal rollout path.
    expect(rolledBack.revision).toBe(3);
    const [rollback] = await h.api.deployments('cart');
    expect(rollback).toMatchObject({ image: 'shop/cart:1', fromRevision: 2 });
    expect((await h.api.waitForDeploymentEnd('cart', rollback.id)).status).toBe('promoted');
    const status = await h.api.waitForReadyReplicas('cart', 3);
    expect(status.pods.every((p) => p.ready)).toBe(true);
    expect(new Set((await h.cluster.servicePods('cart')).map((p) => p.image))).toEqual(new Set(['shop/cart:1']));

    const decisions = await h.decisions('cart');
    const actions = applied(decisions);
    expect(actions).toHaveLength(1);
    const [action] = actions;
    expect(action.data).toMatchObject({
      decision: 'rollback',
      action: { kind: 'rollback', fromRevision: 'r2', toRevision: 'r1' },
      signal: { source: 'probe', state: 'ALARM', track: 'stable' },
      evidence: { currentRevision: 'r2', previousGoodRevision: 'r1', signalState: 'ALARM' },
    });
    expect(['crashLoop', 'unavailable']).toContain(action.data.signal.kind);
    expect(action.data.evidence.candidates).toContain('rollback');
    expect(action.data.evidence.consecutiveAlarms).toBeGreaterThanOrEqual(DEFAULT_REMEDIATION_POLICY.hysteresis.minConsecutiveAlarms);
    expect(action.data.evidence.promotedSecondsAgo).toBeLessThanOrEqual(DEFAULT_REMEDIATION_POLICY.rollbackWindowSeconds);
    expect(action.message).toMatch(/rolling back to revision 1/);

    // Before it: the first alarm of that condition waited for confirmation.
    const before = decisions.slice(0, decisions.indexOf(action));
    expect(before.find((d) => d.data.signal.kind === action.data.signal.kind)?.data.noneReason).toBe('awaitingConfirmation');
    // After it: nothing acted again; the same alarm persisting while the rollback ran was found already tried.
    for (const later of decisions.slice(decisions.indexOf(action) + 1)) {
      expect(['RemediationSkipped', 'RemediationEscalated']).toContain(later.type);
      if (later.data.signal.kind === action.data.signal.kind) expect(['exhausted', 'recovered']).toContain(later.data.noneReason);
    }
  });

  it('moves the pods off a node that goes down, without the service ever losing all its ready pods', async () => {
    const replicas = 3;
    await h.registerReady('inventory', 'shop/inventory:1', replicas);
    const before = await h.cluster.servicePods('inventory');
    const node = before[0].node!;
    const podsOnNode = before
      .filter((p) => p.node === node)
      .map((p) => p.name)
      .sort();

    const readySamples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const status = await h.api.currentStatus('inventory');
        if (status && !('error' in status)) readySamples.push(status.pods.filter((p) => p.ready && (p.track ?? 'stable') === 'stable').length);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    h.runtime.sim!.faults.nodeDown(node);
    try {
      const moved = await waitFor(
        `inventory's pods to leave ${node}`,
        async () => {
          const svc = await h.api.service('inventory');
          const status = await h.api.currentStatus('inventory');
          const pods = status && !('error' in status) ? status.pods : [];
          const done = svc.placement?.avoidNodes?.includes(node) && pods.length === replicas && pods.every((p) => p.ready && p.node !== node);
          return done ? svc : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      sampling = false;
      await sampler;

      expect(moved.placement?.avoidNodes).toEqual([node]);
      expect((await h.cluster.servicePods('inventory')).filter((p) => p.node === node)).toEqual([]);
      // Only the pods of the down node were ever unready; the replacements started before they went.
      expect(readySamples.length).toBeGreaterThan(5);
      expect(Math.min(...readySamples)).toBeGreaterThanOrEqual(replicas - podsOnNode.length);
      expect(Math.min(...readySamples)).toBeGreaterThan(0);

      const [action, ...more] = applied(await h.decisions('inventory'));
      expect(more).toEqual([]);
      expect(action.data).toMatchObject({
        decision: 'evacuateNode',
        action: { kind: 'evacuateNode', node, pods: podsOnNode },
        signal: { kind: 'nodeNotReady', node, source: 'probe' },
        evidence: { node, podsOnNode },
      });
      const evacuated = (await h.api.events('inventory')).filter((e) => e.type === 'Evacuated');
      expect(evacuated.map((e) => e.data)).toEqual([{ nodes: [node] }]);
    } finally {
      sampling = false;
      await sampler;
      h.runtime.sim!.faults.nodeUp(node);
    }
    await waitFor(`${node} to be Ready again`, () => (h.runtime.sim!.faults.state().nodes.find((n) => n.name === node)?.ready ? true : undefined));
  });

  it('acts once on an alarm posted twice with the same signal id', async () => {
    await h.registerReady('billing', 'shop/billing:1', 2);
    const ids = ['billing-twice-1', 'billing-twice-2'];
    for (const [i, id] of ids.entries()) {
      for (let copy = 0; copy < 2; copy++) {
        const answer = await h.postAlarm({ id, service: 'billing', kind: 'crashLoop', state: 'ALARM', observedAt: secondsAgo(2 - i), reason: 'pods crashing' });
        expect(answer.signalId).toBe(id);
      }
    }
    const decided = await h.decisionAbout('billing', ids[1]);
    expect(decided.data).toMatchObject({ decision: 'restart', action: { kind: 'restart' } });
    await h.drained();
    const decisions = await h.decisions('billing');
    expect(applied(decisions)).toHaveLength(1);
    expect(decisions.filter((d) => d.data.signal.id === ids[1] && d.type === 'RemediationApplied')).toHaveLength(1);
    expect((await h.api.events('billing')).filter((e) => e.type === 'Restarted')).toHaveLength(1);
    // Converged by the cluster side from the service.converge the intake queued.
    await waitFor(
      'the restart to reach the cluster',
      async () => (await h.cluster.deployment('billing'))?.spec?.template.metadata?.annotations?.[ANNOTATIONS.restartedAt],
    );
  });

  it('acts once on the same SQS message delivered twice (the second copy is a duplicate)', async () => {
    await h.registerReady('ledger', 'shop/ledger:1', 2);
    const envelopeOf = (id: string, observedAt: string): EventEnvelope => ({
      id: envelopeIdFor(id),
      type: 'health.alarm',
      service: 'ledger',
      occurredAt: observedAt,
      correlationId: id,
      schemaVersion: SCHEMA_VERSION,
      payload: { signal: { id, source: 'api', service: 'ledger', kind: 'unavailable', state: 'ALARM', observedAt, reason: 'no ready pod (test)' } },
    });
    const first = envelopeOf('ledger-sqs-1', secondsAgo(2));
    const second = envelopeOf('ledger-sqs-2', secondsAgo(1));
    await h.sendRaw(first, 'ledger', first.id);
    await h.sendRaw(second, 'ledger', second.id);
    // At-least-once delivery: the identical body again, under a deduplication id SQS has not seen.
    await h.sendRaw(second, 'ledger', `${second.id}-redelivered`);

    const copies = await waitFor(
      'both copies of the second alarm to be decided',
      async () => {
        const about = (await h.decisions('ledger')).filter((d) => d.data.signal.id === 'ledger-sqs-2');
        return about.length === 2 ? about : undefined;
      },
      { intervalMs: 50 },
    );
    expect(copies.map((d) => [d.type, d.data.decision, d.data.noneReason])).toEqual([
      ['RemediationApplied', 'restart', undefined],
      ['RemediationSkipped', 'none', 'duplicate'],
    ]);
    expect(applied(await h.decisions('ledger'))).toHaveLength(1);
  });

  it('does nothing about an alarm that returns to OK before it is confirmed', async () => {
    await h.registerReady('search', 'shop/search:1', 2);
    // Sent in this order; observed in the order of the times (a late ALARM observed before the OK).
    const sequence: { id: string; state: 'ALARM' | 'OK'; observedSecondsAgo: number; expected: string }[] = [
      { id: 'search-a', state: 'ALARM', observedSecondsAgo: 4, expected: 'awaitingConfirmation' },
      { id: 'search-ok', state: 'OK', observedSecondsAgo: 2, expected: 'recovered' },
      { id: 'search-late', state: 'ALARM', observedSecondsAgo: 3, expected: 'recovered' },
      // After the OK, a new streak starts: one alarm is not yet a confirmed problem.
      { id: 'search-b', state: 'ALARM', observedSecondsAgo: 1, expected: 'awaitingConfirmation' },
    ];
    // Times from one instant: on a loaded machine each decision takes seconds, and times taken at each
    // post would drift past each other (the late ALARM would land after the OK).
    const base = Date.now();
    for (const s of sequence) {
      const observedAt = new Date(base - s.observedSecondsAgo * 1_000).toISOString();
      await h.postAlarm({ id: s.id, service: 'search', kind: 'unavailable', state: s.state, observedAt });
      await h.decisionAbout('search', s.id);
    }
    const decisions = await h.decisions('search');
    expect(decisions.map((d) => [d.data.signal.id, d.data.noneReason])).toEqual(sequence.map((s) => [s.id, s.expected]));
    expect(applied(decisions)).toEqual([]);
    expect(decisions.at(-1)!.data.evidence.consecutiveAlarms).toBe(1);
    expect((await h.api.service('search')).restartedAt).toBeUndefined();
  });

  it('records and drops an alarm about a service meshplane does not know, without retrying it', async () => {
    await h.postAlarm({ id: 'ghost-alarm', service: 'ghost-service', kind: 'errorRate', state: 'ALARM', reason: 'from another monitoring system' });
    const dropped = await h.decisionAbout('ghost-service', 'ghost-alarm');
    expect(dropped.type).toBe('HealthAlarmDropped');
    expect(dropped.data).toMatchObject({ decision: 'none', noneReason: 'unknownService' });
    expect(dropped.message).toMatch(/"ghost-service" is not managed by meshplane/);
    await h.drained();
    expect((await h.decisions('ghost-service')).map((d) => d.data.signal.id)).toEqual(['ghost-alarm']);
    expect((await h.api.request('GET', '/v1/services/ghost-service')).status).toBe(404);
  });

  it('maps a CloudWatch alarm state change sent raw to the health queue and decides on it; an unmappable one is dropped', async () => {
    await h.registerReady('payments', 'shop/payments:1', 2);
    const stateAt = secondsAgo(1);
    const event = loadFixture('cloudwatch-metric-alarm.json') as any;
    event.id = randomUUID();
    event.time = stateAt.replace(/\.\d+Z$/, 'Z');
    event.detail.alarmName = 'meshplane/payments/errorRate';
    event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${event.detail.alarmName}`];
    event.detail.state.timestamp = cloudWatchTimestamp(stateAt);
    // What an EventBridge rule with an SQS FIFO target sends: the event itself as the body.
    await h.sendRaw(event, 'cloudwatch-alarms', event.id);

    const signalId = `cloudwatch:meshplane/payments/errorRate:${stateAt}:payments`;
    const decided = await h.decisionAbout('payments', signalId);
    expect(decided.type).toBe('RemediationSkipped');
    expect(decided.data).toMatchObject({
      signal: { id: signalId, source: 'cloudwatch', kind: 'errorRate', state: 'ALARM' },
      decision: 'none',
      noneReason: 'awaitingConfirmation',
      retryAfter: expect.any(String),
      // value and threshold come from the alarm's reasonData.
      evidence: { value: 99.50160229693434, threshold: 50, signalSource: 'cloudwatch' },
    });

    const unmappable = loadFixture('cloudwatch-metric-alarm.json') as any;
    unmappable.id = randomUUID();
    await h.sendRaw(unmappable, 'cloudwatch-alarms', unmappable.id);
    const dropped = await waitFor(
      'the unmappable alarm to be recorded',
      async () => {
        const answer = await h.api.request<{ items: AuditEvent[] }>('GET', `/v1/services/${UNMAPPED_ALARMS}/events`);
        return answer.status === 200 ? answer.body.items.filter((e) => e.type === 'HealthAlarmDropped') : undefined;
      },
      { intervalMs: 50 },
    );
    expect(dropped).toHaveLength(1);
    expect(dropped[0].data).toEqual({ alarmName: 'ServerCpuTooHigh' });
    expect(dropped[0].message).toMatch(/^alarm ServerCpuTooHigh dropped: .+/);
    await h.drained();
    expect((await h.api.request<{ items: AuditEvent[] }>('GET', `/v1/services/${UNMAPPED_ALARMS}/events`)).body.items).toHaveLength(1);
  });

  it('bounds the actions of an alarm storm (100 alarms over 20 services) by the global rate limit', async () => {
    const services = Array.from({ length: 20 }, (_, i) => `storm-${String(i).padStart(2, '0')}`);
    await Promise.all(services.map((name) => h.registerReady(name, `shop/${name}:1`, 1)));
    const everyService = async () => (await h.api.expect<{ items: { name: string }[] }>(200, 'GET', '/v1/services?limit=100')).items.map((s) => s.name);
    const spentBefore = (await Promise.all((await everyService()).map(async (s) => applied(await h.decisions(s)).length))).reduce((a, b) => a + b, 0);
    const startedAt = Date.now();

    // Five ALARMs per service, a second apart: the second confirms the first, the rest persist.
    await Promise.all(
      services.map(async (service) => {
        for (let i = 0; i < 5; i++)
          await h.postAlarm({ id: `${service}-alarm-${i}`, service, kind: 'unavailable', state: 'ALARM', observedAt: secondsAgo(6 - i) });
      }),
    );
    // "In a minute" holds by construction: the signals' observedAt span six seconds.

    const byService = await waitFor(
      'all 100 alarms to be decided',
      async () => {
        const all = await Promise.all(services.map(async (s) => (await h.decisions(s)).filter((d) => d.data.signal.id.startsWith(`${s}-alarm-`))));
        return all.every((d) => new Set(d.map((e) => e.data.signal.id)).size === 5) ? all : undefined;
      },
      { timeoutMs: 40_000, intervalMs: 1_000 },
    ).catch(async (err) => {
      const all = await Promise.all(
        services.map(async (s) => (await h.decisions(s)).map((d) => `${d.data.signal.id}:${d.data.decision}/${d.data.noneReason ?? ''}`)),
      );
      throw new Error(`${err.message}: ${JSON.stringify(all.slice(0, 4))}`);
    });
    const stormActions = byService.flatMap(applied);
    const { capacity, refillPerHour } = DEFAULT_REMEDIATION_POLICY.globalRateLimit;
    const refilled = Math.floor(((Date.now() - startedAt) / 3_600_000) * refillPerHour) + 1;
    expect(stormActions.length).toBeGreaterThan(0);
    expect(stormActions.length + spentBefore).toBeLessThanOrEqual(capacity + refilled);
    // At most one action per service (the rest cool down), and the global bucket said no to the others.
    for (const decisions of byService) expect(applied(decisions).length).toBeLessThanOrEqual(1);
    const limited = byService.flat().filter((d) => d.data.noneReason === 'rateLimited');
    expect(limited.length).toBeGreaterThan(0);
    expect(new Set(limited.map((d) => d.data.evidence.rateLimitScope))).toEqual(new Set(['global']));
    // No alarm acted twice, and every service's first alarm waited for confirmation.
    for (const id of new Set(stormActions.map((a) => a.data.signal.id))) expect(stormActions.filter((a) => a.data.signal.id === id)).toHaveLength(1);
    for (const decisions of byService) expect(decisions.find((d) => d.data.signal.id.endsWith('-alarm-0'))?.data.noneReason).toBe('awaitingConfirmation');

    const spentOverall = (await Promise.all((await everyService()).map(async (s) => applied(await h.decisions(s)).length))).reduce((a, b) => a + b, 0);
    expect(spentOverall).toBeLessThanOrEqual(capacity + refilled);
  });
});

describe('a CloudWatch alarm that stays in ALARM (one event per state change)', () => {
  const PERSIST_SECONDS = 2;
  let h: RecoveryHarness;

  beforeAll(async () => {
    h = await startHarness({
      sim: { readyDelayMs: 0 },
      // Persistence confirms an alarm after 2 s instead of 180 s, so the test need not wait minutes.
      remediationPolicy: RemediationPolicy.parse({ hysteresis: { minConsecutiveAlarms: 2, persistSeconds: PERSIST_SECONDS } }),
    });
  });

  afterAll(() => h?.stop());

  it('is decided again when its confirmation is due, and acts once it has persisted', async () => {
    await h.registerReady('payments', 'shop/payments:1', 2);
    const stateAt = secondsAgo(0);
    const event = loadFixture('cloudwatch-metric-alarm.json') as any;
    event.id = randomUUID();
    event.detail.alarmName = 'meshplane/payments/crashLoop';
    event.detail.state.timestamp = cloudWatchTimestamp(stateAt);
    await h.sendRaw(event, 'cloudwatch-alarms', event.id);
    const signalId = `cloudwatch:meshplane/payments/crashLoop:${stateAt}:payments`;

    const about = async () => (await h.decisions('payments')).filter((d) => d.data.signal.id === signalId);
    const decisions = await waitFor('the alarm to be acted on', async () => {
      const found = await about();
      return found.some((d) => d.type === 'RemediationApplied') ? found : undefined;
    });
    const [first, ...rest] = decisions;
    expect(first.data).toMatchObject({ noneReason: 'awaitingConfirmation', evidence: { consecutiveAlarms: 1 } });
    expect(Date.parse(first.data.retryAfter!)).toBe(Date.parse(stateAt) + PERSIST_SECONDS * 1_000);
    const action = rest.at(-1)!;
    expect(action.type).toBe('RemediationApplied');
    expect(action.data).toMatchObject({ decision: 'restart', signal: { source: 'cloudwatch' }, evidence: { consecutiveAlarms: 1, alarmingSince: stateAt } });
    // Re-sent no earlier than it was due.
    expect(Date.parse(action.at)).toBeGreaterThanOrEqual(Date.parse(first.data.retryAfter!));
    expect(rest.slice(0, -1).every((d) => d.data.noneReason === 'awaitingConfirmation')).toBe(true);
    // The intake commits the restart and queues service.converge; the cluster side applies it moments later.
    await waitFor(
      'the restart to reach the cluster',
      async () => (await h.cluster.deployment('payments'))?.spec?.template.metadata?.annotations?.[ANNOTATIONS.restartedAt],
    );

    // Decided for good: the probe stops re-sending it.
    await new Promise((r) => setTimeout(r, 3 * PROBE_PERIOD_SECONDS * TIME_FACTOR * 1_000));
    expect(await about()).toHaveLength(decisions.length);
  });
});

describe('dry run', () => {
  let h: RecoveryHarness;

  beforeAll(async () => {
    h = await startHarness({
      sim: { readyDelayMs: 0 },
      remediationPolicy: RemediationPolicy.parse({ dryRun: true }),
    });
  });

  afterAll(() => h?.stop());

  it('records what it would do (wouldDo) and changes nothing', async () => {
    await h.registerReady('cart', 'shop/cart:1', 2);
    const deploy = await h.api.deploy('cart', { image: 'shop/cart:2', rollout: QUICK_ROLLOUT });
    expect((await h.api.waitForDeploymentEnd('cart', deploy.deploymentId)).status).toBe('promoted');
    const serviceBefore = await h.api.service('cart');
    const deploymentsBefore = await h.api.deployments('cart');

    h.runtime.sim!.faults.crashLoop('shop/cart:2');
    const wouldRollBack = await waitFor(
      'a dry-run decision on the crash loop',
      async () => (await h.decisions('cart')).find((d) => d.data.noneReason === 'dryRun'),
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(wouldRollBack.type).toBe('RemediationSkipped');
    expect(wouldRollBack.data).toMatchObject({ decision: 'none', wouldDo: { kind: 'rollback', fromRevision: 'r2', toRevision: 'r1' } });
    expect(wouldRollBack.message).toMatch(/^dry run; would rollback/);

    // Let the probe keep alarming for a while: nothing may move.
    await new Promise((r) => setTimeout(r, 2_000));
    const serviceAfter = await h.api.service('cart');
    expect({
      version: serviceAfter.version,
      revision: serviceAfter.revision,
      image: serviceAfter.spec.image,
      restartedAt: serviceAfter.restartedAt,
      placement: serviceAfter.placement,
    }).toEqual({
      version: serviceBefore.version,
      revision: serviceBefore.revision,
      image: 'shop/cart:2',
      restartedAt: undefined,
      placement: undefined,
    });
    expect((await h.api.deployments('cart')).map((d) => d.id)).toEqual(deploymentsBefore.map((d) => d.id));
    expect(applied(await h.decisions('cart'))).toEqual([]);
    expect(new Set((await h.cluster.servicePods('cart')).map((p) => p.image))).toEqual(new Set(['shop/cart:2']));
    expect((await h.cluster.deployment('cart'))?.spec?.template.metadata?.annotations?.[ANNOTATIONS.restartedAt]).toBeUndefined();
  });
});
