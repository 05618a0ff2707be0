/**
 * `startSimCluster`: wires the object store, Kubernetes API, simulated controllers, fault state,
 * traffic telemetry and the HTTP server into one in-process cluster.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { KubeApiError } from './api-errors.js';
import { SimClock } from './clock.js';
import { buildNodes } from './cluster-topology.js';
import { versionInfo } from './discovery.js';
import { FaultState, type SimFaults, type SimStateSummary } from './faults.js';
import { sendError, sendJson } from './http-util.js';
import { KubeApi } from './kube-api.js';
import { simKubeconfigYaml } from './kubeconfig.js';
import { ObjectStore } from './object-store.js';
import { openApiDocument } from './openapi.js';
import { boundPod, isNodeReady, isPodReady } from './pod-model.js';
import { handlePrometheusQuery } from './prometheus-api.js';
import { resourceType } from './resource-types.js';
import { handleSimRoute } from './sim-routes.js';
import { Simulation } from './simulation.js';
import { DurableState } from './journal.js';
import { EventRecorder } from './events.js';
import { LogBook } from './logs.js';
import { ResourceMetrics } from './resource-metrics.js';
import { handlePodSubresource } from './pod-subresources.js';
import { type CounterSeries, WorkloadTelemetry } from './workload-telemetry.js';
import { ZoneTelemetry, type ZoneTrafficSummary } from './zone-telemetry.js';

export interface SimClusterOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default ['zone-a', 'zone-b', 'zone-c']. */
  zones?: string[];
  /** Default 3. */
  nodesPerZone?: number;
  /** Allocatable CPU per node in millicores, default 4000. */
  nodeCpuMillis?: number;
  /** Allocatable memory per node in MiB, default 16384. */
  nodeMemoryMiB?: number;
  /** Time from a pod being scheduled to Ready, default 500 (0 allowed). */
  readyDelayMs?: number;
  /** Controller loop period, default 50. */
  reconcileIntervalMs?: number;
  /** Optional JSON snapshot plus `<statePath>.journal`: loaded at start, every change journaled before it is acknowledged. */
  statePath?: string;
  /** fsync the journal after every change (survives power loss too). Default false: a killed process loses nothing either way. */
  fsyncJournal?: boolean;
  /** How long a node is down before its pods are evicted, default 1000. */
  nodeEvictionGraceMs?: number;
  /** Time between restarts of a crash-looping container, default 1000. */
  crashLoopRestartMs?: number;
  /** Requests per second a service nobody calls receives, default 20. */
  externalRps?: number;
  /** Requests per second an exposed service (LoadBalancer Service or Gateway-bound VirtualService) receives from the edge, default externalRps. */
  edgeRps?: number;
  /** Fraction of requests answered 5xx without faults, default 0.001. */
  baseErrorRate?: number;
  /** p99 latency in ms without faults, default 40. */
  baseP99LatencyMs?: number;
  /**
   * Istio's mesh-wide locality load balancing (`meshConfig.localityLbSetting.enabled`), default true as in
   * Istio: calls to a service whose DestinationRule has outlierDetection and no localityLbSetting prefer
   * the caller's zone. false models an install that turned it off (round-robin unless a rule says otherwise).
   */
  meshLocalityLb?: boolean;
}

export interface SimCluster {
  /** e.g. http://127.0.0.1:34567 */
  readonly url: string;
  /** cluster + user + context, server = url, token auth. */
  kubeconfigYaml(contextName?: string): string;
  writeKubeconfig(path: string, contextName?: string): Promise<void>;
  /** The same operations as the /sim HTTP API. */
  readonly faults: SimFaults;
  /**
   * Moves simulated time forward by `seconds`, running the controllers and the traffic model in steps
   * of at most one second (also `POST /sim/clock/advance`).
   */
  advanceTime(seconds: number): Promise<void>;
  /** The last tick's calls between zones and the cross-zone share (also `GET /sim/traffic`). */
  zoneTraffic(): ZoneTrafficSummary;
  /** Closes the server, watches and timers (and folds the journal into the snapshot when `statePath` is set). */
  stop(): Promise<void>;
}

