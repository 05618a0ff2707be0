/**
 * The placement optimizer end to end on the local runtime: a chatty service graph is registered, the
 * simulated scheduler spreads it, the optimizer plans (dry run) and then applies node affinity, and the
 * pods the simulated cluster re-places are read back through client-node.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeshplaneLocal } from '../../cli/local-runtime.js';
import type { LocalRuntime } from '../../lib/local/runtime.js';
import type { ServiceSpecInput } from '../../lib/model/service-spec.js';
import type { OptimizerRun } from '../../lib/usecases/optimizer/run-optimizer.js';
import { run as runProcess } from '../support/processes.js';
import { waitFor } from '../support/wait-for.js';
import { ClusterView, type PodPlacement } from './support/cluster-view.js';
import { MeshplaneApi } from './support/meshplane-api.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Network latency per request by level, as the optimizer's documented defaults (lib/placement/README.md). */
const LATENCY_MS = { sameNode: 0.05, sameZone: 0.2, crossZone: 1.0 } as const;

const CPU = 250;

/** Observed call rates are read over this window of simulated time. */
const TRAFFIC_WINDOW_SECONDS = 120;

/**
 * Observed rates are the declared ones up to the last moments of the window, which the simulated
 * cluster may not have counted yet when a run queries it (it counts traffic on each tick).
 */
function expectNear(actual: number, expected: number, relative = 0.02): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(relative * Math.abs(expected));
}

/**
 * frontend → cart → pricing ← catalog ← frontend, heavy calls; cart → ledger light. `ledger` is the
 * service that will be mid-rollout when the optimizer runs.
 */
const GRAPH: ServiceSpecInput[] = [
  spec('frontend', [
    { service: 'cart', rps: 400 },
    { service: 'catalog', rps: 300 },
  ]),
  spec('cart', [
    { service: 'pricing', rps: 350 },
    { service: 'ledger', rps: 20 },
  ]),
  spec('catalog', [{ service: 'pricing', rps: 250 }]),
  spec('pricing', []),
  spec('ledger', []),
];

function spec(name: string, dependencies: { service: string; rps: number }[]): ServiceSpecInput {
  return { name, image: `registry.example.com/shop/${name}:1.0.0`, port: 8080, replicas: 2, resources: { cpu: CPU, memory: 256 }, dependencies };
}

let runtime: LocalRuntime;
let api: MeshplaneApi;
let cluster: ClusterView;

beforeAll(async () => {
  process.env.LOG_LEVEL = 'SILENT';
  runtime = await startMeshplaneLocal({
    port: 0,
    timeFactor: 0.02,
    visibilityTimeoutSeconds: 1,
    // 6 nodes of 1000m: four 250m pods fill a node, so capacity binds.
    sim: { readyDelayMs: 0, nodesPerZone: 2, nodeCpuMillis: 1000 },
  });
  api = new MeshplaneApi(runtime.url, runtime);
  cluster = new ClusterView(runtime.kubeconfigPath!);
}, 30_000);

afterAll(async () => {
  await runtime?.stop();
});

const NAMES = GRAPH.map((s) => s.name);
/** Services the optimizer may move: all but the one kept in a rollout. */
const MOVABLE = NAMES.filter((n) => n !== 'ledger');

/** Stable pods of every service of the graph, read through client-node. */
async function stablePods(): Promise<Map<string, PodPlacement[]>> {
  const entries = await Promise.all(NAMES.map(async (n) => [n, (await cluster.servicePods(n)).filter((p) => (p.track ?? 'stable') === 'stable')] as const));
  return new Map(entries);
}

/** What the optimizer models: stable pods of the movable services, and every bound pod (canaries too) of a frozen one, its fixed pin. */
async function modelledPods(): Promise<Map<string, PodPlacement[]>> {
  const pods = await stablePods();
  pods.set(
    'ledger',
    (await cluster.servicePods('ledger')).filter((p) => p.node),
  );
  return pods;
}

/**
 * Network latency of one second of the graph's traffic between `services` (rps × ms), from where the
 * pods run: a call goes to a uniformly chosen replica, so an edge costs rps × the mean distance over
 * replica pairs.
 */
