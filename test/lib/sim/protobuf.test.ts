/**
 * Protobuf request bodies: the fixtures are the exact bytes kubectl 1.32.4 sent (captured with -v=9) for
 * `kubectl create deployment x --image=y` and `kubectl create service clusterip s --tcp=80:8080`, so
 * these tests need no kubectl. They are decoded directly, and POSTed over HTTP to the simulated cluster
 * and read back with client-node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimCluster, startSimCluster } from '../../../lib/sim/index.js';
import { decodeKubernetesProtobuf, goDuration } from '../../../lib/sim/protobuf.js';
import { clients, waitFor } from './sim-test-helpers.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const CREATE_DEPLOYMENT = hex(`
  6b 38 73 00 0a 15 0a 07 61 70 70 73 2f 76 31 12 0a 44 65 70 6c 6f 79 6d 65 6e 74 12 9b 01 0a 1b
  0a 01 78 12 00 1a 00 22 00 2a 00 32 00 38 00 42 00 5a 08 0a 03 61 70 70 12 01 78 12 6e 08 01 12
  0a 0a 08 0a 03 61 70 70 12 01 78 1a 56 0a 1a 0a 00 12 00 1a 00 22 00 2a 00 32 00 38 00 42 00 5a
  08 0a 03 61 70 70 12 01 78 12 38 12 1a 0a 01 79 12 01 79 2a 00 42 00 6a 00 72 00 80 01 00 88 01
  00 90 01 00 a2 01 00 1a 00 32 00 42 00 4a 00 52 00 58 00 60 00 68 00 82 01 00 8a 01 00 9a 01 00
  c2 01 00 22 02 0a 00 28 00 38 00 1a 0c 08 00 10 00 18 00 20 00 28 00 38 00 1a 00 22 00`);

const CREATE_SERVICE = hex(`
  6b 38 73 00 0a 0d 0a 02 76 31 12 07 53 65 72 76 69 63 65 12 63 0a 1b 0a 01 73 12 00 1a 00 22 00
  2a 00 32 00 38 00 42 00 5a 08 0a 03 61 70 70 12 01 73 12 40 0a 1b 0a 07 38 30 2d 38 30 38 30 12
  03 54 43 50 18 50 22 07 08 00 10 90 3f 1a 00 28 00 12 08 0a 03 61 70 70 12 01 73 1a 00 22 09 43
  6c 75 73 74 65 72 49 50 3a 00 42 00 52 00 5a 00 60 00 68 00 1a 02 0a 00 1a 00 22 00`);

describe('decoding kubectl protobuf bodies', () => {
  it('decodes `create deployment` into the JSON kubectl would have sent, zero values left out', () => {
    expect(decodeKubernetesProtobuf(CREATE_DEPLOYMENT)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', labels: { app: 'x' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'y', image: 'y' }] } },
      },
    });
  });

  it('decodes `create service clusterip` with an int-or-string target port', () => {
    expect(decodeKubernetesProtobuf(CREATE_SERVICE)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', labels: { app: 's' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 's' }, type: 'ClusterIP' },
    });
  });

  it('refuses what it cannot decode with 415 and a way out', () => {
    expect(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Deployment"}'))).toThrow(/magic number.*application\/json/);
    const cronJob = Buffer.concat([
      Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x12, 0x0a, 0x07]),
      Buffer.from('batch/v1'),
      Buffer.from([0x12, 0x07]),
      Buffer.from('CronJob'),
    ]);
    cronJob[5] = cronJob.length - 6;
    cronJob[7] = 8;
    expect(() => decodeKubernetesProtobuf(cronJob)).toThrow(/cannot decode CronJob \(batch\/v1\) from protobuf/);
  });

  it.each([
    [0, '0s'],
    [1_500_000_000, '1.5s'],
    [300_000_000, '300ms'],
    [3_600_000_000_000, '1h0m0s'],
    [90_000_000_000, '1m30s'],
  ])('formats %d ns as Go does: %s', (ns, text) => expect(goDuration(ns)).toBe(text));
});

describe('protobuf bodies over HTTP', () => {
  let cluster: SimCluster;
  beforeAll(async () => {
    cluster = await startSimCluster({ readyDelayMs: 20, reconcileIntervalMs: 20 });
  });
  afterAll(async () => cluster?.stop());

  const post = (path: string, body: Buffer) =>
    fetch(`${cluster.url}${path}?fieldManager=kubectl-create&fieldValidation=Strict`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf,application/json' },
      body,
    });

  it('creates the Deployment and Service kubectl sent, defaulted, and the Deployment rolls out', async () => {
    const created = await post('/apis/apps/v1/namespaces/default/deployments', CREATE_DEPLOYMENT);
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/json');
    expect((await post('/api/v1/namespaces/default/services', CREATE_SERVICE)).status).toBe(201);
    const { apps, core } = clients(cluster);
    const svc = await core.readNamespacedService({ namespace: 'default', name: 's' });
    expect(svc.spec?.clusterIP).toMatch(/^10\.96\./);
    expect(svc.spec?.ports?.[0]).toMatchObject({ port: 80, targetPort: 8080, protocol: 'TCP' });
    const ready = await waitFor('x ready', async () => {
      const d = await apps.readNamespacedDeployment({ namespace: 'default', name: 'x' });
      return d.status?.readyReplicas === 1 && d;
    });
    expect(ready.spec?.strategy?.type).toBe('RollingUpdate');
  });

  it('answers a body that is not a Kubernetes protobuf object with 415 UnsupportedMediaType', async () => {
    const res = await post('/apis/apps/v1/namespaces/default/deployments', Buffer.from('not protobuf'));
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType' });
  });
});