const NODES = resourceType('nodes');
const PODS = resourceType('pods');
const NAMESPACES = resourceType('namespaces');

export async function startSimCluster(options: SimClusterOptions = {}): Promise<SimCluster> {
  const zones = options.zones ?? ['zone-a', 'zone-b', 'zone-c'];
  const clock = new SimClock();
  const store = new ObjectStore(() => clock.wallNow());
  const durable = options.statePath ? await DurableState.open(options.statePath, { fsync: options.fsyncJournal }) : undefined;
  const saved = durable?.saved;
  if (saved) store.restore(saved);
  else
    bootstrap(store, clock.wallNow(), {
      zones,
      nodesPerZone: options.nodesPerZone ?? 3,
      nodeCpuMillis: options.nodeCpuMillis ?? 4000,
      nodeMemoryMiB: options.nodeMemoryMiB ?? 16384,
    });

  const zoneOf = (name: string) => store.get(NODES, undefined, name)?.metadata.labels?.['topology.kubernetes.io/zone'];
  const faultState = new FaultState({
    nodeZone: zoneOf,
    zones: () => [
      ...new Set(
        store
          .list(NODES)
          .map((n) => n.metadata.labels?.['topology.kubernetes.io/zone'])
          .filter((z): z is string => Boolean(z)),
      ),
    ],
  });
  const telemetry = new WorkloadTelemetry();
  const zoneTelemetry = new ZoneTelemetry();
  const simulation = new Simulation(store, faultState, clock, telemetry, {
    readyDelayMs: options.readyDelayMs ?? 500,
    crashLoopRestartMs: options.crashLoopRestartMs ?? 1000,
    nodeEvictionGraceMs: options.nodeEvictionGraceMs ?? 1000,
    externalRps: options.externalRps ?? 20,
    edgeRps: options.edgeRps,
    baseErrorRate: options.baseErrorRate ?? 0.001,
    baseP99LatencyMs: options.baseP99LatencyMs ?? 40,
    meshLocalityLb: options.meshLocalityLb,
    zoneTelemetry,
  });

  const faults: SimFaults = {
    crashLoop: (image) => faultState.crashLoop(image),
    unready: (image) => faultState.unready(image),
    traffic: (fault) => faultState.traffic(fault),
    nodeDown: (name) => faultState.nodeDown(name),
    nodeUp: (name) => faultState.nodeUp(name),
    zoneDown: (zone) => faultState.zoneDown(zone),
    zoneUp: (zone) => faultState.zoneUp(zone),
    api: (fault) => faultState.api(fault),
    clear: () => faultState.clear(),
    state: () => summarize(store, faultState, clock.now()),
  };

  durable?.attach(store, () => clock.now());
  const events = new EventRecorder(store, () => clock.wallNow());
  events.start();

  let address = '';
  const logs = new LogBook(store, () => clock.wallNow());
  logs.start();
  const usage = new ResourceMetrics(store, () => clock.wallNow());
  simulation.onTraffic = (simNow, traffic) => {
    logs.recordTraffic(simNow, traffic);
    usage.recordTraffic(traffic);
  };
  const kubeApi = new KubeApi(
    store,
    () => clock.wallNow(),
    () => address,
    {
      podSubresource: (req, res, target, url) => handlePodSubresource(req, res, target, url, { store, logs, now: () => clock.wallNow() }),
      computed: (type) => (type.kind === 'PodMetrics' ? usage.pods() : usage.nodes()),
    },
  );
  const pendingDelays = new Set<NodeJS.Timeout>();
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pendingDelays.delete(timer);
        resolve();
      }, ms);
      pendingDelays.add(timer);
    });
  const advanceTime = async (seconds: number) => simulation.advance(seconds);
  // One array while neither list changes, so the evaluator's index of it (promql-eval.ts) serves every query in between.
  let seriesParts: [readonly CounterSeries[], readonly CounterSeries[], readonly CounterSeries[]] | undefined;
  const allSeries = (): readonly CounterSeries[] => {
    const workloads = telemetry.series();
    const zones = zoneTelemetry.series();
    if (!seriesParts || seriesParts[0] !== workloads || seriesParts[1] !== zones) seriesParts = [workloads, zones, [...workloads, ...zones]];
    return seriesParts[2];
  };

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sim.local');
    const path = url.pathname;
    if (path.startsWith('/sim/')) return handleSimRoute(req, res, url, { faults, advanceTime, traffic: () => zoneTelemetry.summary() });
    if (path === '/api/v1/query') return handlePrometheusQuery(req, res, url, allSeries, () => clock.now());
    if (path === '/version') return sendJson(res, 200, versionInfo());
    if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return void res.end('ok');
    }
    if (path === '/openapi/v2' || path.startsWith('/openapi/v3')) {
      const doc = openApiDocument(path);
      if (doc) return sendJson(res, 200, doc);
      throw new KubeApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (path === '/api' || path.startsWith('/api/') || path === '/apis' || path.startsWith('/apis/')) {
      const decision = faultState.decideApiFault(path);
      if (decision?.delayMs) await delay(decision.delayMs);
      if (decision?.errorStatus) return sendInjectedError(res, decision.errorStatus);
      return kubeApi.handle(req, res, url);
    }
    throw new KubeApiError(404, 'NotFound', 'the server could not find the requested resource');
  };

  const server = createServer((req, res) => {
    route(req, res).catch((err) => sendError(res, err));
  });
  // Longer than clients' idle keep-alive, so they never reuse a socket the server is closing.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const info = server.address() as AddressInfo;
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  address = `${host}:${info.port}`;
  const url = `http://${address}`;

  simulation.tick();
  simulation.start(options.reconcileIntervalMs ?? 50);

  let stopped = false;
  return {
    url,
    faults,
    kubeconfigYaml: (contextName) => simKubeconfigYaml(url, contextName),
    writeKubeconfig: async (path, contextName) => writeFile(path, simKubeconfigYaml(url, contextName), { mode: 0o600 }),
    advanceTime,
    zoneTraffic: () => zoneTelemetry.summary(),
    async stop() {
      if (stopped) return;
      stopped = true;
      simulation.stop();
      events.stop();
      logs.stop();
      for (const timer of pendingDelays) clearTimeout(timer);
      pendingDelays.clear();
      kubeApi.closeWatches();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      durable?.close(store, clock.now());
    },
  };
}

