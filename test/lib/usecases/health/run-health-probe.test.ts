import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../../lib/errors.js';
import { OBSERVED_STATUS_DOC, type ObservedServiceStatus } from '../../../../lib/model/observed-status.js';
import type { HealthSignal } from '../../../../lib/health/health-signal.js';
import { LABELS, MANAGED_BY } from '../../../../lib/mesh/labels.js';
import { ServiceSpec, type ServiceSpecInput } from '../../../../lib/model/service-spec.js';
import type { ServiceRecord } from '../../../../lib/model/records.js';
import type { NodeInfo, PodInfo } from '../../../../lib/ports/cluster-client.js';
import { emptyLedger } from '../../../../lib/health/remediation-ledger.js';
import { emptyMemory, type ServiceHealthMemory } from '../../../../lib/usecases/health/health-deps.js';
import { findProblems } from '../../../../lib/health/find-problems.js';
import { runHealthProbe } from '../../../../lib/usecases/health/run-health-probe.js';
import { FakeHealthWorld, node as fakeNode, pod as fakePod, serviceRecord, T0, type FakeCluster } from './health-fakes.js';
import { renderService } from '../../../../lib/mesh/render-service.js';
import { neighbourhoodFrom, renderContextFor } from '../../../../lib/usecases/shared/render-context.js';

function service(overrides: Partial<ServiceSpecInput> = {}): ServiceRecord {
  const spec = ServiceSpec.parse({ name: 'checkout', image: 'shop/checkout:1', port: 8080, replicas: 3, ...overrides });
  return {
    name: 'checkout',
    spec,
    version: 1,
    revision: 1,
    phase: 'active',
    createdAt: '2030-01-01T00:00:00Z',
    updatedAt: '2030-01-01T00:00:00Z',
    lastOperationId: 'op-1',
  };
}

type PodShape = Partial<PodInfo> & { track?: 'stable' | 'canary' };

/** A running, Ready pod of checkout on node-a-1 unless told otherwise. */
function pod(name: string, shape: PodShape = {}): PodInfo {
  const { track = 'stable', ...rest } = shape;
  return {
    name,
    namespace: 'default',
    labels: { [LABELS.service]: 'checkout', [LABELS.track]: track },
    image: 'shop/checkout:1',
    node: 'node-a-1',
    zone: 'zone-a',
    phase: 'Running',
    ready: true,
    restarts: 0,
    ...rest,
  };
}

const crashing: PodShape = { ready: false, restarts: 4, waitingReason: 'CrashLoopBackOff' };
const unscheduled: PodShape = { phase: 'Pending', ready: false, node: undefined, zone: undefined };

function node(name: string, ready = true): NodeInfo {
  return { name, zone: `zone-${name.split('-')[1]}`, ready, allocatableCpuMillis: 4000, allocatableMemoryMiB: 16384, labels: {} };
}
const nodes = [node('node-a-1'), node('node-b-1'), node('node-c-1')];

/** The part of a finding these tests compare (reasons are checked separately). */
const summary = (findings: ReturnType<typeof findProblems>) => findings.map(({ reason: _reason, ...rest }) => rest);

