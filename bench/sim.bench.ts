/**
 * Benchmarks of the simulated cluster. One JSON line per case:
 * scheduling throughput (pure scheduler), a full reconcile tick with many workloads, and a PromQL query.
 * Run: npx tsx bench/sim.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { requestCountQuery, latencyQuantileQuery } from '../lib/model/istio-metrics.js';
import { type BoundPod, type SchedulingNode, schedulePod } from '../lib/sim/scheduler.js';
import { startSimCluster } from '../lib/sim/index.js';

function report(name: string, values: Record<string, number | string>): void {
  console.log(JSON.stringify({ bench: `sim.${name}`, ...values }));
}

function schedulingCase(nodeCount: number, podCount: number): void {
  const nodes: SchedulingNode[] = Array.from({ length: nodeCount }, (_, i) => ({
    name: `n${String(i).padStart(3, '0')}`,
    labels: { 'kubernetes.io/hostname': `n${i}`, 'topology.kubernetes.io/zone': `z${i % 3}` },
    ready: true,
    allocatableCpuMillis: 64_000,
    allocatableMemoryMiB: 262_144,
  }));
  const bound: BoundPod[] = [];
  const started = performance.now();
  for (let i = 0; i < podCount; i++) {
    const labels = { app: `app${i % 20}` };
    const decision = schedulePod({ namespace: 'default', labels, cpuMillis: 100, memoryMiB: 128, defaultSpreading: true }, nodes, bound);
    if (decision.nodeName) bound.push({ namespace: 'default', labels, nodeName: decision.nodeName, cpuMillis: 100, memoryMiB: 128 });
  }
  const ms = performance.now() - started;
  report('schedule', { nodes: nodeCount, pods: podCount, totalMs: +ms.toFixed(1), perPodUs: +((ms * 1000) / podCount).toFixed(1) });
}

async function clusterCase(deployments: number, replicas: number): Promise<void> {
  const cluster = await startSimCluster({ readyDelayMs: 0, reconcileIntervalMs: 60_000, nodesPerZone: 10, nodeCpuMillis: 64_000, nodeMemoryMiB: 262_144 });
  try {
    for (let i = 0; i < deployments; i++) {
      const labels = { app: `svc${i}`, track: 'stable' };
      const body = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `svc${i}`, labels: { app: `svc${i}` }, annotations: { 'meshplane.io/dependencies': JSON.stringify([{ service: `svc${(i + 1) % deployments}`, rps: 10 }]) } },
        spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'a', image: `img${i}`, resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } } },
      };
      await fetch(`${cluster.url}/apis/apps/v1/namespaces/default/deployments`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    }
    await cluster.advanceTime(2); // converge: pods created, bound, ready
    const ticks = 60;
    const started = performance.now();
    await cluster.advanceTime(ticks); // one tick per simulated second
    const tickMs = (performance.now() - started) / ticks;
    report('tick', { deployments, pods: deployments * replicas, msPerTick: +tickMs.toFixed(2) });
    const queries = 200;
    const q0 = performance.now();
    for (let i = 0; i < queries; i++) {
      const q = i % 2 === 0 ? requestCountQuery({ namespace: 'default', workload: `svc${i % deployments}` }, 60) : latencyQuantileQuery({ namespace: 'default', workload: `svc${i % deployments}` }, 0.99, 60);
      await (await fetch(`${cluster.url}/api/v1/query?query=${encodeURIComponent(q)}`)).json();
    }
    report('promql_http', { deployments, queries, msPerQuery: +((performance.now() - q0) / queries).toFixed(2) });
    report('heap', { deployments, pods: deployments * replicas, heapUsedMiB: +(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1) });
  } finally {
    await cluster.stop();
  }
}

schedulingCase(30, 1000);
await clusterCase(20, 3);
await clusterCase(100, 3);
