/**
 * The alarm intake holds no cluster access: it decides from the store (the pods as the health probe last
 * observed them) and queues `service.converge`, which the cluster-side handler (on-service-event) applies.
 * Real parts: dynalite and fauxqs (useTestStack), the pollers that behave like Lambda's event source, the
 * simulated cluster reached over HTTP by the real Kubernetes adapter, the real probe and both handlers.
 */
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthAlarmHandler } from '../../functions/on-health-alarm.js';
import { createServiceEventHandler } from '../../functions/on-service-event.js';
import { KubernetesClusterClientFactory } from '../../lib/adapters/kubernetes/index.js';
import { alarmIntakeOf, type AlarmIntakeApp } from '../../lib/composition/alarm-intake.js';
import type { App } from '../../lib/composition/create-app.js';
import { RemediationPolicy } from '../../lib/health/remediation-policy.js';
import type { SeenShard } from '../../lib/health/remediation-ledger.js';
import { localQueueSettings, SqsPoller, type SqsHandler } from '../../lib/local/sqs-poller.js';
import { ANNOTATIONS, workloadName } from '../../lib/mesh/labels.js';
import { SCHEMA_VERSION, type EventEnvelope } from '../../lib/model/events.js';
import { OBSERVED_STATUS_DOC, type ObservedServiceStatus } from '../../lib/model/observed-status.js';
import { ServiceSpec } from '../../lib/model/service-spec.js';
import { startSimCluster, type SimCluster } from '../../lib/sim/index.js';
import { HEALTH_DOCS } from '../../lib/usecases/health/health-deps.js';
import { runHealthProbe } from '../../lib/usecases/health/run-health-probe.js';
import { applyServiceEvent } from '../../lib/usecases/services/apply-service-event.js';
import { envelope } from '../support/envelopes.js';
import { useTestStack, type TestStack } from '../support/local-stack.js';
import { minimalInput } from '../support/service-specs.js';
import { waitFor } from '../support/wait-for.js';

const stack = useTestStack();
let sim: SimCluster;
let app: App;
let intake: AlarmIntakeApp;
let apps: AppsV1Api;
let core: CoreV1Api;
const pollers: SqsPoller[] = [];

/**
 * Polls one of the stack's queues like Lambda's event source mapping. Failed records come back after 30 s,
 * longer than any record takes here: a copy is a duplicate delivery, never a message redelivered in work.
 */
function poll(s: TestStack, queueId: 'healthAlarms' | 'serviceEvents', handler: SqsHandler): void {
  const queue = s.queues.find((q) => q.definition.id === queueId)!;
  const poller = new SqsPoller({
    client: s.sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    functionName: queueId,
    handler,
    batchSize: 10,
    concurrency: 2,
    ...localQueueSettings(queue.definition, 1, 30),
  });
  poller.start();
  pollers.push(poller);
}

async function queueIsEmpty(s: TestStack, queueId: string): Promise<true | undefined> {
  const url = s.queues.find((q) => q.definition.id === queueId)!.url;
  const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;
  const { Attributes = {} } = await s.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...names] }));
  return names.every((n) => Number(Attributes[n] ?? 0) === 0) ? true : undefined;
}

/** One alarm as a health-queue message, sent `copies` times under distinct deduplication ids (at-least-once delivery). */
async function sendAlarm(s: TestStack, signal: Record<string, unknown>, copies: number, firstCopy = 0): Promise<void> {
  const message: EventEnvelope = {
    id: `alarm-${String(signal.id)}`,
    type: 'health.alarm',
    service: String(signal.service),
    occurredAt: String(signal.observedAt),
    correlationId: String(signal.id),
    schemaVersion: SCHEMA_VERSION,
    payload: { signal },
  };
  const url = s.queues.find((q) => q.definition.id === 'healthAlarms')!.url;
  for (let copy = firstCopy; copy < firstCopy + copies; copy++)
    await s.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: JSON.stringify(message),
        MessageGroupId: message.service,
        MessageDeduplicationId: `${message.id}-${copy}`,
      }),
    );
}

/** Registers a service and runs the probe until it has observed all its pods ready: what the intake decides on. */
async function registerObserved(name: string, replicas: number): Promise<void> {
  const spec = ServiceSpec.parse(minimalInput(name, { replicas }));
  const at = new Date().toISOString();
  await app.store.createOperation({ id: `op-reg-${name}`, kind: 'register', service: name, status: 'pending', createdAt: at, updatedAt: at });
  await applyServiceEvent(app, envelope('service.registered', name, { id: `op-reg-${name}`, payload: { spec } }));
  await waitFor(`${name} to be observed with ${replicas} ready pod(s)`, async () => {
    await runHealthProbe(app);
    const observed = (await app.store.getDocument<ObservedServiceStatus>(OBSERVED_STATUS_DOC, name))?.value;
    return observed && 'pods' in observed && observed.pods.filter((p) => p.ready).length === replicas ? observed : undefined;
  });
}

const eventsOf = async (service: string) => (await app.store.listEvents(service, { limit: 100 })).items;