describe('findProblems: pods and nodes', () => {
  it.each<{ name: string; pods: PodInfo[]; nodes?: NodeInfo[]; replicas?: number; expected: object[] }>([
    {
      name: 'all pods Ready on Ready nodes: nothing',
      pods: [pod('a'), pod('b', { node: 'node-b-1' }), pod('c', { node: 'node-c-1' })],
      expected: [],
    },
    {
      name: 'two stable pods crash-looping, one still Ready',
      pods: [pod('a', crashing), pod('b', crashing), pod('c')],
      expected: [{ kind: 'crashLoop', track: 'stable', value: 2 }],
    },
    {
      name: 'a crash-looping canary is a canary problem, not a stable one',
      pods: [pod('a'), pod('b'), pod('canary-1', { ...crashing, track: 'canary' })],
      expected: [{ kind: 'crashLoop', track: 'canary', value: 1 }],
    },
    {
      name: 'crash loops on both tracks are reported per track',
      pods: [pod('a', crashing), pod('b'), pod('canary-1', { ...crashing, track: 'canary' }), pod('canary-2', { ...crashing, track: 'canary' })],
      expected: [
        { kind: 'crashLoop', track: 'stable', value: 1 },
        { kind: 'crashLoop', track: 'canary', value: 2 },
      ],
    },
    {
      name: 'restarting but not (yet) in CrashLoopBackOff is not a crash loop',
      pods: [pod('a', { restarts: 3 }), pod('b')],
      expected: [],
    },
    {
      name: 'pods that cannot be scheduled are pending',
      pods: [pod('a'), pod('b', unscheduled), pod('c', unscheduled)],
      expected: [{ kind: 'pending', track: 'stable', value: 2 }],
    },
    {
      name: 'a pod bound to a node and still starting is not pending',
      pods: [pod('a'), pod('b', { phase: 'Pending', ready: false, waitingReason: 'ContainerCreating' })],
      expected: [],
    },
    {
      name: 'a pending canary is reported on the canary track',
      pods: [pod('a'), pod('canary-1', { ...unscheduled, track: 'canary' })],
      expected: [{ kind: 'pending', track: 'canary', value: 1 }],
    },
    {
      name: 'a NotReady node that runs pods of the service',
      pods: [pod('a'), pod('b', { node: 'node-b-1', ready: false })],
      nodes: [node('node-a-1'), node('node-b-1', false)],
      expected: [{ kind: 'nodeNotReady', node: 'node-b-1' }],
    },
    {
      name: 'a NotReady node that runs none of its pods is not its problem',
      pods: [pod('a'), pod('b')],
      nodes: [node('node-a-1'), node('node-c-1', false)],
      expected: [],
    },
    {
      name: 'two NotReady nodes give one finding each, in name order',
      pods: [pod('a', { node: 'node-c-1' }), pod('b', { node: 'node-b-1' }), pod('c')],
      nodes: [node('node-a-1'), node('node-c-1', false), node('node-b-1', false)],
      expected: [
        { kind: 'nodeNotReady', node: 'node-b-1' },
        { kind: 'nodeNotReady', node: 'node-c-1' },
      ],
    },
    {
      name: 'no stable pod Ready (only the canary serves): unavailable',
      pods: [pod('a', { ready: false }), pod('b', { ready: false }), pod('canary-1', { track: 'canary' })],
      expected: [{ kind: 'unavailable', value: 0, threshold: 3 }],
    },
    {
      name: 'every stable pod crash-looping: a crash loop and unavailable',
      pods: [pod('a', crashing), pod('b', crashing)],
      replicas: 2,
      expected: [
        { kind: 'crashLoop', track: 'stable', value: 2 },
        { kind: 'unavailable', value: 0, threshold: 2 },
      ],
    },
    {
      name: 'no pods at all (not created yet) is not reported as unavailable',
      pods: [],
      expected: [],
    },
    {
      name: 'a service scaled to zero is not unavailable',
      pods: [pod('a', { ready: false, phase: 'Succeeded' })],
      replicas: 0,
      expected: [],
    },
    {
      name: 'pods without a track label count as stable',
      pods: [{ ...pod('a', crashing), labels: { [LABELS.service]: 'checkout' } }, pod('b')],
      expected: [{ kind: 'crashLoop', track: 'stable', value: 1 }],
    },
  ])('$name', ({ pods, nodes: nodeList = nodes, replicas = 3, expected }) => {
    expect(summary(findProblems(service({ replicas }), pods, nodeList))).toEqual(expected);
  });

  it('names the crash-looping pods (at most five) in the reason', () => {
    const pods = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((name) => pod(name, crashing));
    const [crash] = findProblems(service({ replicas: 6 }), pods, nodes);
    expect(crash.reason).toBe('6 stable pod(s) in CrashLoopBackOff: p1, p2, p3, p4, p5');
  });
});