function communicationCost(pods: Map<string, PodPlacement[]>, services: readonly string[]): number {
  let total = 0;
  for (const caller of GRAPH.filter((s) => services.includes(s.name))) {
    for (const dep of caller.dependencies ?? []) {
      if (!services.includes(dep.service)) continue;
      const from = pods.get(caller.name) ?? [];
      const to = pods.get(dep.service) ?? [];
      let sum = 0;
      for (const a of from) for (const b of to) sum += a.node === b.node ? LATENCY_MS.sameNode : a.zone === b.zone ? LATENCY_MS.sameZone : LATENCY_MS.crossZone;
      total += (dep.rps * sum) / (from.length * to.length);
    }
  }
  return total;
}

/** Everything an optimizer run could change: pods (name → node), records (version, placement), Deployment generations. */
async function clusterAndRecords() {
  const pods = Object.fromEntries([...(await stablePods()).entries()].map(([s, ps]) => [s, ps.map((p) => `${p.name}@${p.node}`).sort()]));
  const records = Object.fromEntries(
    await Promise.all(NAMES.map(async (n) => [n, await api.service(n).then((r) => ({ version: r.version, placement: r.placement }))] as const)),
  );
  const generations = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, (await cluster.deployment(n))?.metadata?.generation] as const)));
  return { pods, records, generations };
}

/** The node of every replica once a run's moves are applied to the placement it started from. */
function plannedNodes(before: Map<string, PodPlacement[]>, moves: OptimizerRun['moves']): Record<string, string[]> {
  // The optimizer lists a service's replicas by node name; a move's replicaIndex indexes that list.
  const planned = Object.fromEntries([...before.entries()].map(([s, ps]) => [s, ps.map((p) => p.node!).sort()]));
  for (const m of moves) {
    expect(planned[m.service][m.replicaIndex]).toBe(m.fromNode);
    planned[m.service][m.replicaIndex] = m.toNode;
  }
  return planned;
}

const measured: Record<string, number> = {};
let initial: Map<string, PodPlacement[]>;
let ledgerDeploymentId: string;

