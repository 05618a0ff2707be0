/**
 * The real client-node over HTTP against a scripted server: the request shapes client-node must send
 * (apply and merge-patch content types, query parameters), per-request timeouts, Retry-After,
 * pagination and how API errors surface.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../../../lib/errors.js';
import type { ClusterClient, KubeObject } from '../../../../lib/ports/cluster-client.js';
import type { RetryRuntime } from '../../../../lib/adapters/kubernetes/call-with-retries.js';
import { KubeApiRejectedError } from '../../../../lib/adapters/kubernetes/api-failure.js';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubeApis } from '../../../../lib/adapters/kubernetes/kube-apis.js';
import { KubernetesClusterClientFactory } from '../../../../lib/adapters/kubernetes/kubernetes-cluster-client-factory.js';
import { APPS_V1_RESOURCES, type ScriptedApiServer, startScriptedApiServer, status } from './scripted-api-server.js';

let server: ScriptedApiServer;
let sleeps: number[];
let client: ClusterClient;

const instantRuntime: RetryRuntime = {
  sleep: async (ms) => void sleeps.push(ms),
  random: () => 0.5,
  now: () => Date.now(),
};

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'cart', namespace: 'shop', labels: { app: 'cart' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'cart' } },
    template: { metadata: { labels: { app: 'cart' } }, spec: { containers: [{ name: 'app', image: 'cart:1' }] } },
  },
};

beforeAll(async () => {
  server = await startScriptedApiServer();
  const factory = new KubernetesClusterClientFactory({
    retryPolicy: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50, requestTimeoutMs: 300 },
    retryRuntime: instantRuntime,
  });
  client = await factory.forCluster({ id: 'scripted', default: false, target: { kind: 'simulated', url: server.url } });
});

afterAll(async () => {
  await server.close();
});

function beginScenario(handler: Parameters<ScriptedApiServer['handle']>[0]): void {
  sleeps = [];
  server.handle(handler);
}

describe('apply', () => {
  it('sends a forced server-side apply as field manager meshplane, leaving the caller object intact', async () => {
    beginScenario((req) => (req.path === '/apis/apps/v1' ? { status: 200, body: APPS_V1_RESOURCES } : { status: 200, body: JSON.parse(req.body) }));
    const input = structuredClone(deployment);
    delete input.metadata.namespace;
    await client.apply([input]);

    const patch = server.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe('/apis/apps/v1/namespaces/default/deployments/cart');
    expect(patch.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(patch.query.get('fieldManager')).toBe('meshplane');
    expect(patch.query.get('force')).toBe('true');
    expect(JSON.parse(patch.body)).toMatchObject({ kind: 'Deployment', spec: { replicas: 2 } });
    expect(input.metadata).not.toHaveProperty('namespace');
    expect(patch.headers['authorization']).toBe('Bearer meshplane-simulated');
  });
});

describe('patchDeployment', () => {
  it('sends a JSON merge patch verbatim, nulls included', async () => {
    beginScenario(() => ({ status: 200, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cart' } } }));
    const patch = { spec: { replicas: 4, template: { metadata: { annotations: { 'meshplane.io/restarted-at': 'now', old: null } } } } };
    await client.patchDeployment('shop', 'cart', patch);

    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req.method).toBe('PATCH');
    expect(req.path).toBe('/apis/apps/v1/namespaces/shop/deployments/cart');
    expect(req.headers['content-type']).toBe('application/merge-patch+json');
    expect(JSON.parse(req.body)).toEqual(patch);
  });
});

describe('retries and errors over HTTP', () => {
  it('abandons a hanging request after requestTimeoutMs and retries it', async () => {
    beginScenario((_req, i) =>
      i === 0
        ? 'hang'
        : {
            status: 200,
            body: {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: 'cart', namespace: 'shop', generation: 2 },
              status: { observedGeneration: 2 },
            },
          },
    );
    const status = await client.getWorkloadStatus('shop', 'cart');
    expect(status).toMatchObject({ generation: 2, observedGeneration: 2 });
    expect(server.requests).toHaveLength(2);
  });

  it('surfaces a server that always hangs as a TransientError after maxAttempts', async () => {
    beginScenario(() => 'hang');
    const err = await client.getWorkloadStatus('shop', 'cart').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/after 3 attempts: the request timed out/);
    expect(server.requests).toHaveLength(3);
  });

  it('waits as long as Retry-After asks on a 429', async () => {
    beginScenario((_req, i) =>
      i === 0
        ? status(429, 'TooManyRequests', 'slow down', { 'retry-after': '2' })
        : { status: 200, body: { apiVersion: 'v1', kind: 'NodeList', metadata: {}, items: [] } },
    );
    await expect(client.listNodes()).resolves.toEqual([]);
    expect(sleeps).toEqual([2000]);
  });

  it('turns a 403 into a TerminalError with the API server message, without retrying', async () => {
    const message = 'nodes is forbidden: User "meshplane" cannot list resource "nodes" at the cluster scope';
    beginScenario(() => status(403, 'Forbidden', message));
    const err = await client.listNodes().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect(err).toBeInstanceOf(KubeApiRejectedError);
    expect((err as KubeApiRejectedError).apiMessage).toBe(message);
    expect((err as Error).message).toBe(`Kubernetes API rejected list Node (403 Forbidden): ${message}`);
    expect(server.requests).toHaveLength(1);
  });

  it('reads an absent Deployment as undefined', async () => {
    beginScenario(() => status(404, 'NotFound', 'deployments.apps "cart" not found'));
    await expect(client.getWorkloadStatus('shop', 'cart')).resolves.toBeUndefined();
  });
});

describe('listPods', () => {
  it('follows continue tokens and looks up zones once', async () => {
    const pod = (name: string, node?: string) => ({
      metadata: { name, namespace: 'shop', labels: { app: 'cart' } },
      spec: { containers: [{ name: 'app', image: 'cart:1' }], ...(node ? { nodeName: node } : {}) },
      status: { phase: node ? 'Running' : 'Pending' },
    });
    beginScenario((req) => {
      if (req.path === '/api/v1/nodes') {
        return {
          status: 200,
          body: {
            kind: 'NodeList',
            apiVersion: 'v1',
            metadata: {},
            items: [{ metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-b' } } }],
          },
        };
      }
      const second = req.query.get('continue') === 'page-2';
      return {
        status: 200,
        body: {
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: second ? {} : { continue: 'page-2' },
          items: second ? [pod('cart-2')] : [pod('cart-1', 'n1')],
        },
      };
    });
    const pods = await client.listPods('shop', 'app=cart');
    expect(pods.map((p) => [p.name, p.zone])).toEqual([
      ['cart-1', 'zone-b'],
      ['cart-2', undefined],
    ]);
    const podRequests = server.requests.filter((r) => r.path === '/api/v1/namespaces/shop/pods');
    expect(podRequests.map((r) => r.query.get('labelSelector'))).toEqual(['app=cart', 'app=cart']);
    expect(server.requests.filter((r) => r.path === '/api/v1/nodes')).toHaveLength(1);
  });
});

describe('prune', () => {
  const owned = { 'meshplane.io/service': 'cart', 'app.kubernetes.io/managed-by': 'meshplane' };
  const resources = (groupVersion: string, kinds: [string, string][]) => ({
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: kinds.map(([kind, name]) => ({ kind, name, namespaced: true, singularName: '', verbs: ['list', 'delete'] })),
  });

  it('skips kinds the cluster does not serve, deletes in the background and counts a 404 as already gone', async () => {
    beginScenario((req) => {
      if (req.method === 'GET') {
        switch (req.path) {
          case '/api/v1':
            return {
              status: 200,
              body: resources('v1', [
                ['Service', 'services'],
                ['ServiceAccount', 'serviceaccounts'],
              ]),
            };
          case '/apis/apps/v1':
            return { status: 200, body: APPS_V1_RESOURCES };
          case '/apis/policy/v1':
            return { status: 200, body: resources('policy/v1', [['PodDisruptionBudget', 'poddisruptionbudgets']]) };
          case '/apis/networking.istio.io/v1': // served, but without Sidecar
            return {
              status: 200,
              body: resources('networking.istio.io/v1', [
                ['VirtualService', 'virtualservices'],
                ['DestinationRule', 'destinationrules'],
              ]),
            };
          case '/apis/security.istio.io/v1': // not installed at all
            return status(404, 'NotFound', 'the server could not find the requested resource');
          case '/apis/apps/v1/namespaces/shop/deployments': {
            const item = (name: string) => ({ metadata: { name, namespace: 'shop', labels: owned } });
            return { status: 200, body: { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: {}, items: [item('cart'), item('cart-gone')] } };
          }
          default:
            return { status: 200, body: { kind: 'List', apiVersion: 'v1', metadata: {}, items: [] } };
        }
      }
      if (req.path.endsWith('/cart-gone')) return status(404, 'NotFound', 'deployments.apps "cart-gone" not found');
      return { status: 200, body: { kind: 'Status', apiVersion: 'v1', status: 'Success' } };
    });

    expect(await client.deleteService('shop', 'cart')).toBe(1);

    const deletes = server.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.path)).toEqual(['/apis/apps/v1/namespaces/shop/deployments/cart', '/apis/apps/v1/namespaces/shop/deployments/cart-gone']);
    expect(deletes.every((r) => r.query.get('propagationPolicy') === 'Background')).toBe(true);
    const lists = server.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/api') && r.path.split('/').length > 4);
    expect(lists.length).toBeGreaterThanOrEqual(4);
    expect(new Set(lists.map((r) => r.query.get('labelSelector')))).toEqual(new Set(['meshplane.io/service=cart,app.kubernetes.io/managed-by=meshplane']));
  });
});

describe('createKubeApis', () => {
  it('sends the current token from a bearer-token source on every request', async () => {
    let n = 0;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser({ name: 'c', server: server.url, skipTLSVerify: true }, { name: 'u', token: 'static' });
    const apis = createKubeApis({ kubeConfig, requestTimeoutMs: 1000, bearerToken: async () => `rotating-${++n}` });
    beginScenario(() => ({ status: 200, body: { apiVersion: 'v1', kind: 'NodeList', metadata: {}, items: [] } }));
    await apis.core.listNode();
    await apis.core.listNode();
    expect(server.requests.map((r) => r.headers['authorization'])).toEqual(['Bearer rotating-1', 'Bearer rotating-2']);
    expect(server.requests[0].headers['user-agent']).toBe('meshplane');
  });

  it('tells the token source when the API server refuses the token (401)', async () => {
    let unauthorized = 0;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser({ name: 'c', server: server.url, skipTLSVerify: true }, { name: 'u' });
    const apis = createKubeApis({
      kubeConfig,
      requestTimeoutMs: 1000,
      bearerToken: async () => 'stale',
      onUnauthorized: () => unauthorized++,
    });
    beginScenario((_req, i) =>
      i === 0 ? status(401, 'Unauthorized', 'Unauthorized') : { status: 200, body: { apiVersion: 'v1', kind: 'NodeList', metadata: {}, items: [] } },
    );
    await expect(apis.core.listNode()).rejects.toMatchObject({ code: 401 });
    await apis.core.listNode();
    expect(unauthorized).toBe(1);
  });
});