describe('findProblems: error rate', () => {
  const healthyPods = [pod('a'), pod('b'), pod('c')];
  // The service's own thresholds: the default analysis policy (1%, 50 requests), or its override.
  it.each<{
    name: string;
    analysis?: { maxErrorRate: number; minRequests: number };
    metrics: { requests: number; errorRate: number; anomalous: boolean };
    alarm: boolean;
  }>([
    { name: '5% over 600 requests, above the default 1%', metrics: { requests: 600, errorRate: 0.05, anomalous: false }, alarm: true },
    { name: 'exactly at the threshold is not above it', metrics: { requests: 600, errorRate: 0.01, anomalous: false }, alarm: false },
    { name: 'below the threshold', metrics: { requests: 600, errorRate: 0.004, anomalous: false }, alarm: false },
    { name: '50% over 10 requests: too few to judge', metrics: { requests: 10, errorRate: 0.5, anomalous: false }, alarm: false },
    { name: 'exactly the minimum number of requests is enough', metrics: { requests: 50, errorRate: 0.2, anomalous: false }, alarm: true },
    { name: 'below the threshold but anomalous for this service', metrics: { requests: 600, errorRate: 0.008, anomalous: true }, alarm: true },
    { name: 'anomalous with too few requests', metrics: { requests: 20, errorRate: 0.008, anomalous: true }, alarm: false },
    {
      name: '3% is fine for a service that accepts 5%',
      analysis: { maxErrorRate: 0.05, minRequests: 50 },
      metrics: { requests: 600, errorRate: 0.03, anomalous: false },
      alarm: false,
    },
    {
      name: '0.5% is too much for a service that accepts 0.1%',
      analysis: { maxErrorRate: 0.001, minRequests: 50 },
      metrics: { requests: 600, errorRate: 0.005, anomalous: false },
      alarm: true,
    },
    {
      name: '80 requests are too few for a service that needs 100',
      analysis: { maxErrorRate: 0.01, minRequests: 100 },
      metrics: { requests: 80, errorRate: 0.5, anomalous: false },
      alarm: false,
    },
  ])('$name → alarm: $alarm', ({ analysis, metrics, alarm }) => {
    const svc = service(analysis ? { rollout: { analysis } } : {});
    const findings = findProblems(svc, healthyPods, nodes, metrics);
    expect(summary(findings)).toEqual(
      alarm ? [{ kind: 'errorRate', track: 'stable', value: metrics.errorRate, threshold: svc.spec.rollout.analysis.maxErrorRate }] : [],
    );
  });

  it('says what it saw in the reason', () => {
    const [finding] = findProblems(service(), healthyPods, nodes, { requests: 600, errorRate: 0.0123, anomalous: true });
    expect(finding.reason).toBe('stable error rate 1.2% over 600 requests (anomalous)');
  });

  it('without metrics, judges the pods alone', () => {
    expect(findProblems(service(), healthyPods, nodes, undefined)).toEqual([]);
  });
});

