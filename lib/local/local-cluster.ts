import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrometheusMetricsSource } from '../adapters/metrics/prometheus-metrics-source.js';
import type { ClusterRegistration } from '../model/cluster.js';
import type { MetricsSource } from '../ports/metrics-source.js';
import { startSimCluster, type SimCluster, type SimClusterOptions } from '../sim/index.js';
import { startSimClusterInThread } from './sim-thread.js';

export interface LocalCluster {
  registration: ClusterRegistration;
  sim?: SimCluster;
  kubeconfigPath?: string;
  metrics?: MetricsSource;
}

export interface LocalClusterOptions {
  kubeconfig?: { path: string; context?: string };
  sim?: SimClusterOptions;
  dataDir?: string;
  /** Each simulated cluster on a worker thread of its own (see sim-thread.ts); in this thread by default. */
  simThread?: boolean;
}

/**
 * The cluster the local runtime registers as its default: the simulated one (with a kubeconfig for
 * kubectl, and its state under the data directory), or a real one from a kubeconfig (rollout metrics
 * then come from PROMETHEUS_URL).
 */
export async function connectLocalCluster(options: LocalClusterOptions, log: (m: string) => void): Promise<LocalCluster> {
  if (options.kubeconfig) {
    log(`cluster: ${options.kubeconfig.path}${options.kubeconfig.context ? ` (context ${options.kubeconfig.context})` : ''}`);
    const prometheusUrl = process.env.PROMETHEUS_URL;
    return {
      registration: { id: 'local', default: true, target: { kind: 'kubeconfig', path: options.kubeconfig.path, context: options.kubeconfig.context } },
      metrics: prometheusUrl ? PrometheusMetricsSource.fromOptions({ url: prometheusUrl }) : undefined,
    };
  }
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'meshplane-'));
  const sim = await startSim(options, {
    ...options.sim,
    statePath: options.sim?.statePath ?? (options.dataDir ? join(options.dataDir, 'cluster.json') : undefined),
  });
  const kubeconfigPath = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfigPath, 'meshplane-local');
  log(`simulated cluster: ${sim.url}; kubectl --kubeconfig ${kubeconfigPath} get pods -A -o wide`);
  return {
    registration: { id: 'local', default: true, target: { kind: 'simulated', url: sim.url } },
    sim,
    kubeconfigPath,
    metrics: PrometheusMetricsSource.fromOptions({ url: sim.url }),
  };
}

const startSim = (where: LocalClusterOptions, options: SimClusterOptions) => (where.simThread ? startSimClusterInThread(options) : startSimCluster(options));

/** Id of the i-th (0-based) simulated cluster: `local`, then `local-2`, `local-3` … */
export function simClusterId(index: number): string {
  return index === 0 ? 'local' : `local-${index + 1}`;
}

/**
 * The simulated clusters after the first (`--sim-clusters N`): `local-2` … `local-N`, each with its own
 * API server, kubeconfig, state file, and nodes in zones of its own (`local-2-zone-a` …), registered
 * next to the default one.
 */
export async function startExtraSimClusters(options: LocalClusterOptions & { simClusters?: number }, log: (m: string) => void): Promise<LocalCluster[]> {
  const count = options.simClusters ?? 1;
  if (options.kubeconfig || count <= 1) return [];
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'meshplane-'));
  const extra: LocalCluster[] = [];
  try {
    for (let i = 1; i < count; i++) {
      const id = simClusterId(i);
      const zones = (options.sim?.zones ?? ['zone-a', 'zone-b', 'zone-c']).map((z) => `${id}-${z}`);
      const sim = await startSim(options, { ...options.sim, zones, statePath: options.dataDir ? join(options.dataDir, `cluster-${id}.json`) : undefined });
      const kubeconfigPath = join(dir, `kubeconfig-${id}`);
      await sim.writeKubeconfig(kubeconfigPath, `meshplane-${id}`);
      log(`simulated cluster ${id}: ${sim.url}; kubectl --kubeconfig ${kubeconfigPath} get pods -A -o wide`);
      extra.push({ registration: { id, default: false, target: { kind: 'simulated', url: sim.url } }, sim, kubeconfigPath });
    }
  } catch (err) {
    await Promise.all(extra.map((c) => c.sim?.stop()));
    throw err;
  }
  return extra;
}
