import { afterAll, beforeAll } from 'vitest';
/**
 * The whole control plane in the test process (`startMeshplaneLocal`: emulated DynamoDB and SQS, the
 * Lambda handlers, the local Step Functions runner and the simulated cluster), with the handles the
 * end-to-end tests use: the HTTP API, a client-node view of the cluster, fault injection and the
 * rollout executions.
 */
import { startMeshplaneLocal } from '../../../cli/local-runtime.js';
import type { LocalRuntime } from '../../../lib/local/runtime.js';
import type { SimCluster, SimClusterOptions } from '../../../lib/sim/index.js';
import { ClusterView } from './cluster-view.js';
import { MeshplaneApi } from './meshplane-api.js';

export interface E2eRuntimeOptions {
  /** Rollout waits and simulated time are scaled by this (0.02: a 30 s analysis interval takes 0.6 s). */
  timeFactor?: number;
  /** Simulated cluster options; pods become Ready as soon as they are scheduled unless overridden. */
  sim?: SimClusterOptions;
  /** Seconds before a failed queue record is delivered again (the runtime default is 5). */
  visibilityTimeoutSeconds?: number;
  /** Simulated clusters: `local` and `local-2` … (default 1). */
  simClusters?: number;
}

/** A running local control plane with everything a test needs to drive and observe it. */
export interface E2eRuntime {
  /** Base URL of the HTTP API. */
  url: string;
  api: MeshplaneApi;
  cluster: ClusterView;
  sim: SimCluster;
  kubeconfigPath: string;
  runtime: LocalRuntime;
  timeFactor: number;
  /** Messages the runtime logged (queue handler failures and the like), for failure diagnostics. */
  logs: string[];
  stop(): Promise<void>;
}

/** Default compression for end-to-end runs: fast, yet each interval still sees 30 s of simulated traffic. */
export const E2E_TIME_FACTOR = 0.02;

/**
 * Starts the local runtime on a free port with the simulated cluster. The Lambda handlers' INFO logs
 * are silenced unless LOG_LEVEL is set, so test output stays readable.
 */
const E2E_VISIBILITY_TIMEOUT_SECONDS = 5;

export async function startE2eRuntime(options: E2eRuntimeOptions = {}): Promise<E2eRuntime> {
  process.env.LOG_LEVEL ??= 'WARN';
  const timeFactor = options.timeFactor ?? E2E_TIME_FACTOR;
  const logs: string[] = [];
  const runtime = await startMeshplaneLocal({
    port: 0,
    timeFactor,
    sim: { readyDelayMs: 0, ...options.sim },
    ...(options.simClusters ? { simClusters: options.simClusters } : {}),
    // A failed record comes back after 5 s, not after the deployed visibility (60 s and more): the e2e
    // scenarios retry within their waits. Handlers are idempotent, so an early redelivery is harmless.
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? E2E_VISIBILITY_TIMEOUT_SECONDS,
    log: (message) => logs.push(message),
  });
  if (!runtime.sim || !runtime.kubeconfigPath) {
    await runtime.stop();
    throw new Error('the local runtime started without its simulated cluster');
  }
  return {
    url: runtime.url,
    api: new MeshplaneApi(runtime.url, runtime),
    cluster: new ClusterView(runtime.kubeconfigPath),
    sim: runtime.sim,
    kubeconfigPath: runtime.kubeconfigPath,
    runtime,
    timeFactor,
    logs,
    stop: () => runtime.stop(),
  };
}

/**
 * One local runtime for a describe block: started before its tests, stopped after them. Read it
 * through the returned getter inside tests.
 */
export function useE2eRuntime(options: E2eRuntimeOptions = {}): () => E2eRuntime {
  let rt: E2eRuntime | undefined;
  beforeAll(async () => {
    rt = await startE2eRuntime(options);
  }, 60_000);
  afterAll(async () => {
    await rt?.stop();
  });
  return () => {
    if (!rt) throw new Error('the e2e runtime is not running (use it inside a test)');
    return rt;
  };
}
