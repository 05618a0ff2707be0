import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../../lib/errors.js';
import { toNodeInfo, toPodInfo, toWorkloadStatus } from '../../../../lib/adapters/kubernetes/resource-views.js';

describe('toWorkloadStatus', () => {
  it('reads generation and replica counters', () => {
    expect(
      toWorkloadStatus({
        metadata: { name: 'cart', namespace: 'shop', generation: 4 },
        spec: { replicas: 3, selector: {}, template: {} },
        status: { observedGeneration: 3, replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 },
      }),
    ).toEqual({
      name: 'cart',
      namespace: 'shop',
      generation: 4,
      observedGeneration: 3,
      desiredReplicas: 3,
      updatedReplicas: 2,
      readyReplicas: 3,
      availableReplicas: 3,
    });
  });

  it('treats a Deployment the controller has not seen yet as zero progress, default 1 replica', () => {
    const status = toWorkloadStatus({ metadata: { name: 'cart', namespace: 'shop', generation: 1 } });
    expect(status).toMatchObject({ observedGeneration: 0, desiredReplicas: 1, readyReplicas: 0, availableReplicas: 0 });
  });
});

describe('toPodInfo', () => {
  const zones = new Map([['node-a-1', 'zone-a']]);
  const base: V1Pod = {
    metadata: { name: 'cart-abc', namespace: 'shop', labels: { app: 'cart' } },
    spec: {
      nodeName: 'node-a-1',
      containers: [
        { name: 'app', image: 'cart:1.2' },
        { name: 'istio-proxy', image: 'proxy' },
      ],
    },
  };

  it('running and ready, restarts summed over containers, zone from the node', () => {
    const pod: V1Pod = {
      ...base,
      status: {
        phase: 'Running',
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
        containerStatuses: [
          { name: 'app', image: 'cart:1.2', imageID: '', ready: true, restartCount: 2 },
          { name: 'istio-proxy', image: 'proxy', imageID: '', ready: true, restartCount: 1 },
        ],
      },
    };
    expect(toPodInfo(pod, zones)).toEqual({
      name: 'cart-abc',
      namespace: 'shop',
      labels: { app: 'cart' },
      image: 'cart:1.2',
      node: 'node-a-1',
      zone: 'zone-a',
      phase: 'Running',
      ready: true,
      restarts: 3,
    });
  });

  it('crash-looping: not ready, waiting reason from the container that waits', () => {
    const pod: V1Pod = {
      ...base,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          { name: 'app', image: 'cart:1.2', imageID: '', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } } },
          { name: 'istio-proxy', image: 'proxy', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    };
    expect(toPodInfo(pod, zones)).toMatchObject({ ready: false, restarts: 5, waitingReason: 'CrashLoopBackOff' });
  });

  it('pending and unscheduled: no node, no zone, phase Pending', () => {
    const pod: V1Pod = { ...base, spec: { containers: base.spec!.containers }, status: { phase: 'Pending' } };
    const info = toPodInfo(pod, zones);
    expect(info.phase).toBe('Pending');
    expect(info.ready).toBe(false);
    expect(info).not.toHaveProperty('node');
    expect(info).not.toHaveProperty('zone');
  });

  it('bound to a node the lookup does not know: node without zone', () => {
    const pod: V1Pod = { ...base, spec: { ...base.spec!, nodeName: 'node-gone' } };
    expect(toPodInfo(pod, zones)).toMatchObject({ node: 'node-gone', phase: 'Unknown' });
    expect(toPodInfo(pod, zones)).not.toHaveProperty('zone');
  });
});

describe('toNodeInfo', () => {
  function node(labels: Record<string, string>, allocatable: Record<string, string> | undefined, ready: string): V1Node {
    return {
      metadata: { name: 'n1', labels },
      status: {
        allocatable,
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: ready },
        ],
      },
    };
  }

  it.each([
    [{ cpu: '4', memory: '16Gi' }, 4000, 16384],
    [{ cpu: '3920m', memory: '15896932Ki' }, 3920, 15524],
    [{ cpu: '1.5', memory: '512M' }, 1500, 488],
    [{}, 0, 0],
  ])('allocatable %j → %d millicores, %d MiB', (allocatable, cpu, memory) => {
    const info = toNodeInfo(node({ 'topology.kubernetes.io/zone': 'eu-west-1a' }, allocatable, 'True'));
    expect(info).toMatchObject({ allocatableCpuMillis: cpu, allocatableMemoryMiB: memory, zone: 'eu-west-1a', ready: true });
  });

  it('reads the legacy zone label and a NotReady condition', () => {
    const info = toNodeInfo(node({ 'failure-domain.beta.kubernetes.io/zone': 'z1' }, { cpu: '1', memory: '1Gi' }, 'Unknown'));
    expect(info).toMatchObject({ zone: 'z1', ready: false });
  });

  it('has an empty zone when unlabelled', () => {
    expect(toNodeInfo(node({}, { cpu: '1' }, 'True')).zone).toBe('');
  });

  it('rejects a malformed allocatable quantity with a TerminalError naming the node', () => {
    expect(() => toNodeInfo(node({}, { cpu: 'four' }, 'True'))).toThrow(TerminalError);
    expect(() => toNodeInfo(node({}, { cpu: 'four' }, 'True'))).toThrow(/node n1 .* allocatable cpu/);
  });
});
