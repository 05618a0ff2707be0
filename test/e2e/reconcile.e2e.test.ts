/**
 * Level-based reconcile (issue 12, point 2), end to end: the local runtime with its health probe on a
 * schedule (every 1.2 s) against the simulated cluster over HTTP. Objects are deleted and edited behind
 * meshplane's back with client-node, the Kubernetes API is taken down with the simulator's fault
 * injection; what is checked is the cluster afterwards, the audit trail and the observed status.
 */
import { describe, expect, it } from 'vitest';
import { ANNOTATIONS } from '../../lib/mesh/labels.js';
import { OBSERVED_STATUS_DOC, type ObservedServiceStatus } from '../../lib/model/observed-status.js';
import type { AuditEvent } from '../../lib/model/records.js';
import { auditEvent, mutateService } from '../../lib/usecases/shared/mutate.js';
import { minimalInput, orderServiceInput, userServiceInput } from '../support/service-specs.js';
import { waitFor } from '../support/wait-for.js';
import { ISTIO_KINDS } from './support/cluster-view.js';
import { useE2eRuntime } from './support/e2e-runtime.js';

const rtOf = useE2eRuntime();

const RECONCILE_TYPES = new Set(['DriftRepaired', 'ReconcileFailing', 'ClusterUnreachable', 'ClusterReachable', 'CannotSchedule', 'Scheduled']);

async function observed(service: string): Promise<ObservedServiceStatus | undefined> {
  return (await rtOf().runtime.app.store.getDocument<ObservedServiceStatus>(OBSERVED_STATUS_DOC, service))?.value;
}

/** Waits until `count` more probes have observed `service` (each writes a fresh observation). */
async function probesPass(service: string, count: number): Promise<ObservedServiceStatus> {
  let last = (await observed(service))?.observedAt;
  let seen = 0;
  return waitFor(
    `${count} probe(s) to observe ${service}`,
    async () => {
      const now = await observed(service);
      if (now && now.observedAt !== last) {
        last = now.observedAt;
        seen++;
      }
      return seen >= count ? now : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 50 },
  );
}

async function reconcileEvents(service: string): Promise<AuditEvent[]> {
  return (await rtOf().api.events(service)).filter((e) => RECONCILE_TYPES.has(e.type));
}

