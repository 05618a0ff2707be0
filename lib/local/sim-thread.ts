import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SimCluster, SimClusterOptions } from '../sim/index.js';
import { simKubeconfigYaml } from '../sim/kubeconfig.js';
import { BOOTSTRAP } from './emulator-thread.js';

/** Messages from the simulated cluster's thread (see sim-thread-main.ts). */
export type SimThreadMessage =
  { type: 'ready'; url: string } | { type: 'failed'; message: string } | { type: 'advanced'; id: number; error?: string } | { type: 'stopped' };

/** Messages to it. */
export type SimThreadRequest = { type: 'advance'; id: number; seconds: number } | { type: 'stop' };

/**
 * The simulated cluster on a worker thread of its own. In the API's event loop, its control loop (a pass
 * over every Deployment, ReplicaSet and pod per tick), its Kubernetes API and its Prometheus answers
 * are CPU every API read waits behind: at a few hundred services that was most of the loop's delay.
 * On its own thread it uses another core, and the runtime talks to it over HTTP as to a real cluster.
 *
 * The returned handle serves what the runtime uses (URL, kubeconfig, moving time, stop). Faults, the
 * state summary and the zone traffic are served by the cluster's HTTP API only (`/sim/faults/…`,
 * `GET /sim/state`, `GET /sim/traffic`): their methods here throw, saying so. The thread lives and dies
 * with this process.
 */
export async function startSimClusterInThread(options: SimClusterOptions): Promise<SimCluster> {
  const require = createRequire(import.meta.url);
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    // Not this process's flags (--cpu-prof, --inspect, test runners' loaders): the bootstrap loads what it needs.
    execArgv: [],
    workerData: {
      tsx: pathToFileURL(require.resolve('tsx/esm/api')).href,
      main: new URL('./sim-thread-main.ts', import.meta.url).href,
      options,
    },
  });
  let exited: Error | undefined;
  const advances = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  let stopped: (() => void) | undefined;
  const started = new Promise<SimThreadMessage>((resolve, reject) => {
    worker.on('message', (m: SimThreadMessage) => {
      if (m.type === 'ready' || m.type === 'failed') resolve(m);
      else if (m.type === 'advanced') {
        const waiting = advances.get(m.id);
        advances.delete(m.id);
        if (m.error) waiting?.reject(new Error(m.error));
        else waiting?.resolve();
      } else if (m.type === 'stopped') stopped?.();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      exited = new Error(`the simulated cluster's thread exited (code ${code})`);
      reject(exited);
      for (const waiting of advances.values()) waiting.reject(exited);
      advances.clear();
      stopped?.();
    });
  });
  const ready = await started.catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  if (ready.type !== 'ready') {
    await worker.terminate();
    throw new Error(`the simulated cluster did not start: ${ready.type === 'failed' ? ready.message : ready.type}`);
  }
  // The thread does not keep the process alive on its own: the runtime's servers and timers do.
  worker.unref();
  const url = ready.url;
  const overHttp = (what: string) => () => {
    throw new Error(`the simulated cluster runs on a thread of its own: ${what} is served by its HTTP API at ${url}`);
  };
  let nextId = 0;
  return {
    url,
    kubeconfigYaml: (contextName) => simKubeconfigYaml(url, contextName),
    writeKubeconfig: async (path, contextName) => writeFile(path, simKubeconfigYaml(url, contextName), { mode: 0o600 }),
    faults: {
      crashLoop: overHttp('POST /sim/faults/crashloop'),
      unready: overHttp('POST /sim/faults/unready'),
      traffic: overHttp('POST /sim/faults/traffic'),
      nodeDown: overHttp('POST /sim/nodes/{name}/down'),
      nodeUp: overHttp('POST /sim/nodes/{name}/up'),
      zoneDown: overHttp('POST /sim/zones/{zone}/down'),
      zoneUp: overHttp('POST /sim/zones/{zone}/up'),
      api: overHttp('POST /sim/faults/api'),
      clear: overHttp('DELETE /sim/faults'),
      state: overHttp('GET /sim/state'),
    },
    zoneTraffic: overHttp('GET /sim/traffic'),
    advanceTime(seconds) {
      if (exited) return Promise.reject(exited);
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        advances.set(id, { resolve, reject });
        worker.postMessage({ type: 'advance', id, seconds } satisfies SimThreadRequest);
      });
    },
    async stop() {
      if (!exited) {
        const done = new Promise<void>((resolve) => (stopped = resolve));
        worker.postMessage({ type: 'stop' } satisfies SimThreadRequest);
        // Stopping folds the journal into the snapshot; a thread that does not answer is ended anyway.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
        clearTimeout(timer);
      }
      await worker.terminate();
    },
  };
}