describe('runHealthProbe', () => {
  const crashLoopPod = { ready: false, restarts: 4, waitingReason: 'CrashLoopBackOff' };
  const alarmsSent = (world: FakeHealthWorld) =>
    world.sent
      .map((e) => e.payload.signal as HealthSignal)
      .filter((s) => s.state === 'ALARM')
      .map((s) => `${s.service}/${s.kind}`);

  /** 20 services: 15 on the default cluster `prod`, 5 on `edge`; web-03 crash-loops. */
  function fleet(): { world: FakeHealthWorld; prod: FakeCluster; edge: FakeCluster } {
    const world = new FakeHealthWorld();
    const prod = world.addCluster('prod', { nodes: [fakeNode('node-a-1'), fakeNode('node-b-1')] });
    const edge = world.addCluster('edge', { nodes: [fakeNode('node-e-1')] }, false);
    for (let i = 0; i < 20; i++) {
      const name = `web-${String(i).padStart(2, '0')}`;
      const onEdge = i >= 15;
      world.addService(serviceRecord(name, { replicas: 2, ...(onEdge ? { cluster: 'edge' } : {}) }));
      const cluster = onEdge ? edge : prod;
      const node = onEdge ? 'node-e-1' : 'node-a-1';
      cluster.pods.push(fakePod(name, `${name}-1`, { node, ...(name === 'web-03' ? crashLoopPod : {}) }), fakePod(name, `${name}-2`, { node }));
    }
    // Pods labelled for web-04 in another namespace, and pods meshplane does not manage, are not web-04's.
    prod.pods.push(fakePod('web-04', 'stray-1', { namespace: 'other', ...crashLoopPod }));
    prod.pods.push({ ...fakePod('web-05', 'foreign-1', crashLoopPod), labels: { [LABELS.service]: 'web-05' } });
    return { world, prod, edge };
  }

  it('lists each cluster’s nodes and meshplane’s pods once, and judges every service on its own pods', async () => {
    const { world, prod, edge } = fleet();
    const result = await runHealthProbe(world.deps());

    expect(result).toEqual({ services: 20, alarms: 1, recovered: 0, reapplied: 0, errors: [] });
    expect(alarmsSent(world)).toEqual(['web-03/crashLoop']);
    for (const cluster of [prod, edge]) {
      expect(cluster.podListings).toEqual([{ namespace: undefined, selector: `${LABELS.managedBy}=${MANAGED_BY}` }]);
      expect(cluster.nodeListings).toBe(1);
    }
  });

  it('probes several services at once, at most 8', async () => {
    const { world } = fleet();
    world.metricsDelayMs = 5;
    await runHealthProbe(world.deps());
    expect(world.maxMetricsInFlight).toBeGreaterThan(1);
    expect(world.maxMetricsInFlight).toBeLessThanOrEqual(8);
  });

  it('reports a service it cannot probe and goes on with the others', async () => {
    const { world } = fleet();
    world.addService(serviceRecord('web-00a', { cluster: 'gone' }));
    const result = await runHealthProbe(world.deps());
    expect(result.errors).toEqual(['web-00a: cluster "gone" is not registered']);
    expect(alarmsSent(world)).toEqual(['web-03/crashLoop']);
  });

  it('keeps what it found when the alarm handler wrote the memory meanwhile, and keeps what the handler wrote', async () => {
    const world = new FakeHealthWorld();
    world.addCluster('prod', { nodes: [fakeNode('node-a-1')], pods: [fakePod('web', 'web-1', crashLoopPod), fakePod('web', 'web-2')] });
    world.addService(serviceRecord('web'));
    world.metrics.set('default/web', { requests: 600, errors: 3, errorRate: 0.005, p99LatencyMs: 80 });
    const handlerSignal: HealthSignal = {
      id: 'sig-api',
      source: 'api',
      service: 'web',
      kind: 'unavailable',
      state: 'ALARM',
      observedAt: T0,
      reason: 'from the handler',
    };
    world.documents.set('health/web', { value: { ...emptyMemory(), recentSignals: [] }, version: 1 });
    // Between the probe's read and its write, the handler records a signal.
    world.beforePut.set('health', () => {
      const doc = world.document<ServiceHealthMemory>('health', 'web')!;
      world.documents.set('health/web', { value: { ...doc.value, recentSignals: [handlerSignal] }, version: doc.version + 1 });
    });

    await runHealthProbe(world.deps());

    const memory = world.document<ServiceHealthMemory>('health', 'web')!.value;
    expect(Object.keys(memory.alarming)).toEqual(['web/crashLoop/stable']);
    expect(memory.detectors.errorRate).toBeDefined();
    expect(memory.recentSignals).toEqual([handlerSignal]);
    expect(world.document('health', 'web')!.version).toBe(3);
  });

  describe('nodes remediation moved a service off', () => {
    function evacuated(avoidNodes: string[]): FakeHealthWorld {
      const world = new FakeHealthWorld();
      world.addCluster('prod', {
        nodes: [fakeNode('node-a-1'), fakeNode('node-b-1', false), fakeNode('node-c-1')],
        pods: [fakePod('web', 'web-1', { node: 'node-c-1' })],
      });
      world.addService(serviceRecord('web', {}, { placement: { runId: 'remediation:sig-1', avoidNodes } }));
      world.addService(serviceRecord('api', {}, { placement: { runId: 'remediation:sig-2', avoidNodes: ['node-b-1'] } }));
      return world;
    }

    it('are used again once Ready (or gone); a node still NotReady stays avoided', async () => {
      const world = evacuated(['node-a-1', 'node-b-1', 'node-gone']);
      const result = await runHealthProbe(world.deps());

      expect(result.errors).toEqual([]);
      expect(world.services.get('web')!.placement).toEqual({ runId: 'remediation:sig-1', avoidNodes: ['node-b-1'] });
      expect(world.eventsOfType('NodeNoLongerAvoided').map((e) => [e.service, e.message])).toEqual([
        ['web', 'node node-a-1 is Ready again; no longer avoided'],
        ['web', 'node node-gone no longer exists; no longer avoided'],
      ]);
      expect(world.converged.map((r) => [r.name, r.placement?.avoidNodes])).toEqual([['web', ['node-b-1']]]);
      // api avoids only the NotReady node: untouched.
      expect(world.services.get('api')!.placement?.avoidNodes).toEqual(['node-b-1']);
      expect(world.services.get('api')!.version).toBe(1);
    });

    it('stay avoided within an hour of the evacuation, even when Ready', async () => {
      const world = evacuated(['node-a-1', 'node-gone']);
      world.documents.set('health-ledger/global', {
        value: {
          ...emptyLedger(),
          actions: [{ service: 'web', kind: 'evacuateZone', at: new Date(Date.parse(T0) - 20 * 60_000).toISOString(), signalId: 'sig-1', dryRun: false }],
        },
        version: 1,
      });
      const result = await runHealthProbe(world.deps());
      expect(result.errors).toEqual([]);
      expect(world.services.get('web')!.placement?.avoidNodes).toEqual(['node-a-1', 'node-gone']);
      expect(world.eventsOfType('NodeNoLongerAvoided')).toEqual([]);
    });

    it('all back: the service avoids nothing any more', async () => {
      const world = evacuated(['node-a-1']);
      await runHealthProbe(world.deps());
      expect(world.services.get('web')!.placement?.avoidNodes).toBeUndefined();
      expect(world.eventsOfType('NodeNoLongerAvoided')).toHaveLength(1);
    });
  });
});

