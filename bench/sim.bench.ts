/**
 * Benchmarks of the simulated cluster. One JSON line per case:
 * scheduling throughput (pure scheduler), a full reconcile tick with many workloads, a PromQL query, the
 * per-edge read of the mesh view (rate, 5xx, p99, zones of every edge), and the
 * cost of durable state (journaled writes with and without fsync, compaction, replay at start).
 * Run: npx tsx bench/sim.bench.ts
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PrometheusMetricsSource } from '../lib/adapters/metrics/prometheus-metrics-source.js';
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
        metadata: {
          name: `svc${i}`,
          labels: { app: `svc${i}` },
          annotations: { 'meshplane.io/dependencies': JSON.stringify([{ service: `svc${(i + 1) % deployments}`, rps: 10 }]) },
        },
        spec: {
          replicas,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'a', image: `img${i}`, resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } },
        },
      };
      await fetch(`${cluster.url}/apis/apps/v1/namespaces/default/deployments`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
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
      const q =
        i % 2 === 0
          ? requestCountQuery({ namespace: 'default', workload: `svc${i % deployments}` }, 60)
          : latencyQuantileQuery({ namespace: 'default', workload: `svc${i % deployments}` }, 0.99, 60);
      await (await fetch(`${cluster.url}/api/v1/query?query=${encodeURIComponent(q)}`)).json();
    }
    report('promql_http', { deployments, queries, msPerQuery: +((performance.now() - q0) / queries).toFixed(2) });
    // What the health probe reads once per cluster per run for the mesh view: every edge's rate, 5xx, p99, zones (3 queries).
    const source = PrometheusMetricsSource.fromOptions({ url: cluster.url });
    const reads = 10;
    let edges = 0;
    const e0 = performance.now();
    for (let i = 0; i < reads; i++) edges = (await source.edgeTraffic(60)).length;
    report('edge_traffic_http', { deployments, edges, reads, msPerRead: +((performance.now() - e0) / reads).toFixed(2) });
    report('heap', { deployments, pods: deployments * replicas, heapUsedMiB: +(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1) });
  } finally {
    await cluster.stop();
  }
}

/** Writes through the HTTP API with state in memory, journaled, and journaled with fsync; then restart (replay) time. */
async function durabilityCase(writes: number): Promise<void> {
  // The first round warms up the JIT and the HTTP path and is not reported.
  for (const [round, mode] of (['memory', 'memory', 'journal', 'journal+fsync'] as const).entries()) {
    const dir = await mkdtemp(join(tmpdir(), 'sim-bench-'));
    const statePath = mode === 'memory' ? undefined : join(dir, 'cluster.json');
    const options = { readyDelayMs: 0, reconcileIntervalMs: 60_000, statePath, fsyncJournal: mode === 'journal+fsync' };
    const cluster = await startSimCluster(options);
    const started = performance.now();
    for (let i = 0; i < writes; i++) {
      const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm${i}`, namespace: 'default' }, data: { value: 'x'.repeat(512) } };
      const res = await fetch(`${cluster.url}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
    }
    const ms = performance.now() - started;
    const journalBytes = statePath ? (await stat(`${statePath}.journal`)).size : 0;
    const s0 = performance.now();
    await cluster.stop();
    const stopMs = performance.now() - s0;
    if (round > 0) report('durable_writes', { mode, writes, msPerWrite: +(ms / writes).toFixed(3), journalBytes, stopCompactMs: +stopMs.toFixed(1) });
    if (statePath) {
      // Restart after a stop that folded the journal: load the snapshot (and compact once at start).
      const r0 = performance.now();
      const again = await startSimCluster(options);
      report('durable_restart', { mode, objects: writes, startMs: +(performance.now() - r0).toFixed(1) });
      await again.stop();
    }
    await rm(dir, { recursive: true, force: true });
  }
}

schedulingCase(30, 1000);
await durabilityCase(2000);
await clusterCase(20, 3);
await clusterCase(100, 3);
await clusterCase(1000, 1);