describe('level-based reconcile', () => {
  it('records what it observed, and finds no drift in a cluster it converged itself', async () => {
    const { api } = rtOf();
    await api.register(userServiceInput);
    await api.register(orderServiceInput);
    await api.waitForReadyReplicas('user-service', 3);
    const status = await probesPass('user-service', 2);
    expect(status).toMatchObject({ desiredReplicas: 3, readyReplicas: 3, cluster: expect.any(String) });
    expect('pods' in status && status.pods.filter((p) => p.ready)).toHaveLength(3);
    expect(await reconcileEvents('user-service')).toEqual([]);
    expect(await reconcileEvents('order-service')).toEqual([]);
  }, 120_000);

  it('recreates a deleted Deployment at the next probe (kubectl delete deploy user-service)', async () => {
    const { api, cluster } = rtOf();
    await cluster.apps.deleteNamespacedDeployment({ name: 'user-service', namespace: 'default' });
    await waitFor('user-service to be recreated', async () => (await cluster.deployment('user-service')) ?? undefined, { timeoutMs: 30_000, intervalMs: 50 });
    await api.waitForReadyReplicas('user-service', 3);
    const events = await waitFor('the repair in the audit trail', async () =>
      (await reconcileEvents('user-service')).length ? reconcileEvents('user-service') : undefined,
    );
    expect(events.map((e) => e.type)).toEqual(['DriftRepaired']);
    expect(events[0].message).toMatch(/Deployment default\/user-service missing/);
  });

  it('puts back what was changed or deleted by hand: replicas, a VirtualService, an AuthorizationPolicy', async () => {
    const { cluster } = rtOf();
    await cluster.apps.patchNamespacedDeployment(
      { name: 'order-service', namespace: 'default', body: { spec: { replicas: 7 } } },
      (await import('@kubernetes/client-node')).setHeaderOptions('Content-Type', 'application/merge-patch+json'),
    );
    const vs = ISTIO_KINDS.VirtualService;
    await cluster.custom.deleteNamespacedCustomObject({ group: vs.group, version: vs.version, plural: vs.plural, namespace: 'default', name: 'order-service' });
    const ap = ISTIO_KINDS.AuthorizationPolicy;
    await cluster.custom.deleteNamespacedCustomObject({ group: ap.group, version: ap.version, plural: ap.plural, namespace: 'default', name: 'user-service' });

    await waitFor(
      'order-service to be put back',
      async () => ((await cluster.deployment('order-service'))?.spec?.replicas === 3 && (await cluster.istio(vs, 'order-service')) ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const policy = await waitFor('user-service AuthorizationPolicy back', () => cluster.istio(ap, 'user-service'), { timeoutMs: 30_000, intervalMs: 50 });
    // Zero trust follows the declared graph: order-service may call user-service again.
    expect(JSON.stringify(policy.spec)).toContain('order-service');
  });

  it('re-applies a change that failed while the Kubernetes API was down once it answers, with one event per episode', async () => {
    const rt = rtOf();
    const restartedAt = new Date().toISOString();
    rt.sim.faults.api({ status: 503, rate: 1 });
    try {
      await probesPass('user-service', 1);
      // Committed, then the cluster apply fails: the store is ahead of the cluster (a remediation restart).
      const committed = await mutateService(rt.runtime.app, 'user-service', (svc) => ({
        record: { ...svc, restartedAt },
        events: [auditEvent(rt.runtime.app, svc.name, 'TestRestart', 'restart while the API is down')],
      })).catch((err: unknown) => err);
      expect((committed as Error).name).toMatch(/Unavailable|Transient/);
      const during = await probesPass('user-service', 3);
      expect('error' in during && during.error).toMatch(/cannot be read/);
    } finally {
      rt.sim.faults.clear();
    }
    const annotation = await waitFor(
      'the restart to reach the cluster',
      async () => (await rt.cluster.deployment('user-service'))?.spec?.template.metadata?.annotations?.[ANNOTATIONS.restartedAt] ?? undefined,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(annotation).toBe(restartedAt);
    await probesPass('user-service', 2);
    const types = (await reconcileEvents('user-service')).map((e) => e.type);
    expect(types.filter((t) => t === 'ClusterUnreachable')).toHaveLength(1);
    expect(types.filter((t) => t === 'ClusterReachable')).toHaveLength(1);
    expect(types.at(-1)).toBe('DriftRepaired');
    expect(await observed('user-service')).toMatchObject({ readyReplicas: 3 });
  }, 120_000);

  it('reports a service no node can take once per episode, not at every probe', async () => {
    const { api } = rtOf();
    await api.register(minimalInput('huge', { replicas: 1, resources: { cpu: 200_000, memory: 512 } }));
    await probesPass('huge', 6);
    const events = await reconcileEvents('huge');
    expect(events.map((e) => e.type)).toEqual(['CannotSchedule']);
    // Remediation has nothing that schedules it: what it decided is in the trail once, not at every probe.
    const skipped = (await rtOf().api.events('huge'))
      .filter((e) => e.type === 'RemediationSkipped')
      .map((e) => `${(e.data?.signal as { kind?: string } | undefined)?.kind}:${String(e.data?.noneReason)}`);
    for (const outcome of new Set(skipped.filter((s) => /:(exhausted|noSafeAction)$/.test(s)))) expect(skipped.filter((s) => s === outcome)).toHaveLength(1);
    await api.deregister('huge');
  }, 120_000);
});

describe('a rollback during a Kubernetes API outage', () => {
  it('is recorded only once the cluster holds it, and the rejected image is never promoted after its execution is lost', async () => {
    const rt = rtOf();
    const gated = {
      steps: [
        { weight: 50, pauseSeconds: 30, gate: 'manual' as const },
        { weight: 100, pauseSeconds: 0 },
      ],
    };
    await rt.api.register({ name: 'outage', image: 'outage:1', port: 8080, replicas: 2, rollout: gated });
    await rt.api.waitForReadyReplicas('outage', 2);
    const deploy = await rt.api.deploy('outage', { image: 'outage:2' });
    await rt.api.waitForDeployment('outage', deploy.deploymentId, 'paused at the gate', (d) => d.status === 'paused');

    rt.sim.faults.api({ status: 503, rate: 1 });
    try {
      await rt.api.expect(202, 'POST', `/v1/services/outage/deployments/${deploy.deploymentId}/abort`);
      // The rollback has begun (the rejection is on record) but cannot reach the cluster.
      const rejected = await waitFor(
        'the rejection on record',
        async () => {
          const d = await rt.runtime.app.store.getDeployment('outage', deploy.deploymentId);
          return d?.rejection !== undefined ? d : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      expect(rejected.status).not.toBe('aborted');
      await probesPass('outage', 2);
      // Nothing says "rolled back" while the cluster still serves the canary.
      expect((await rt.api.events('outage')).map((e) => e.type)).not.toContain('RolloutRolledBack');
      expect((await rt.api.service('outage')).traffic?.deploymentId).toBe(deploy.deploymentId);
      // The execution is lost (a crash, StopExecution, the retries running out).
      await rt.runtime.rollouts.stop(deploy.deploymentId);
    } finally {
      rt.sim.faults.clear();
    }

    const ended = await rt.api.waitForDeploymentEnd('outage', deploy.deploymentId, 60_000);
    expect(ended.status).toBe('aborted');
    const service = await rt.api.service('outage');
    expect(service.spec.image).toBe('outage:1');
    expect(service.traffic).toBeUndefined();
    let trail: string[] = [];
    await waitFor(
      'the rollback in the trail',
      async () => ((trail = (await rt.api.events('outage')).map((e) => e.type)).includes('RolloutRolledBack') ? true : undefined),
      {
        timeoutMs: 15_000,
      },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the trail: ${trail.join(', ')}`);
    });
    await waitFor('the canary to be gone', async () => ((await rt.cluster.deployment('outage-canary')) ? undefined : true), {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    expect((await rt.cluster.deployment('outage'))?.spec?.template.spec?.containers[0].image).toBe('outage:1');
    // A later probe changes nothing: the deployment stays ended, the image stays outage:1.
    await probesPass('outage', 2);
    expect((await rt.api.deployment('outage', deploy.deploymentId)).status).toBe('aborted');
    expect((await rt.api.service('outage')).spec.image).toBe('outage:1');
  }, 120_000);
});
