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
const kubectlPath = (process.env.PATH ?? '')
  .split(delimiter)
  .map((dir) => join(dir, 'kubectl'))
  .find((p) => existsSync(p));
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

  it('creates a deployment and a service the way kubectl sends them (protobuf)', async () => {
    expect(await kubectl('create', 'deployment', 'made', '--image=example/made:1', '--replicas=2', '--port=8080')).toContain('deployment.apps/made created');
    expect(await kubectl('create', 'service', 'clusterip', 'made', '--tcp=80:8080')).toContain('service/made created');
    expect(await kubectl('get', 'service', 'made', '-o', 'jsonpath={.spec.ports[0].port}/{.spec.ports[0].targetPort}')).toBe('80/8080');
    expect(await kubectl('rollout', 'status', 'deployment/made', '--timeout=20s')).toContain('successfully rolled out');
  });

  it('shows ReplicaSets and the rollout history', async () => {
    await kubectl('set', 'image', 'deployment/made', 'made=example/made:2');
    await kubectl('rollout', 'status', 'deployment/made', '--timeout=20s');
    const rows = (await kubectl('get', 'rs', '-l', 'app=made', '-o', 'wide')).trim().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
    expect(
      rows
        .slice(1)
        .map((r) => r.split(/\s+/).slice(1, 4).join(' ') + ' ' + r.split(/\s+/)[6])
        .sort(),
    ).toEqual(['0 0 0 example/made:1', '2 2 2 example/made:2']);
    const history = await kubectl('rollout', 'history', 'deployment/made');
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(await kubectl('rollout', 'undo', 'deployment/made')).toContain('rolled back');
    await kubectl('rollout', 'status', 'deployment/made', '--timeout=20s');
    expect(await kubectl('get', 'deployment', 'made', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).toBe('example/made:1');
    expect(await kubectl('rollout', 'history', 'deployment/made')).toMatch(/\n2\s+<none>\n3\s+<none>/);
  });

  it('lists events and describes a pod and a deployment with theirs', async () => {
    const events = (await kubectl('get', 'events')).trim().split('\n');
    expect(events[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    expect(events.join('\n')).toMatch(/Normal\s+Scheduled\s+pod\/made-\S+\s+Successfully assigned default\/made-/);
    const pod = (await kubectl('get', 'pods', '-l', 'app=made', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
    const described = await kubectl('describe', 'pod', pod);
    expect(described).toMatch(/Controlled By:\s+ReplicaSet\/made-/);
    expect(described).toMatch(/Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message/);
    expect(described).toMatch(/Normal\s+Started\s+\S+\s+kubelet\s+Started container made/);
    const deploy = await kubectl('describe', 'deployment', 'made');
    expect(deploy).toMatch(/NewReplicaSet:\s+made-\S+ \(2\/2 replicas created\)/);
    expect(deploy).toMatch(/Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled (up|down) replica set made-/);
  });

  it('prints synthetic logs, and refuses exec with a clear message', async () => {
    await cluster.advanceTime(25);
    const logs = await kubectl('logs', 'deployment/made');
    expect(logs).toMatch(/^INFO {2}starting example\/made:1\n/);
    expect(logs).toMatch(/served \d+ requests in the last 10s/);
    const pod = (await kubectl('get', 'pods', '-l', 'app=made', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
    const exec = await run(kubectlPath as string, ['--kubeconfig', join(dir, 'kubeconfig'), 'exec', pod, '--', 'ls'], { timeout: 20_000 }).catch(
      (err: { stderr: string; code: number }) => err,
    );
    expect(exec).toMatchObject({ code: 1, stderr: expect.stringContaining('exec is not supported by the simulated cluster') });
    // Ages are wall-clock: the pod was created moments ago although simulated time ran 25 s ahead.
    const age = (await kubectl('get', 'pod', pod, '--no-headers')).trim().split(/\s+/)[4];
    expect(age).toMatch(/^\d+s$/);
    expect(Number(age.slice(0, -1))).toBeLessThan(25);
  });

  it('shows resource use with kubectl top', async () => {
    const pods = (await kubectl('top', 'pods', '-l', 'app=made')).trim().split('\n');
    expect(pods[0]).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(pods.slice(1)).toHaveLength(2);
    for (const row of pods.slice(1)) expect(row).toMatch(/^made-\S+\s+\d+m\s+\d+Mi/);
    expect(await kubectl('top', 'nodes')).toMatch(/node-zone-a-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
  });

  it('deletes what it applied', async () => {
    const out = await kubectl('delete', '-f', join(dir, 'hello.yaml'));
    expect(out).toContain('deployment.apps "hello" deleted');
    await waitFor('pods gone', async () => !(await kubectl('get', 'pods', '-A')).includes('hello-'));
  });
});
