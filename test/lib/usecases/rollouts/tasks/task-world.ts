/**
 * What the rollout task tests share: dynalite (through useTestStack) and a simulated cluster reached
 * over HTTP by the real Kubernetes adapter, registered as the default cluster; services registered the
 * way the service-event handler registers them, and deployments put in the table as the API does.
 */
import { AppsV1Api, KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { KubernetesClusterClientFactory } from '../../../../../lib/adapters/kubernetes/index.js';
import { PrometheusMetricsSource } from '../../../../../lib/adapters/metrics/prometheus-metrics-source.js';
import type { App } from '../../../../../lib/composition/create-app.js';
import type { DeploymentRecord, ServiceRecord } from '../../../../../lib/model/records.js';
import type { RolloutWorkflow } from '../../../../../lib/ports/rollout-workflow.js';
import { ServiceSpec, type ServiceSpecInput } from '../../../../../lib/model/service-spec.js';
import { startSimCluster, type SimCluster } from '../../../../../lib/sim/index.js';
import { startRollout } from '../../../../../lib/usecases/rollouts/tasks/start-rollout.js';
import { applyServiceEvent } from '../../../../../lib/usecases/services/apply-service-event.js';
import { envelope } from '../../../../support/envelopes.js';
import { useTestStack } from '../../../../support/local-stack.js';
import { minimalInput } from '../../../../support/service-specs.js';
import { waitFor } from '../../../../support/wait-for.js';

export interface TaskWorld {
  app: App;
  sim: SimCluster;
  /** Reads what the cluster holds (client-node against the simulated API server). */
  apps: AppsV1Api;
  /** Deployment ids whose rollout execution was started, in order. */
  executions: string[];
  /** Deployment ids whose execution is over (a crash, StopExecution): the port reports them `ended`. */
  ended: Set<string>;
}

/**
 * The rollout state machine, as the tasks see it. A task is one state of the machine; running the real
 * local machine here would run the other states concurrently, so the port records the executions the
 * task starts (the inputs are checked by the state machine's own tests) and reports them running.
 */
function recordingWorkflow(executions: string[], ended: Set<string>): RolloutWorkflow {
  return {
    async start(input) {
      if (!executions.includes(input.deploymentId)) executions.push(input.deploymentId);
    },
    async state(deploymentId) {
      if (ended.has(deploymentId)) return 'ended';
      return executions.includes(deploymentId) ? 'running' : 'absent';
    },
  };
}

/** Starts the stack and a simulated cluster for the file; the getter returns them inside tests. */
export function useTaskWorld(options: { podWaitMs?: number } = {}): () => TaskWorld {
  const stack = useTestStack();
  let world: TaskWorld | undefined;
  beforeAll(async () => {
    process.env.LOG_LEVEL = 'SILENT';
    const sim = await startSimCluster({ readyDelayMs: 0, reconcileIntervalMs: 20, nodesPerZone: 1, baseErrorRate: 0 });
    // One attempt per call: a failing API server fails the task at once (the state machine retries it).
    const clusters = new KubernetesClusterClientFactory({ retryPolicy: { maxAttempts: 1 } });
    const executions: string[] = [];
    const ended = new Set<string>();
    const app = stack().createApp({
      clusters,
      metrics: PrometheusMetricsSource.fromOptions({ url: sim.url }),
      workflow: recordingWorkflow(executions, ended),
      podWaitMs: options.podWaitMs ?? 15_000,
    });
    await app.store.putCluster({ id: 'sim', default: true, target: { kind: 'simulated', url: sim.url }, createdAt: new Date().toISOString() });
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfigYaml());
    world = { app, sim, apps: kc.makeApiClient(AppsV1Api), executions, ended };
  });
  afterAll(async () => {
    await world?.sim.stop();
    world = undefined;
  });
  return () => {
    if (!world) throw new Error('the task world runs only between its beforeAll and afterAll');
    return world;
  };
}

let counter = 0;

/** Registers `name` through the service-event use case: record, revision 1 and its objects on the cluster. */
export async function registerService(w: TaskWorld, name: string, overrides: Partial<ServiceSpecInput> = {}): Promise<ServiceRecord> {
  const id = `op-reg-${name}-${++counter}`;
  const at = new Date().toISOString();
  await w.app.store.createOperation({ id, kind: 'register', service: name, status: 'pending', createdAt: at, updatedAt: at });
  const spec = ServiceSpec.parse(minimalInput(name, { replicas: 2, ...overrides }));
  await applyServiceEvent(w.app, envelope('service.registered', name, { id, payload: { spec } }));
  return (await w.app.store.getService(name))!;
}

/** A pending deployment of `image` as the API records it (from the service's current revision). */
export async function pendingDeployment(w: TaskWorld, service: string, image: string, overrides: Partial<DeploymentRecord> = {}): Promise<DeploymentRecord> {
  const svc = (await w.app.store.getService(service))!;
  const at = new Date().toISOString();
  const n = ++counter;
  const d: DeploymentRecord = {
    id: `dep-${service}-${n}`,
    service,
    image,
    status: 'pending',
    strategy: 'canary',
    fromRevision: svc.revision,
    steps: [],
    operationId: `op-dep-${service}-${n}`,
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
  await w.app.store.putDeployment(d, null);
  return d;
}

/** The request fields every task carries. */
export const target = (d: DeploymentRecord) => ({ deploymentId: d.id, service: d.service, namespace: 'default' });

/** The Deployment `name` on the cluster, or undefined when it does not exist. */
export async function clusterDeployment(w: TaskWorld, name: string): Promise<V1Deployment | undefined> {
  try {
    return await w.apps.readNamespacedDeployment({ name, namespace: 'default' });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** The image the cluster's Deployment `name` runs. */
export async function clusterImage(w: TaskWorld, name: string): Promise<string | undefined> {
  return (await clusterDeployment(w, name))?.spec?.template.spec?.containers[0]?.image;
}

/** The audit trail of `service`, oldest first, as event types. */
export async function eventTypes(w: TaskWorld, service: string): Promise<string[]> {
  return (await w.app.store.listEvents(service, { limit: 200 })).items.map((e) => e.type).reverse();
}

/** Waits until the cluster's Deployment `name` reports `replicas` ready pods. */
export async function readyOnCluster(w: TaskWorld, name: string, replicas: number): Promise<void> {
  await waitFor(
    `${name} to have ${replicas} ready pods`,
    async () => ((await clusterDeployment(w, name))?.status?.readyReplicas ?? 0) >= replicas || undefined,
    {
      timeoutMs: 15_000,
      intervalMs: 50,
    },
  );
}

/** A registered service with a started canary rollout of `image` (weight 0). */
export async function startedRollout(w: TaskWorld, service: string, image: string, overrides: Partial<DeploymentRecord> = {}): Promise<DeploymentRecord> {
  await registerService(w, service);
  const d = await pendingDeployment(w, service, image, overrides);
  await startRollout(w.app, { action: 'start', ...target(d), strategy: d.strategy });
  return (await w.app.store.getDeployment(service, d.id))!;
}

/** Records on the deployment what a rejection records (the rollback's first step, or an abort request). */
export async function reject(w: TaskWorld, d: DeploymentRecord, rejection: string): Promise<DeploymentRecord> {
  const current = (await w.app.store.getDeployment(d.service, d.id))!;
  const next = { ...current, requested: 'abort' as const, rejection, version: current.version + 1 };
  await w.app.store.putDeployment(next, current.version);
  return next;
}