function bootstrap(store: ObjectStore, now: number, topology: { zones: string[]; nodesPerZone: number; nodeCpuMillis: number; nodeMemoryMiB: number }): void {
  for (const name of ['default', 'kube-system', 'kube-public']) {
    store.create(NAMESPACES, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }
  for (const node of buildNodes(topology, now)) store.create(NODES, node);
}

function sendInjectedError(res: ServerResponse, status: 500 | 429 | 503): void {
  const reason = status === 429 ? 'TooManyRequests' : status === 503 ? 'ServiceUnavailable' : 'InternalError';
  const error = new KubeApiError(
    status,
    reason,
    `injected fault: ${status === 429 ? 'too many requests, please try again later' : 'the server is currently unable to handle the request'}`,
  );
  if (status === 429) res.setHeader('Retry-After', '1');
  sendJson(res, status, error.toStatus());
}

function summarize(store: ObjectStore, faults: FaultState, now: number): SimStateSummary {
  const pods = store.list(PODS);
  const nodes = store.list(NODES).map((n) => {
    const bound = pods.map(boundPod).filter((p) => p?.nodeName === n.metadata.name);
    return {
      name: n.metadata.name,
      zone: n.metadata.labels?.['topology.kubernetes.io/zone'] ?? '',
      ready: isNodeReady(n),
      pods: bound.length,
      cpuRequestedMillis: bound.reduce((s, p) => s + (p?.cpuMillis ?? 0), 0),
      memoryRequestedMiB: bound.reduce((s, p) => s + (p?.memoryMiB ?? 0), 0),
    };
  });
  return {
    time: new Date(now).toISOString(),
    nodes,
    pods: {
      total: pods.length,
      pending: pods.filter((p) => (p.status as { phase?: string } | undefined)?.phase === 'Pending').length,
      running: pods.filter((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running').length,
      ready: pods.filter(isPodReady).length,
    },
    faults: faults.active(),
  };
}
