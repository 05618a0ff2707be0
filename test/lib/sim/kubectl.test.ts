import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimCluster, startSimCluster } from '../../../lib/sim/index.js';
import { waitFor } from './sim-test-helpers.js';

const run = promisify(execFile);
const kubectlPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'kubectl')).find((p) => existsSync(p));
if (!kubectlPath) console.warn('kubectl is not on PATH: skipping the kubectl tests of the simulated cluster');

const DEPLOYMENT_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  labels: {app: hello}
spec:
  replicas: 3
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello, track: stable}
    spec:
      containers:
      - name: hello
        image: example/hello:1.0
        resources:
          requests: {cpu: 100m, memory: 64Mi}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: hello
spec:
  host: hello
  subsets:
  - name: stable
    labels: {track: stable}
`;

let cluster: SimCluster;
let dir: string;
const kubectl = async (...args: string[]) => (await run(kubectlPath as string, ['--kubeconfig', join(dir, 'kubeconfig'), ...args], { timeout: 20_000 })).stdout;

describe.skipIf(!kubectlPath)('kubectl against the simulated cluster', () => {
  beforeAll(async () => {
    cluster = await startSimCluster({ readyDelayMs: 20, reconcileIntervalMs: 20 });
    dir = await mkdtemp(join(tmpdir(), 'sim-kubectl-'));
    await cluster.writeKubeconfig(join(dir, 'kubeconfig'));
    await writeFile(join(dir, 'hello.yaml'), DEPLOYMENT_YAML);
  });
  afterAll(async () => cluster?.stop());

  it('gets nodes with their zones', async () => {
    const out = await kubectl('get', 'nodes', '-o', 'wide');
    const rows = out.trim().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    expect(rows.slice(1).map((r) => r.split(/\s+/).slice(0, 2).join(' '))).toEqual(
      ['a', 'b', 'c'].flatMap((z) => [1, 2, 3].map((i) => `node-zone-${z}-${i} Ready`)),
    );
  });

  it('applies a Deployment and an Istio object (client-side, default validation), then shows pods with nodes', async () => {
    const applied = await kubectl('apply', '-f', join(dir, 'hello.yaml'));
    expect(applied).toContain('deployment.apps/hello created');
    expect(applied).toContain('destinationrule.networking.istio.io/hello created');
    const rows = await waitFor('3 running pods', async () => {
      const lines = (await kubectl('get', 'pods', '-A', '-o', 'wide')).trim().split('\n');
      const pods = lines.slice(1).filter((l) => l.includes('hello-'));
      return pods.length === 3 && pods.every((l) => /\sRunning\s/.test(l)) && lines;
    });
    expect(rows[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    for (const row of rows.slice(1)) expect(row).toMatch(/^default\s+hello-\S+\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+node-zone-[abc]-\d/);
  });

  it('re-applies a change (strategic merge patch) and server-side applies', async () => {
    await writeFile(join(dir, 'hello.yaml'), DEPLOYMENT_YAML.replace('replicas: 3', 'replicas: 2'));
    expect(await kubectl('apply', '-f', join(dir, 'hello.yaml'))).toContain('deployment.apps/hello configured');
    expect(await kubectl('get', 'deployment', 'hello', '-o', 'jsonpath={.spec.replicas}')).toBe('2');
    expect(await kubectl('apply', '--server-side', '-f', join(dir, 'hello.yaml'))).toContain('deployment.apps/hello serverside-applied');
  });

  it('deletes what it applied', async () => {
    const out = await kubectl('delete', '-f', join(dir, 'hello.yaml'));
    expect(out).toContain('deployment.apps "hello" deleted');
    await waitFor('pods gone', async () => !(await kubectl('get', 'pods', '-A')).includes('hello-'));
  });
});