describe('the optimizer on a chatty graph in the simulated cluster', () => {
  it('the scheduler, blind to traffic, spreads the graph: every service runs 2 Ready replicas', async () => {
    for (const s of GRAPH) await api.register(s);
    for (const s of GRAPH) await api.waitForReadyReplicas(s.name, 2);
    initial = await stablePods();
    measured.initialLatencyMsPerSecond = communicationCost(initial, MOVABLE);
    // Spread over zones, much of the traffic crosses them (1300 rps at 0.05 ms would be all on one node).
    expect(measured.initialLatencyMsPerSecond).toBeGreaterThan(1300 * 0.2);
    // Fill the telemetry window the runs below read observed call rates over.
    await runtime.sim!.advanceTime(TRAFFIC_WINDOW_SECONDS);
    // Registering the whole graph (each service now also applies its PodDisruptionBudget) takes ~30 s alone, more on a busy machine.
  }, 180_000);

  it('a rollout held at a manual gate keeps ledger busy (record carries the canary, canary pods run)', async () => {
    const accepted = await api.deploy('ledger', {
      image: 'registry.example.com/shop/ledger:1.1.0',
      rollout: {
        steps: [
          { weight: 50, pauseSeconds: 86_400, gate: 'manual' },
          { weight: 100, pauseSeconds: 0 },
        ],
        analysis: { intervalSeconds: 300 },
      },
    });
    ledgerDeploymentId = accepted.deploymentId;
    await waitFor(
      'ledger to hold its canary at 50% with every canary pod Ready',
      async () => {
        const { traffic } = await api.service('ledger');
        const canary = (await cluster.servicePods('ledger')).filter((p) => p.track === 'canary' && p.ready);
        return traffic?.deploymentId === ledgerDeploymentId && traffic.canaryWeight === 50 && canary.length === traffic.canaryReplicas ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
  });
});

describe('POST /v1/optimizer/runs {dryRun: true}', () => {
  let dryRun: OptimizerRun;
  let location: string | null;

  it('answers 202 with an operation; the run happens in the optimizer function, its operation succeeds and names the plan', async () => {
    const before = await clusterAndRecords();
    const res = await fetch(new URL('/v1/optimizer/runs', runtime.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dryRun: true, maxMoves: 3, timeLimitMs: 3_000, trafficWindowSeconds: TRAFFIC_WINDOW_SECONDS }),
    });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as RunAccepted;
    expect(res.headers.get('location')).toBe(`/v1/operations/${accepted.operationId}`);
    expect(accepted).toMatchObject({
      status: 'pending',
      runId: accepted.operationId,
      links: { operation: `/v1/operations/${accepted.operationId}`, run: `/v1/optimizer/runs/${accepted.runId}` },
    });
    const op = await api.succeeded(accepted);
    expect(op).toMatchObject({ kind: 'optimize', result: { runId: accepted.runId, status: 'planned' } });
    location = accepted.links.run;
    dryRun = await api.expect<OptimizerRun>(200, 'GET', location);
    expect(dryRun.id).toBe(accepted.runId);
    // Give the cluster a moment: anything the run had changed would start rolling now.
    await new Promise((r) => setTimeout(r, 300));
    expect(await clusterAndRecords()).toEqual(before);
  });

  it('reports the plan: solver, proven gap, time, cost before and after in latency and $/month, at most maxMoves moves', async () => {
    expect(dryRun).toMatchObject({ status: 'planned', dryRun: true, cluster: 'local', solver: 'ilp', solveStatus: 'optimal', appliedServices: [] });
    expect(dryRun.gap).toBeLessThanOrEqual(1e-6);
    expect(dryRun.solveTimeMs).toBeGreaterThan(0);
    expect(dryRun.moves.length).toBeGreaterThan(0);
    expect(dryRun.moves.length).toBeLessThanOrEqual(3);
    const before = dryRun.costBefore!;
    const after = dryRun.costAfterPlan!;
    // Every edge is modelled, cart → ledger too: the frozen ledger stays in as a fixed pin (stable and canary pods).
    expect(dryRun.traffic).toMatchObject({ edges: 5, windowSeconds: TRAFFIC_WINDOW_SECONDS });
    expect(dryRun.traffic!.observedEdges).toBeGreaterThanOrEqual(4);
    // The optimizer read the placement the cluster shows and the traffic the graph declares: its cost
    // matches one computed from the pods.
    const modelled = communicationCost(await modelledPods(), NAMES);
    expectNear(before.latencyMsPerSecond, modelled);
    expectNear(before.meanLatencyMs, modelled / totalRps(NAMES));
    expect(after.latencyMsPerSecond).toBeLessThan(before.latencyMsPerSecond);
    expect(after.meanLatencyMs).toBeLessThan(before.meanLatencyMs);
    expect(after.dollarsPerMonth).toBeLessThanOrEqual(before.dollarsPerMonth);
    expect(before.dollarsPerMonth).toBeGreaterThan(0);
    expect(dryRun.costOptimal!.total).toBeLessThanOrEqual(after.total + 1e-9);
    // Each move starts where a replica of that service runs now, and the moves save most first.
    for (const m of dryRun.moves) expect(initial.get(m.service)!.map((p) => p.node)).toContain(m.fromNode);
    expect(dryRun.moves.reduce((sum, m) => sum + m.costDelta, 0)).toBeCloseTo(after.total - before.total, 6);
  });

  it('leaves the service in a rollout alone and says why', () => {
    expect(dryRun.frozen).toEqual([{ service: 'ledger', reason: `rollout ${ledgerDeploymentId} is running` }]);
    expect(dryRun.moves.map((m) => m.service)).not.toContain('ledger');
  });

  it('GET /v1/optimizer/runs/{id} returns the stored run', async () => {
    expect(await api.expect(200, 'GET', location!)).toEqual(dryRun);
  });
});

