import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimClusterInThread } from '../../../lib/local/sim-thread.js';

const dir = mkdtempSync(join(tmpdir(), 'meshplane-sim-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'threaded', namespace: 'default' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'threaded' } },
    template: {
      metadata: { labels: { app: 'threaded' } },
      spec: { containers: [{ name: 'app', image: 'registry.example.com/threaded:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
    },
  },
};

describe('the simulated cluster on a worker thread', () => {
  it('serves its Kubernetes API over HTTP, moves its time when asked, keeps its state across a stop and a start', async () => {
    const statePath = join(dir, 'cluster.json');
    const first = await startSimClusterInThread({ readyDelayMs: 1_000, statePath });
    try {
      expect(new URL(first.url).hostname).toBe('127.0.0.1');
      await first.writeKubeconfig(join(dir, 'kubeconfig'));
      expect(readFileSync(join(dir, 'kubeconfig'), 'utf8')).toContain(`server: ${first.url}`);
      const created = await fetch(`${first.url}/apis/apps/v1/namespaces/default/deployments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(deployment),
      });
      expect(created.status).toBe(201);
      // Simulated time moves on the cluster's thread: the pods become Ready after their delay.
      await first.advanceTime(5);
      const state = (await (await fetch(`${first.url}/sim/state`)).json()) as { pods: { ready: number } };
      expect(state.pods.ready).toBe(2);
      // Faults and summaries are served over HTTP only: the handle says where.
      expect(() => first.faults.crashLoop('registry.example.com/threaded:1')).toThrow(/POST \/sim\/faults\/crashloop/);
      expect(() => first.zoneTraffic()).toThrow(/GET \/sim\/traffic/);
    } finally {
      await first.stop();
    }

    const second = await startSimClusterInThread({ statePath });
    try {
      const read = await fetch(`${second.url}/apis/apps/v1/namespaces/default/deployments/threaded`);
      expect(read.status).toBe(200);
      expect(((await read.json()) as { spec: { replicas: number } }).spec.replicas).toBe(2);
    } finally {
      await second.stop();
    }
  });
});
