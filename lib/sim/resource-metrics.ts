/**
 * `metrics.k8s.io/v1beta1` (what metrics-server serves and `kubectl top` reads): CPU and memory use of
 * every running pod and node, computed when asked. A pod uses a tenth of its CPU request idle plus
 * 1 millicore per request per second the traffic model sends it (capped at twice its request), and half
 * its memory request plus 1 MiB per 10 rps; a node uses its pods' sum plus 150m and 600Mi for the
 * system. Pods that are not running (pending, crash-looping) are absent, as with metrics-server.
 */
import type { ObjectStore } from './object-store.js';
import { isPodReady } from './pod-model.js';
import { cpuMillis, memoryMiB } from './quantity.js';
import { deploymentOwnerResolver } from './replicasets.js';
import { resourceType } from './resource-types.js';
import type { KubeObj } from './sim-types.js';
import type { WorkloadTraffic } from './traffic-model.js';

type Obj = Record<string, any>;

const PODS = resourceType('pods');
const NODES = resourceType('nodes');
const DEPLOYMENTS = resourceType('deployments', 'apps');

/** Container usage from its requests and the requests per second it serves (pure). */
export function containerUsage(requests: { cpu?: string; memory?: string } | undefined, rps: number): { cpuMillis: number; memoryMiB: number } {
  const cpuRequest = requests?.cpu ? cpuMillis(requests.cpu) : 100;
  const memRequest = requests?.memory ? memoryMiB(requests.memory) : 128;
  return {
    cpuMillis: Math.max(1, Math.round(Math.min(cpuRequest * 2, cpuRequest * 0.1 + rps))),
    memoryMiB: Math.max(1, Math.round(memRequest * 0.5 + rps / 10)),
  };
}

export class ResourceMetrics {
  private rpsByWorkload = new Map<string, number>();

  constructor(
    private readonly store: ObjectStore,
    private readonly wallNow: () => number = Date.now,
  ) {}

  /** Remembers the latest traffic (per-pod rates come from it). */
  recordTraffic(traffic: readonly WorkloadTraffic[]): void {
    this.rpsByWorkload = new Map(traffic.map((t) => [`${t.namespace}/${t.name}`, t.rps]));
  }

  /** PodMetrics of every running pod. */
  pods(): KubeObj[] {
    const stamp = new Date(this.wallNow()).toISOString().replace(/\.\d+Z$/, 'Z');
    const ownerOf = deploymentOwnerResolver(this.store);
    const workloads = new Map(this.store.scan(DEPLOYMENTS).map((d) => [d.metadata.uid as string, `${d.metadata.namespace}/${d.metadata.name}`]));
    const running = this.store.scan(PODS).filter((p) => (p.status as Obj | undefined)?.phase === 'Running' && isPodReady(p as KubeObj));
    const readyPerWorkload = new Map<string, number>();
    const workloadOf = (p: Readonly<KubeObj>) => {
      const owner = ownerOf(p);
      return owner ? workloads.get(owner) : undefined;
    };
    for (const p of running) {
      const w = workloadOf(p);
      if (w) readyPerWorkload.set(w, (readyPerWorkload.get(w) ?? 0) + 1);
    }
    return running.map((pod) => {
      const w = workloadOf(pod);
      const rps = w ? (this.rpsByWorkload.get(w) ?? 0) / (readyPerWorkload.get(w) ?? 1) : 0;
      const containers = (((pod.spec as Obj).containers ?? []) as Obj[]).map((c, i) => {
        const usage = containerUsage(c.resources?.requests ?? c.resources?.limits, i === 0 ? rps : 0);
        return { name: c.name, usage: { cpu: `${usage.cpuMillis}m`, memory: `${usage.memoryMiB}Mi` } };
      });
      return {
        kind: 'PodMetrics',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, labels: pod.metadata.labels, creationTimestamp: stamp },
        timestamp: stamp,
        window: '15s',
        containers,
      };
    });
  }

  /** NodeMetrics of every Ready node. */
  nodes(): KubeObj[] {
    const stamp = new Date(this.wallNow()).toISOString().replace(/\.\d+Z$/, 'Z');
    const used = new Map<string, { cpu: number; memory: number }>();
    const byName = new Map(this.store.scan(PODS).map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
    for (const m of this.pods()) {
      const node = (byName.get(`${m.metadata.namespace}/${m.metadata.name}`)?.spec as Obj | undefined)?.nodeName as string;
      const total = used.get(node) ?? { cpu: 0, memory: 0 };
      for (const c of m.containers as Obj[]) {
        total.cpu += cpuMillis(c.usage.cpu);
        total.memory += memoryMiB(c.usage.memory);
      }
      used.set(node, total);
    }
    return this.store
      .scan(NODES)
      .filter((n) => ((n.status as Obj | undefined)?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True'))
      .map((n) => {
        const u = used.get(n.metadata.name) ?? { cpu: 0, memory: 0 };
        return {
          kind: 'NodeMetrics',
          apiVersion: 'metrics.k8s.io/v1beta1',
          metadata: { name: n.metadata.name, labels: n.metadata.labels, creationTimestamp: stamp },
          timestamp: stamp,
          window: '20s',
          usage: { cpu: `${u.cpu + 150}m`, memory: `${Math.round(u.memory + 600)}Mi` },
        };
      });
  }
}