describe('the reconcile in each probe run', () => {
  function world(): { world: FakeHealthWorld; prod: FakeCluster } {
    const world = new FakeHealthWorld();
    const prod = world.addCluster('prod', { nodes: [fakeNode('node-a-1')], pods: [fakePod('web', 'web-1'), fakePod('web', 'web-2')] });
    world.addService(serviceRecord('web', { replicas: 2 }));
    return { world, prod };
  }
  const reconcileEvents = (w: FakeHealthWorld) =>
    w.events.filter((e) => ['DriftRepaired', 'ReconcileFailing', 'ClusterUnreachable', 'ClusterReachable'].includes(e.type)).map((e) => e.type);

  it('deletes what a deregistered service left in a cluster no live service names any more', async () => {
    const w = new FakeHealthWorld();
    // The objects of `gone`, re-applied while its deregistration was in flight; the store holds only its tombstone.
    const gone = serviceRecord('gone', { replicas: 1 });
    const left = renderService(gone.spec, renderContextFor(gone, neighbourhoodFrom(gone, [gone])));
    const prod = w.addCluster('prod', { nodes: [fakeNode('node-a-1')], pods: [] });
    prod.objects = left;
    w.addService({ ...gone, phase: 'deleted' });

    expect(await runHealthProbe(w.deps())).toMatchObject({ services: 0, errors: [] });
    expect(prod.objects).toEqual([]);
    expect(w.events.filter((e) => e.type === 'OrphansDeleted').map((e) => e.service)).toEqual(['gone']);
  });

  it('records the observed status of an in-sync service and re-applies nothing', async () => {
    const { world: w } = world();
    expect(await runHealthProbe(w.deps())).toMatchObject({ reapplied: 0, errors: [] });
    expect(w.converged).toEqual([]);
    expect(w.document<ObservedServiceStatus>(OBSERVED_STATUS_DOC, 'web')?.value).toMatchObject({ desiredReplicas: 2, cluster: 'prod', observedAt: T0 });
    expect(reconcileEvents(w)).toEqual([]);
  });

  it('re-applies a service whose objects are gone; a failing re-apply backs off with one event until it passes', async () => {
    const { world: w, prod } = world();
    prod.objects = [];
    w.convergeFailures.push(new TransientError('Kubernetes API unavailable'), new TransientError('Kubernetes API unavailable'));
    await runHealthProbe(w.deps());
    // Within the backoff: not tried again.
    w.clock.advance(10_000);
    await runHealthProbe(w.deps());
    expect(w.converged).toEqual([]);
    w.clock.advance(30_000);
    await runHealthProbe(w.deps());
    w.clock.advance(60_000);
    const result = await runHealthProbe(w.deps());
    expect(result.reapplied).toBe(1);
    expect(w.converged.map((r) => r.name)).toEqual(['web']);
    expect(reconcileEvents(w)).toEqual(['ReconcileFailing', 'DriftRepaired']);
    // Backoff cleared; only the observed document's version and where the pods ran (node-loss evidence) are kept.
    const { nodeLoss: _pods, ...reconcileMemory } = w.document<ServiceHealthMemory>('health', 'web')!.value.reconcile!;
    expect(reconcileMemory).toEqual({ observedVersion: 4 });
  });
});