describe('POST /v1/optimizer/runs (applied)', () => {
  const MAX_MOVES = 3;
  let applied: OptimizerRun;
  let before: Awaited<ReturnType<typeof clusterAndRecords>>;
  let after: Map<string, PodPlacement[]>;

  it(`applies at most maxMoves (${MAX_MOVES}) moves, each by evicting one pod: no record, no Deployment changes`, async () => {
    before = await clusterAndRecords();
    applied = await startRun({ maxMoves: MAX_MOVES, timeLimitMs: 3_000, trafficWindowSeconds: TRAFFIC_WINDOW_SECONDS });
    expect(applied).toMatchObject({ status: 'applied', dryRun: false });
    expect(applied.moves.length).toBeGreaterThan(0);
    expect(applied.moves.length).toBeLessThanOrEqual(MAX_MOVES);
    const done = (applied.appliedMoves ?? []).filter((m) => m.outcome === 'moved' || m.outcome === 'landedElsewhere');
    expect(applied.appliedServices).toEqual([...new Set(done.map((m) => m.service))].sort());
    expect(done.length).toBeGreaterThan(0);
    // Each move starts where a replica ran (plannedNodes checks it).
    plannedNodes(initial, applied.moves);
    const now = await clusterAndRecords();
    // Nothing but pods changed: records and Deployment generations are as before (no template change).
    expect(now.records).toEqual(before.records);
    expect(now.generations).toEqual(before.generations);
  });

  it('exactly one pod restarted per applied move; every other pod is the same pod on the same node', async () => {
    after = await stablePods();
    const done = (applied.appliedMoves ?? []).filter((m) => m.outcome === 'moved' || m.outcome === 'landedElsewhere');
    const beforeNames = new Set(
      Object.values(before.pods)
        .flat()
        .map((p) => p.split('@')[0]),
    );
    const afterNames = new Set([...after.values()].flat().map((p) => p.name));
    const gone = [...beforeNames].filter((n) => !afterNames.has(n)).sort();
    const added = [...afterNames].filter((n) => !beforeNames.has(n));
    expect(gone).toEqual(done.map((m) => m.pod!).sort());
    expect(added.length).toBe(done.length);
    for (const [service, ps] of after) expect(ps.filter((p) => p.ready).length, service).toBe(2);
    // Where each replacement landed: on its planned node unless the scheduler found it unfit.
    const landedAsPlanned = done.filter((m) => m.landedOn === m.toNode).length;
    measured.movesApplied = done.length;
    measured.podsRestartedPerMove = gone.length / done.length;
    measured.replacementsOnPlannedNode = landedAsPlanned;
    expect(landedAsPlanned).toBeGreaterThan(0);
  });

  it('the communication cost computed from the pods dropped', () => {
    measured.appliedLatencyMsPerSecond = communicationCost(after, MOVABLE);
    measured.plannedLatencyMsPerSecond = applied.costAfterPlan!.latencyMsPerSecond;
    measured.optimalLatencyMsPerSecond = applied.costOptimal!.latencyMsPerSecond;
    expect(measured.appliedLatencyMsPerSecond).toBeLessThan(measured.initialLatencyMsPerSecond);
    console.log(
      JSON.stringify({
        case: 'optimizer-e2e',
        rps: totalRps(MOVABLE),
        moves: applied.moves.length,
        solveTimeMs: Math.round(applied.solveTimeMs ?? 0),
        ...measured,
      }),
    );
  });

  it('the service in a rollout was not touched: frozen, same record, same Deployment', async () => {
    expect(applied.frozen.map((f) => f.service)).toEqual(['ledger']);
    const ledger = await api.service('ledger');
    expect(ledger.placement).toBeUndefined();
    expect(ledger.version).toBe(before.records.ledger.version);
    expect((await cluster.deployment('ledger'))?.metadata?.generation).toBe(before.generations.ledger);
    expect((await api.deployment('ledger', ledgerDeploymentId)).status).not.toMatch(/promoted|rolledBack|aborted|failed/);
  });

  it('every placement respects capacity and zone spread: nothing Pending, no node over its CPU, ≥ 2 zones per service', async () => {
    const pods = await cluster.pods('app.kubernetes.io/managed-by=meshplane');
    expect(pods.filter((p) => !p.node || !p.ready).map((p) => p.name)).toEqual([]);
    const cpuPerNode = new Map<string, number>();
    for (const p of pods) cpuPerNode.set(p.node!, (cpuPerNode.get(p.node!) ?? 0) + CPU);
    for (const [node, cpu] of cpuPerNode) expect(cpu, node).toBeLessThanOrEqual(1_000);
    for (const [service, ps] of after) expect(new Set(ps.map((p) => p.zone)).size, service).toBeGreaterThanOrEqual(2);
  });

  it('the next run starts from the improved placement', async () => {
    const next = await startRun({ dryRun: true, timeLimitMs: 3_000, trafficWindowSeconds: TRAFFIC_WINDOW_SECONDS });
    expectNear(next.costBefore!.latencyMsPerSecond, communicationCost(await modelledPods(), NAMES));
    expect(communicationCost(await stablePods(), MOVABLE)).toBeLessThan(measured.initialLatencyMsPerSecond);
  });
});