beforeAll(async () => {
  process.env.LOG_LEVEL = 'SILENT';
  sim = await startSimCluster({ readyDelayMs: 0, reconcileIntervalMs: 20, nodesPerZone: 1, baseErrorRate: 0 });
  app = stack().createApp({ clusters: new KubernetesClusterClientFactory({ retryPolicy: { maxAttempts: 2 } }) });
  await app.store.putCluster({ id: 'sim', default: true, target: { kind: 'simulated', url: sim.url }, createdAt: new Date().toISOString() });
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfigYaml());
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
  // One alarm confirms a problem: the duplicate, not the confirmation, is what is under test.
  intake = alarmIntakeOf(app, { remediationPolicy: RemediationPolicy.parse({ hysteresis: { minConsecutiveAlarms: 1, persistSeconds: 0 } }) });
  poll(stack(), 'healthAlarms', createHealthAlarmHandler(intake));
  poll(stack(), 'serviceEvents', createServiceEventHandler(app));
});

afterAll(async () => {
  await Promise.all(pollers.map((p) => p.stop()));
  await sim?.stop();
});

describe('the alarm intake', () => {
  it('composes no cluster client and no metrics source', () => {
    expect('clusters' in intake).toBe(false);
    expect('metrics' in intake).toBe(false);
  });

  it('acts once on an alarm delivered three times: one restart stamped, converged by the cluster side', async () => {
    await registerObserved('checkout', 2);

    const signal = {
      id: 'sig-checkout-dup',
      source: 'api',
      service: 'checkout',
      kind: 'unavailable',
      state: 'ALARM',
      observedAt: new Date().toISOString(),
      reason: 'test',
    };
    await sendAlarm(stack(), signal, 2);
    const decided = await waitFor('both copies to be decided', async () => {
      const about = (await eventsOf('checkout')).filter((e) => (e.data as { signal?: { id: string } } | undefined)?.signal?.id === signal.id);
      return about.length === 2 ? about : undefined;
    });
    // A late copy, after the first has been carried out.
    await sendAlarm(stack(), signal, 1, 2);
    await waitFor('the third copy to be decided', async () => {
      const about = (await eventsOf('checkout')).filter((e) => (e.data as { signal?: { id: string } } | undefined)?.signal?.id === signal.id);
      return about.length === 3 ? about : undefined;
    });
    await waitFor(
      'the health and service-event queues to drain',
      async () => ((await queueIsEmpty(stack(), 'healthAlarms')) && (await queueIsEmpty(stack(), 'serviceEvents')) ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );

    const events = await eventsOf('checkout');
    const about = events.filter((e) => (e.data as { signal?: { id: string } } | undefined)?.signal?.id === signal.id);
    expect(about.map((e) => [e.type, (e.data as { noneReason?: string }).noneReason]).sort()).toEqual([
      ['RemediationApplied', undefined],
      ['RemediationSkipped', 'duplicate'],
      ['RemediationSkipped', 'duplicate'],
    ]);
    expect(decided.some((e) => e.type === 'RemediationApplied')).toBe(true);
    expect(events.filter((e) => e.type === 'Restarted')).toHaveLength(1);
    const ledger = (await app.store.getDocument<SeenShard>(...HEALTH_DOCS.shard('checkout')))!.value;
    expect(ledger.actions?.filter((a) => a.signalId === signal.id)).toHaveLength(1);
    expect(ledger.pendingActions ?? {}).toEqual({});

    // The cluster side converged the one restart: the Deployment carries the record's stamp.
    const record = (await app.store.getService('checkout'))!;
    expect(record.restartedAt).toEqual(expect.any(String));
    const deployment = await waitFor('the restart to reach the cluster', async () => {
      const d = await apps.readNamespacedDeployment({ name: workloadName('checkout', 'stable'), namespace: 'default' });
      return d.spec?.template.metadata?.annotations?.[ANNOTATIONS.restartedAt] === record.restartedAt ? d : undefined;
    });
    expect(deployment.spec?.template.metadata?.annotations?.[ANNOTATIONS.restartedAt]).toBe(record.restartedAt);
  });

  it('converges a restart by applying the Deployment alone; drift elsewhere is left to the reconcile, which repairs it', async () => {
    await registerObserved('basket', 1);
    // Someone deletes the Kubernetes Service by hand (kubectl delete svc basket).
    await core.deleteNamespacedService({ name: 'basket', namespace: 'default' });

    const signal = {
      id: 'sig-basket',
      source: 'api',
      service: 'basket',
      kind: 'unavailable',
      state: 'ALARM',
      observedAt: new Date().toISOString(),
      reason: 'test',
    };
    await sendAlarm(stack(), signal, 1);
    const record = await waitFor('the restart to be recorded', async () => {
      const r = await app.store.getService('basket');
      return r?.restartedAt ? r : undefined;
    });
    await waitFor('the restart to reach the cluster', async () => {
      const d = await apps.readNamespacedDeployment({ name: workloadName('basket', 'stable'), namespace: 'default' });
      return d.spec?.template.metadata?.annotations?.[ANNOTATIONS.restartedAt] === record.restartedAt ? d : undefined;
    });
    await waitFor('the service-event queue to drain', () => queueIsEmpty(stack(), 'serviceEvents'), { timeoutMs: 20_000 });
    // The restart's converge applied the Deployment only: the deleted Service is still gone.
    await expect(core.readNamespacedService({ name: 'basket', namespace: 'default' })).rejects.toMatchObject({ code: 404 });

    // The probe's reconcile compares every object with the store and re-applies what drifted, once the
    // restart's change has settled (decide-reconcile.ts: an apply in flight is not taken for drift).
    const service = await waitFor('the reconcile to recreate the Service', async () => {
      await runHealthProbe(app);
      return core.readNamespacedService({ name: 'basket', namespace: 'default' }).catch(() => undefined);
    });
    expect(service.spec?.selector).toEqual(expect.objectContaining({ app: 'basket' }));
  });
});