describe('bad requests', () => {
  it('an unknown run id is 404', async () => {
    const res = await api.request('GET', '/v1/optimizer/runs/opt-does-not-exist');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('an invalid body is 400 and lists every problem', async () => {
    const res = await api.request('POST', '/v1/optimizer/runs', {
      dryRun: 'yes',
      maxMoves: -1,
      solver: 'quantum',
      timeLimitMs: 5,
      migrationCost: -2,
      cluster: 7,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.problems.map((p: { path: string }) => p.path).sort()).toEqual([
      'cluster',
      'dryRun',
      'maxMoves',
      'migrationCost',
      'solver',
      'timeLimitMs',
    ]);
  });
});

describe('the CLI', () => {
  const cli = (...args: string[]) => runProcess(process.execPath, ['bin/meshplane.mjs', ...args, '--api', runtime.url], { cwd: ROOT, timeoutMs: 30_000 });

  it('optimize --dry-run prints the plan for people and changes nothing', async () => {
    const before = await clusterAndRecords();
    const result = await cli('optimize', '--dry-run', '--max-moves', '2');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const id = result.stdout.match(/^optimizer run (\S+): /)?.[1];
    expect(id, result.stdout).toBeDefined();
    const stored = await api.expect<OptimizerRun>(200, 'GET', `/v1/optimizer/runs/${id}`);
    expect(stored.dryRun).toBe(true);
    expect(stored.moves.length).toBeLessThanOrEqual(2);
    expect(result.stdout).toContain(`${stored.costBefore!.meanLatencyMs.toFixed(3)} ms`);
    expect(result.stdout).toContain(`${stored.costBefore!.dollarsPerMonth.toFixed(2)} $/month`);
    for (const m of stored.moves) expect(result.stdout).toMatch(new RegExp(`^${m.service}\\s+${m.replicaIndex}\\s+${m.fromNode}\\s+${m.toNode}\\s`, 'm'));
    expect(result.stdout).toMatch(/ledger: rollout .* is running/);
    expect(result.stdout).toContain(`${stored.traffic!.edges} traffic edges, ${stored.traffic!.observedEdges} at rates observed over the last 600 s`);
    expect(await clusterAndRecords()).toEqual(before);
  });

  it('optimize --json prints the run; optimizer get RUN_ID --json prints the same stored run; optimizer runs lists it first', async () => {
    const planned = await cli('optimize', '--dry-run', '--json');
    expect(planned.code).toBe(0);
    const run = JSON.parse(planned.stdout) as OptimizerRun;
    expect(run.dryRun).toBe(true);
    const got = await cli('optimizer', 'get', run.id, '--json');
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual(run);
    const listed = await cli('optimizer', 'runs');
    expect(listed.code).toBe(0);
    // Newest first; a scheduled run may have finished since, so the line is looked for, not taken as the first.
    expect(listed.stdout).toMatch(new RegExp(`^${run.id}\\s.*\\(dry run\\)`, 'm'));
  });

  it.each([
    { args: ['optimize', '--max-moves', 'lots'], stderr: /--max-moves must be a whole number/ },
    { args: ['optimizer', 'get', 'opt-nope'], stderr: /optimizer run "opt-nope" does not exist/ },
    { args: ['optimizer', 'get'], stderr: /needs a RUN_ID/ },
  ])('meshplane $args exits 1 with a clear message', async ({ args, stderr }) => {
    const result = await cli(...args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(stderr);
  });
});

/** What `POST /v1/optimizer/runs` answers (202). */
interface RunAccepted {
  operationId: string;
  runId: string;
  status: 'pending';
  links: { operation: string; run: string };
}

/** Starts a run through the API, waits for its operation, and reads the plan back. */
async function startRun(body: Record<string, unknown>): Promise<OptimizerRun> {
  const accepted = await api.expect<RunAccepted>(202, 'POST', '/v1/optimizer/runs', body);
  await api.succeeded(accepted);
  return api.expect<OptimizerRun>(200, 'GET', accepted.links.run);
}

function totalRps(services: readonly string[]): number {
  return GRAPH.filter((s) => services.includes(s.name)).reduce(
    (sum, s) => sum + (s.dependencies ?? []).filter((d) => services.includes(d.service)).reduce((n, d) => n + d.rps, 0),
    0,
  );
}
